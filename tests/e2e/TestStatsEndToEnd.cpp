// `cachette stats` and `cachette export-log` on what the real binary logged: spend equals the
// upstream's tokens × the price table, hits spend nothing and save what their answer cost,
// unknown models say "no price", and both commands read a store a running proxy is writing.

#include "e2e.h"

#include "pricing/pricebook.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

#include <cmath>

using namespace cachette::test;

namespace {

const QString kChat = QStringLiteral("/v1/chat/completions");
const QString kMini = QStringLiteral("gpt-4o-mini");
const QString kUnknown = QStringLiteral("my-local-model");

struct Tokens
{
    qint64 prompt = 0;
    qint64 completion = 0;
};

Tokens tokensOf(const QJsonObject &usage)
{
    return {usage.value(QLatin1String("prompt_tokens")).toInteger(),
            usage.value(QLatin1String("completion_tokens")).toInteger()};
}

// The usage the fake sent for a streamed request (the proxy asked for it; the client did not).
Tokens streamedUsage(const RecordedRequest &request)
{
    const QList<QByteArray> frames = FakeUpstream::streamFrames(request.callNumber, request.path,
                                                                request.json(), Scenario::normal());
    for (const QByteArray &frame : frames) {
        const QJsonObject chunk = parseObject(frame.mid(6).trimmed());
        if (chunk.value(QLatin1String("usage")).isObject())
            return tokensOf(chunk.value(QLatin1String("usage")).toObject());
    }
    return {};
}

bool near(double a, double b)
{
    return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(b));
}

// Runs `cachette <arguments>`; fails the test unless it exits 0.
QByteArray runCachette(const QStringList &arguments)
{
    const CachetteProcess::RunResult result = CachetteProcess::run(arguments);
    if (result.exitCode != 0 || result.crashed || result.timedOut) {
        QTest::qFail(qPrintable(QStringLiteral("cachette %1 failed (exit %2): %3")
                                    .arg(arguments.join(QLatin1Char(' ')))
                                    .arg(result.exitCode)
                                    .arg(QString::fromUtf8(result.err))),
                     __FILE__, __LINE__);
        return {};
    }
    return result.out;
}

QJsonObject statsJson(const QString &dataDir)
{
    return parseObject(runCachette({QStringLiteral("stats"), QStringLiteral("--json"),
                                    QStringLiteral("--data-dir"), dataDir}));
}

QJsonObject modelRow(const QJsonObject &stats, const QString &model)
{
    const QJsonArray models = stats.value(QLatin1String("models")).toArray();
    for (const QJsonValue &row : models) {
        if (row[QLatin1String("model")].toString() == model)
            return row.toObject();
    }
    return {};
}

} // namespace

#define COMPARE_USD(actual, expected)                                                              \
    QVERIFY2(near((actual), (expected)),                                                           \
             qPrintable(QStringLiteral("%1 != %2").arg((actual), 0, 'g', 17).arg((expected), 0, 'g', 17)))

class TestStatsEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void statsEqualTokensTimesPrices();
    void exportLogWritesRfc4180Csv();
    void readableErrors();
    void hitsJustBeforeSigtermAreAllWritten();
};

void TestStatsEndToEnd::initTestCase()
{
    E2E_REQUIRE_BINARY();
}

void TestStatsEndToEnd::statsEqualTokensTimesPrices()
{
    QTemporaryDir dataDir;
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dataDir.path());
    ProxyClient client(proxy.rootUrl());

    // A non-stream miss and its hit.
    const QJsonObject question = chatBody(QStringLiteral("what does a cache do"), kMini);
    const HttpResult miss = client.post(kChat, question);
    E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
    const Tokens first = tokensOf(miss.json().value(QLatin1String("usage")).toObject());
    QVERIFY(first.prompt > 0 && first.completion > 0);
    const HttpResult hit = client.post(kChat, question);
    E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);

    // A stream miss (its usage comes from the chunk the proxy asked for) and its hit.
    const QJsonObject story = streamed(chatBody(QStringLiteral("tell me a story about caches"), kMini));
    const HttpResult streamMiss = client.postStream(kChat, story);
    E2E_VERIFY_RESULT(streamMiss.header("X-Cachette") == "miss" && streamMiss.sawDone(), streamMiss);
    const Tokens second = streamedUsage(upstream.lastRequest());
    QVERIFY(second.prompt > 0 && second.completion > 0);
    const HttpResult streamHit = client.postStream(kChat, story);
    E2E_VERIFY_RESULT(streamHit.header("X-Cachette") == "hit", streamHit);

    // A model without a price.
    const HttpResult unknown = client.post(kChat, chatBody(QStringLiteral("hello"), kUnknown));
    E2E_VERIFY_RESULT(unknown.header("X-Cachette") == "miss", unknown);
    QCOMPARE(upstream.requestCount(), 3);

    // While the proxy runs: the log is written off the request path, so wait for all five.
    QJsonObject live;
    QVERIFY2(QTest::qWaitFor([&] {
                 live = statsJson(dataDir.path());
                 return live[QLatin1String("totals")][QLatin1String("requests")].toInt() == 5;
             }, 10'000),
             QJsonDocument(live).toJson().constData());

    QString error;
    QVERIFY2(proxy.stop(&error), qPrintable(error));
    const QJsonObject stats = statsJson(dataDir.path());
    QCOMPARE(stats, live);   // nothing more arrived after the answers
    QVERIFY(stats.value(QLatin1String("since")).isNull());

    cachette::pricing::PriceBook book;
    const std::optional<cachette::pricing::ModelPrice> price = book.find(kMini);
    QVERIFY(price);
    const qint64 prompt = first.prompt + second.prompt;
    const qint64 completion = first.completion + second.completion;
    const double spent = (double(prompt) * price->inputPerMillion
                          + double(completion) * price->outputPerMillion) / 1e6;

    const QJsonObject mini = modelRow(stats, kMini);
    QCOMPARE(mini.keys(), QStringList({"completion_tokens", "cost_usd", "hits", "model",
                                       "prompt_tokens", "requests", "saved_usd"}));
    QCOMPARE(mini.value(QLatin1String("requests")).toInt(), 4);
    QCOMPARE(mini.value(QLatin1String("hits")).toInt(), 2);
    QCOMPARE(mini.value(QLatin1String("prompt_tokens")).toInteger(), prompt);   // hits not counted
    QCOMPARE(mini.value(QLatin1String("completion_tokens")).toInteger(), completion);
    COMPARE_USD(mini.value(QLatin1String("cost_usd")).toDouble(), spent);
    // Each hit saved exactly what its answer cost when it was fetched.
    COMPARE_USD(mini.value(QLatin1String("saved_usd")).toDouble(), spent);

    const QJsonObject local = modelRow(stats, kUnknown);
    QCOMPARE(local.value(QLatin1String("requests")).toInt(), 1);
    QVERIFY(local.value(QLatin1String("cost_usd")).isNull());    // "no price", not 0
    QVERIFY(local.value(QLatin1String("saved_usd")).isNull());
    QVERIFY(local.value(QLatin1String("prompt_tokens")).toInteger() > 0);

    const QJsonObject totals = stats.value(QLatin1String("totals")).toObject();
    QCOMPARE(totals.keys(), QStringList({"completion_tokens", "cost_usd", "hits", "prompt_tokens",
                                         "requests", "saved_usd"}));
    QCOMPARE(totals.value(QLatin1String("requests")).toInt(), 5);
    QCOMPARE(totals.value(QLatin1String("hits")).toInt(), 2);
    COMPARE_USD(totals.value(QLatin1String("cost_usd")).toDouble(), spent);
    COMPARE_USD(totals.value(QLatin1String("saved_usd")).toDouble(), spent);

    // The table for people says the same.
    const QString table = QString::fromUtf8(runCachette(
        {QStringLiteral("stats"), QStringLiteral("--data-dir"), dataDir.path(),
         QStringLiteral("--since"), QStringLiteral("24h")}));
    QVERIFY2(table.contains(QLatin1String("since ")), qPrintable(table));
    QVERIFY2(table.contains(QLatin1String("no price")), qPrintable(table));
    QVERIFY2(table.contains(QStringLiteral("%1").arg(spent, 0, 'f', 6)), qPrintable(table));
    QVERIFY2(table.contains(QLatin1String("50.0 %")), qPrintable(table));
}

void TestStatsEndToEnd::exportLogWritesRfc4180Csv()
{
    QTemporaryDir dataDir;
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dataDir.path());
    ProxyClient client(proxy.rootUrl());
    const QString awkward = QStringLiteral("team \"a\", model");   // a comma and quotes
    const QJsonObject body = chatBody(QStringLiteral("quote me"), awkward);
    const HttpResult miss = client.post(kChat, body);
    E2E_VERIFY_RESULT(miss.header("X-Cachette") == "miss", miss);
    const HttpResult hit = client.post(kChat, body);
    E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
    const HttpResult cheap = client.post(kChat, chatBody(QStringLiteral("cheap"), kMini));
    E2E_VERIFY_RESULT(cheap.status == 200, cheap);
    QString error;
    QVERIFY2(proxy.stop(&error), qPrintable(error));

    const QString csvPath = dataDir.filePath(QStringLiteral("log.csv"));
    runCachette({QStringLiteral("export-log"), QStringLiteral("--csv"), csvPath,
                 QStringLiteral("--data-dir"), dataDir.path()});
    QFile file(csvPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray csv = file.readAll();
    QVERIFY(csv.endsWith("\r\n"));
    const QList<QByteArray> lines = csv.chopped(1).split('\n');   // keeps each \r
    QCOMPARE(lines.size(), 4);   // header, miss, hit, miss
    for (const QByteArray &line : lines)
        QVERIFY2(line.endsWith('\r'), line.constData());   // CRLF everywhere
    QVERIFY(lines.at(0).startsWith("id,time,ts_ms,endpoint,model,outcome,status,"));
    QVERIFY2(lines.at(1).contains(",\"team \"\"a\"\", model\",miss,200,"), lines.at(1).constData());
    QVERIFY2(lines.at(2).contains(",hit,200,"), lines.at(2).constData());
    // The unknown model's money is empty (no price); gpt-4o-mini's is a number.
    const QList<QByteArray> header = lines.at(0).trimmed().split(',');
    const qsizetype cost = header.indexOf("cost_usd");
    QVERIFY(cost > 0);
    const QList<QByteArray> paid = lines.at(3).trimmed().split(',');
    QCOMPARE(paid.size(), header.size());
    QVERIFY2(paid.at(cost).toDouble() > 0, lines.at(3).constData());

    // To standard output with "-".
    const QByteArray out = runCachette({QStringLiteral("export-log"), QStringLiteral("--csv"),
                                        QStringLiteral("-"), QStringLiteral("--data-dir"),
                                        dataDir.path()});
    QCOMPARE(out, csv);
}

void TestStatsEndToEnd::readableErrors()
{
    QTemporaryDir empty;
    const CachetteProcess::RunResult missing =
        CachetteProcess::run({QStringLiteral("stats"), QStringLiteral("--data-dir"), empty.path()});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains("no Cachette data in") && missing.err.contains("--data-dir"),
             missing.err.constData());
    QVERIFY(!QFile::exists(empty.filePath(QStringLiteral("cachette.sqlite"))));   // nothing created

    const CachetteProcess::RunResult badSince =
        CachetteProcess::run({QStringLiteral("stats"), QStringLiteral("--since"), QStringLiteral("soon")});
    QCOMPARE(badSince.exitCode, 2);
    QVERIFY2(badSince.err.contains("--since"), badSince.err.constData());

    const CachetteProcess::RunResult noCsv =
        CachetteProcess::run({QStringLiteral("export-log"), QStringLiteral("--data-dir"), empty.path()});
    QCOMPARE(noCsv.exitCode, 2);
    QVERIFY2(noCsv.err.contains("--csv"), noCsv.err.constData());
}

// Hit counts and log rows wait in memory for a quarter of a second (Store's bookkeeping window):
// a SIGTERM straight after a burst of hits must still write every one of them.
void TestStatsEndToEnd::hitsJustBeforeSigtermAreAllWritten()
{
    QTemporaryDir dataDir;
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dataDir.path());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject question = chatBody(QStringLiteral("count my hits"), kMini);
    const HttpResult miss = client.post(kChat, question);
    E2E_VERIFY_RESULT(miss.header("X-Cachette") == "miss", miss);
    constexpr int kHits = 30;
    for (int i = 0; i < kHits; ++i) {
        const HttpResult hit = client.post(kChat, question);
        E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
    }
    QString error;
    QVERIFY2(proxy.stop(&error), qPrintable(error));   // at once: the last hits still wait

    const QJsonObject totals = statsJson(dataDir.path()).value(QLatin1String("totals")).toObject();
    QCOMPARE(totals.value(QLatin1String("requests")).toInt(), kHits + 1);
    QCOMPARE(totals.value(QLatin1String("hits")).toInt(), kHits);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("hits"));
        db.setDatabaseName(QDir(dataDir.path()).filePath(QStringLiteral("cachette.sqlite")));
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("SELECT hit_count FROM entries")) && query.next());
        QCOMPARE(query.value(0).toInt(), kHits);
        QVERIFY(!query.next());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("hits"));
}

QTEST_GUILESS_MAIN(TestStatsEndToEnd)
#include "TestStatsEndToEnd.moc"
