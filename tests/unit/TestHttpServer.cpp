// The HTTP server's protocol: requests, bodies, keep-alive, pipelining and streamed answers.

#include "rawhttpclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include <functional>

using namespace httptest;

class TestHttpServer : public QObject
{
    Q_OBJECT

private:
    ServerFixture m_fixture;

private Q_SLOTS:
    void cleanup() { m_fixture.reset(); }

    void simpleGet()
    {
        HttpRequest seen;
        m_fixture.start([&](HttpExchange *exchange) {
            seen = exchange->request();
            exchange->respond(200, {{"Content-Type", "text/plain"}, {"X-Extra", "1"}}, "hello");
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send("GET /v1/models?a=1&b=2 HTTP/1.1\r\nHost: localhost:8787\r\n"
                    "X-Empty:\r\nUser-Agent: test\r\n\r\n");
        QVERIFY(client.waitForResponses(1));

        QCOMPARE(seen.method, QByteArray("GET"));
        QCOMPARE(seen.target, QByteArray("/v1/models?a=1&b=2"));
        QCOMPARE(seen.path, QByteArray("/v1/models"));
        QCOMPARE(seen.query, QByteArray("a=1&b=2"));
        QCOMPARE(seen.header("user-agent"), QByteArray("test"));
        QVERIFY(seen.hasHeader("x-empty"));
        QCOMPARE(seen.header("X-Empty"), QByteArray());
        QCOMPARE(seen.httpMinor, 1);
        QCOMPARE(seen.peer, QHostAddress(QHostAddress::LocalHost));
        QVERIFY(seen.body.isEmpty());

        const Response &r = client.response(0);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("hello"));
        QCOMPARE(r.header("Content-Length"), QByteArray("5"));
        QCOMPARE(r.header("Content-Type"), QByteArray("text/plain"));
        QCOMPARE(r.header("X-Extra"), QByteArray("1"));
        QVERIFY(!r.hasHeader("Connection"));
        QVERIFY(client.raw.startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(!client.closed);
    }

    void handlerFramingHeadersAreReplaced()
    {
        // Headers forwarded from upstream must not contradict the framing we use.
        m_fixture.start([](HttpExchange *exchange) {
            exchange->respond(404,
                              {{"Content-Length", "999"}, {"Transfer-Encoding", "chunked"},
                               {"X-Bad", "a\r\nSet-Cookie: evil"}, {"X-Good", "ok"}},
                              "nope");
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/x"));
        QVERIFY(client.waitForResponses(1));
        const Response &r = client.response(0);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.header("Content-Length"), QByteArray("4"));
        QVERIFY(!r.hasHeader("Transfer-Encoding"));
        QVERIFY(!r.hasHeader("X-Bad"));
        QVERIFY(!r.hasHeader("Set-Cookie"));
        QCOMPARE(r.header("X-Good"), QByteArray("ok"));
        QCOMPARE(r.body, QByteArray("nope"));
        QVERIFY(client.raw.startsWith("HTTP/1.1 404 Not Found\r\n"));
    }

    void uncommonStatusHasReasonPhrase()
    {
        m_fixture.start([](HttpExchange *exchange) { exchange->respond(429, {}, "slow down"); });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/"));
        QVERIFY(client.waitForResponses(1));
        QVERIFY(client.raw.startsWith("HTTP/1.1 429 Too Many Requests\r\n"));
    }

    void postWithContentLength()
    {
        QByteArray seenBody;
        m_fixture.start([&](HttpExchange *exchange) {
            seenBody = exchange->request().body;
            exchange->respond(200, {{"Content-Type", "application/json"}}, exchange->request().body);
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        const QByteArray body = R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]})";
        client.send(post("/v1/chat/completions", body));
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(seenBody, body);
        QCOMPARE(client.response(0).body, body);
    }

    void largePostBody()
    {
        QByteArray seenBody;
        m_fixture.start([&](HttpExchange *exchange) {
            seenBody = exchange->request().body;
            exchange->respond(200, {}, exchange->request().body);   // > inline limit: two writes
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        QByteArray body(3 * 1024 * 1024, 'x');
        for (qsizetype i = 0; i < body.size(); i += 1000)
            body[i] = char('a' + (i / 1000) % 26);
        client.send(post("/big", body));
        QVERIFY(client.waitForResponses(1, 20000));
        QCOMPARE(seenBody.size(), body.size());
        QVERIFY(seenBody == body);
        QVERIFY(client.response(0).body == body);
    }

    void chunkedRequestBody_data()
    {
        QTest::addColumn<int>("step");
        QTest::newRow("one write") << 0;
        QTest::newRow("7-byte pieces") << 7;
        QTest::newRow("byte by byte") << 1;
    }

    void chunkedRequestBody()
    {
        QFETCH(int, step);
        HttpRequest seen;
        int calls = 0;
        m_fixture.start([&](HttpExchange *exchange) {
            ++calls;
            seen = exchange->request();
            exchange->respond(200, {}, exchange->request().body);
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        const QByteArray request = "POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\n"
                                   "X-Long-Header-Name-To-Split: a-long-header-value-to-split\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n"
                                   "4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
        if (step == 0)
            client.send(request);
        else
            client.sendSlowly(request, step);
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(calls, 1);
        QCOMPARE(seen.body, QByteArray("Wikipedia in\r\n\r\nchunks."));
        QCOMPARE(seen.header("x-long-header-name-to-split"), QByteArray("a-long-header-value-to-split"));
        QCOMPARE(seen.header("Host"), QByteArray("localhost"));
        QCOMPARE(seen.path, QByteArray("/v1/embeddings"));
        QCOMPARE(seen.headers.size(), 3);
        QCOMPARE(client.response(0).body, seen.body);
    }

    void expectContinue()
    {
        m_fixture.start([](HttpExchange *exchange) { exchange->respond(200, {}, exchange->request().body); });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send("POST /p HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                    "Expect: 100-continue\r\n\r\n");
        QTRY_VERIFY_WITH_TIMEOUT(client.raw.contains("100 Continue\r\n\r\n"), kWaitMs);
        client.send("hello");
        QVERIFY(client.waitForResponses(2));
        QCOMPARE(client.response(0).status, 100);
        QCOMPARE(client.response(1).status, 200);
        QCOMPARE(client.response(1).body, QByteArray("hello"));
    }

    void keepAlive()
    {
        int calls = 0;
        m_fixture.start([&](HttpExchange *exchange) {
            ++calls;
            echoPath(exchange);
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/first"));
        QVERIFY(client.waitForResponses(1));
        client.send(get("/second"));
        QVERIFY(client.waitForResponses(2));
        QCOMPARE(client.response(0).body, QByteArray("/first"));
        QCOMPARE(client.response(1).body, QByteArray("/second"));
        QCOMPARE(calls, 2);
        QCOMPARE(m_fixture.server->connectionCount(), 1);
        QVERIFY(!client.closed);
    }

    void connectionCloseIsHonoured_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<bool>("closes");
        QTest::addColumn<QByteArray>("connectionHeader");
        QTest::newRow("1.1 close") << QByteArray("GET /a HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                                   << true << QByteArray("close");
        QTest::newRow("1.0") << QByteArray("GET /a HTTP/1.0\r\n\r\n") << true << QByteArray("close");
        QTest::newRow("1.0 keep-alive") << QByteArray("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                                        << false << QByteArray("keep-alive");
        QTest::newRow("1.1 default") << QByteArray("GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n")
                                     << false << QByteArray();
    }

    void connectionCloseIsHonoured()
    {
        QFETCH(QByteArray, request);
        QFETCH(bool, closes);
        QFETCH(QByteArray, connectionHeader);
        m_fixture.start(echoPath);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(request);
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).body, QByteArray("/a"));
        QCOMPARE(client.response(0).header("Connection"), connectionHeader);
        if (closes) {
            QVERIFY(client.waitClosed());
            QTRY_COMPARE(m_fixture.server->connectionCount(), 0);
        } else {
            QTest::qWait(50);   // deliberately: the connection stays open that long
            QVERIFY(!client.closed);
            QCOMPARE(m_fixture.server->connectionCount(), 1);
        }
    }

    void handlerMayAskToClose()
    {
        m_fixture.start([](HttpExchange *exchange) {
            exchange->respond(200, {{"Connection", "close"}}, "bye");
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/a") + get("/b"));   // the second is never answered
        QVERIFY(client.waitClosed());
        QCOMPARE(client.reader.complete, 1);
        QCOMPARE(client.response(0).header("Connection"), QByteArray("close"));
        QCOMPARE(client.response(0).body, QByteArray("bye"));
    }

    void pipelinedAnswersKeepRequestOrder()
    {
        // Answers are given in reverse order, the middle one streamed; the client must still get
        // them in request order, and every request must reach the handler before any answer.
        QList<QPointer<HttpExchange>> exchanges;
        int handledBeforeFirstAnswer = -1;
        m_fixture.start([&](HttpExchange *exchange) {
            exchanges.append(exchange);
            const QByteArray path = exchange->request().path;
            const int delay = path == "/1" ? 150 : path == "/2" ? 100 : 30;
            QPointer<HttpExchange> guard(exchange);
            QTimer::singleShot(delay, [&, guard, path] {
                if (!guard)
                    return;
                if (handledBeforeFirstAnswer < 0)
                    handledBeforeFirstAnswer = int(exchanges.size());
                if (path == "/2") {
                    guard->writeHead(200, {{"Content-Type", "text/event-stream"}});
                    guard->writeChunk("data: two\n\n");
                    guard->writeChunk("data: more\n\n");
                    guard->finish();
                } else {
                    echoPath(guard);
                }
            });
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/1") + get("/2") + get("/3"));
        QVERIFY(client.waitForResponses(3));
        QCOMPARE(handledBeforeFirstAnswer, 3);
        QCOMPARE(client.response(0).body, QByteArray("/1"));
        QCOMPARE(client.response(1).body, QByteArray("data: two\n\ndata: more\n\n"));
        QCOMPARE(client.response(1).header("Transfer-Encoding"), QByteArray("chunked"));
        QCOMPARE(client.response(2).body, QByteArray("/3"));
        // Finished exchanges are deleted once written.
        QTRY_VERIFY(std::all_of(exchanges.cbegin(), exchanges.cend(),
                                [](const QPointer<HttpExchange> &e) { return e.isNull(); }));
    }

    void manyPipelinedRequests()
    {
        // More requests than the per-connection queue holds: parsing pauses, then resumes.
        QList<QPointer<HttpExchange>> held;
        bool hold = true;
        m_fixture.start([&](HttpExchange *exchange) {
            if (hold)
                held.append(exchange);
            else
                echoPath(exchange);
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        QByteArray all;
        const int count = 150;
        for (int i = 0; i < count; ++i)
            all += get("/r" + QByteArray::number(i));
        client.send(all);
        QTRY_COMPARE(held.size(), 64);
        QTest::qWait(50);   // deliberately: no more requests are parsed in that time
        QCOMPARE(held.size(), 64);   // the rest waits unparsed
        QCOMPARE(client.reader.complete, 0);
        hold = false;
        for (auto it = held.rbegin(); it != held.rend(); ++it)
            echoPath(*it);
        QVERIFY(client.waitForResponses(count, 10000));
        for (int i = 0; i < count; ++i)
            QCOMPARE(client.response(i).body, QByteArray("/r" + QByteArray::number(i)));
    }

    void streamingResponse()
    {
        QPointer<HttpExchange> current;
        m_fixture.start([&](HttpExchange *exchange) {
            current = exchange;
            exchange->writeHead(200, {{"Content-Type", "text/event-stream"}});
            exchange->writeChunk("data: 1\n\n");
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/stream"));
        // The first chunk arrives before the response is finished.
        QTRY_VERIFY(client.raw.contains("data: 1\n\n"));
        QCOMPARE(client.reader.complete, 0);
        QVERIFY(current);
        current->writeChunk("");   // no-op: an empty chunk would end the stream
        current->writeChunk("data: 2\n\n");
        current->writeChunk(QByteArray(40000, 'z'));   // larger than the inline limit
        current->finish();
        QVERIFY(client.waitForResponses(1));
        const Response &r = client.response(0);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Transfer-Encoding"), QByteArray("chunked"));
        QVERIFY(!r.hasHeader("Content-Length"));
        QCOMPARE(r.header("Content-Type"), QByteArray("text/event-stream"));
        QCOMPARE(r.body, QByteArray("data: 1\n\ndata: 2\n\n" + QByteArray(40000, 'z')));
        QVERIFY(client.raw.endsWith("\r\n0\r\n\r\n"));
        QTRY_VERIFY(current.isNull());
        // Writes after the end are ignored; the connection stays usable.
        client.send(get("/stream"));
        QTRY_VERIFY(current);
        current->finish();
        QVERIFY(client.waitForResponses(2));
        QCOMPARE(client.response(1).body, QByteArray("data: 1\n\n"));
    }

    void streamingToHttp10ClientClosesInsteadOfChunking()
    {
        m_fixture.start([](HttpExchange *exchange) {
            exchange->writeHead(200, {{"Content-Type", "text/event-stream"}});
            exchange->writeChunk("data: a\n\n");
            exchange->writeChunk("data: b\n\n");
            exchange->finish();
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send("GET /s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        QVERIFY(client.waitClosed());
        QVERIFY(client.waitForResponses(1));
        const Response &r = client.response(0);
        QVERIFY(!r.hasHeader("Transfer-Encoding"));
        QCOMPARE(r.header("Connection"), QByteArray("close"));
        QCOMPARE(r.body, QByteArray("data: a\n\ndata: b\n\n"));
    }

    void headRequestHasNoBody()
    {
        m_fixture.start([](HttpExchange *exchange) { exchange->respond(200, {}, "twelve bytes"); });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.reader.headResponseIndex = 0;
        client.send("HEAD /h HTTP/1.1\r\nHost: localhost\r\n\r\n" + get("/g"));
        QVERIFY(client.waitForResponses(2));
        QCOMPARE(client.response(0).header("Content-Length"), QByteArray("12"));
        QVERIFY(client.response(0).body.isEmpty());
        QCOMPARE(client.response(1).body, QByteArray("twelve bytes"));
    }

    void finishWithoutHeadAndDoubleAnswersAreHarmless()
    {
        m_fixture.start([](HttpExchange *exchange) {
            exchange->finish();                 // an empty 200
            exchange->respond(500, {}, "late");   // ignored
            exchange->writeChunk("late");        // ignored
            exchange->abort();                  // ignored: already finished
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/a") + get("/b"));
        QVERIFY(client.waitForResponses(2));
        QCOMPARE(client.response(0).status, 200);
        QCOMPARE(client.response(0).header("Content-Length"), QByteArray("0"));
        QCOMPARE(client.response(1).status, 200);
        QVERIFY(!client.closed);
    }

    void abortCutsTheConnection()
    {
        m_fixture.start([](HttpExchange *exchange) {
            exchange->writeHead(200, {{"Content-Type", "text/event-stream"}});
            exchange->writeChunk("data: partial\n\n");
            QPointer<HttpExchange> guard(exchange);
            QTimer::singleShot(20, [guard] {
                if (guard)
                    guard->abort();
            });
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/a"));
        QVERIFY(client.waitClosed());
        QVERIFY(client.raw.contains("data: partial"));
        QVERIFY(!client.raw.endsWith("0\r\n\r\n"));
        QCOMPARE(client.reader.complete, 0);   // truncated, not a clean end
        QTRY_COMPARE(m_fixture.server->connectionCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "TestHttpServer.moc"
