#include "httpconnection.h"

#include "httpexchange.h"
#include "httpserver.h"

#include <QTcpSocket>

#include <utility>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace cachette::http {

namespace {

// Bounds what the socket reads ahead of the parser; TCP flow control holds back the rest.
constexpr qint64 kReadBufferSize = 256 * 1024;
// How long a closing connection waits for the client's FIN after our last byte left.
constexpr int kLingerMs = 2000;

RequestDeadline::Limits deadlineLimits(const ServerLimits &limits)
{
    return {limits.headerTimeoutMs, limits.bodyGraceMs, limits.minBodyBytesPerSecond};
}

RequestParser::Limits parserLimits(const ServerLimits &limits)
{
    return {limits.maxHeaderBytes, limits.maxBodyBytes};
}

} // namespace

HttpConnection::HttpConnection(HttpServer *server, QTcpSocket *socket)
    : QObject(server)
    , m_server(server)
    , m_socket(socket)
    , m_peer(socket->peerAddress())
    , m_idleTimeoutMs(server->limits().idleTimeoutMs)
    , m_parser(parserLimits(server->limits()))
    , m_deadline(deadlineLimits(server->limits()),
                 [this](RequestDeadline::Expiry expiry) { onRequestDeadline(expiry); })
{
    // QTcpServer parents its sockets to itself; the connection must own its socket so that
    // the destruction order of the server's members cannot leave us a dangling pointer.
    m_socket->setParent(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->setReadBufferSize(kReadBufferSize);

    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::onSocketError);

    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &HttpConnection::onIdleTimeout);
    becameIdle();
    m_deadline.startConnection();

    // Bytes may have arrived before we connected to readyRead.
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection() = default;

// ---- lifecycle --------------------------------------------------------------------------------

void HttpConnection::refuse(const QByteArray &response)
{
    m_stopParsing = true;
    m_socket->write(response);
    closeAfterFlush();
    if (!m_closed)
        m_socket->flush();
}

void HttpConnection::drop()
{
    if (m_closed)
        return;
    m_socket->abort();   // emits disconnected() when it was connected...
    onDisconnected();    // ...and this covers the case where it was not
}

void HttpConnection::detach()
{
    m_server = nullptr;
    m_closed = true;
    m_idleTimer.stop();
    m_deadline.stop();
    for (HttpExchange *exchange : std::as_const(m_queue)) {
        exchange->blockSignals(true);
        exchange->markClientGone();
    }
    m_queue.clear();
    m_fresh.clear();
    disconnect(this, nullptr, nullptr, nullptr);   // requestReady(), closed()
    m_socket->disconnect(this);
    m_socket->abort();
}

void HttpConnection::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    m_idleTimer.stop();
    m_deadline.stop();
    m_leftover.clear();
    abandonQueue();
    Q_EMIT closed(this);
    deleteLater();
}

void HttpConnection::onSocketError()
{
    // Most errors are followed by disconnected(); this catches the ones that only change state.
    QTimer::singleShot(0, this, [this] {
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onDisconnected();
    });
}

void HttpConnection::onIdleTimeout()
{
    if (m_closed)
        return;
    if (m_writeShut) {   // the client never closed its side after our last response
        drop();
        return;
    }
    // A request in progress may legitimately take minutes (slow upstream); becameIdle() re-arms.
    if (!m_closing && !m_queue.isEmpty())
        return;
    const qint64 left = m_idleTimeoutMs - m_lastActivity.elapsed();
    if (left > 0) {
        m_idleTimer.start(int(left));
        return;
    }
    drop();   // idle keep-alive connection, or a client that stopped reading our answer
}

void HttpConnection::onRequestDeadline(RequestDeadline::Expiry expiry)
{
    if (m_closed || m_closing || m_stopParsing)
        return;
    m_stopParsing = true;
    const ServerLimits &limits = m_server ? m_server->limits() : ServerLimits();
    m_rejected = m_parser.takeRequest();
    m_rejection.status = 408;
    m_rejection.code = "request_timeout";
    m_rejection.message = expiry == RequestDeadline::Expiry::Headers
        ? QStringLiteral("The request headers did not arrive within %1 ms; the connection is "
                         "closed.").arg(limits.headerTimeoutMs)
        : QStringLiteral("The request body arrived slower than %1 bytes per second; the "
                         "connection is closed.").arg(limits.minBodyBytesPerSecond);
    answerRejection();
    if (!m_closed)
        discardInput();
}

std::optional<HttpConnection::EvictionRank> HttpConnection::evictionRank() const
{
    if (m_closed)
        return std::nullopt;
    if (m_writeShut)   // our last answer is out; only waiting for the client's FIN
        return EvictionRank{0, 0};
    if (m_closing || !m_queue.isEmpty())   // an answer is being made or written
        return std::nullopt;
    if (m_deadline.isReading())
        return EvictionRank{1, m_deadline.readingForNs()};
    return EvictionRank{2, m_lastActivity.nsecsElapsed()};
}

void HttpConnection::becameIdle()
{
    m_lastActivity.restart();
    // Rather than restarting the timer on every byte, onIdleTimeout() checks m_lastActivity.
    if (!m_idleTimer.isActive())
        m_idleTimer.start(m_idleTimeoutMs);
}

void HttpConnection::closeAfterFlush()
{
    m_closing = true;
    m_deadline.stop();
    m_stopParsing = true;
    m_leftover.clear();
    if (m_socket->bytesToWrite() == 0)
        shutdownWrite();
    else if (!m_idleTimer.isActive())
        m_idleTimer.start(m_idleTimeoutMs);   // guards against a client that stops reading
    abandonQueue();
}

void HttpConnection::shutdownWrite()
{
    m_writeShut = true;
#ifdef Q_OS_UNIX
    // Lingering close: closing outright while the client still sends (say, the rest of a body
    // we refused) makes the kernel answer with a reset that can destroy our response in flight.
    // So we only send FIN and discard input until the client closes too.
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    m_idleTimer.start(kLingerMs);
    discardInput();
#else
    m_socket->disconnectFromHost();
#endif
}

void HttpConnection::abandonQueue()
{
    // Requests behind the last answer on this connection will never be answered. The queue is
    // taken first because clientGone() handlers may call back into us.
    m_fresh.clear();
    const QList<HttpExchange *> queue = std::exchange(m_queue, {});
    for (HttpExchange *exchange : queue) {
        exchange->deleteLater();
        if (!exchange->isFinished())
            exchange->markClientGone();
    }
}

// ---- reading ----------------------------------------------------------------------------------

void HttpConnection::onReadyRead()
{
    m_lastActivity.restart();
    if (m_stopParsing) {
        // Keep reading so that we notice the client closing.
        discardInput();
        return;
    }
    processInput();
}

void HttpConnection::discardInput()
{
    char buffer[4096];
    while (!m_closed && m_socket->read(buffer, sizeof buffer) > 0) {
    }
}

void HttpConnection::processInput()
{
    if (m_processing)   // re-entered from a handler; the outer loop carries on
        return;
    m_processing = true;
    char buffer[16 * 1024];
    while (!m_closed && !m_stopParsing && !m_parsePaused) {
        if (!m_leftover.isEmpty()) {
            const QByteArray data = std::exchange(m_leftover, {});
            feed(data.constData(), data.size());
        } else {
            const qint64 read = m_socket->read(buffer, sizeof buffer);
            if (read <= 0)
                break;
            feed(buffer, read);
        }
        dispatchFresh();
        answerRejection();
    }
    m_processing = false;
    if (m_stopParsing && !m_closed)
        discardInput();
}

void HttpConnection::feed(const char *data, qsizetype length)
{
    QByteArrayView rest(data, length);
    while (!rest.isEmpty()) {
        RequestParser::Result result = m_parser.feed(rest);
        followProgress(result.progress);
        switch (result.status) {
        case RequestParser::Status::NeedMore:
            return;
        case RequestParser::Status::Error:
            m_stopParsing = true;
            m_rejection = std::move(result.rejection);
            m_rejected = std::move(result.request);
            return;
        case RequestParser::Status::Complete:
            rest = rest.sliced(result.consumed);
            completeRequest(std::move(result.request), result.keepAlive);
            if (m_stopParsing)
                return;
            if (m_parsePaused) {   // keep the rest for later
                if (!rest.isEmpty())
                    m_leftover = rest.toByteArray();
                return;
            }
            break;
        }
    }
}

void HttpConnection::followProgress(const RequestParser::Progress &progress)
{
    if (progress.began)
        m_deadline.requestBegun();
    if (progress.headersEnded) {
        // 100 Continue can only be interleaved while no earlier response is being written.
        if (progress.expectsContinue && m_queue.isEmpty())
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        m_deadline.headersComplete();
    }
    if (progress.bodyBytes > 0)
        m_deadline.addBodyBytes(progress.bodyBytes);
}

void HttpConnection::completeRequest(HttpRequest request, bool keepAlive)
{
    m_deadline.requestComplete();
    request.peer = m_peer;   // shares data: no allocation
    auto *exchange = new HttpExchange(std::move(request), this);
    exchange->m_closeAfter = !keepAlive;
    m_queue.append(exchange);
    m_fresh.append(exchange);
    if (exchange->m_closeAfter)
        m_stopParsing = true;
    else if (m_queue.size() >= kMaxQueuedRequests)
        m_parsePaused = true;
}

void HttpConnection::dispatchFresh()
{
    while (!m_fresh.isEmpty() && !m_closed) {
        HttpExchange *exchange = m_fresh.takeFirst();
        Q_EMIT requestReady(exchange);
    }
    m_fresh.clear();
}

void HttpConnection::answerRejection()
{
    if (m_rejection.status == 0 || m_closed || m_closing)
        return;
    const RequestParser::Rejection rejection = std::exchange(m_rejection, {});
    // An exchange of its own keeps the error behind the answers to earlier pipelined requests.
    HttpRequest request = std::exchange(m_rejected, {});
    request.peer = m_peer;
    auto *exchange = new HttpExchange(std::move(request), this);
    exchange->m_closeAfter = true;
    m_queue.append(exchange);
    respondError(exchange, rejection.status, rejection.message,
                 QStringLiteral("invalid_request_error"), QLatin1String(rejection.code));
}

void HttpConnection::resumeParsing()
{
    m_resumeScheduled = false;
    if (m_closed || m_stopParsing || !m_parsePaused || m_queue.size() >= kMaxQueuedRequests)
        return;
    m_parsePaused = false;
    processInput();
}

// ---- writing ----------------------------------------------------------------------------------

bool HttpConnection::isFront(const HttpExchange *exchange) const
{
    return !m_queue.isEmpty() && m_queue.constFirst() == exchange;
}

void HttpConnection::output(HttpExchange *exchange, const QByteArray &bytes)
{
    if (m_closed || m_closing)
        return;
    if (isFront(exchange))
        m_socket->write(bytes);
    else
        exchange->m_pending += bytes;
}

void HttpConnection::flushFor(HttpExchange *exchange)
{
    // Writing now instead of on the next write notification saves a loop iteration per chunk.
    if (!m_closed && isFront(exchange))
        m_socket->flush();   // may emit disconnected() on a write error
}

void HttpConnection::exchangeDone(HttpExchange *exchange)
{
    if (m_closed || !isFront(exchange))
        return;   // a buffered exchange is written out when it reaches the front
    advanceQueue();
    if (!m_closed)
        m_socket->flush();
}

void HttpConnection::writePending(HttpExchange *exchange)
{
    if (!exchange->m_pending.isEmpty()) {
        m_socket->write(exchange->m_pending);
        exchange->m_pending.clear();
    }
}

void HttpConnection::advanceQueue()
{
    while (!m_queue.isEmpty() && m_queue.constFirst()->isFinished()) {
        HttpExchange *done = m_queue.takeFirst();
        done->deleteLater();
        if (done->m_aborted) {
            m_socket->flush();   // whatever was written goes out; the client sees it truncated
            drop();
            return;
        }
        if (done->m_closeAfter) {
            closeAfterFlush();
            return;
        }
        if (!m_queue.isEmpty())
            writePending(m_queue.constFirst());
    }
    if (m_queue.isEmpty())
        becameIdle();
    if (m_parsePaused && !m_resumeScheduled && m_queue.size() < kMaxQueuedRequests) {
        // Not from here: we may be deep inside a handler that is inside processInput().
        m_resumeScheduled = true;
        QMetaObject::invokeMethod(this, &HttpConnection::resumeParsing, Qt::QueuedConnection);
    }
}

void HttpConnection::onBytesWritten()
{
    m_lastActivity.restart();   // a slowly reading client is not idle
    if (m_closing && !m_writeShut && !m_closed && m_socket->bytesToWrite() == 0)
        shutdownWrite();
}

} // namespace cachette::http
