#include "thresholdmath.h"

#include <QLocale>

#include <cmath>

namespace cachette::ui {

QList<TunerCandidate> tunerCandidates(const semantic::Decision &decision, const QString &query,
                                      const semantic::SemanticSettings &settings)
{
    QList<TunerCandidate> candidates;
    const semantic::MatchVerifier verifier({}, settings.refusalRules);
    const semantic::PromptFacts queryFacts = verifier.factsOf(query);
    const semantic::VerifierOptions options{decision.strict, settings.guards};
    for (const semantic::Candidate &c : decision.candidates) {
        const semantic::Verdict verdict =
            verifier.verify(queryFacts, verifier.factsOf(c.prompt), options);
        candidates.append({c.entryKey, c.prompt, c.similarity, verdict.refusal, verdict.detail});
    }
    return candidates;
}

int hitAt(const QList<TunerCandidate> &candidates, float threshold)
{
    if (threshold >= 1.0f)
        return -1;   // 1.00 turns semantic matching off
    for (int i = 0; i < candidates.size(); ++i) {
        if (candidates.at(i).similarity < threshold)
            return -1;   // nearest first: nothing further down is above either
        if (candidates.at(i).guard == semantic::Guard::None)
            return i;
    }
    return -1;
}

WhatIfResult whatIf(const QList<store::RequestLogRecord> &log,
                    const semantic::SemanticSettings &current, const QString &model,
                    float candidate)
{
    WhatIfResult result;
    for (const store::RequestLogRecord &r : log) {
        const bool hitNow = r.outcome == store::Outcome::SemanticHit;
        if (r.similarity < 0 || (!hitNow && r.outcome != store::Outcome::Miss))
            continue;
        const bool inScope = model.isEmpty() ? !current.modelThresholds.contains(r.model)
                                             : r.model == model;
        if (!inScope)
            continue;
        ++result.examined;
        if (!r.semanticGuard.isEmpty() && !hitNow)
            continue;   // the verifier refused it: no threshold makes it a hit
        const bool hitThen = candidate < 1.0f && r.similarity >= candidate;
        if (hitThen == hitNow)
            continue;
        result.changes.append({r, current.thresholdFor(r.model), hitThen});
        ++(hitThen ? result.gained : result.lost);
    }
    return result;
}

float stricterThreshold(double similarity)
{
    // Round up to the next hundredth strictly above: 0.912 → 0.92, 0.90 → 0.91.
    const double next = std::floor(similarity * 100 + 1e-6) / 100 + 0.01;
    return float(qMin(1.0, next));
}

QString percent(double similarity)
{
    return QLocale().toString(similarity * 100, 'f', 1) + QStringLiteral(" %");
}

QString thresholdText(double value)
{
    return QString::number(value, 'f', 2);
}

} // namespace cachette::ui
