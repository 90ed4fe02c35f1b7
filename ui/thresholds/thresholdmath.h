#pragma once

#include "semantic/semanticcache.h"
#include "store/cacheentry.h"

#include <QList>
#include <QString>

namespace cachette::ui {

// One of the nearest cached prompts in the tuner. The verifier's verdict is worked out here for
// every candidate (the engine only checks those above its threshold), so moving the slider
// needs no new lookup.
struct TunerCandidate
{
    QByteArray entryKey;
    QString prompt;
    float similarity = 0;
    semantic::Guard guard = semantic::Guard::None;
    QString refusal;   // "antonym: create ≠ delete"; empty when the verifier accepts it
};

// With the engine's settings: its guards, its learned rules, and strict as decision was.
QList<TunerCandidate> tunerCandidates(const semantic::Decision &decision, const QString &query,
                                      const semantic::SemanticSettings &settings);
// The candidate that would be served at threshold (as the engine judges: the most similar one
// above it that no guard refuses), or -1.
int hitAt(const QList<TunerCandidate> &candidates, float threshold);

// What-if replay of the request log at another threshold.
struct WhatIfChange
{
    store::RequestLogRecord record;
    float threshold = 0;   // the one in force for its model now
    bool gained = false;   // a semantic hit it was not; else a semantic hit it would no longer be
};

struct WhatIfResult
{
    int examined = 0;   // rows in scope with a similarity
    int gained = 0;
    int lost = 0;
    QList<WhatIfChange> changes;   // newest first
};

// model empty: the candidate replaces the default threshold (models with their own keep it);
// else it replaces that model's. The engine verifies the nearest candidate of every lookup (down
// to a similarity of 0.5), so a row the verifier refused is never counted as gained.
WhatIfResult whatIf(const QList<store::RequestLogRecord> &log,
                    const semantic::SemanticSettings &current, const QString &model,
                    float candidate);

// A threshold that would have refused a wrong hit at this similarity (one step above it).
float stricterThreshold(double similarity);

QString percent(double similarity);     // 0.934 → "93.4 %"
QString thresholdText(double value);    // 0.85 → "0.85"

} // namespace cachette::ui
