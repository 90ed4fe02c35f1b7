#include "costcalculator.h"

#include "pricebook.h"

#include <QtGlobal>

namespace cachette::pricing {

namespace {

constexpr double kPerMillion = 1'000'000.0;

bool isSuccess(int status) { return status >= 200 && status < 300; }

bool hasUsage(const store::TokenUsage &usage) { return usage.known || usage.estimated; }

// Writing to the provider's prompt cache costs more than plain input. Anthropic's list prices:
// a write kept five minutes costs 1.25x the input price, one kept an hour 2x. costUsd() already
// counts the writes once at the input price, so this is only the extra, in USD x 1e6.
double cacheWriteSurcharge(const ModelPrice &price, const store::TokenUsage &usage)
{
    const qint64 writes = qMax<qint64>(0, usage.cacheWriteTokens);
    const qint64 longWrites = qBound<qint64>(0, usage.longCacheWriteTokens, writes);
    return (double(writes - longWrites) * 0.25 + double(longWrites) * 1.0) * price.inputPerMillion;
}

} // namespace

double costUsd(const ModelPrice &price, const store::TokenUsage &usage)
{
    const qint64 cached = qBound<qint64>(0, usage.cachedPromptTokens, usage.promptTokens);
    const qint64 uncached = usage.promptTokens - cached;
    return (double(uncached) * price.inputPerMillion + double(cached) * price.cachedRate()
            + cacheWriteSurcharge(price, usage)
            + double(usage.completionTokens) * price.outputPerMillion)
           / kPerMillion;
}

std::optional<double> answerCost(const PriceBook &book, const QString &model,
                                 const store::TokenUsage &usage, double reportedUsd)
{
    if (reportedUsd >= 0)
        return reportedUsd;
    const std::optional<ModelPrice> price = book.find(model);
    if (!price)
        return std::nullopt;
    return costUsd(*price, usage);
}

void priceLogRecord(store::RequestLogRecord &record, const store::CacheEntry *answer,
                    const PriceBook &book)
{
    if (answer)
        record.usage = answer->usage;
    const double reported = answer ? answer->costUsd : -1;
    std::optional<double> cost = answerCost(book, record.model, record.usage, reported);
    const bool hit = store::isHit(record.outcome);
    // No token counts would price a delivered answer as free: it is "unknown" instead.
    if (reported < 0 && !hasUsage(record.usage) && (hit || isSuccess(record.status)))
        cost.reset();
    if (hit) {
        const qint64 originalMs = answer ? answer->upstreamLatencyMs
                                         : record.upstreamLatencyUs / 1000;
        record.costUsd = 0.0;
        record.savedUsd = cost;
        record.savedMs = qMax<qint64>(0, originalMs - record.latencyUs / 1000);
    } else {
        record.costUsd = cost;
        record.savedUsd = 0.0;
        record.savedMs = 0;
    }
    record.priceKnown = cost.has_value();
}

} // namespace cachette::pricing
