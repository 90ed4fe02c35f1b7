#pragma once
// A raw HTTP/1.1 client for the HTTP server tests: it writes bytes exactly as given (pipelined,
// byte by byte, malformed) and parses what comes back with libhttp-parser, one response at a time.

#include "http/httpserver.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QTcpSocket>
#include <QtTest>

#include <http_parser.h>

#include <memory>

namespace httptest {

using namespace cachette::http;

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
    // Connected, one request written, its answer in: the usual step of a test.
    bool sendAndWait(const QByteArray &bytes)
    {
        if (!waitConnected())
            return false;
        const int before = reader.complete;
        send(bytes);
        return waitForResponses(before + 1);
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

inline QByteArray get(const QByteArray &path, const QByteArray &extraHeaders = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: localhost:8787\r\n" + extraHeaders + "\r\n";
}

inline QByteArray post(const QByteArray &path, const QByteArray &body)
{
    return "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// Answers every request with its path, so tests can see which request an answer belongs to.
inline void echoPath(HttpExchange *exchange)
{
    exchange->respond(200, {{"Content-Type", "text/plain"}}, exchange->request().path);
}

// Owns the server under test; each test starts one with the handler and limits it needs.
struct ServerFixture
{
    std::unique_ptr<HttpServer> server;
    quint16 port = 0;

    HttpServer &start(HttpServer::Handler handler, ServerLimits limits = {},
                      AccessPolicy policy = {},
                      const QHostAddress &address = QHostAddress::LocalHost)
    {
        server = std::make_unique<HttpServer>();
        server->setLimits(limits);
        server->setAccessPolicy(policy);
        server->setHandler(std::move(handler));
        QString error;
        if (!server->listen(address, 0, &error))
            qFatal("listen failed: %s", qPrintable(error));
        port = server->serverPort();
        return *server;
    }

    void reset()
    {
        server.reset();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
};

} // namespace httptest
