#pragma once

#include <QString>

// bench_semantic pairs [semantic_pairs.json]: hard negatives and paraphrases through the
// semantic cache and its match verifier, per threshold; and the verifier's cost.
QString defaultPairsPath();
void nearTwins(const QString &path);
