#pragma once

#include <QLatin1String>
#include <QStringView>

#include <array>
#include <optional>

namespace cachette::store {

// How the proxy answered one request: the request log's outcome column, the X-Cachette header,
// the Requests page's filter. The names are stored and sent, so they never change; a new kind
// is added at the end.
enum class Outcome {
    Hit,           // the exact request was in the cache
    SemanticHit,   // a similar enough request was
    Miss,          // asked upstream, the answer stored
    Refresh,       // Cache-Control: no-cache: asked upstream although cached, stored again
    Bypass,        // not cacheable (or caching off): relayed, nothing stored
    Error,         // the proxy or the provider failed the request
};

inline constexpr std::array kAllOutcomes{Outcome::Hit,     Outcome::SemanticHit, Outcome::Miss,
                                         Outcome::Refresh, Outcome::Bypass,      Outcome::Error};

// "hit", "semantic-hit", "miss", "refresh", "bypass", "error".
QLatin1String outcomeName(Outcome outcome);
// The inverse of outcomeName; nullopt for anything else.
std::optional<Outcome> parseOutcome(QStringView name);

// Answered from the cache, exactly or by similarity: spends nothing, saves the answer's cost.
constexpr bool isHit(Outcome outcome)
{
    return outcome == Outcome::Hit || outcome == Outcome::SemanticHit;
}

} // namespace cachette::store
