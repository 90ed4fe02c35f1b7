// The HTTP/1.1 server over real sockets on 127.0.0.1: parsing, keep-alive, pipelining order,
// streaming, limits, disconnects and the access policy.

#include "http/httpserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <http_parser.h>

#include <functional>
#include <memory>

using namespace cachette::http;

namespace {

constexpr int kWaitMs = 5000;

struct Response
{
    int status = 0;
    HeaderList headers;
    QByteArray body;
    int bodyPieces = 0;   // on_body calls: >1 means the body came in several chunks/reads

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
    QJsonObject error() const
    {
        return QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
    }
};

// Client side of the conversation, decoded by libhttp-parser in response mode so the tests do
// not trust a hand-written parser any more than the server does.
class ResponseReader
{
public:
    ResponseReader()
    {
        http_parser_init(&m_parser, HTTP_RESPONSE);
        m_parser.data = this;
        http_parser_settings_init(&m_settings);
        m_settings.on_message_begin = [](http_parser *p) {
            self(p)->responses.append(Response{});
            self(p)->m_lastWasValue = false;
            return 0;
        };
        m_settings.on_header_field = [](http_parser *p, const char *at, size_t len) {
            ResponseReader *r = self(p);
            auto &headers = r->responses.last().headers;
            if (r->m_lastWasValue || headers.isEmpty())
                headers.append({QByteArray(at, qsizetype(len)), QByteArray()});
            else
                headers.last().first.append(at, qsizetype(len));
            r->m_lastWasValue = false;
            return 0;
        };
        m_settings.on_header_value = [](http_parser *p, const char *at, size_t len) {
            self(p)->responses.last().headers.last().second.append(at, qsizetype(len));
            self(p)->m_lastWasValue = true;
            return 0;
        };
        m_settings.on_headers_complete = [](http_parser *p) {
            ResponseReader *r = self(p);
            r->responses.last().status = int(p->status_code);
            // A response to HEAD has no body whatever its headers say.
            return r->responses.size() - 1 == r->headResponseIndex ? 1 : 0;
        };
        m_settings.on_body = [](http_parser *p, const char *at, size_t len) {
            self(p)->responses.last().body.append(at, qsizetype(len));
            ++self(p)->responses.last().bodyPieces;
            return 0;
        };
        m_settings.on_message_complete = [](http_parser *p) {
            ++self(p)->complete;
            return 0;
        };
    }

    void feed(const QByteArray &bytes)
    {
        if (bytes.isEmpty() || failed)
            return;
        const size_t parsed = http_parser_execute(&m_parser, &m_settings, bytes.constData(),
                                                  size_t(bytes.size()));
        if (parsed != size_t(bytes.size()) || HTTP_PARSER_ERRNO(&m_parser) != HPE_OK)
            failed = true;
    }
    void finish()   // EOF ends a body delimited by the connection's end (HTTP/1.0 streaming)
    {
        if (!failed)
            http_parser_execute(&m_parser, &m_settings, nullptr, 0);
    }

    QList<Response> responses;
    int complete = 0;
    int headResponseIndex = -1;
    bool failed = false;

private:
    static ResponseReader *self(http_parser *p) { return static_cast<ResponseReader *>(p->data); }
    http_parser m_parser;
    http_parser_settings m_settings;
    bool m_lastWasValue = false;
};

class Client : public QObject
{
public:
    explicit Client(quint16 port, QHostAddress address = QHostAddress::LocalHost)
    {
        m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
        connect(&m_socket, &QTcpSocket::readyRead, this, [this] {
            if (manualRead)
                return;
            const QByteArray bytes = m_socket.readAll();
            raw += bytes;
            reader.feed(bytes);
        });
        connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
            if (m_socket.isOpen()) {   // closed by the server rather than by our abort()
                const QByteArray bytes = m_socket.readAll();
                raw += bytes;
                reader.feed(bytes);
            }
            reader.finish();
            closed = true;
        });
        m_socket.connectToHost(address, port);
    }

    ~Client() override
    {
        m_socket.disconnect(this);
        m_socket.abort();
    }

    bool waitConnected() { return m_socket.waitForConnected(kWaitMs); }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Byte by byte, letting the event loop run in between so the server gets separate reads.
    void sendSlowly(const QByteArray &bytes, int step = 1)
    {
        for (qsizetype i = 0; i < bytes.size(); i += step) {
            send(bytes.mid(i, step));
            QCoreApplication::processEvents();
        }
    }
    bool waitForResponses(int count, int timeoutMs = kWaitMs)
    {
        return QTest::qWaitFor([&] { return reader.complete >= count || reader.failed; }, timeoutMs)
            && !reader.failed;
    }
    bool waitClosed(int timeoutMs = kWaitMs)
    {
        return QTest::qWaitFor([&] { return closed; }, timeoutMs);
    }
    const Response &response(int i) const { return reader.responses.at(i); }
    QTcpSocket &socket() { return m_socket; }

    ResponseReader reader;
    QByteArray raw;
    bool closed = false;
    bool manualRead = false;

private:
    QTcpSocket m_socket;
};

QByteArray get(const QByteArray &path, const QByteArray &extraHeaders = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: localhost:8787\r\n" + extraHeaders + "\r\n";
}

QByteArray post(const QByteArray &path, const QByteArray &body)
{
    return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// Answers every request with its path, so tests can see which request an answer belongs to.
void echoPath(HttpExchange *exchange)
{
    exchange->respond(200, {{"Content-Type", "text/plain"}}, exchange->request().path);
}

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<HttpServer> m_server;
    quint16 m_port = 0;

    HttpServer &startServer(HttpServer::Handler handler, ServerLimits limits = {},
                            AccessPolicy policy = {},
                            const QHostAddress &address = QHostAddress::LocalHost)
    {
        m_server = std::make_unique<HttpServer>();
        m_server->setLimits(limits);
        m_server->setAccessPolicy(policy);
        m_server->setHandler(std::move(handler));
        QString error;
        const bool ok = m_server->listen(address, 0, &error);
        if (!ok)
            qFatal("listen failed: %s", qPrintable(error));
        m_port = m_server->serverPort();
        return *m_server;
    }

private Q_SLOTS:
    void cleanup()
    {
        m_server.reset();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }

    void simpleGet()
    {
        HttpRequest seen;
        startServer([&](HttpExchange *exchange) {
            seen = exchange->request();
            exchange->respond(200, {{"Content-Type", "text/plain"}, {"X-Extra", "1"}}, "hello");
        });
        Client client(m_port);
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
        startServer([](HttpExchange *exchange) {
            exchange->respond(404,
                              {{"Content-Length", "999"}, {"Transfer-Encoding", "chunked"},
                               {"X-Bad", "a\r\nSet-Cookie: evil"}, {"X-Good", "ok"}},
                              "nope");
        });
        Client client(m_port);
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
        startServer([](HttpExchange *exchange) { exchange->respond(429, {}, "slow down"); });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/"));
        QVERIFY(client.waitForResponses(1));
        QVERIFY(client.raw.startsWith("HTTP/1.1 429 Too Many Requests\r\n"));
    }

    void postWithContentLength()
    {
        QByteArray seenBody;
        startServer([&](HttpExchange *exchange) {
            seenBody = exchange->request().body;
            exchange->respond(200, {{"Content-Type", "application/json"}}, exchange->request().body);
        });
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) {
            seenBody = exchange->request().body;
            exchange->respond(200, {}, exchange->request().body);   // > inline limit: two writes
        });
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) {
            ++calls;
            seen = exchange->request();
            exchange->respond(200, {}, exchange->request().body);
        });
        Client client(m_port);
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
        startServer([](HttpExchange *exchange) { exchange->respond(200, {}, exchange->request().body); });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send("POST /p HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
                    "Expect: 100-continue\r\n\r\n");
        QVERIFY(QTest::qWaitFor([&] { return client.raw.contains("100 Continue\r\n\r\n"); }, kWaitMs));
        client.send("hello");
        QVERIFY(client.waitForResponses(2));
        QCOMPARE(client.response(0).status, 100);
        QCOMPARE(client.response(1).status, 200);
        QCOMPARE(client.response(1).body, QByteArray("hello"));
    }

    void keepAlive()
    {
        int calls = 0;
        startServer([&](HttpExchange *exchange) {
            ++calls;
            echoPath(exchange);
        });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/first"));
        QVERIFY(client.waitForResponses(1));
        client.send(get("/second"));
        QVERIFY(client.waitForResponses(2));
        QCOMPARE(client.response(0).body, QByteArray("/first"));
        QCOMPARE(client.response(1).body, QByteArray("/second"));
        QCOMPARE(calls, 2);
        QCOMPARE(m_server->connectionCount(), 1);
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
        startServer(echoPath);
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(request);
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).body, QByteArray("/a"));
        QCOMPARE(client.response(0).header("Connection"), connectionHeader);
        if (closes) {
            QVERIFY(client.waitClosed());
            QTRY_COMPARE(m_server->connectionCount(), 0);
        } else {
            QTest::qWait(50);
            QVERIFY(!client.closed);
            QCOMPARE(m_server->connectionCount(), 1);
        }
    }

    void handlerMayAskToClose()
    {
        startServer([](HttpExchange *exchange) {
            exchange->respond(200, {{"Connection", "close"}}, "bye");
        });
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) {
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
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) {
            if (hold)
                held.append(exchange);
            else
                echoPath(exchange);
        });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        QByteArray all;
        const int count = 150;
        for (int i = 0; i < count; ++i)
            all += get("/r" + QByteArray::number(i));
        client.send(all);
        QTRY_COMPARE(held.size(), 64);
        QTest::qWait(50);
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
        startServer([&](HttpExchange *exchange) {
            current = exchange;
            exchange->writeHead(200, {{"Content-Type", "text/event-stream"}});
            exchange->writeChunk("data: 1\n\n");
        });
        Client client(m_port);
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
        startServer([](HttpExchange *exchange) {
            exchange->writeHead(200, {{"Content-Type", "text/event-stream"}});
            exchange->writeChunk("data: a\n\n");
            exchange->writeChunk("data: b\n\n");
            exchange->finish();
        });
        Client client(m_port);
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
        startServer([](HttpExchange *exchange) { exchange->respond(200, {}, "twelve bytes"); });
        Client client(m_port);
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
        startServer([](HttpExchange *exchange) {
            exchange->finish();                 // an empty 200
            exchange->respond(500, {}, "late");   // ignored
            exchange->writeChunk("late");        // ignored
            exchange->abort();                  // ignored: already finished
        });
        Client client(m_port);
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
        startServer([](HttpExchange *exchange) {
            exchange->writeHead(200, {{"Content-Type", "text/event-stream"}});
            exchange->writeChunk("data: partial\n\n");
            QPointer<HttpExchange> guard(exchange);
            QTimer::singleShot(20, [guard] {
                if (guard)
                    guard->abort();
            });
        });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/a"));
        QVERIFY(client.waitClosed());
        QVERIFY(client.raw.contains("data: partial"));
        QVERIFY(!client.raw.endsWith("0\r\n\r\n"));
        QCOMPARE(client.reader.complete, 0);   // truncated, not a clean end
        QTRY_COMPARE(m_server->connectionCount(), 0);
    }

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
        startServer([&](HttpExchange *exchange) { ++calls; echoPath(exchange); }, limits);
        Client client(m_port);
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
        startServer([](HttpExchange *exchange) { exchange->respond(200, {}, exchange->request().body); }, limits);
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) { ++calls; echoPath(exchange); }, limits);
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) {
            seen = exchange->request().header("X-Big");
            exchange->respond(200, {}, "ok");
        }, limits);
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) { ++calls; echoPath(exchange); });
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) { first = exchange; });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/ok") + "NONSENSE\r\n\r\n");
        QTRY_VERIFY(first);
        QTest::qWait(30);
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
        startServer(echoPath, limits);
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/a"));
        QVERIFY(client.waitForResponses(1));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(client.waitClosed(3000));
        QVERIFY2(timer.elapsed() >= 150, qPrintable(QString::number(timer.elapsed())));
        QTRY_COMPARE(m_server->connectionCount(), 0);

        Client silent(m_port);   // never sends anything
        QVERIFY(silent.waitConnected());
        QVERIFY(silent.waitClosed(3000));
    }

    void slowHandlerIsNotIdle()
    {
        ServerLimits limits;
        limits.idleTimeoutMs = 150;
        startServer([](HttpExchange *exchange) {
            QPointer<HttpExchange> guard(exchange);
            QTimer::singleShot(500, [guard] {
                if (guard)
                    echoPath(guard);
            });
        }, limits);
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/slow"));
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).body, QByteArray("/slow"));
        QVERIFY(client.waitClosed(3000));   // idle again afterwards
    }

    void connectionLimit()
    {
        ServerLimits limits;
        limits.maxConnections = 2;
        startServer(echoPath, limits);
        Client a(m_port), b(m_port);
        QVERIFY(a.waitConnected());
        QVERIFY(b.waitConnected());
        QTRY_COMPARE(m_server->connectionCount(), 2);

        Client extra(m_port);
        QVERIFY(extra.waitConnected());
        extra.send(get("/extra"));
        QVERIFY(extra.waitForResponses(1));
        QVERIFY(extra.waitClosed());
        QCOMPARE(extra.response(0).status, 503);
        QCOMPARE(extra.response(0).header("Connection"), QByteArray("close"));
        QCOMPARE(extra.response(0).error().value("code").toString(), QStringLiteral("too_many_connections"));
        QCOMPARE(m_server->connectionCount(), 2);

        a.send(get("/a"));
        QVERIFY(a.waitForResponses(1));
        QCOMPARE(a.response(0).body, QByteArray("/a"));

        b.socket().abort();
        QTRY_COMPARE(m_server->connectionCount(), 1);
        Client later(m_port);
        QVERIFY(later.waitConnected());
        later.send(get("/later"));
        QVERIFY(later.waitForResponses(1));
        QCOMPARE(later.response(0).body, QByteArray("/later"));
        QCOMPARE(m_server->connectionCount(), 2);
    }

    void clientVanishesMidStream()
    {
        QPointer<HttpExchange> current;
        int goneSignals = 0;
        bool wroteInSlot = false;
        startServer([&](HttpExchange *exchange) {
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
        Client client(m_port);
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
        QTRY_COMPARE(m_server->connectionCount(), 0);
    }

    void clientVanishesWithPipelinedRequests()
    {
        QList<QPointer<HttpExchange>> exchanges;
        int goneSignals = 0;
        startServer([&](HttpExchange *exchange) {
            exchanges.append(exchange);
            QObject::connect(exchange, &HttpExchange::clientGone, [&] { ++goneSignals; });
            if (exchange->request().path == "/2")
                echoPath(exchange);   // finished but buffered behind /1: no clientGone for it
        });
        Client client(m_port);
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
        startServer([&](HttpExchange *exchange) {
            current = exchange;
            exchange->respond(200, {{"Content-Type", "application/octet-stream"}}, big);
        });
        Client client(m_port);
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

    void hostHeaderOnLoopback_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        const auto withHost = [](const QByteArray &host) -> QByteArray {
            return "GET /v1/models HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
        };
        QTest::newRow("evil.com") << withHost("evil.com") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("evil.com:8787") << withHost("evil.com:8787") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("localhost.evil.com") << withHost("localhost.evil.com") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("127.0.0.1.evil.com") << withHost("127.0.0.1.evil.com") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("128.0.0.1") << withHost("128.0.0.1") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("localhost:evil") << withHost("localhost:evil") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("[::1]evil") << withHost("[::1]evil") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("empty") << withHost("") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("localhost:8787") << withHost("localhost:8787") << 200 << QStringLiteral("");
        QTest::newRow("localhost") << withHost("localhost") << 200 << QStringLiteral("");
        QTest::newRow("LocalHost") << withHost("LocalHost:1") << 200 << QStringLiteral("");
        QTest::newRow("127.0.0.1:8787") << withHost("127.0.0.1:8787") << 200 << QStringLiteral("");
        QTest::newRow("127.1.2.3") << withHost("127.1.2.3") << 200 << QStringLiteral("");
        QTest::newRow("[::1]:8787") << withHost("[::1]:8787") << 200 << QStringLiteral("");
        QTest::newRow("[::1]") << withHost("[::1]") << 200 << QStringLiteral("");
        QTest::newRow("::1") << withHost("::1") << 200 << QStringLiteral("");
        QTest::newRow("missing, HTTP/1.1") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400 << QStringLiteral("missing_host");
        QTest::newRow("missing, HTTP/1.0") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 200 << QStringLiteral("");
    }

    void hostHeaderOnLoopback()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, code);
        int calls = 0;
        startServer([&](HttpExchange *exchange) { ++calls; echoPath(exchange); });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(request);
        QVERIFY(client.waitForResponses(1));
        const Response &r = client.response(0);
        QCOMPARE(r.status, status);
        QCOMPARE(calls, status == 200 ? 1 : 0);
        if (status != 200) {
            const QJsonObject error = r.error();
            QCOMPARE(error.value("code").toString(), code);
            QVERIFY(!error.value("message").toString().isEmpty());
            QVERIFY(error.contains("type"));
            QVERIFY(error.value("param").isNull());
            QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
        }
    }

    void originPolicy()
    {
        int calls = 0;
        AccessPolicy policy;
        startServer([&](HttpExchange *exchange) { ++calls; echoPath(exchange); }, {}, policy);
        {
            Client client(m_port);
            QVERIFY(client.waitConnected());
            client.send(get("/", "Origin: http://localhost:3000\r\n"));
            QVERIFY(client.waitForResponses(1));
            QCOMPARE(client.response(0).status, 403);
            const QJsonObject error = client.response(0).error();
            QCOMPARE(error.value("code").toString(), QStringLiteral("forbidden_origin"));
            QVERIFY(error.value("message").toString().contains("http://localhost:3000"));
            QVERIFY(error.value("message").toString().contains("settings"));
            QCOMPARE(calls, 0);
        }

        policy.allowedOrigins = {QStringLiteral("http://localhost:3000")};
        m_server->setAccessPolicy(policy);
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/allowed", "Origin: http://localhost:3000\r\n"));
        client.send(get("/other", "Origin: http://localhost:3001\r\n"));
        client.send("OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    "Origin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\n"
                    "Access-Control-Request-Headers: authorization, content-type\r\n\r\n");
        client.send(get("/plain"));   // no Origin: not a browser, allowed
        QVERIFY(client.waitForResponses(4));
        QCOMPARE(client.response(0).status, 200);
        QCOMPARE(client.response(0).header("Access-Control-Allow-Origin"), QByteArray("http://localhost:3000"));
        QCOMPARE(client.response(1).status, 403);
        QCOMPARE(client.response(2).status, 204);   // preflight, answered by the server
        QCOMPARE(client.response(2).header("Access-Control-Allow-Origin"), QByteArray("http://localhost:3000"));
        QCOMPARE(client.response(2).header("Access-Control-Allow-Headers"),
                 QByteArray("authorization, content-type"));
        QVERIFY(client.response(2).header("Access-Control-Allow-Methods").contains("POST"));
        QCOMPARE(client.response(3).status, 200);
        QVERIFY(!client.response(3).hasHeader("Access-Control-Allow-Origin"));
        QCOMPARE(calls, 2);
    }

    void accessTokenOffLoopback()
    {
        AccessPolicy policy;
        policy.accessToken = "s3cret-token";
        HttpRequest seen;
        startServer([&](HttpExchange *exchange) {
            seen = exchange->request();
            echoPath(exchange);
        }, {}, policy, QHostAddress::AnyIPv4);
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/none"));
        client.send(get("/wrong", "X-Cachette-Token: s3cret-tokem\r\n"));
        client.send(get("/short", "X-Cachette-Token: s3cret\r\n"));
        client.send("GET /right HTTP/1.1\r\nHost: 192.168.1.20:8787\r\nX-Cachette-Token: s3cret-token\r\n\r\n");
        QVERIFY(client.waitForResponses(4));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(client.response(i).status, 401);
            QCOMPARE(client.response(i).error().value("code").toString(), QStringLiteral("missing_access_token"));
        }
        QCOMPARE(client.response(3).status, 200);   // any Host: not bound to loopback
        QCOMPARE(client.response(3).body, QByteArray("/right"));
        QCOMPARE(seen.path, QByteArray("/right"));
        QVERIFY(!seen.hasHeader("X-Cachette-Token"));   // never forwarded
    }

    void noTokenNeededOnLoopbackOrWhenUnset()
    {
        AccessPolicy policy;
        policy.accessToken = "s3cret-token";
        startServer(echoPath, {}, policy);
        {
            Client client(m_port);
            QVERIFY(client.waitConnected());
            client.send(get("/a"));
            QVERIFY(client.waitForResponses(1));
            QCOMPARE(client.response(0).status, 200);
        }
        startServer(echoPath, {}, {}, QHostAddress::AnyIPv4);
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/b", "Host: anything\r\n"));
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).status, 200);
    }

    void listenReportsPortInUse()
    {
        startServer(echoPath);
        HttpServer second;
        QString error;
        QVERIFY(!second.listen(QHostAddress::LocalHost, m_port, &error));
        QCOMPARE(error, QStringLiteral("port %1 on 127.0.0.1 is already in use by another program").arg(m_port));
        QVERIFY(!second.isListening());
        QVERIFY(m_server->isListening());
        QCOMPARE(m_server->serverAddress(), QHostAddress(QHostAddress::LocalHost));
    }

    void closeDropsConnections()
    {
        QPointer<HttpExchange> pending;
        bool gone = false;
        startServer([&](HttpExchange *exchange) {
            pending = exchange;
            QObject::connect(exchange, &HttpExchange::clientGone, [&] { gone = true; });
        });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/wait"));
        QTRY_VERIFY(pending);
        m_server->close();
        QVERIFY(gone);
        QVERIFY(!m_server->isListening());
        QCOMPARE(m_server->connectionCount(), 0);
        QVERIFY(client.waitClosed());
        QTRY_VERIFY(pending.isNull());
        Client refused(m_port);
        QVERIFY(!refused.waitConnected());
    }

    void destroyingTheServerIsSafe()
    {
        QPointer<HttpExchange> pending;
        bool gone = false;
        startServer([&](HttpExchange *exchange) {
            pending = exchange;
            QObject::connect(exchange, &HttpExchange::clientGone, [&] { gone = true; });
            exchange->writeHead(200, {});
        });
        Client client(m_port);
        QVERIFY(client.waitConnected());
        client.send(get("/wait"));
        QTRY_VERIFY(pending);
        m_server.reset();
        QVERIFY(pending.isNull());
        QVERIFY(!gone);   // silent: its listeners may be gone too
        QVERIFY(client.waitClosed());
    }

    void errorBodyShape()
    {
        const QJsonObject root = QJsonDocument::fromJson(
            errorBody(QStringLiteral("He said \"no\""), QStringLiteral("invalid_request_error"),
                      QStringLiteral("some_code"))).object();
        QCOMPARE(root.keys(), QStringList{QStringLiteral("error")});
        const QJsonObject error = root.value("error").toObject();
        QCOMPARE(error.value("message").toString(), QStringLiteral("He said \"no\""));
        QCOMPARE(error.value("type").toString(), QStringLiteral("invalid_request_error"));
        QCOMPARE(error.value("code").toString(), QStringLiteral("some_code"));
        QVERIFY(error.contains("param"));
        QVERIFY(error.value("param").isNull());
    }
};

QTEST_GUILESS_MAIN(TestHttpServer)
#include "TestHttpServer.moc"
