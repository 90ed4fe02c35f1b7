// Slow clients cannot lock everyone out (issue #10): a request's headers have a deadline and its
// body a minimum rate that reads do not push back, both answered with a 408 JSON error; and
// when the connection cap is reached a newcomer evicts connections that are only reading or
// idle, so only a server whose every connection is busy with a request answers 503.

#include "rawhttpclient.h"

#include <QPointer>
#include <QTimer>
#include <QtTest>

#include <algorithm>
#include <memory>
#include <vector>

using namespace httptest;

namespace {

// Sends `bytes` a few at a time on a timer, like a slowloris client: every read the server sees
// is fresh activity, yet the request never completes in time.
class Trickler
{
public:
    Trickler(Client &client, QByteArray bytes, int intervalMs, int step = 1)
        : m_client(client)
        , m_bytes(std::move(bytes))
        , m_step(step)
    {
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            if (m_sent >= m_bytes.size() || m_client.closed) {
                m_timer.stop();
                return;
            }
            m_client.send(m_bytes.mid(m_sent, m_step));
            m_sent += m_step;
        });
        m_timer.start(intervalMs);
    }

private:
    Client &m_client;
    QByteArray m_bytes;
    int m_step;
    qsizetype m_sent = 0;
    QTimer m_timer;
};

// Headers that never end: one more header line after another.
QByteArray endlessHeaders()
{
    QByteArray bytes = "GET /v1/models HTTP/1.1\r\nHost: localhost\r\n";
    for (int i = 0; i < 2000; ++i)
        bytes += "X-Slow-" + QByteArray::number(i) + ": x\r\n";
    return bytes;
}

ServerLimits slowLimits()
{
    ServerLimits limits;
    limits.idleTimeoutMs = 60'000;   // only the request deadlines may close the slow clients
    limits.headerTimeoutMs = 400;
    limits.bodyGraceMs = 400;
    limits.minBodyBytesPerSecond = 1000;
    return limits;
}

void verifyTimedOut(const Client &client)
{
    const Response &r = client.response(0);
    QCOMPARE(r.status, 408);
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(r.header("Connection"), QByteArray("close"));
    QCOMPARE(r.error().value("code").toString(), QStringLiteral("request_timeout"));
    QVERIFY(!r.error().value("message").toString().isEmpty());
}

} // namespace

class TestHttpDeadlines : public QObject
{
    Q_OBJECT

private:
    ServerFixture m_fixture;

private Q_SLOTS:
    void cleanup() { m_fixture.reset(); }

    void tricklingHeadersGet408()
    {
        int calls = 0;
        m_fixture.start([&](HttpExchange *exchange) { ++calls; echoPath(exchange); }, slowLimits());
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        Trickler trickle(client, endlessHeaders(), 20, 2);   // far more activity than idleness
        QVERIFY(client.waitForResponses(1, 10'000));
        verifyTimedOut(client);
        QVERIFY(client.waitClosed(10'000));
        QCOMPARE(calls, 0);
    }

    void silentConnectionGets408()
    {
        m_fixture.start(echoPath, slowLimits());
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        QVERIFY(client.waitForResponses(1, 10'000));
        verifyTimedOut(client);
    }

    // The server's own errors go through its ErrorFormatter (the proxy's answers in the client's
    // dialect), which gets what was read of the request: here only the target.
    void timeoutBodyComesFromTheErrorFormatter()
    {
        HttpServer &server = m_fixture.start(echoPath, slowLimits());
        QByteArray seenTarget;
        int seenStatus = 0;
        server.setErrorFormatter([&](const HttpRequest &request, int status, const QString &,
                                     const QString &, const QString &code) {
            seenTarget = request.target;
            seenStatus = status;
            return QByteArray("formatted: " + code.toUtf8());
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send("POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nX-Slow");
        QVERIFY(client.waitForResponses(1, 10'000));
        QCOMPARE(client.response(0).status, 408);
        QCOMPARE(client.response(0).body, QByteArray("formatted: request_timeout"));
        QCOMPARE(seenStatus, 408);
        QCOMPARE(seenTarget, QByteArray("/v1/messages"));
    }

    void secondRequestOnKeepAliveHasItsOwnDeadline()
    {
        m_fixture.start(echoPath, slowLimits());
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/first"));
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).body, QByteArray("/first"));
        Trickler trickle(client, endlessHeaders(), 20, 2);
        QVERIFY(client.waitForResponses(2, 10'000));
        QCOMPARE(client.response(1).status, 408);
        QCOMPARE(client.response(1).error().value("code").toString(), QStringLiteral("request_timeout"));
    }

    void slowBodyGets408()
    {
        int calls = 0;
        m_fixture.start([&](HttpExchange *exchange) { ++calls; echoPath(exchange); }, slowLimits());
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
        Trickler trickle(client, QByteArray(100000, 'b'), 20, 2);   // 100 B/s, under 1000
        QVERIFY(client.waitForResponses(1, 10'000));
        verifyTimedOut(client);
        QVERIFY(client.response(0).error().value("message").toString().contains("per second"));
        QCOMPARE(calls, 0);
    }

    void chunkedBodyWithoutEndGets408()
    {
        m_fixture.start(echoPath, slowLimits());
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        QVERIFY(client.waitForResponses(1, 10'000));
        verifyTimedOut(client);
    }

    void bodyAtFullSpeedIsServed()
    {
        m_fixture.start([](HttpExchange *exchange) {
            exchange->respond(200, {}, QByteArray::number(exchange->request().body.size()));
        }, slowLimits());
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(post("/v1/chat/completions", QByteArray(200'000, 'b')));
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).status, 200);
        QCOMPARE(client.response(0).body, QByteArray("200000"));
    }

    void slowHandlerIsNotARequestTimeout()
    {
        // The deadlines cover reading the request; making the answer may take as long as it takes.
        m_fixture.start([](HttpExchange *exchange) {
            QPointer<HttpExchange> guard(exchange);
            QTimer::singleShot(1200, [guard] {
                if (guard)
                    echoPath(guard);
            });
        }, slowLimits());
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/slow"));
        QVERIFY(client.waitForResponses(1, 10'000));
        QCOMPARE(client.response(0).status, 200);
    }

    void slowlorisCannotLockOutANormalClient()
    {
        ServerLimits limits = slowLimits();
        limits.maxConnections = 8;
        limits.headerTimeoutMs = 60'000;   // eviction alone must make room
        m_fixture.start(echoPath, limits);
        std::vector<std::unique_ptr<Client>> slow;
        std::vector<std::unique_ptr<Trickler>> trickles;
        for (int i = 0; i < limits.maxConnections; ++i) {
            slow.push_back(std::make_unique<Client>(m_fixture.port));
            QVERIFY(slow.back()->waitConnected());
            trickles.push_back(std::make_unique<Trickler>(*slow.back(), endlessHeaders(), 50));
        }
        QTRY_COMPARE_WITH_TIMEOUT(m_fixture.server->connectionCount(), limits.maxConnections, 5000);

        // Each normal client stays connected, so every round finds the server full again.
        std::vector<std::unique_ptr<Client>> normal;
        for (int round = 0; round < 3; ++round) {
            normal.push_back(std::make_unique<Client>(m_fixture.port));
            QVERIFY(normal.back()->waitConnected());
            normal.back()->send(get("/healthz"));
            QVERIFY(normal.back()->waitForResponses(1));
            QCOMPARE(normal.back()->response(0).status, 200);
            QCOMPARE(normal.back()->response(0).body, QByteArray("/healthz"));
        }
        // The oldest slow ones made room, and were cut rather than answered.
        QTRY_VERIFY(slow.at(0)->closed && slow.at(1)->closed && slow.at(2)->closed);
        QVERIFY(!slow.back()->closed);
        QVERIFY(std::none_of(normal.cbegin(), normal.cend(), [](const auto &c) { return c->closed; }));
        QVERIFY(m_fixture.server->connectionCount() <= limits.maxConnections);
    }

    void readingConnectionsGoBeforeIdleOnes()
    {
        ServerLimits limits = slowLimits();
        limits.maxConnections = 2;
        limits.headerTimeoutMs = 60'000;
        m_fixture.start(echoPath, limits);
        Client idle(m_fixture.port);
        QVERIFY(idle.waitConnected());
        idle.send(get("/idle"));
        QVERIFY(idle.waitForResponses(1));   // served: now an idle keep-alive connection
        Client reading(m_fixture.port);
        QVERIFY(reading.waitConnected());
        reading.send("GET /v1/models HTTP/1.1\r\nHost: loc");   // younger, but mid-request
        QTRY_COMPARE(m_fixture.server->connectionCount(), 2);

        Client newcomer(m_fixture.port);
        QVERIFY(newcomer.sendAndWait(get("/new")));
        QCOMPARE(newcomer.response(0).status, 200);
        QTRY_VERIFY(reading.closed);
        QVERIFY(!idle.closed);

        // Now both are idle keep-alive: the one idle longest goes.
        Client another(m_fixture.port);
        QVERIFY(another.sendAndWait(get("/another")));
        QCOMPARE(another.response(0).status, 200);
        QTRY_VERIFY(idle.closed);
        QVERIFY(!newcomer.closed);
    }
};

QTEST_GUILESS_MAIN(TestHttpDeadlines)
#include "TestHttpDeadlines.moc"
