#include "semanticcache.h"

// The second and third stages of a lookup: the match verifier's word on the index's candidates,
// and the optional model check for the ones it cannot decide.

#include <algorithm>

namespace cachette::semantic {

void SemanticCache::setModelCheck(const ModelCheckConfig &config)
{
    if (m_checker && m_checker->config() == config)
        return;
    delete m_checker;
    m_checker = config.isOn() ? new ModelChecker(config, this) : nullptr;
}

// Candidates above the threshold, most similar first; the first the verifier accepts is the
// hit. The query's facts are worked out only when some candidate is above the threshold.
void SemanticCache::judgeCandidates(Decision &decision, const QString &queryText,
                                    const std::vector<quint32> &ids) const
{
    std::optional<PromptFacts> queryFacts;
    const VerifierOptions options{decision.strict, m_settings.guards};
    auto verify = [&](size_t i) {
        if (!queryFacts)
            queryFacts = m_verifier.factsOf(queryText);
        Candidate &candidate = decision.candidates[i];
        const Verdict verdict = m_verifier.verify(*queryFacts, factsOf(ids[i]), options);
        candidate.refusedBy = verdict.refusal;
        candidate.refusal = verdict.detail;
        candidate.undecided = verdict.undecided;
        return verdict.accepted();
    };
    for (size_t i = 0; i < decision.candidates.size(); ++i) {
        Candidate &candidate = decision.candidates[i];
        if (!candidate.aboveThreshold)
            break;
        if (verify(i)) {
            decision.outcome = Decision::Outcome::Hit;
            decision.match = Match{candidate.entryKey, candidate.similarity, candidate.prompt};
            return;
        }
        if (decision.guard == Guard::None) {
            decision.guard = candidate.refusedBy;
            decision.refusal = candidate.refusal;
        }
    }
    if (decision.guard != Guard::None) {
        decision.outcome = Decision::Outcome::Refused;
        decision.reason = QStringLiteral("refused (%1)").arg(decision.refusal);
        return;
    }
    // Nothing above the threshold: the nearest is verified anyway (tens of µs) when it is within
    // what the Thresholds page offers, so the log says whether a lower threshold would have
    // served it or the verifier would still have refused (the what-if replay reads it).
    if (!decision.candidates.empty() && decision.candidates.front().similarity >= kWhatIfFloor) {
        verify(0);
        decision.refusal = decision.candidates.front().refusal;
    }
}

const PromptFacts &SemanticCache::factsOf(quint32 id) const
{
    const Entry &entry = m_entries[id];
    if (!entry.facts)
        entry.facts = std::make_unique<PromptFacts>(m_verifier.factsOf(entry.text));
    return *entry.facts;
}

// A refusal the verifier could not decide (a rewording) goes to the model check, when one is
// configured: one question per lookup, about the most similar such candidate.
void SemanticCache::checkWithModel(Decision decision, const QString &queryText,
                                   QPointer<QObject> receiver,
                                   std::function<void(const Decision &)> done)
{
    const auto undecided = std::find_if(decision.candidates.begin(), decision.candidates.end(),
                                        [](const Candidate &c) { return c.aboveThreshold && c.undecided; });
    if (!m_checker || decision.outcome != Decision::Outcome::Refused
        || undecided == decision.candidates.end()) {
        done(decision);
        return;
    }
    const Candidate candidate = *undecided;
    QPointer<SemanticCache> self(this);
    m_checker->check(queryText, candidate.prompt, [=](bool same, const QString &why) mutable {
        if (!self || !receiver)
            return;
        if (same) {
            decision.outcome = Decision::Outcome::Hit;
            decision.match = Match{candidate.entryKey, candidate.similarity, candidate.prompt};
            decision.guard = Guard::None;
            decision.refusal.clear();
        } else {
            decision.refusal += QStringLiteral("; ") + why;
        }
        decision.reason = why;
        done(decision);
    });
}

} // namespace cachette::semantic
