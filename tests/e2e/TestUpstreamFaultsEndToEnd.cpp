// A provider that fails the way real networks do (issue #10), against the real binary: the
// provider is called exactly once per client request (a POST is never resent, so the user is
// never billed twice), an answer that stops short of its framing is an honest error and never a
// 200, nothing partial is stored, and one failed call never fails another.

#include "e2e.h"
#include "rawhttpclient.h"
#include "rawupstream.h"

#include <QtTest>

#include <memory>

using namespace cachette::test;

namespace {

QByteArray chatRequest(const QString &prompt, bool stream = false)
{
    QJsonObject body = chatBody(prompt);
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    return toJson(body);
}

QString errorCode(const HttpResult &result)
{
    return result.json().value("error").toObject().value("code").toString();
}

QString errorMessage(const HttpResult &result)
{
    return result.json().value("error").toObject().value("message").toString();
}

// How many request-log rows (cachette export-log) have this outcome and status.
int loggedAs(const QString &dataDir, const QByteArray &outcomeAndStatus)
{
    const CachetteProcess::RunResult run = CachetteProcess::run(
        {QStringLiteral("export-log"), QStringLiteral("--csv"), QStringLiteral("-"),
         QStringLiteral("--data-dir"), dataDir});
    return int(run.out.count(QByteArray("," + outcomeAndStatus + ",")));
}

} // namespace

class TestUpstreamFaultsEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        E2E_REQUIRE_BINARY();
    }

    // Each fault comes on a warm keep-alive connection, right after a good answer on it: the
    // case where an HTTP stack that resends "idempotently" bills the user twice.
    void faultsOnWarmConnections_data()
    {
        QTest::addColumn<QString>("marker");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("says");
        QTest::newRow("close before answering") << "[close]" << "upstream_closed"
                                                << "before answering";
        QTest::newRow("truncated Content-Length") << "[truncate]" << "upstream_truncated"
                                                  << "closed the connection after";
        QTest::newRow("chunked without last chunk") << "[nolastchunk]" << "upstream_truncated"
                                                    << "closed the connection after";
    }

    void faultsOnWarmConnections()
    {
        QFETCH(QString, marker);
        QFETCH(QString, code);
        QFETCH(QString, says);
        RawUpstream upstream;
        QVERIFY(upstream.start());
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        constexpr int kRounds = 8;
        for (int i = 0; i < kRounds; ++i) {
            const HttpResult good = client.post("/v1/chat/completions",
                                                chatRequest(QStringLiteral("good %1").arg(i)));
            E2E_VERIFY_RESULT(good.status == 200, good);
            const QString prompt = QStringLiteral("faulty %1 %2").arg(i).arg(marker);
            const HttpResult bad = client.post("/v1/chat/completions", chatRequest(prompt));
            QCOMPARE(upstream.requestCount(prompt.toUtf8()), 1);   // never resent
            E2E_VERIFY_RESULT(bad.status == 502, bad);
            E2E_VERIFY_RESULT(isProxyError(bad.body), bad);
            QCOMPARE(errorCode(bad), code);
            QVERIFY2(errorMessage(bad).contains(says), qPrintable(errorMessage(bad)));
        }
        QCOMPARE(upstream.requestCount(), 2 * kRounds);

        // Nothing partial was stored: the same faulty request reaches the provider again.
        const QString again = QStringLiteral("faulty 0 %1").arg(marker);
        const HttpResult retried = client.post("/v1/chat/completions", chatRequest(again));
        QCOMPARE(retried.status, 502);
        QCOMPARE(upstream.requestCount(again.toUtf8()), 2);
        QVERIFY(proxy.stop());
        // Logged as what they were: failures, not successful misses.
        QCOMPARE(loggedAs(proxy.dataDir(), "error,502"), kRounds + 1);
        QCOMPARE(loggedAs(proxy.dataDir(), "miss,200"), kRounds);
    }

    // A stream cut after the head went out: the client gets an error event in its dialect and
    // no [DONE], never a clean end; the provider saw the request once; nothing was stored.
    void streamDroppedMidway()
    {
        RawUpstream upstream;
        QVERIFY(upstream.start());
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const HttpResult warm = client.postStream("/v1/chat/completions",
                                                  chatRequest(QStringLiteral("warm"), true));
        E2E_VERIFY_RESULT(warm.status == 200 && warm.sawDone(), warm);

        const QByteArray body = chatRequest(QStringLiteral("cut [drop]"), true);
        const HttpResult cut = client.postStream("/v1/chat/completions", body);
        E2E_VERIFY_RESULT(cut.status == 200, cut);
        QVERIFY2(!cut.sawDone(), qPrintable(cut.describe()));
        const QList<QByteArray> events = cut.dataEvents();
        QVERIFY(!events.isEmpty());
        const QJsonObject error = parseObject(events.constLast()).value("error").toObject();
        QCOMPARE(error.value("code").toString(), QStringLiteral("upstream_truncated"));
        const QString message = error.value("message").toString();
        QVERIFY2(message.contains(QStringLiteral("after %1 events").arg(RawUpstream::kStreamEvents - 1)),
                 qPrintable(message));
        QCOMPARE(upstream.requestCount("cut [drop]"), 1);

        // Nothing was stored: asked again, the provider is called again (and cuts again).
        const HttpResult again = client.postStream("/v1/chat/completions", body);
        QVERIFY(!again.sawDone());
        QCOMPARE(upstream.requestCount("cut [drop]"), 2);
        QVERIFY(proxy.stop());
        QCOMPARE(loggedAs(proxy.dataDir(), "error,502"), 2);
        QCOMPARE(loggedAs(proxy.dataDir(), "miss,200"), 1);
    }

    // 100 calls at once over raw client connections, one of which the provider drops before
    // answering: the 99 others are answered, each reached the provider exactly once.
    void oneDropAmongHundredConcurrent()
    {
        RawUpstream upstream;
        QVERIFY(upstream.start());
        E2E_START_PROXY(proxy, upstream.baseUrl());
        constexpr int kCalls = 100;
        constexpr int kFaulty = 37;
        std::vector<std::unique_ptr<httptest::Client>> clients;
        for (int i = 0; i < kCalls; ++i) {
            const QString prompt = QStringLiteral("call %1%2").arg(i).arg(i == kFaulty ? " [close]" : "");
            const QByteArray body = chatRequest(prompt);
            auto client = std::make_unique<httptest::Client>(proxy.port());
            QVERIFY(client->waitConnected());
            client->send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Content-Type: application/json\r\nContent-Length: "
                         + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            clients.push_back(std::move(client));
        }
        int ok = 0;
        for (int i = 0; i < kCalls; ++i) {
            QVERIFY2(clients[i]->waitForResponses(1, 30'000), qPrintable(QString::number(i)));
            const httptest::Response &r = clients[i]->response(0);
            if (i == kFaulty) {
                QCOMPARE(r.status, 502);
                QCOMPARE(r.error().value("code").toString(), QStringLiteral("upstream_closed"));
                continue;
            }
            QVERIFY2(r.status == 200, qPrintable(QStringLiteral("call %1: %2 %3").arg(i).arg(r.status)
                                                     .arg(QString::fromUtf8(r.body))));
            ++ok;
        }
        QCOMPARE(ok, kCalls - 1);
        QCOMPARE(upstream.requestCount(), kCalls);
        for (int i = 0; i < kCalls; ++i)
            QCOMPARE(upstream.requestCount(QStringLiteral("call %1\"").arg(i).toUtf8()) +
                         upstream.requestCount(QStringLiteral("call %1 [close]").arg(i).toUtf8()), 1);
        QVERIFY(proxy.stop());
    }

    // An uncached relay (passthrough) that stops short is cut short for the client too: never
    // a clean end, and the provider saw it once.
    void passthroughTruncated()
    {
        RawUpstream upstream;
        QVERIFY(upstream.start());
        E2E_START_PROXY(proxy, upstream.baseUrl());
        httptest::Client client(proxy.port());
        QVERIFY(client.waitConnected());
        const QByteArray body = R"({"purpose":"x [truncate]"})";
        client.send("POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QVERIFY(client.waitClosed(10'000));
        // Either the error came before the head (a whole 502), or the head went out and the
        // answer is cut short: never a whole 200.
        if (client.reader.complete >= 1)
            QCOMPARE(client.response(0).status, 502);
        QCOMPARE(upstream.requestCount(), 1);
        QVERIFY(proxy.stop());
    }

    // A provider that is not there: nothing was sent, so the message says so and the client
    // may retry.
    void providerNotListening()
    {
        quint16 freePort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            freePort = probe.serverPort();
        }
        E2E_START_PROXY(proxy, QStringLiteral("http://127.0.0.1:%1/v1").arg(freePort));
        ProxyClient client(proxy.rootUrl());
        const HttpResult r = client.post("/v1/chat/completions", chatRequest(QStringLiteral("hello")));
        E2E_VERIFY_RESULT(r.status == 502 && isProxyError(r.body), r);
        QCOMPARE(errorCode(r), QStringLiteral("upstream_unreachable"));
        QVERIFY2(errorMessage(r).contains(QStringLiteral("could not connect")), qPrintable(errorMessage(r)));
        QVERIFY(proxy.stop());
    }
};

QTEST_GUILESS_MAIN(TestUpstreamFaultsEndToEnd)
#include "TestUpstreamFaultsEndToEnd.moc"
