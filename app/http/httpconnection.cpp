#include "httpconnection.h"

#include "httpexchange.h"
#include "httpserver.h"
#include "httpwire.h"
#include "targetpath.h"

#include <QTcpSocket>

#include <algorithm>
#include <cstring>
#include <utility>

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

namespace cachette::http {

namespace {

// Pipelined requests beyond this stay unparsed (and, once the socket's read buffer is full, unread)
// until answers drain, so a client cannot make us hold an unbounded number of requests.
constexpr qsizetype kMaxQueuedRequests = 64;
// Bounds what the socket reads ahead of the parser; TCP flow control holds back the rest.
constexpr qint64 kReadBufferSize = 256 * 1024;
// How long a closing connection waits for the client's FIN after our last byte left.
constexpr int kLingerMs = 2000;
// Caps the up-front reservation for a declared body: a client may claim 32 MB and send nothing.
constexpr qsizetype kMaxBodyReserve = 1024 * 1024;
// Header lines cost more than their field and value bytes: ": " and CRLF.
constexpr qsizetype kHeaderLineOverhead = 4;

} // namespace

const http_parser_settings HttpConnection::s_settings = {
    &HttpConnection::onMessageBegin,
    &HttpConnection::onUrl,
    nullptr,   // on_status: responses only
    &HttpConnection::onHeaderField,
    &HttpConnection::onHeaderValue,
    &HttpConnection::onHeadersComplete,
    &HttpConnection::onBody,
    &HttpConnection::onMessageComplete,
    nullptr,   // on_chunk_header: the parser de-chunks for us
    nullptr,   // on_chunk_complete
};

HttpConnection::HttpConnection(HttpServer *server, QTcpSocket *socket)
    : QObject(server)
    , m_server(server)
    , m_socket(socket)
    , m_peer(socket->peerAddress())
    , m_maxHeaderBytes(server->limits().maxHeaderBytes)
    , m_maxBodyBytes(server->limits().maxBodyBytes)
    , m_idleTimeoutMs(server->limits().idleTimeoutMs)
{
    // QTcpServer parents its sockets to itself; the connection must own its socket so that
    // the destruction order of the server's members cannot leave us a dangling pointer.
    m_socket->setParent(this);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->setReadBufferSize(kReadBufferSize);

    http_parser_init(&m_parser, HTTP_REQUEST);
    m_parser.data = this;

    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpConnection::onSocketError);

    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &HttpConnection::onIdleTimeout);
    becameIdle();

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
    for (HttpExchange *exchange : std::as_const(m_queue)) {
        exchange->blockSignals(true);
        exchange->markClientGone();
    }
    m_queue.clear();
    m_fresh.clear();
    m_socket->disconnect(this);
    m_socket->abort();
}

void HttpConnection::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    m_idleTimer.stop();
    m_leftover.clear();
    abandonQueue();
    if (m_server)
        m_server->connectionClosed(this);
    else
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
    m_feedStart = data;
    const size_t parsed = http_parser_execute(&m_parser, &s_settings, data, size_t(length));
    // What the next feed() continues from: the bytes consumed (a paused parse leaves the rest
    // in m_leftover, fed next).
    if (parsed >= 2) {
        m_fedBefore[0] = data[parsed - 2];
        m_fedBefore[1] = data[parsed - 1];
    } else if (parsed == 1) {
        m_fedBefore[0] = m_fedBefore[1];
        m_fedBefore[1] = data[0];
    }
    const http_errno error = HTTP_PARSER_ERRNO(&m_parser);
    if (error == HPE_PAUSED) {
        // Paused in on_message_complete: keep the rest for later unless nothing more is read.
        if (!m_stopParsing && parsed < size_t(length))
            m_leftover = QByteArray(data + parsed, length - qsizetype(parsed));
        return;
    }
    if (error == HPE_OK)
        return;
    m_stopParsing = true;
    if (m_rejection.status != 0)
        return;   // a callback refused the request and said why
    if (error == HPE_HEADER_OVERFLOW) {
        m_rejection = {431, "headers_too_large",
                       QStringLiteral("The request headers are too large.")};
    } else {
        m_rejection = {400, "malformed_request",
                       QStringLiteral("Malformed HTTP request: %1.")
                           .arg(QLatin1String(http_errno_description(error)))};
    }
}

void HttpConnection::dispatchFresh()
{
    while (!m_fresh.isEmpty() && !m_closed) {
        HttpExchange *exchange = m_fresh.takeFirst();
        if (m_server)
            m_server->dispatch(exchange);
    }
    m_fresh.clear();
}

void HttpConnection::answerRejection()
{
    if (m_rejection.status == 0 || m_closed || m_closing)
        return;
    const Rejection rejection = std::exchange(m_rejection, {});
    // An exchange of its own keeps the error behind the answers to earlier pipelined requests.
    auto *exchange = new HttpExchange(std::move(m_current), this);
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
    http_parser_pause(&m_parser, 0);
    processInput();
}

// ---- parser callbacks -------------------------------------------------------------------------

HttpConnection *HttpConnection::self(http_parser *parser)
{
    return static_cast<HttpConnection *>(parser->data);
}

int HttpConnection::onMessageBegin(http_parser *parser)
{
    HttpConnection *c = self(parser);
    // Field by field: assigning a fresh HttpRequest would allocate a QHostAddress per request.
    c->m_current.method.clear();
    c->m_current.target.clear();
    c->m_current.path.clear();
    c->m_current.query.clear();
    c->m_current.headers.clear();
    c->m_current.body.clear();
    c->m_current.peer = c->m_peer;   // shares data: no allocation
    c->m_headerBytes = 0;
    c->m_lastWasValue = false;
    return 0;
}

bool HttpConnection::addHeaderBytes(size_t length)
{
    m_headerBytes += qsizetype(length);
    return m_headerBytes <= m_maxHeaderBytes;
}

int HttpConnection::reject(int status, const char *code, const QString &message)
{
    m_rejection = {status, code, message};
    return -1;   // any non-zero return stops the parser with a callback error
}

// The byte `back` places before `at`, which may lie in the previous feed().
char HttpConnection::byteBefore(const char *at, int back) const
{
    const qptrdiff offset = at - m_feedStart;
    if (offset >= back)
        return at[-back];
    const qptrdiff fromPrevious = back - offset;   // 1 or 2
    return fromPrevious <= 2 ? m_fedBefore[2 - fromPrevious] : 0;
}

int HttpConnection::onUrl(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    if (!c->addHeaderBytes(length))
        return c->reject(431, "headers_too_large", QStringLiteral("The request line is too long."));
    c->m_current.target.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    // The parser may split a name across calls (when it straddles two reads): a name piece
    // right after a value starts a new header, otherwise it continues the current name.
    const bool startsHeader = c->m_lastWasValue || c->m_current.headers.isEmpty();
    if (!c->addHeaderBytes(length + (startsHeader ? kHeaderLineOverhead : 0)))
        return c->reject(431, "headers_too_large", QStringLiteral("The request headers are too large."));
    // libhttp-parser (built without HTTP_PARSER_STRICT) accepts what RFC 9112 forbids and other
    // servers read differently, the stuff of request smuggling: refused here.
    if (startsHeader && (c->byteBefore(at, 1) != '\n' || c->byteBefore(at, 2) != '\r'))
        return c->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: a line ends in a bare LF (CRLF is required)."));
    if (std::memchr(at, ' ', length) || std::memchr(at, '\t', length))
        return c->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: white space in a header name or "
                                        "before its colon."));
    if (startsHeader) {
        if (c->m_current.headers.isEmpty())
            c->m_current.headers.reserve(16);
        c->m_current.headers.append({QByteArray(at, qsizetype(length)), QByteArray()});
        c->m_lastWasValue = false;
    } else {
        c->m_current.headers.last().first.append(at, qsizetype(length));
    }
    return 0;
}

int HttpConnection::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    if (!c->addHeaderBytes(length))
        return c->reject(431, "headers_too_large", QStringLiteral("The request headers are too large."));
    if (c->m_lastWasValue && c->byteBefore(at, 1) == '\n')   // a continuation line
        return c->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: a folded header line (obs-fold)."));
    c->m_current.headers.last().second.append(at, qsizetype(length));
    c->m_lastWasValue = true;
    return 0;
}

int HttpConnection::onHeadersComplete(http_parser *parser)
{
    HttpConnection *c = self(parser);
    HttpRequest &request = c->m_current;
    // The parser's method names are static strings: wrap them instead of copying.
    const char *method = http_method_str(static_cast<http_method>(parser->method));
    request.method = QByteArray::fromRawData(method, qsizetype(std::strlen(method)));
    request.httpMinor = parser->http_minor;
    c->splitTarget();

    if (parser->http_major != 1) {
        return c->reject(505, "http_version_not_supported",
                         QStringLiteral("Only HTTP/1.0 and HTTP/1.1 are supported."));
    }
    const QString pathProblem = http::pathProblem(request.path);
    if (!pathProblem.isEmpty()) {
        return c->reject(400, "invalid_path",
                         QStringLiteral("Refused: %1, which could reach the provider outside its "
                                        "base path.").arg(pathProblem));
    }
    const bool hasLength = (parser->flags & F_CONTENTLENGTH) != 0;
    if (hasLength && parser->content_length > quint64(c->m_maxBodyBytes)) {
        return c->reject(413, "request_too_large",
                         QStringLiteral("The request body is larger than %1 bytes.")
                             .arg(c->m_maxBodyBytes));
    }
    if (hasLength && parser->content_length > 0)
        request.body.reserve(std::min(qsizetype(parser->content_length), kMaxBodyReserve));
    c->sendContinueIfExpected();
    return 0;
}

void HttpConnection::splitTarget()
{
    HttpRequest &request = m_current;
    http_parser_url url;
    http_parser_url_init(&url);
    // The URL parser stores 16-bit offsets; longer targets stay unsplit.
    const bool parsed = request.target.size() <= 0xffff
        && http_parser_parse_url(request.target.constData(), size_t(request.target.size()),
                                 m_parser.method == HTTP_CONNECT, &url) == 0;
    if (!parsed) {
        request.path = request.target;
        return;
    }
    if (url.field_set & (1 << UF_PATH)) {
        const auto &field = url.field_data[UF_PATH];
        // Origin-form without a query: share the target's buffer instead of copying.
        request.path = field.off == 0 && field.len == request.target.size()
            ? request.target
            : request.target.mid(field.off, field.len);
    }
    if (url.field_set & (1 << UF_QUERY)) {
        const auto &field = url.field_data[UF_QUERY];
        request.query = request.target.mid(field.off, field.len);
    }
}

void HttpConnection::sendContinueIfExpected()
{
    // curl and others wait a second for "100 Continue" before sending a large body. We can only
    // interleave it while no earlier response is being written on this connection.
    const bool hasBody = (m_parser.flags & F_CHUNKED)
        || ((m_parser.flags & F_CONTENTLENGTH) && m_parser.content_length > 0);
    if (!hasBody || m_parser.http_minor < 1 || !m_queue.isEmpty())
        return;
    const QByteArray expect = m_current.header("Expect");
    if (!expect.isEmpty() && wire::equalsIgnoreCase(expect, "100-continue"))
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
}

int HttpConnection::onBody(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    // Content-Length was checked up front; this catches chunked bodies.
    if (c->m_current.body.size() + qsizetype(length) > c->m_maxBodyBytes) {
        return c->reject(413, "request_too_large",
                         QStringLiteral("The request body is larger than %1 bytes.")
                             .arg(c->m_maxBodyBytes));
    }
    c->m_current.body.append(at, qsizetype(length));
    return 0;
}

int HttpConnection::onMessageComplete(http_parser *parser)
{
    self(parser)->completeRequest();
    return 0;
}

void HttpConnection::completeRequest()
{
    auto *exchange = new HttpExchange(std::move(m_current), this);
    // An upgrade (or CONNECT) would switch protocols; we answer it as plain HTTP and close.
    exchange->m_closeAfter = !http_should_keep_alive(&m_parser) || m_parser.upgrade;
    m_queue.append(exchange);
    m_fresh.append(exchange);
    if (exchange->m_closeAfter) {
        m_stopParsing = true;
        http_parser_pause(&m_parser, 1);
    } else if (m_queue.size() >= kMaxQueuedRequests) {
        m_parsePaused = true;
        http_parser_pause(&m_parser, 1);
    }
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
