// Times the dashboard over a request log of a million lines (issue #5): UsageStats' report()
// and series() for each range the page offers, with the windows and buckets the page uses, and
// the whole page: a refresh (every query, the tiles, the charts' data) and a refresh painted.
// A plain Qt program rather than Google Benchmark, like browser_bench: it builds one large
// database and times whole GUI operations on it, printing the median, min and max of runs.
//
//   dashboard_bench [--lines N] [--days D] [--data-dir DIR] [--runs N]
//
// Without --data-dir it builds a temporary database of N lines (default 1,000,000) over the
// last D days (default 90) and deletes it at the end; with --data-dir it reuses
// DIR/cachette.sqlite, building it first if it does not exist.

#include "dashboard/bucketcharts.h"
#include "dashboard/dashboardview.h"
#include "dashboard/timewindow.h"
#include "host/enginehost.h"
#include "store/database.h"
#include "store/store.h"
#include "store/usagestats.h"

#include "timing.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtCharts/QBarSet>
#include <QtCharts/QStackedBarSeries>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace cachette;
using ui::RangeKind;

namespace {

using bench::measure;
using bench::Result;

void reportRow(const QString &what, const Result &r)
{
    bench::report(what, r, 52);
}

// Twelve models, used unevenly (the minimum of two uniform picks: gpt-4o most, the last
// least), 30 % hits, one model without a price (a local llama). Lines are spread evenly over
// the span, so "Today" holds about N / days of them. MATERIALIZED: each line's random picks
// are drawn once, not again wherever the CTE's columns are used.
const char *kBulkInsert = R"(
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1),
names(m, name) AS (VALUES (0, 'gpt-4o'), (1, 'gpt-4o-mini'), (2, 'claude-3-5-sonnet'),
    (3, 'gpt-4.1'), (4, 'o3-mini'), (5, 'gemini-1.5-pro'), (6, 'llama3.1:8b'),
    (7, 'mistral-large'), (8, 'deepseek-chat'), (9, 'gpt-4.1-nano'), (10, 'claude-3-haiku'),
    (11, 'text-embedding-3-small')),
lines AS MATERIALIZED (SELECT i, abs(random()) % 10 < 3 AS hit,
                 min(abs(random()) % 12, abs(random()) % 12) AS m,
                 (abs(random()) % 1000) / 1e5 AS usd FROM n)
INSERT INTO request_log (ts, endpoint, model, outcome, prompt_tokens, completion_tokens,
    usage_known, latency_us, upstream_latency_us, status, entry_key, streamed, cost_usd,
    saved_usd, saved_ms, price_known)
SELECT :start + i * :step, 'chat/completions', names.name, IIF(hit, 'hit', 'miss'),
    200 + abs(random()) % 4000, 20 + abs(random()) % 800, 1, abs(random()) % 2000000,
    IIF(hit, 0, abs(random()) % 2000000), 200, NULL, i % 2,
    IIF(hit, 0, IIF(lines.m = 6, NULL, usd)), IIF(hit, IIF(lines.m = 6, NULL, usd), 0),
    IIF(hit, 300 + abs(random()) % 2700, 0), lines.m <> 6
FROM lines JOIN names ON names.m = lines.m
)";

bool build(const QString &dataDir, qint64 count, int days)
{
    QElapsedTimer timer;
    timer.start();
    {
        store::Store store;   // the current schema, triggers included
        QString error;
        if (!store.open(dataDir, &error)) {
            std::fprintf(stderr, "cannot create the database: %s\n", qPrintable(error));
            return false;
        }
    }
    store::Connection raw;
    QString error;
    const QString path = QDir(dataDir).filePath(QStringLiteral("cachette.sqlite"));
    if (!raw.open(path, QStringLiteral("bench"), &error))
        return false;
    const qint64 span = qint64(days) * 24 * 3'600'000;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QSqlDatabase db = raw.database();
    bool ok = store::exec(db, QStringLiteral("BEGIN"), &error);
    {
        QSqlQuery insert(db);
        ok = ok && store::prepare(insert, QString::fromLatin1(kBulkInsert), &error);
        insert.bindValue(QStringLiteral(":count"), count);
        insert.bindValue(QStringLiteral(":start"), now - span);
        insert.bindValue(QStringLiteral(":step"), span / count);
        ok = ok && store::exec(insert, &error);
    }
    ok = ok && store::exec(db, QStringLiteral("COMMIT"), &error)
         && store::exec(db, QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"), &error);
    if (!ok)
        std::fprintf(stderr, "bulk insert failed: %s\n", qPrintable(error));
    std::printf("built %lld lines over %d days in %.1f s (%.0f MB)\n\n", count, days,
                timer.elapsed() / 1000.0, QFileInfo(path).size() / 1e6);
    return ok;
}

const std::pair<RangeKind, const char *> kRanges[] = {
    {RangeKind::Today, "Today"}, {RangeKind::Week, "7 days"},
    {RangeKind::Month, "30 days"}, {RangeKind::All, "All"},
};

const char *unitName(ui::BucketUnit unit)
{
    return unit == ui::BucketUnit::Hour ? "hourly" : unit == ui::BucketUnit::Day ? "daily" : "weekly";
}

// UsageStats alone, with the page's windows.
void timeQueries(const QString &path, int runs, std::optional<qint64> firstLine)
{
    store::UsageStats stats;
    QString error;
    if (!stats.open(path, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return;
    }
    reportRow(QStringLiteral("report, all time (the model filter's list)"), measure(runs, [&] {
        stats.report(0, store::UsageStats::kOpenEnd);
    }));
    for (const auto &[kind, name] : kRanges) {
        const ui::TimeWindow w = ui::timeWindow(kind, QDateTime::currentDateTime(), {}, {}, firstLine);
        reportRow(QStringLiteral("report, %1").arg(QLatin1String(name)),
              measure(runs, [&] { stats.report(w.fromMs, w.toMs); }));
        qsizetype rows = 0;
        const Result r = measure(runs, [&] {
            rows = 0;
            for (const ui::TimeWindow::Run &run : w.runs())
                rows += stats.series(run.fromMs, run.toMs, run.bucketMs).size();
        });
        reportRow(QStringLiteral("series, %1 (%2 buckets %3, %4 rows)")
                  .arg(QLatin1String(name)).arg(w.bucketCount).arg(QLatin1String(unitName(w.unit))).arg(rows),
              r);
    }
}

// The page: setRange() refreshes at once (all queries, tiles, chart data); grab() then paints
// every tile and chart, which is what the person waits for.
void timeView(const QString &dataDir, int runs)
{
    ui::EngineHost host;
    EngineConfig config;
    config.dataDir = dataDir;
    config.port = 0;
    QString error;
    if (!host.configure(config, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return;
    }
    reportRow(QStringLiteral("page: construct + show + first paint (7 days)"), measure(runs, [&] {
        ui::DashboardView view(&host);
        view.resize(1280, 800);
        view.show();
        view.grab();
    }));
    ui::DashboardView view(&host);
    view.resize(1280, 800);
    view.show();
    QCoreApplication::processEvents();
    for (const auto &[kind, name] : kRanges) {
        reportRow(QStringLiteral("page: refresh, %1").arg(QLatin1String(name)),
              measure(runs, [&, kind = kind] { view.setRange(kind); }));
        reportRow(QStringLiteral("page: refresh + paint, %1").arg(QLatin1String(name)),
              measure(runs, [&, kind = kind] {
                  view.setRange(kind);
                  view.grab();
              }));
    }
    view.setModelFilter(QStringLiteral("gpt-4o-mini"));
    reportRow(QStringLiteral("page: refresh + paint, All, one model"), measure(runs, [&] {
        view.setRange(RangeKind::All);
        view.grab();
    }));
    const auto sets = view.spentChart()->series()->barSets();
    std::printf("\n(the last chart: %lld bar sets of %lld buckets)\n", qint64(sets.size()),
                sets.isEmpty() ? 0LL : qint64(sets.first()->count()));
}

std::optional<qint64> firstLine(const QString &path)
{
    store::UsageStats stats;
    std::optional<qint64> first;
    if (stats.open(path))
        stats.forEachRequest(0, store::UsageStats::kOpenEnd, [&](const store::RequestLogRecord &line) {
            first = line.timestamp;
            return false;
        });
    return first;
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({QStringLiteral("lines"), QStringLiteral("Request-log lines to create."),
                      QStringLiteral("N"), QStringLiteral("1000000")});
    parser.addOption({QStringLiteral("days"), QStringLiteral("Days the lines span, ending now."),
                      QStringLiteral("D"), QStringLiteral("90")});
    parser.addOption({QStringLiteral("data-dir"),
                      QStringLiteral("Keep the database in DIR and reuse it (built if absent)."),
                      QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("runs"), QStringLiteral("Runs of each measurement."),
                      QStringLiteral("N"), QStringLiteral("7")});
    parser.process(app);

    QTemporaryDir temp;
    const QString dataDir = parser.isSet(QStringLiteral("data-dir"))
                                ? parser.value(QStringLiteral("data-dir")) : temp.path();
    const QString path = QDir(dataDir).filePath(QStringLiteral("cachette.sqlite"));
    if (!QFileInfo::exists(path)
        && !build(dataDir, parser.value(QStringLiteral("lines")).toLongLong(),
                  parser.value(QStringLiteral("days")).toInt()))
        return 1;
    const int runs = qMax(1, parser.value(QStringLiteral("runs")).toInt());
    timeQueries(path, runs, firstLine(path));
    std::printf("\n");
    timeView(dataDir, runs);
    return 0;
}
