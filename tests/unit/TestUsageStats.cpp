// Request-log aggregation: per model, totals and time buckets on a store with known lines,
// spent and saved kept apart, "no price" kept apart from zero, reading next to a writer.

#include "store/database.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/usagestats.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace cachette::store;

namespace {

constexpr qint64 kT0 = 1'700'000'000'000;   // buckets count from here
constexpr qint64 kHour = 3'600'000;

bool near(double a, double b)
{
    return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(b));
}

#define COMPARE_MONEY(actual, expected)                                                            \
    do {                                                                                           \
        const std::optional<double> a_ = (actual);                                                 \
        QVERIFY2(a_.has_value(), "no price, expected " #expected);                                 \
        QVERIFY2(near(*a_, (expected)),                                                            \
                 qPrintable(QStringLiteral("%1 != %2").arg(*a_, 0, 'g', 17).arg((expected), 0, 'g', 17))); \
    } while (false)

// A line as the proxy logs it: money already attached.
RequestLogRecord line(qint64 ts, const QString &model, const QString &outcome, qint64 prompt,
                      qint64 completion, std::optional<double> cost, std::optional<double> saved,
                      qint64 savedMs = 0)
{
    RequestLogRecord r;
    r.timestamp = ts;
    r.endpoint = QStringLiteral("chat/completions");
    r.model = model;
    r.outcome = parseOutcome(outcome).value();
    r.status = 200;
    r.usage = {prompt, completion, 0, true};
    r.costUsd = cost;
    r.savedUsd = saved;
    r.savedMs = savedMs;
    r.priceKnown = outcome == QLatin1String("hit") ? saved.has_value() : cost.has_value();
    return r;
}

const QString kMini = QStringLiteral("gpt-4o-mini");
const QString kLocal = QStringLiteral("llama3");
const QString kRouter = QStringLiteral("openai/gpt-4o");

// gpt-4o-mini: three paid calls and one hit on the first answer.
// llama3: no price; one call, one hit. openai/gpt-4o: a relayed request (not priced) and a 429.
QList<RequestLogRecord> fixture()
{
    QList<RequestLogRecord> lines{
        line(kT0, kMini, QStringLiteral("miss"), 1000, 200, 0.00027, 0.0),
        line(kT0 + kHour, kMini, QStringLiteral("miss"), 500, 100, 0.000135, 0.0),
        line(kT0 + kHour + 1, kMini, QStringLiteral("hit"), 1000, 200, 0.0, 0.00027, 1500),
        line(kT0 + 25 * kHour, kMini, QStringLiteral("refresh"), 2000, 400, 0.00054, 0.0),
        line(kT0 + 10, kLocal, QStringLiteral("miss"), 300, 30, std::nullopt, 0.0),
        line(kT0 + kHour + 5, kLocal, QStringLiteral("hit"), 300, 30, 0.0, std::nullopt, 700),
        line(kT0 + 20, kRouter, QStringLiteral("bypass"), 0, 0, std::nullopt, std::nullopt),
        line(kT0 + 30, kRouter, QStringLiteral("error"), 0, 0, 0.0, 0.0),
    };
    lines[4].usage.known = false;
    lines[4].usage.estimated = true;   // llama3 sent no usage
    lines[5].usage = lines[4].usage;
    lines[6].usage.known = false;
    lines[7].status = 429;
    lines[7].usage.known = false;
    return lines;
}

const ModelUsage *findModel(const UsageReport &report, const QString &model)
{
    for (const ModelUsage &m : report.models) {
        if (m.model == model)
            return &m;
    }
    return nullptr;
}

// What the stats must say, computed line by line in C++.
UsageTotals expectedTotals(const QList<RequestLogRecord> &lines, qint64 from, qint64 to,
                           const QString &model = {})
{
    UsageTotals t;
    for (const RequestLogRecord &r : lines) {
        if (r.timestamp < from || r.timestamp >= to || (!model.isEmpty() && r.model != model))
            continue;
        const bool hit = r.outcome == Outcome::Hit;
        ++t.requests;
        t.hits += hit ? 1 : 0;
        (hit ? t.tokensSaved : t.promptTokens) += r.usage.promptTokens;
        (hit ? t.tokensSaved : t.completionTokens) += r.usage.completionTokens;
        t.savedMs += hit ? r.savedMs : 0;
        if (r.priceKnown) {
            t.costUsd = t.costUsd.value_or(0) + r.costUsd.value_or(0);
            t.savedUsd = t.savedUsd.value_or(0) + r.savedUsd.value_or(0);
        }
        t.unpricedRequests += r.priceKnown ? 0 : 1;
        t.estimatedRequests += r.usage.estimated ? 1 : 0;
    }
    return t;
}

bool sameMoney(const std::optional<double> &a, const std::optional<double> &b)
{
    return a.has_value() == b.has_value() && (!a || near(*a, *b));
}

// "" when equal, else what differs.
QString difference(const UsageTotals &a, const UsageTotals &e)
{
    QStringList diffs;
    const auto check = [&](const char *name, qint64 x, qint64 y) {
        if (x != y)
            diffs << QStringLiteral("%1 %2 != %3").arg(QLatin1String(name)).arg(x).arg(y);
    };
    check("requests", a.requests, e.requests);
    check("hits", a.hits, e.hits);
    check("prompt", a.promptTokens, e.promptTokens);
    check("completion", a.completionTokens, e.completionTokens);
    check("tokensSaved", a.tokensSaved, e.tokensSaved);
    check("savedMs", a.savedMs, e.savedMs);
    check("unpriced", a.unpricedRequests, e.unpricedRequests);
    check("estimated", a.estimatedRequests, e.estimatedRequests);
    if (!sameMoney(a.costUsd, e.costUsd) || !sameMoney(a.savedUsd, e.savedUsd))
        diffs << QStringLiteral("money %1/%2 != %3/%4")
                     .arg(a.costUsd.value_or(-1), 0, 'g', 17).arg(a.savedUsd.value_or(-1), 0, 'g', 17)
                     .arg(e.costUsd.value_or(-1), 0, 'g', 17).arg(e.savedUsd.value_or(-1), 0, 'g', 17);
    return diffs.join(QLatin1String("; "));
}

// Lines spread over three days with every kind of outcome, price and estimate.
QList<RequestLogRecord> randomLines(qint64 base, int count)
{
    QRandomGenerator random(42);
    const QStringList models{kMini, kLocal, kRouter};
    const QStringList outcomes{QStringLiteral("hit"), QStringLiteral("miss"),
                               QStringLiteral("refresh"), QStringLiteral("error")};
    QList<RequestLogRecord> lines;
    for (int i = 0; i < count; ++i) {
        const qint64 ts = base + qint64(random.bounded(72 * 3600)) * 1000 + random.bounded(1000);
        const QString outcome = outcomes.at(random.bounded(4));
        const bool priced = random.bounded(5) != 0;
        const double money = random.bounded(10000) / 1e7;
        const bool hit = outcome == QLatin1String("hit");
        RequestLogRecord r = line(ts, models.at(random.bounded(3)), outcome, random.bounded(5000),
                                  random.bounded(900), hit ? 0.0 : priced ? std::optional(money) : std::nullopt,
                                  !hit ? 0.0 : priced ? std::optional(money) : std::nullopt,
                                  hit ? random.bounded(3000) : 0);
        r.usage.estimated = random.bounded(7) == 0;
        lines << r;
    }
    return lines;
}

} // namespace

class TestUsageStats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void perModelAggregates();
    void hitsAddNoSpendAndSaveTheOriginalCost();
    void noPriceIsNotZero();
    void totalsAddUp();
    void timeRangeIsHalfOpen();
    void seriesBuckets();
    void seriesFilteredByModel();
    void forEachRequestReadsEveryColumn();
    void emptyLog();
    void missingFileIsAnError();
    void olderSchemaIsAnError();
    void linesFromBeforeTheMigrationHaveNoPrice();
    void readsWhileAWriterHoldsTheLock();
    void hourlySumsMatchTheLines();

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("cachette.sqlite")); }
    void populate(const QList<RequestLogRecord> &lines);
    UsageReport reportAll();

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestUsageStats::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestUsageStats::cleanup()
{
    m_dir.reset();
}

void TestUsageStats::populate(const QList<RequestLogRecord> &lines)
{
    Store store;
    QString error;
    QVERIFY2(store.open(m_dir->path(), &error), qPrintable(error));
    for (const RequestLogRecord &record : lines)
        store.logRequest(record);
    store.flush();
}

UsageReport TestUsageStats::reportAll()
{
    UsageStats stats;
    QString error;
    if (!stats.open(dbPath(), &error))
        qFatal("cannot open the stats: %s", qPrintable(error));
    const std::optional<UsageReport> report = stats.report(0, UsageStats::kOpenEnd, &error);
    if (!report)
        qFatal("no report: %s", qPrintable(error));
    return *report;
}

void TestUsageStats::perModelAggregates()
{
    populate(fixture());
    const UsageReport report = reportAll();
    QCOMPARE(report.models.size(), 3);
    QCOMPARE(report.models.at(0).model, kMini);     // by name
    QCOMPARE(report.models.at(1).model, kLocal);
    QCOMPARE(report.models.at(2).model, kRouter);

    const UsageTotals &mini = report.models.at(0).usage;
    QCOMPARE(mini.requests, 4);
    QCOMPARE(mini.hits, 1);
    QCOMPARE(mini.hitRate(), 0.25);
    QCOMPARE(mini.promptTokens, 3500);       // spent: 1000 + 500 + 2000, not the hit's 1000
    QCOMPARE(mini.completionTokens, 700);
    QCOMPARE(mini.tokensSaved, 1200);        // the hit's 1000 + 200
    QCOMPARE(mini.savedMs, 1500);
    COMPARE_MONEY(mini.costUsd, 0.00027 + 0.000135 + 0.00054);
    COMPARE_MONEY(mini.savedUsd, 0.00027);
    QCOMPARE(mini.unpricedRequests, 0);
    QCOMPARE(mini.estimatedRequests, 0);

    const UsageTotals &local = report.models.at(1).usage;
    QCOMPARE(local.requests, 2);
    QCOMPARE(local.hits, 1);
    QCOMPARE(local.promptTokens, 300);
    QCOMPARE(local.completionTokens, 30);
    QCOMPARE(local.tokensSaved, 330);
    QCOMPARE(local.savedMs, 700);
    QCOMPARE(local.estimatedRequests, 2);
}

void TestUsageStats::hitsAddNoSpendAndSaveTheOriginalCost()
{
    // The same answer fetched once and served four more times: spend stays one call's cost.
    QList<RequestLogRecord> lines{line(kT0, kMini, QStringLiteral("miss"), 800, 100, 0.00018, 0.0)};
    for (int i = 1; i <= 4; ++i)
        lines << line(kT0 + i, kMini, QStringLiteral("hit"), 800, 100, 0.0, 0.00018, 900);
    populate(lines);
    const UsageTotals mini = reportAll().totals;
    QCOMPARE(mini.requests, 5);
    QCOMPARE(mini.hits, 4);
    COMPARE_MONEY(mini.costUsd, 0.00018);
    COMPARE_MONEY(mini.savedUsd, 4 * 0.00018);
    QCOMPARE(mini.promptTokens, 800);
    QCOMPARE(mini.completionTokens, 100);
    QCOMPARE(mini.tokensSaved, 4 * 900);
    QCOMPARE(mini.savedMs, 4 * 900);
}

void TestUsageStats::noPriceIsNotZero()
{
    populate(fixture());
    const UsageReport report = reportAll();
    const UsageTotals &local = findModel(report, kLocal)->usage;
    QVERIFY(!local.costUsd);     // "no price", not $0
    QVERIFY(!local.savedUsd);
    QCOMPARE(local.unpricedRequests, 2);
    // A model with some priced lines sums those and counts the others.
    const UsageTotals &router = findModel(report, kRouter)->usage;
    COMPARE_MONEY(router.costUsd, 0.0);   // the 429 cost nothing
    COMPARE_MONEY(router.savedUsd, 0.0);
    QCOMPARE(router.unpricedRequests, 1); // the relayed request
}

void TestUsageStats::totalsAddUp()
{
    populate(fixture());
    const UsageTotals totals = reportAll().totals;
    QCOMPARE(totals.requests, 8);
    QCOMPARE(totals.hits, 2);
    QCOMPARE(totals.promptTokens, 3800);
    QCOMPARE(totals.completionTokens, 730);
    QCOMPARE(totals.tokensSaved, 1530);
    QCOMPARE(totals.savedMs, 2200);
    COMPARE_MONEY(totals.costUsd, 0.00027 + 0.000135 + 0.00054);
    COMPARE_MONEY(totals.savedUsd, 0.00027);
    QCOMPARE(totals.unpricedRequests, 3);
    QCOMPARE(totals.estimatedRequests, 2);
}

void TestUsageStats::timeRangeIsHalfOpen()
{
    populate(fixture());
    UsageStats stats;
    QString error;
    QVERIFY2(stats.open(dbPath(), &error), qPrintable(error));
    // [T0 + 1 h, T0 + 25 h): the second miss and both hits; the refresh at 25 h is out.
    const std::optional<UsageReport> report = stats.report(kT0 + kHour, kT0 + 25 * kHour, &error);
    QVERIFY2(report, qPrintable(error));
    QCOMPARE(report->models.size(), 2);
    const UsageTotals &mini = findModel(*report, kMini)->usage;
    QCOMPARE(mini.requests, 2);
    QCOMPARE(mini.hits, 1);
    QCOMPARE(mini.promptTokens, 500);
    COMPARE_MONEY(mini.costUsd, 0.000135);
    COMPARE_MONEY(mini.savedUsd, 0.00027);
    QCOMPARE(findModel(*report, kLocal)->usage.requests, 1);
    QCOMPARE(report->totals.requests, 3);
}

void TestUsageStats::seriesBuckets()
{
    populate(fixture());
    UsageStats stats;
    QString error;
    QVERIFY2(stats.open(dbPath(), &error), qPrintable(error));
    const QList<BucketRow> rows = stats.series(kT0, kT0 + 48 * kHour, kHour, {}, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    // Hour 0: mini miss, llama3 miss, router bypass + 429. Hour 1: mini miss + hit, llama3 hit.
    // Hour 25: mini refresh.
    QCOMPARE(rows.size(), 6);
    const auto check = [&](int i, qint64 start, const QString &model, qint64 requests, qint64 hits) {
        QCOMPARE(rows.at(i).startMs, start);
        QCOMPARE(rows.at(i).model, model);
        QCOMPARE(rows.at(i).usage.requests, requests);
        QCOMPARE(rows.at(i).usage.hits, hits);
    };
    check(0, kT0, kMini, 1, 0);
    check(1, kT0, kLocal, 1, 0);
    check(2, kT0, kRouter, 2, 0);
    check(3, kT0 + kHour, kMini, 2, 1);
    check(4, kT0 + kHour, kLocal, 1, 1);
    check(5, kT0 + 25 * kHour, kMini, 1, 0);
    COMPARE_MONEY(rows.at(3).usage.costUsd, 0.000135);
    COMPARE_MONEY(rows.at(3).usage.savedUsd, 0.00027);
    QCOMPARE(rows.at(3).usage.promptTokens, 500);
    QCOMPARE(rows.at(3).usage.tokensSaved, 1200);
    QVERIFY(!rows.at(4).usage.savedUsd);

    // Day buckets counted from the range's start: everything but the refresh in the first day.
    const QList<BucketRow> days = stats.series(kT0, UsageStats::kOpenEnd, 24 * kHour, {}, &error);
    QCOMPARE(days.size(), 4);
    QCOMPARE(days.at(0).usage.requests, 3);   // gpt-4o-mini, day 0
    QCOMPARE(days.at(3).startMs, kT0 + 24 * kHour);
    QCOMPARE(days.at(3).usage.requests, 1);

    QVERIFY(stats.series(kT0, kT0 + kHour, 0, {}, &error).isEmpty());
    QVERIFY(!error.isEmpty());
}

void TestUsageStats::seriesFilteredByModel()
{
    populate(fixture());
    UsageStats stats;
    QString error;
    QVERIFY2(stats.open(dbPath(), &error), qPrintable(error));
    const QList<BucketRow> rows = stats.series(kT0, UsageStats::kOpenEnd, kHour, kMini, &error);
    QCOMPARE(rows.size(), 3);
    for (const BucketRow &row : rows)
        QCOMPARE(row.model, kMini);
    qint64 requests = 0;
    for (const BucketRow &row : rows)
        requests += row.usage.requests;
    QCOMPARE(requests, 4);
}

void TestUsageStats::forEachRequestReadsEveryColumn()
{
    populate(fixture());
    UsageStats stats;
    QString error;
    QVERIFY2(stats.open(dbPath(), &error), qPrintable(error));
    QList<RequestLogRecord> seen;
    QVERIFY2(stats.forEachRequest(0, UsageStats::kOpenEnd,
                                  [&](const RequestLogRecord &r) { seen << r; return true; }, &error),
             qPrintable(error));
    QCOMPARE(seen.size(), 8);
    QCOMPARE(seen.first().timestamp, kT0);                 // oldest first
    QCOMPARE(seen.last().outcome, Outcome::Refresh);
    const RequestLogRecord &hit = seen.at(5);              // T0 + 1 h + 1
    QCOMPARE(hit.outcome, Outcome::Hit);
    QCOMPARE(hit.costUsd, std::optional<double>(0.0));
    QCOMPARE(hit.savedUsd, std::optional<double>(0.00027));
    QCOMPARE(hit.savedMs, 1500);
    QVERIFY(hit.priceKnown);
    const RequestLogRecord &local = seen.at(1);            // T0 + 10
    QCOMPARE(local.model, kLocal);
    QVERIFY(!local.costUsd);
    QVERIFY(!local.priceKnown);
    QVERIFY(local.usage.estimated);
    // Stopping early.
    int visited = 0;
    QVERIFY(stats.forEachRequest(0, UsageStats::kOpenEnd,
                                 [&](const RequestLogRecord &) { return ++visited < 3; }));
    QCOMPARE(visited, 3);
}

void TestUsageStats::emptyLog()
{
    populate({});
    const UsageReport report = reportAll();
    QVERIFY(report.models.isEmpty());
    QCOMPARE(report.totals.requests, 0);
    QVERIFY(!report.totals.costUsd);
    QCOMPARE(report.totals.hitRate(), 0.0);
}

void TestUsageStats::missingFileIsAnError()
{
    UsageStats stats;
    QString error;
    QVERIFY(!stats.open(dbPath(), &error));
    QVERIFY2(error.contains(QLatin1String("does not exist")), qPrintable(error));
    QVERIFY(!QFile::exists(dbPath()));   // read-only never creates it
    QVERIFY(!stats.report(0, UsageStats::kOpenEnd, &error));
}

void TestUsageStats::olderSchemaIsAnError()
{
    {
        Connection connection;
        QString error;
        QVERIFY2(connection.open(dbPath(), QStringLiteral("old"), &error), qPrintable(error));
        QVERIFY2(schema::migrate(connection.database(), &error, 2), qPrintable(error));
    }
    UsageStats stats;
    QString error;
    QVERIFY(!stats.open(dbPath(), &error));
    QVERIFY2(error.contains(QLatin1String("older Cachette")), qPrintable(error));
}

void TestUsageStats::linesFromBeforeTheMigrationHaveNoPrice()
{
    {
        Connection connection;
        QString error;
        QVERIFY2(connection.open(dbPath(), QStringLiteral("old"), &error), qPrintable(error));
        QVERIFY2(schema::migrate(connection.database(), &error, 2), qPrintable(error));
        QSqlQuery insert(connection.database());
        QVERIFY(insert.exec(QStringLiteral(
            "INSERT INTO request_log (ts, model, outcome, prompt_tokens, completion_tokens) "
            "VALUES (1700000000000, 'gpt-4o', 'miss', 10, 20)")));
    }
    // Hours later, so the old line's hour is whole: it is read from the hourly sums the
    // migration filled in.
    populate({line(kT0 + 5 * kHour, QStringLiteral("gpt-4o"), QStringLiteral("miss"), 100, 10,
                   0.00035, 0.0)});
    const UsageTotals totals = reportAll().totals;
    QCOMPARE(totals.requests, 2);
    QCOMPARE(totals.promptTokens, 110);
    COMPARE_MONEY(totals.costUsd, 0.00035);   // the old line adds nothing…
    QCOMPARE(totals.unpricedRequests, 1);     // …and is counted as unpriced
}

void TestUsageStats::readsWhileAWriterHoldsTheLock()
{
    populate(fixture());
    Connection writer;
    QString error;
    QVERIFY2(writer.open(dbPath(), QStringLiteral("writer"), &error), qPrintable(error));
    QVERIFY(exec(writer.database(), QStringLiteral("BEGIN IMMEDIATE"), &error));
    QVERIFY(exec(writer.database(),
                 QStringLiteral("INSERT INTO request_log (ts, model, outcome) "
                                "VALUES (1, 'gpt-4o-mini', 'miss')"), &error));
    UsageStats stats;
    QVERIFY2(stats.open(dbPath(), &error), qPrintable(error));
    QElapsedTimer timer;
    timer.start();
    const std::optional<UsageReport> report = stats.report(0, UsageStats::kOpenEnd, &error);
    QVERIFY2(report, qPrintable(error));
    QVERIFY2(timer.elapsed() < 1000, "a WAL reader must not wait for the writer");
    QCOMPARE(report->totals.requests, 8);   // the uncommitted line is not seen
    QVERIFY(exec(writer.database(), QStringLiteral("COMMIT"), &error));
    QCOMPARE(stats.report(0, UsageStats::kOpenEnd, &error)->totals.requests, 9);
}

// Whole hours come from request_log_hourly and the ends of a range from the lines: whatever the
// range, bucket or model, the sums must equal the lines', also after deletes and updates.
void TestUsageStats::hourlySumsMatchTheLines()
{
    const qint64 base = 472'222 * kHour;   // on an hour
    QList<RequestLogRecord> lines = randomLines(base, 600);
    populate(lines);

    const auto verifyAll = [&](const QString &stage) {
        UsageStats stats;
        QString error;
        QVERIFY2(stats.open(dbPath(), &error), qPrintable(error));
        const QList<std::pair<qint64, qint64>> ranges{
            {0, UsageStats::kOpenEnd},
            {base + 2 * kHour, base + 26 * kHour},                  // whole hours only
            {base + kHour / 2 + 7, base + 50 * kHour + 13},         // partial hours at both ends
            {base + 5 * kHour + 10, base + 5 * kHour + 2'000'000},  // inside one hour
            {base + 80 * kHour, UsageStats::kOpenEnd},              // nothing there
        };
        for (const auto &[from, to] : ranges) {
            const std::optional<UsageReport> report = stats.report(from, to, &error);
            QVERIFY2(report, qPrintable(error));
            const QString diff = difference(report->totals, expectedTotals(lines, from, to));
            QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("%1, [%2, %3): %4").arg(stage).arg(from - base).arg(to - base).arg(diff)));
            for (const ModelUsage &m : report->models) {
                const QString modelDiff = difference(m.usage, expectedTotals(lines, from, to, m.model));
                QVERIFY2(modelDiff.isEmpty(), qPrintable(m.model + QStringLiteral(": ") + modelDiff));
            }
        }
        struct Series { qint64 from; qint64 to; qint64 bucket; QString model; };
        const QList<Series> series{
            {base, base + 72 * kHour, kHour, {}},                  // from the hourly sums
            {base, base + 71 * kHour + 5, 6 * kHour, kMini},       // …and a partial hour at the end
            {base + 1234, base + 72 * kHour, kHour, {}},           // every hour cut: the lines
            {base + kHour / 2, base + 72 * kHour, 24 * kHour, {}}, // a UTC+5:30 midnight
            {base + 17 * 60'000, base + 70 * kHour + 3, 90 * 60'000, kRouter},   // 1.5 h buckets
            {base + 3 * kHour, base + 9 * kHour, 10 * 60'000, kLocal},   // under an hour: the lines
        };
        for (const Series &s : series) {
            const QList<BucketRow> rows = stats.series(s.from, s.to, s.bucket, s.model, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            qint64 total = 0;
            for (const BucketRow &row : rows) {
                QVERIFY(row.startMs >= s.from && row.startMs < s.to);
                QCOMPARE((row.startMs - s.from) % s.bucket, 0);
                QVERIFY(s.model.isEmpty() || row.model == s.model);
                const qint64 end = qMin(row.startMs + s.bucket, s.to);
                const QString diff = difference(row.usage, expectedTotals(lines, row.startMs, end, row.model));
                QVERIFY2(diff.isEmpty(), qPrintable(QStringLiteral("%1, bucket %2 of %3: %4").arg(stage).arg(row.startMs - base).arg(row.model, diff)));
                total += row.usage.requests;
            }
            QCOMPARE(total, expectedTotals(lines, s.from, s.to, s.model).requests);
        }
    };
    verifyAll(QStringLiteral("as logged"));

    // Lines deleted and changed later (a log purge, a repair): the hourly sums follow.
    {
        Connection raw;
        QString error;
        QVERIFY2(raw.open(dbPath(), QStringLiteral("raw"), &error), qPrintable(error));
        QVERIFY2(exec(raw.database(), QStringLiteral("DELETE FROM request_log WHERE id % 3 = 0"), &error), qPrintable(error));
        QVERIFY2(exec(raw.database(), QStringLiteral("UPDATE request_log SET cost_usd = 0.25, price_known = 1, "
                                                     "ts = ts + 3600000 WHERE id % 5 = 0 AND outcome = 'miss'"), &error),
                 qPrintable(error));
    }
    QList<RequestLogRecord> changed;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const qint64 id = i + 1;
        if (id % 3 == 0)
            continue;
        RequestLogRecord r = lines.at(i);
        if (id % 5 == 0 && r.outcome == Outcome::Miss) {
            r.costUsd = 0.25;
            r.priceKnown = true;
            r.timestamp += kHour;
        }
        changed << r;
    }
    lines = changed;
    verifyAll(QStringLiteral("after deletes and updates"));
}

QTEST_GUILESS_MAIN(TestUsageStats)
#include "TestUsageStats.moc"
