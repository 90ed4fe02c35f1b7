#pragma once

#include "guards.h"
#include "matchverifier.h"
#include "promptcontext.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>

namespace cachette::semantic {

// The global default threshold for the local embedder, chosen on the benchmarks (docs/
// benchmarks.md, "Semantic cache" and "Match verifier"). It was 0.85, the most precise point of
// the similarity curve alone; since every candidate also passes the match verifier (no wrong hit
// on the hard-negative pairs at any threshold down to 0.50), the threshold only decides which
// candidates are worth verifying, and 0.80 serves more paraphrases (47 % of the hand-made ones
// against 42 %) while staying above the 0.65 where unrelated prompts first came close.
constexpr float kDefaultThreshold = 0.80f;

// When the match verifier is strict (every word matched, verbs as written): where a wrong hit
// would be executed. Requests with tools get back tool calls an agent runs.
enum class StrictMatching { WithTools, Always, Never };

// What the Thresholds view edits. Thresholds are cosine similarities in [0, 1]: higher is
// stricter; 1.0 (or more) turns semantic matching off (the exact lookup still runs).
struct SemanticSettings
{
    bool enabled = true;
    float threshold = kDefaultThreshold;
    QHash<QString, float> modelThresholds;   // per-model overrides of threshold
    QSet<QString> wholeConversationModels;   // compare the whole conversation for these models
    GuardOptions guards;
    int candidates = 5;                      // nearest entries examined and reported
    StrictMatching strict = StrictMatching::WithTools;
    QHash<QString, StrictMatching> modelStrict;   // per-model overrides of strict
    QList<RefusalRule> refusalRules;         // taught by "wrong hit"; the user can remove them

    bool isStrictFor(const QString &model, bool hasTools) const
    {
        const StrictMatching mode = modelStrict.value(model, strict);
        return mode == StrictMatching::Always || (mode == StrictMatching::WithTools && hasTools);
    }

    float thresholdFor(const QString &model) const
    {
        return modelThresholds.value(model, threshold);
    }
    bool isOnFor(const QString &model) const { return enabled && thresholdFor(model) < 1.0f; }
    CompareScope scopeFor(const QString &model) const
    {
        return wholeConversationModels.contains(model) ? CompareScope::WholeConversation
                                                       : CompareScope::LastUserMessage;
    }
    // True when after matches some model by similarity that before did not: entries stored
    // meanwhile (not embedded, see SemanticCache::add()) then need their vectors.
    static bool turnsMatchingOn(const SemanticSettings &before, const SemanticSettings &after)
    {
        if (!after.enabled)
            return false;
        if (!before.enabled || (before.threshold >= 1.0f && after.threshold < 1.0f))
            return true;
        for (const QHash<QString, float> *models : {&before.modelThresholds, &after.modelThresholds}) {
            for (auto it = models->cbegin(); it != models->cend(); ++it) {
                if (after.isOnFor(it.key()) && !before.isOnFor(it.key()))
                    return true;
            }
        }
        return false;
    }
};

} // namespace cachette::semantic
