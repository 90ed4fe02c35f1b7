#pragma once

#include "store/cacheentry.h"

#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <limits>
#include <optional>

namespace cachette::store {

class Connection;

// Sums over request-log lines. Spent and saved are kept apart: a hit's tokens are tokens saved,
// never tokens spent, and a hit never adds to costUsd (see RequestLogRecord).
struct UsageTotals
{
    qint64 requests = 0;             // every logged line: hits, misses, refreshes, bypasses, errors
    qint64 hits = 0;                 // served from the cache (coalesced followers included)
    qint64 promptTokens = 0;         // spent: lines that went upstream
    qint64 completionTokens = 0;     // spent
    qint64 tokensSaved = 0;          // prompt + completion tokens of the hits' answers
    qint64 savedMs = 0;              // upstream time the hits spared
    // Money in USD. nullopt ("no price") when not one line had a money figure; otherwise the
    // sum of the lines that had one (unpricedRequests says how many did not).
    std::optional<double> costUsd;
    std::optional<double> savedUsd;
    qint64 unpricedRequests = 0;
    qint64 estimatedRequests = 0;    // lines whose token counts are estimates

    double hitRate() const { return requests > 0 ? double(hits) / double(requests) : 0.0; }
    void add(const UsageTotals &other);
};

struct ModelUsage
{
    QString model;
    UsageTotals usage;
};

struct RouteUsage
{
    QString route;                   // "" = the default /v1
    UsageTotals usage;
};

struct UsageReport
{
    QList<ModelUsage> models;        // by model name
    UsageTotals totals;
};

// One model's sums over one time bucket, for charts.
struct BucketRow
{
    qint64 startMs = 0;              // the bucket covers [startMs, startMs + bucketMs)
    QString model;
    UsageTotals usage;
};

// Aggregates the request log in SQL over a read-only connection of its own, so it can run in
// another process (the CLI) or on another thread (the GUI) while a proxy writes: WAL readers
// never block the writer, and busy_timeout rides out a checkpoint. One instance per thread.
// Whole hours are read from request_log_hourly (sums kept by triggers, schema version 3), only
// partial hours from the lines: a million lines aggregate in tens of milliseconds.
// Time ranges are [fromMs, toMs) in ms since the epoch; kOpenEnd leaves the end open.
class UsageStats
{
public:
    static constexpr qint64 kOpenEnd = std::numeric_limits<qint64>::max();

    UsageStats();
    ~UsageStats();
    Q_DISABLE_COPY_MOVE(UsageStats)

    // Fails (with *error) when the file does not exist (read-only never creates it) or was not
    // yet migrated to schema version 3 (run Cachette once to upgrade it).
    bool open(const QString &databasePath, QString *error = nullptr);
    void close();
    bool isOpen() const;

    // On failure these return nothing and set *error.
    std::optional<UsageReport> report(qint64 fromMs, qint64 toMs, QString *error = nullptr) const;
    // The same sums per provider route, by route name. Read from the lines (the hourly sums
    // are per model only), which the ts index keeps to the range asked.
    std::optional<QList<RouteUsage>> reportByRoute(qint64 fromMs, qint64 toMs,
                                                   QString *error = nullptr) const;
    // Buckets of bucketMs counted from fromMs (pass a local midnight to get local days), one row
    // per bucket and model that has lines, ordered by bucket then model. modelFilter "" = all.
    QList<BucketRow> series(qint64 fromMs, qint64 toMs, qint64 bucketMs,
                            const QString &modelFilter = {}, QString *error = nullptr) const;
    // Every line in the range, oldest first; visit returns false to stop early.
    bool forEachRequest(qint64 fromMs, qint64 toMs,
                        const std::function<bool(const RequestLogRecord &)> &visit,
                        QString *error = nullptr) const;

private:
    QString connectionName() const;

    std::unique_ptr<Connection> m_connection;
};

} // namespace cachette::store
