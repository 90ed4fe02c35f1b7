#pragma once

#include "httpexchange.h"

#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTcpServer>

#include <functional>
#include <memory>

namespace cachette::http {

class HeapTrimmer;
class HttpConnection;

struct ServerLimits
{
    qsizetype maxHeaderBytes = 64 * 1024;         // larger → 431
    qsizetype maxBodyBytes = 32 * 1024 * 1024;    // larger → 413
    int idleTimeoutMs = 60'000;                   // idle keep-alive connections are closed
    // Reading a request has deadlines that the client's reads do not push back (slowloris);
    // past them → 408 and close. 0 turns one off.
    int headerTimeoutMs = 10'000;                 // headers, from the request's first byte (the connect)
    int bodyGraceMs = 10'000;                     // then the body must average at least...
    qint64 minBodyBytesPerSecond = 1024;          // ...this, counted from the end of the headers
    // At the cap a newcomer evicts a connection that is only reading a request or idle; only when
    // every one is busy with a request is it answered 503. The server raises the process's open
    // file limit to fit.
    int maxConnections = 4096;
};

// Who may talk to the proxy. A proxy on loopback is reachable from every web page the user opens,
// so it answers only loopback Host names (DNS rebinding) and refuses browser Origins unless allowed.
// Bound to another interface it requires an access token in the X-Cachette-Token header.
struct AccessPolicy
{
    QStringList allowedOrigins;   // exact origins like "http://localhost:3000"; empty = none
    QByteArray accessToken;       // required when not listening on loopback
};

// QTcpServer with libhttp-parser: keep-alive, in-order pipelining, Content-Length and chunked
// request bodies, chunked responses, limits. Rejected requests get an OpenAI-style JSON error.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(HttpExchange *)>;
    // Writes the JSON body of an error the server makes itself (a malformed, slow or refused
    // request). Without one it is OpenAI-style; the proxy sets one that answers in the dialect of
    // the API the client called, so an Anthropic SDK can read a 408 on /v1/messages too. The
    // request may be partial (a 408 before the headers ended has only its target, if that).
    using ErrorFormatter = std::function<QByteArray(const HttpRequest &request, int status,
                                                    const QString &message, const QString &type,
                                                    const QString &code)>;

    explicit HttpServer(QObject *parent = nullptr);
    ~HttpServer() override;

    void setLimits(const ServerLimits &limits) { m_limits = limits; }
    const ServerLimits &limits() const { return m_limits; }
    void setAccessPolicy(const AccessPolicy &policy) { m_access = policy; }
    void setHandler(Handler handler) { m_handler = std::move(handler); }
    void setErrorFormatter(ErrorFormatter formatter) { m_errorFormatter = std::move(formatter); }
    QByteArray errorBodyFor(const HttpRequest &request, int status, const QString &message,
                            const QString &type, const QString &code) const;

    // On failure returns false and a sentence a person can act on ("port 8787 is already in use").
    bool listen(const QHostAddress &address, quint16 port, QString *error = nullptr);
    void close();   // stops listening and drops every connection
    bool isListening() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    int connectionCount() const;

private:
    void onNewConnection();
    void dispatch(HttpExchange *exchange);   // access checks, then the handler
    // Each answers the exchange itself and returns false when the request may not go on.
    bool checkHost(HttpExchange *exchange);
    bool checkOrigin(HttpExchange *exchange);
    bool checkToken(HttpExchange *exchange);
    void answerPreflight(HttpExchange *exchange);
    void connectionClosed(HttpConnection *connection);
    bool makeRoom();   // evicts one connection for a newcomer; false when all are busy

    QTcpServer m_server;
    ServerLimits m_limits;
    AccessPolicy m_access;
    Handler m_handler;
    ErrorFormatter m_errorFormatter;
    QSet<HttpConnection *> m_connections;
    std::unique_ptr<HeapTrimmer> m_heapTrimmer;   // gives memory back after a burst
    bool m_loopbackOnly = true;
};

// OpenAI-style error body: {"error":{"message":…,"type":…,"param":null,"code":…}}
QByteArray errorBody(const QString &message, const QString &type, const QString &code);
// An error as a complete JSON response on an exchange, in the body its server's ErrorFormatter
// writes for that request (OpenAI-style without one).
void respondError(HttpExchange *exchange, int status, const QString &message, const QString &type,
                  const QString &code);

} // namespace cachette::http
