// The HTTP server under abuse: size limits, malformed input, idle and vanishing clients.

#include "rawhttpclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include <functional>

using namespace httptest;

class TestHttpLimits : public QObject
{
    Q_OBJECT

private:
    ServerFixture m_fixture;

private Q_SLOTS:
    void cleanup() { m_fixture.reset(); }

    void oversizeBodyIsRefused_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("content-length") << post("/p", QByteArray(200, 'b'));
        QTest::newRow("content-length, body not sent")
            << QByteArray("POST /p HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n");
        QTest::newRow("chunked") << QByteArray("POST /p HTTP/1.1\r\nHost: localhost\r\n"
                                               "Transfer-Encoding: chunked\r\n\r\n"
                                               "40\r\n" + QByteArray(64, 'a') + "\r\n"
                                               "40\r\n" + QByteArray(64, 'b') + "\r\n0\r\n\r\n");
    }

    void oversizeBodyIsRefused()
    {
        QFETCH(QByteArray, request);
        int calls = 0;
        ServerLimits limits;
        limits.maxBodyBytes = 100;
        m_fixture.start([&](HttpExchange *exchange) { ++calls; echoPath(exchange); }, limits);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(request);
        QVERIFY(client.waitForResponses(1));
        QVERIFY(client.waitClosed());
        const Response &r = client.response(0);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(r.header("Connection"), QByteArray("close"));
        QCOMPARE(r.error().value("code").toString(), QStringLiteral("request_too_large"));
        QCOMPARE(calls, 0);
    }

    void bodyAtTheLimitIsAccepted()
    {
        ServerLimits limits;
        limits.maxBodyBytes = 100;
        m_fixture.start([](HttpExchange *exchange) { exchange->respond(200, {}, exchange->request().body); }, limits);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(post("/p", QByteArray(100, 'b')));
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).status, 200);
        QCOMPARE(client.response(0).body.size(), 100);
    }

    void hugeHeadersAreRefused_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<bool>("slowly");
        QTest::newRow("one header") << get("/", "X-Big: " + QByteArray(5000, 'h') + "\r\n") << false;
        QByteArray many;
        for (int i = 0; i < 200; ++i)
            many += "X-H" + QByteArray::number(i) + ": v\r\n";
        QTest::newRow("many headers") << get("/", many) << false;
        QTest::newRow("long target") << get("/" + QByteArray(5000, 'u')) << false;
        QTest::newRow("in pieces") << get("/", "X-Big: " + QByteArray(3000, 'h') + "\r\n") << true;
    }

    void hugeHeadersAreRefused()
    {
        QFETCH(QByteArray, request);
        QFETCH(bool, slowly);
        int calls = 0;
        ServerLimits limits;
        limits.maxHeaderBytes = 1024;
        m_fixture.start([&](HttpExchange *exchange) { ++calls; echoPath(exchange); }, limits);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        if (slowly)
            client.sendSlowly(request, 100);
        else
            client.send(request);
        QVERIFY(client.waitForResponses(1));
        QVERIFY(client.waitClosed());
        QCOMPARE(client.response(0).status, 431);
        QCOMPARE(client.response(0).error().value("code").toString(), QStringLiteral("headers_too_large"));
        QCOMPARE(calls, 0);
    }

    void headersBeyondTheParserDefaultWhenAllowed()
    {
        // libhttp-parser's own limit is 80 KiB; a larger configured limit must win.
        ServerLimits limits;
        limits.maxHeaderBytes = 200 * 1024;
        QByteArray seen;
        m_fixture.start([&](HttpExchange *exchange) {
            seen = exchange->request().header("X-Big");
            exchange->respond(200, {}, "ok");
        }, limits);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/", "X-Big: " + QByteArray(100 * 1024, 'h') + "\r\n"));
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).status, 200);
        QCOMPARE(seen.size(), 100 * 1024);
    }

    void malformedRequestIsRefused_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("garbage") << QByteArray("BLAH\x01 / HTTP/1.1\r\n\r\n");
        QTest::newRow("bad version") << QByteArray("GET / HTTP/x.1\r\nHost: localhost\r\n\r\n");
        QTest::newRow("bad header") << QByteArray("GET / HTTP/1.1\r\nHost localhost\r\n\r\n");
        QTest::newRow("bad content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1x\r\n\r\n");
        QTest::newRow("bad chunk size")
            << QByteArray("POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    }

    void malformedRequestIsRefused()
    {
        QFETCH(QByteArray, request);
        int calls = 0;
        m_fixture.start([&](HttpExchange *exchange) { ++calls; echoPath(exchange); });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(request);
        QVERIFY(client.waitForResponses(1));
        QVERIFY(client.waitClosed());
        QCOMPARE(client.response(0).status, 400);
        QCOMPARE(client.response(0).error().value("code").toString(), QStringLiteral("malformed_request"));
        QCOMPARE(calls, 0);
    }

    void malformedAfterGoodPipelinedRequestComesLast()
    {
        QPointer<HttpExchange> first;
        m_fixture.start([&](HttpExchange *exchange) { first = exchange; });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/ok") + "NONSENSE\r\n\r\n");
        QTRY_VERIFY(first);
        QTest::qWait(30);   // deliberately: no answer comes in that time
        QCOMPARE(client.reader.complete, 0);   // the 400 waits behind the unanswered request
        echoPath(first);
        QVERIFY(client.waitForResponses(2));
        QVERIFY(client.waitClosed());
        QCOMPARE(client.response(0).body, QByteArray("/ok"));
        QCOMPARE(client.response(1).status, 400);
    }

    void idleConnectionIsClosed()
    {
        ServerLimits limits;
        limits.idleTimeoutMs = 200;
        m_fixture.start(echoPath, limits);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/a"));
        QVERIFY(client.waitForResponses(1));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(client.waitClosed(3000));
        QVERIFY2(timer.elapsed() >= 150, qPrintable(QString::number(timer.elapsed())));
        QTRY_COMPARE(m_fixture.server->connectionCount(), 0);

        Client silent(m_fixture.port);   // never sends anything
        QVERIFY(silent.waitConnected());
        QVERIFY(silent.waitClosed(3000));
    }

    void slowHandlerIsNotIdle()
    {
        ServerLimits limits;
        limits.idleTimeoutMs = 150;
        m_fixture.start([](HttpExchange *exchange) {
            QPointer<HttpExchange> guard(exchange);
            QTimer::singleShot(500, [guard] {
                if (guard)
                    echoPath(guard);
            });
        }, limits);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/slow"));
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).body, QByteArray("/slow"));
        QVERIFY(client.waitClosed(3000));   // idle again afterwards
    }

    void connectionLimitEvictsIdleConnections()
    {
        // Connections that only hold a slot (never sent a request, or idle keep-alive) make room
        // for a newcomer: refusing it instead would let idle sockets lock everyone out.
        ServerLimits limits;
        limits.maxConnections = 2;
        m_fixture.start(echoPath, limits);
        Client a(m_fixture.port), b(m_fixture.port);
        QVERIFY(a.waitConnected());
        QVERIFY(b.waitConnected());
        QTRY_COMPARE(m_fixture.server->connectionCount(), 2);

        Client extra(m_fixture.port);
        QVERIFY(extra.sendAndWait(get("/extra")));
        QCOMPARE(extra.response(0).status, 200);
        QCOMPARE(extra.response(0).body, QByteArray("/extra"));
        QTRY_VERIFY(a.closed);   // the older of the two silent ones
        QVERIFY(!b.closed);
        QCOMPARE(m_fixture.server->connectionCount(), 2);

        b.send(get("/b"));
        QVERIFY(b.waitForResponses(1));
        QCOMPARE(b.response(0).body, QByteArray("/b"));
    }

    void connectionLimitRefusesWhenEveryConnectionIsBusy()
    {
        ServerLimits limits;
        limits.maxConnections = 2;
        QList<QPointer<HttpExchange>> held;
        m_fixture.start([&](HttpExchange *exchange) {
            if (exchange->request().path == "/later")
                echoPath(exchange);
            else
                held.append(exchange);   // answered by the test, later
        }, limits);
        Client a(m_fixture.port), b(m_fixture.port);
        QVERIFY(a.waitConnected());
        QVERIFY(b.waitConnected());
        a.send(get("/a"));
        b.send(get("/b"));
        QTRY_COMPARE(held.size(), 2);   // both busy with a request being answered

        Client extra(m_fixture.port);
        QVERIFY(extra.sendAndWait(get("/extra")));
        QVERIFY(extra.waitClosed());
        QCOMPARE(extra.response(0).status, 503);
        QCOMPARE(extra.response(0).header("Connection"), QByteArray("close"));
        QCOMPARE(extra.response(0).error().value("code").toString(), QStringLiteral("too_many_connections"));
        QCOMPARE(m_fixture.server->connectionCount(), 2);
        QCOMPARE(held.size(), 2);
        QVERIFY(!a.closed && !b.closed);

        echoPath(held.at(0));
        QVERIFY(a.waitForResponses(1));
        QCOMPARE(a.response(0).body, QByteArray("/a"));
        // a is idle again, so the next newcomer takes its place instead of getting 503.
        Client later(m_fixture.port);
        QVERIFY(later.sendAndWait(get("/later")));
        QCOMPARE(later.response(0).status, 200);
        QCOMPARE(later.response(0).body, QByteArray("/later"));
        QTRY_VERIFY(a.closed);
        QVERIFY(!b.closed);
        echoPath(held.at(1));
        QVERIFY(b.waitForResponses(1));
        QCOMPARE(b.response(0).body, QByteArray("/b"));
    }

    void clientVanishesMidStream()
    {
        QPointer<HttpExchange> current;
        int goneSignals = 0;
        bool wroteInSlot = false;
        m_fixture.start([&](HttpExchange *exchange) {
            current = exchange;
            QObject::connect(exchange, &HttpExchange::clientGone, exchange, [&, exchange] {
                ++goneSignals;
                QVERIFY(exchange->isClientGone());
                exchange->writeChunk("after gone");   // ignored, not a crash
                exchange->finish();
                wroteInSlot = true;
            });
            exchange->writeHead(200, {{"Content-Type", "text/event-stream"}});
            exchange->writeChunk("data: 1\n\n");
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/stream"));
        QTRY_VERIFY(client.raw.contains("data: 1"));
        QVERIFY(current);
        HttpExchange *raw = current.data();
        client.socket().abort();

        QTRY_COMPARE(goneSignals, 1);
        QVERIFY(wroteInSlot);
        // Still alive until the event loop deletes it: writes are ignored.
        if (current) {
            QVERIFY(current->isClientGone());
            QVERIFY(!current->isFinished());
            current->writeChunk("data: 2\n\n");
            current->respond(200, {}, "x");
            current->abort();
        }
        QTRY_VERIFY(current.isNull());
        Q_UNUSED(raw);
        QCOMPARE(goneSignals, 1);
        QTRY_COMPARE(m_fixture.server->connectionCount(), 0);
    }

    void clientVanishesWithPipelinedRequests()
    {
        QList<QPointer<HttpExchange>> exchanges;
        int goneSignals = 0;
        m_fixture.start([&](HttpExchange *exchange) {
            exchanges.append(exchange);
            QObject::connect(exchange, &HttpExchange::clientGone, [&] { ++goneSignals; });
            if (exchange->request().path == "/2")
                echoPath(exchange);   // finished but buffered behind /1: no clientGone for it
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/1") + get("/2") + get("/3"));
        QTRY_COMPARE(exchanges.size(), 3);
        client.socket().abort();
        QTRY_COMPARE(goneSignals, 2);
        QTRY_VERIFY(std::all_of(exchanges.cbegin(), exchanges.cend(),
                                [](const QPointer<HttpExchange> &e) { return e.isNull(); }));
    }

    void slowReaderGetsEverything()
    {
        QByteArray big(8 * 1024 * 1024, '\0');
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char('A' + i % 23);
        QPointer<HttpExchange> current;
        m_fixture.start([&](HttpExchange *exchange) {
            current = exchange;
            exchange->respond(200, {{"Content-Type", "application/octet-stream"}}, big);
        });
        Client client(m_fixture.port);
        client.manualRead = true;
        client.socket().setReadBufferSize(1);
        QVERIFY(client.waitConnected());
        client.send(get("/big"));
        QTest::qWait(200);   // not reading: the kernel buffers fill and the server must wait

        // A trickle, one byte per read...
        QByteArray received;
        QElapsedTimer timer;
        timer.start();
        while (received.size() < 3000 && timer.elapsed() < kWaitMs) {
            char byte;
            if (client.socket().read(&byte, 1) == 1)
                received += byte;
            else
                (void)QTest::qWaitFor([&] { return client.socket().bytesAvailable() > 0; }, 100);
        }
        QCOMPARE(received.size(), 3000);
        // ...then the rest at normal speed.
        client.socket().setReadBufferSize(0);
        client.manualRead = false;
        client.raw = received;
        client.reader.feed(received);
        client.reader.feed(client.socket().readAll());
        QVERIFY(client.waitForResponses(1, 20000));
        QCOMPARE(client.response(0).body.size(), big.size());
        QVERIFY(client.response(0).body == big);
        QTRY_VERIFY(current.isNull());
        QVERIFY(!client.closed);
    }
};

QTEST_GUILESS_MAIN(TestHttpLimits)
#include "TestHttpLimits.moc"
