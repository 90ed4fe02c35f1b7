#pragma once

// Private to the http library: one accepted TCP connection.

#include "httprequest.h"
#include "requestdeadline.h"
#include "requestparser.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QTimer>

#include <optional>

class QTcpSocket;

namespace cachette::http {

class HttpExchange;
class HttpServer;

// Feeds the socket's bytes to a RequestParser, turns every complete request into an HttpExchange
// handed on at once (requestReady()), and writes the answers back strictly in request order. The
// exchange at the front of m_queue writes straight to the socket; the ones behind it buffer
// their bytes until they reach the front.
class HttpConnection : public QObject
{
    Q_OBJECT
public:
    HttpConnection(HttpServer *server, QTcpSocket *socket);
    ~HttpConnection() override;

    // Answers a connection the server cannot take with a complete response, then closes.
    void refuse(const QByteArray &response);
    // Cuts the connection now; unfinished exchanges see clientGone().
    void drop();
    // The server is being destroyed: cut the connection without calling anybody back.
    void detach();

    // When the server is full, a newcomer takes the place of a connection that does nothing for
    // anyone: the lower tier goes first, within a tier the older. None for a connection busy
    // with a request, which is never cut for a newcomer.
    struct EvictionRank
    {
        int tier = 0;   // 0 lingering after its last answer, 1 reading a request, 2 idle keep-alive
        qint64 ageNs = 0;   // nanoseconds: connections made in one burst differ by less than 1 ms
        bool goesBefore(const EvictionRank &other) const
        {
            return tier != other.tier ? tier < other.tier : ageNs > other.ageNs;
        }
    };
    std::optional<EvictionRank> evictionRank() const;
    HttpServer *server() const { return m_server; }   // null once detached

    // Called by HttpExchange. output() only queues bytes and never emits a signal, so an exchange
    // may call it several times; the completion calls may close the connection and come last.
    void output(HttpExchange *exchange, const QByteArray &bytes);
    void flushFor(HttpExchange *exchange);
    void exchangeDone(HttpExchange *exchange);

Q_SIGNALS:
    // A request for the server's access checks and handler.
    void requestReady(cachette::http::HttpExchange *exchange);
    // The connection is closed and deletes itself; not emitted once detached.
    void closed(cachette::http::HttpConnection *connection);

private:
    // Pipelined requests beyond this stay unparsed (and, once the socket's read buffer is full,
    // unread) until answers drain, so a client cannot make us hold an unbounded number of requests.
    static constexpr qsizetype kMaxQueuedRequests = 64;

    void followProgress(const RequestParser::Progress &progress);
    void completeRequest(HttpRequest request, bool keepAlive);

    void onReadyRead();
    void onBytesWritten();
    void onDisconnected();
    void onSocketError();
    void onIdleTimeout();
    void onRequestDeadline(RequestDeadline::Expiry expiry);

    void processInput();
    void feed(const char *data, qsizetype length);
    void dispatchFresh();
    void answerRejection();
    void discardInput();
    void resumeParsing();

    bool isFront(const HttpExchange *exchange) const;
    void writePending(HttpExchange *exchange);
    void advanceQueue();
    void becameIdle();
    void closeAfterFlush();
    void shutdownWrite();
    void abandonQueue();

    HttpServer *m_server;
    QTcpSocket *m_socket;
    QHostAddress m_peer;
    const int m_idleTimeoutMs;

    RequestParser m_parser;
    RequestParser::Rejection m_rejection;   // to answer once the requests before it are handed on
    HttpRequest m_rejected;                  // what had arrived of the refused request

    QList<HttpExchange *> m_queue;  // unanswered exchanges, oldest first
    QList<HttpExchange *> m_fresh;  // parsed but not yet handed to the server
    QByteArray m_leftover;          // bytes read but not parsed while parsing is paused

    QTimer m_idleTimer;
    QElapsedTimer m_lastActivity;
    RequestDeadline m_deadline;     // for the request being read; reads do not push it back

    bool m_processing = false;      // processInput() is on the stack
    bool m_parsePaused = false;     // too many pipelined requests waiting
    bool m_resumeScheduled = false;
    bool m_stopParsing = false;     // the last request on this connection has been read
    bool m_closing = false;         // the last response is written; flushing, then closing
    bool m_writeShut = false;       // our side is shut down; waiting for the client's FIN
    bool m_closed = false;
};

} // namespace cachette::http
