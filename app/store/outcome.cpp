#include "outcome.h"

namespace cachette::store {

QLatin1String outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Hit: return QLatin1String("hit");
    case Outcome::SemanticHit: return QLatin1String("semantic-hit");
    case Outcome::Miss: return QLatin1String("miss");
    case Outcome::Refresh: return QLatin1String("refresh");
    case Outcome::Bypass: return QLatin1String("bypass");
    case Outcome::Error: return QLatin1String("error");
    }
    return QLatin1String("error");
}

std::optional<Outcome> parseOutcome(QStringView name)
{
    for (Outcome outcome : kAllOutcomes) {
        if (name == outcomeName(outcome))
            return outcome;
    }
    return std::nullopt;
}

} // namespace cachette::store
