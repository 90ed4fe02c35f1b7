// The parser callbacks of HttpConnection: what libhttp-parser reports, turned into HttpRequests,
// with the checks that refuse what other servers would read differently.

#include "httpconnection.h"

#include "httpexchange.h"
#include "httpwire.h"
#include "targetpath.h"

#include <QTcpSocket>

#include <algorithm>
#include <cstring>

namespace cachette::http {

namespace {

// Caps the up-front reservation for a declared body: a client may claim 32 MB and send nothing.
constexpr qsizetype kMaxBodyReserve = 1024 * 1024;
// Header lines cost more than their field and value bytes: ": " and CRLF.
constexpr qsizetype kHeaderLineOverhead = 4;

// libhttp-parser built without HTTP_PARSER_STRICT lets through, in a request target, white space
// (tab, form feed), bytes above 0x7f, and a fragment; servers behind us read these differently.
bool isTargetByte(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && ch != '#';
}

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
    &HttpConnection::onChunkHeader,   // the parser de-chunks; we only check the sizes
    nullptr,   // on_chunk_complete
};

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
    c->m_deadline.requestBegun();
    return 0;
}

bool HttpConnection::addHeaderBytes(size_t length)
{
    m_headerBytes += qsizetype(length);
    return m_headerBytes <= m_maxHeaderBytes;
}

int HttpConnection::rejectTooLarge()
{
    return reject(413, "request_too_large",
                  QStringLiteral("The request body is larger than %1 bytes.").arg(m_maxBodyBytes));
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
    const qptrdiff fromPrevious = back - offset;
    return fromPrevious <= qptrdiff(kFedHistory) ? m_fedBefore[kFedHistory - fromPrevious] : 0;
}

int HttpConnection::onUrl(http_parser *parser, const char *at, size_t length)
{
    HttpConnection *c = self(parser);
    if (!c->addHeaderBytes(length))
        return c->reject(431, "headers_too_large", QStringLiteral("The request line is too long."));
    if (!std::all_of(at, at + length, [](char ch) { return isTargetByte(static_cast<unsigned char>(ch)); }))
        return c->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: the target contains white space, "
                                        "a control or non-ASCII byte, or a fragment (#)."));
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

    if (parser->http_major > 9 || parser->http_minor > 9) {   // the parser takes up to 3 digits
        return c->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: the version must be HTTP/ with "
                                        "one digit, a dot and one digit."));
    }
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
        return c->rejectTooLarge();
    }
    if (hasLength && parser->content_length > 0)
        request.body.reserve(std::min(qsizetype(parser->content_length), kMaxBodyReserve));
    c->sendContinueIfExpected();
    c->m_deadline.headersComplete();
    // libhttp-parser takes a bare LF for the empty line that ends the headers; feed() looks at
    // the line ends there, where the parser stops when paused now.
    c->m_checkingHeaderEnd = true;
    http_parser_pause(parser, 1);
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
        return c->rejectTooLarge();
    }
    c->m_current.body.append(at, qsizetype(length));
    c->m_deadline.addBodyBytes(qint64(length));
    return 0;
}

int HttpConnection::onChunkHeader(http_parser *parser)
{
    HttpConnection *c = self(parser);
    // The parser keeps the announced chunk size in content_length: refuse a chunk that cannot
    // fit now rather than after reading up to the limit.
    if (quint64(c->m_current.body.size()) + parser->content_length > quint64(c->m_maxBodyBytes)) {
        return c->rejectTooLarge();
    }
    return 0;
}

int HttpConnection::onMessageComplete(http_parser *parser)
{
    self(parser)->completeRequest();
    return 0;
}

void HttpConnection::completeRequest()
{
    m_deadline.requestComplete();
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

} // namespace cachette::http
