#pragma once

#include "modelprice.h"
#include "store/cacheentry.h"

#include <optional>

namespace cachette::pricing {

class PriceBook;

// USD for usage at price: uncached prompt tokens at the input price, cached prompt tokens at
// the cached-input price (the input price when the model has none), completion tokens at the
// output price, prompt-cache writes (Anthropic) at 1.25x the input price (2x kept an hour);
// prices are per million tokens.
double costUsd(const ModelPrice &price, const store::TokenUsage &usage);

// What one answer cost: the upstream's own figure when it sent one (reportedUsd ≥ 0, e.g.
// OpenRouter's usage.cost, which knows discounts and surcharges a table cannot), else usage at
// the model's price; nullopt when the model has no price.
std::optional<double> answerCost(const PriceBook &book, const QString &model,
                                 const store::TokenUsage &usage, double reportedUsd = -1);

// Fills the money fields of a request-log line from its outcome, status and usage.
// answer: the entry that served the hit, or that this request's upstream call just stored
// (nullptr when none); its usage (estimated when the upstream sent none) and cost win.
//   hit       costUsd 0, savedUsd = the answer's cost, savedMs = the answer's upstream time
//             minus this request's latency (a coalesced follower waited for part of it)
//   otherwise savedUsd 0, costUsd = the call's cost (0 for a failed call without usage)
// A delivered answer (a hit, or a 2xx) without any token counts or reported cost has an
// unknown cost (nullopt) rather than a free one. priceKnown says whether the figure is known.
void priceLogRecord(store::RequestLogRecord &record, const store::CacheEntry *answer,
                    const PriceBook &book);

} // namespace cachette::pricing
