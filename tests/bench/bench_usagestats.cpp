// Request-log aggregation (issue #5): `cachette stats` and the dashboard's series over a log of
// one million lines, and what the hourly sums cost each logged request.
//
//   cmake --preset bench && cmake --build --preset bench --target bench_usagestats
//   build/bench/tests/bench/bench_usagestats --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one command line)
//
// The log: 1,000,000 lines over the last 90 days (one every 7.8 s), 20 models used evenly, 30 %
// hits; that spread is the hourly table's worst case (20 × 2 outcomes × 2,160 hours of groups).

#include "store/database.h"
#include "store/schema.h"
#include "store/usagestats.h"

#include <QDateTime>
#include <QDir>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>

using namespace cachette::store;

namespace {

constexpr qint64 kLines = 1'000'000;
constexpr qint64 kHour = 3'600'000;
constexpr qint64 kDay = 24 * kHour;
constexpr qint64 kSpan = 90 * kDay;

// Inserts `count` lines ending at endMs, the way the writer does: through the triggers.
void insertLines(const QSqlDatabase &db, qint64 count, qint64 endMs)
{
    QString error;
    QSqlQuery insert(db);
    const QString sql = QStringLiteral(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %1 - 1), "
        "lines AS (SELECT i, abs(random()) %% 10 < 3 AS hit, abs(random()) %% 20 AS m, "
        "          (abs(random()) %% 1000) / 1e6 AS usd FROM n) "
        "INSERT INTO request_log (ts, endpoint, model, outcome, prompt_tokens, completion_tokens, "
        "  usage_known, latency_us, upstream_latency_us, status, entry_key, streamed, cost_usd, "
        "  saved_usd, saved_ms, price_known) "
        "SELECT %2 + i * %3, 'chat/completions', 'model-' || m, IIF(hit, 'hit', 'miss'), "
        "  abs(random()) %% 4000, abs(random()) %% 800, 1, abs(random()) %% 100000, "
        "  IIF(hit, 0, abs(random()) %% 100000), 200, lower(hex(randomblob(32))), i %% 2, "
        "  IIF(hit, 0, IIF(m = 19, NULL, usd)), IIF(hit, IIF(m = 19, NULL, usd), 0), "
        "  IIF(hit, 900, 0), m <> 19 FROM lines")
                            .arg(count).arg(endMs - count * (kSpan / kLines)).arg(kSpan / kLines)
                            .replace(QStringLiteral("%%"), QStringLiteral("%"));
    if (!exec(db, QStringLiteral("BEGIN"), &error) || !prepare(insert, sql, &error)
        || !exec(insert, &error) || !exec(db, QStringLiteral("COMMIT"), &error))
        qFatal("generating the log failed: %s", qPrintable(error));
}

// One database with a million lines, made once for every benchmark.
struct Log
{
    Log()
    {
        path = QDir(dir.path()).filePath(QStringLiteral("cachette.sqlite"));
        Connection connection;
        QString error;
        if (!connection.open(path, QStringLiteral("bench"), &error)
            || !schema::migrate(connection.database(), &error))
            qFatal("%s", qPrintable(error));
        std::fprintf(stderr, "generating %lld request-log lines…\n", kLines);
        insertLines(connection.database(), kLines, now);
        exec(connection.database(), QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"), &error);
        if (!stats.open(path, &error))
            qFatal("%s", qPrintable(error));
    }

    QTemporaryDir dir;
    QString path;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    UsageStats stats;
};

Log &log()
{
    static Log instance;
    return instance;
}

void checkReport(benchmark::State &state, qint64 fromMs)
{
    const std::optional<UsageReport> report = log().stats.report(fromMs, UsageStats::kOpenEnd);
    if (!report)
        state.SkipWithError("report failed");
    else
        benchmark::DoNotOptimize(report->totals.requests);
}

void reportAllTime(benchmark::State &state)
{
    log();
    for (auto _ : state)
        checkReport(state, 0);
}

void reportLast7Days(benchmark::State &state)
{
    const qint64 from = log().now - 7 * kDay;
    for (auto _ : state)
        checkReport(state, from);
}

void reportLast24Hours(benchmark::State &state)
{
    const qint64 from = log().now - kDay;
    for (auto _ : state)
        checkReport(state, from);
}

void series(benchmark::State &state, qint64 span, qint64 bucket, qint64 offset)
{
    // Buckets start on a (UTC) midnight, as the dashboard asks; offset moves them off the hour.
    const qint64 from = (log().now - span) / kDay * kDay + offset;
    for (auto _ : state) {
        const QList<BucketRow> rows = log().stats.series(from, UsageStats::kOpenEnd, bucket);
        benchmark::DoNotOptimize(rows.size());
        state.counters["rows"] = double(rows.size());
    }
}

void seriesHourly7Days(benchmark::State &state) { series(state, 7 * kDay, kHour, 0); }
void seriesDaily90Days(benchmark::State &state) { series(state, 91 * kDay, kDay, 0); }
// A UTC+5:30 midnight is not on an hour: the hourly sums cannot be used, the lines are summed.
void seriesDaily90DaysOffHour(benchmark::State &state) { series(state, 91 * kDay, kDay, kHour / 2); }

// The reference: GROUP BY over the lines themselves, what the hourly table saves.
void groupByOverLines(benchmark::State &state)
{
    const QString name = QStringLiteral("raw");
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(log().path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        db.open();
        for (auto _ : state) {
            QSqlQuery query(db);
            query.setForwardOnly(true);
            query.exec(QStringLiteral(
                "SELECT model, outcome, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), "
                "TOTAL(cost_usd), TOTAL(saved_usd), SUM(saved_ms), SUM(price_known) "
                "FROM request_log WHERE ts >= 0 GROUP BY model, outcome"));
            int groups = 0;
            while (query.next())
                ++groups;
            benchmark::DoNotOptimize(groups);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

// What the hourly sums add to logging: 1,000 lines in one transaction (the writer's batches),
// with the trigger and, for comparison, without.
void insertThousand(benchmark::State &state)
{
    const bool withTrigger = state.range(0) != 0;
    QTemporaryDir dir;
    Connection connection;
    QString error;
    if (!connection.open(QDir(dir.path()).filePath(QStringLiteral("insert.sqlite")),
                         QStringLiteral("insert"), &error)
        || !schema::migrate(connection.database(), &error))
        qFatal("%s", qPrintable(error));
    if (!withTrigger)
        exec(connection.database(), QStringLiteral("DROP TRIGGER request_log_hourly_insert"), &error);
    qint64 end = QDateTime::currentMSecsSinceEpoch();
    for (auto _ : state)
        insertLines(connection.database(), 1000, end += kHour);
    state.SetItemsProcessed(state.iterations() * 1000);
}

} // namespace

BENCHMARK(reportAllTime)->Unit(benchmark::kMillisecond);
BENCHMARK(reportLast7Days)->Unit(benchmark::kMillisecond);
BENCHMARK(reportLast24Hours)->Unit(benchmark::kMillisecond);
BENCHMARK(seriesHourly7Days)->Unit(benchmark::kMillisecond);
BENCHMARK(seriesDaily90Days)->Unit(benchmark::kMillisecond);
BENCHMARK(seriesDaily90DaysOffHour)->Unit(benchmark::kMillisecond);
BENCHMARK(groupByOverLines)->Unit(benchmark::kMillisecond);
BENCHMARK(insertThousand)->Arg(1)->Arg(0)->ArgNames({"hourly_trigger"})->Unit(benchmark::kMillisecond);
