// What libhttp-parser reports, turned into HttpRequests, with the checks that refuse what other
// servers would read differently.

#include "requestparser.h"

#include "httpwire.h"
#include "targetpath.h"

#include <http_parser.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace cachette::http {

namespace {

// Caps the up-front reservation for a declared body: a client may claim 32 MB and send nothing.
constexpr qsizetype kMaxBodyReserve = 1024 * 1024;
// Header lines cost more than their field and value bytes: ": " and CRLF.
constexpr qsizetype kHeaderLineOverhead = 4;
// How many bytes fed before the current input the line-end checks look back at.
constexpr size_t kFedHistory = 3;

// libhttp-parser built without HTTP_PARSER_STRICT lets through, in a request target, white space
// (tab, form feed), bytes above 0x7f, and a fragment; servers behind us read these differently.
bool isTargetByte(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f && ch != '#';
}

QString bareLfMessage()
{
    return QStringLiteral("Malformed HTTP request: a line ends in a bare LF (CRLF is required).");
}

} // namespace

struct RequestParser::State
{
    explicit State(const Limits &limits)
        : maxHeaderBytes(limits.maxHeaderBytes)
        , maxBodyBytes(limits.maxBodyBytes)
    {
        http_parser_init(&parser, HTTP_REQUEST);
        parser.data = this;
    }

    static const http_parser_settings s_settings;
    static State *self(http_parser *parser) { return static_cast<State *>(parser->data); }
    static int onMessageBegin(http_parser *parser);
    static int onUrl(http_parser *parser, const char *at, size_t length);
    static int onHeaderField(http_parser *parser, const char *at, size_t length);
    static int onHeaderValue(http_parser *parser, const char *at, size_t length);
    static int onHeadersComplete(http_parser *parser);
    static int onBody(http_parser *parser, const char *at, size_t length);
    static int onChunkHeader(http_parser *parser);
    static int onMessageComplete(http_parser *parser);

    Result feed(const char *data, size_t length);
    size_t execute(const char *data, size_t length);
    void fail(Result &result, Rejection rejection);
    bool addHeaderBytes(size_t length);
    int reject(int status, const char *code, const QString &message);
    int rejectTooLarge();   // 413
    char byteBefore(const char *at, int back) const;   // back ≤ kFedHistory
    void rememberFed(const char *data, size_t parsed);
    bool headersEndInCrlf(const char *finalLf) const;
    void splitTarget();
    bool expectsContinue() const;

    const qsizetype maxHeaderBytes;
    const qsizetype maxBodyBytes;
    http_parser parser;
    HttpRequest current;            // the request being parsed
    qsizetype headerBytes = 0;
    bool lastWasValue = false;      // header callbacks: a field after a value starts a new header
    // Where the bytes being parsed start, and the bytes fed just before them: header callbacks
    // look at what precedes a field or value to tell CRLF from a bare LF or a fold, and the end
    // of the headers is checked the same way.
    const char *feedStart = nullptr;
    char fedBefore[kFedHistory] = {0, 0, 0};
    bool checkingHeaderEnd = false;   // paused at the end of the headers to look at their last LF
    bool complete = false;            // paused at the end of a request
    Rejection rejection;              // set by a callback that refused the request
    bool failed = false;
    Progress *progress = nullptr;     // of the feed() in progress
};

const http_parser_settings RequestParser::State::s_settings = {
    &State::onMessageBegin,
    &State::onUrl,
    nullptr,   // on_status: responses only
    &State::onHeaderField,
    &State::onHeaderValue,
    &State::onHeadersComplete,
    &State::onBody,
    &State::onMessageComplete,
    &State::onChunkHeader,   // the parser de-chunks; we only check the sizes
    nullptr,   // on_chunk_complete
};

RequestParser::RequestParser()
    : RequestParser(Limits())
{
}

RequestParser::RequestParser(const Limits &limits)
    : d(std::make_unique<State>(limits))
{
}

RequestParser::~RequestParser() = default;

RequestParser::Result RequestParser::feed(QByteArrayView bytes)
{
    return d->feed(bytes.data(), size_t(bytes.size()));
}

HttpRequest RequestParser::takeRequest()
{
    return std::move(d->current);
}

void RequestParser::raiseLibraryHeaderLimit(qsizetype maxHeaderBytes)
{
    static qsizetype current = HTTP_MAX_HEADER_SIZE;
    const qsizetype wanted = maxHeaderBytes + 8 * 1024;
    if (wanted > current && wanted <= 0x7fffffff) {
        http_parser_set_max_header_size(uint32_t(wanted));
        current = wanted;
    }
}

// ---- feeding ----------------------------------------------------------------------------------

RequestParser::Result RequestParser::State::feed(const char *data, size_t length)
{
    Result result;
    if (failed) {
        result.status = Status::Error;
        result.rejection = rejection;
        return result;
    }
    if (length == 0)   // libhttp-parser would take it for the end of the stream
        return result;
    if (HTTP_PARSER_ERRNO(&parser) == HPE_PAUSED)   // at the end of the previous request
        http_parser_pause(&parser, 0);
    progress = &result.progress;
    size_t parsed = execute(data, length);
    if (checkingHeaderEnd) {
        // Paused in on_headers_complete, on the LF that ends the headers.
        checkingHeaderEnd = false;
        if (!headersEndInCrlf(data + parsed)) {
            fail(result, {400, "malformed_request", bareLfMessage()});
            return result;
        }
        rememberFed(data, parsed);
        http_parser_pause(&parser, 0);
        const size_t before = parsed;
        parsed = before + execute(data + before, length - before);
        rememberFed(data + before, parsed - before);
    } else {
        rememberFed(data, parsed);
    }
    progress = nullptr;
    result.consumed = qsizetype(parsed);
    const http_errno error = HTTP_PARSER_ERRNO(&parser);
    if (error == HPE_PAUSED && complete) {   // paused in on_message_complete
        complete = false;
        result.status = Status::Complete;
        // An upgrade (or CONNECT) would switch protocols; it is answered as plain HTTP and the
        // connection closed.
        result.keepAlive = http_should_keep_alive(&parser) && !parser.upgrade;
        result.request = std::move(current);
        return result;
    }
    if (error == HPE_OK)
        return result;
    if (rejection.status != 0) {   // a callback refused the request and said why
        fail(result, std::exchange(rejection, {}));
    } else if (error == HPE_HEADER_OVERFLOW) {
        fail(result, {431, "headers_too_large", QStringLiteral("The request headers are too large.")});
    } else {
        fail(result, {400, "malformed_request",
                      QStringLiteral("Malformed HTTP request: %1.")
                          .arg(QLatin1String(http_errno_description(error)))});
    }
    return result;
}

size_t RequestParser::State::execute(const char *data, size_t length)
{
    feedStart = data;
    return http_parser_execute(&parser, &s_settings, data, length);
}

void RequestParser::State::fail(Result &result, Rejection why)
{
    progress = nullptr;
    failed = true;
    rejection = why;
    result.status = Status::Error;
    result.rejection = std::move(why);
    result.request = std::move(current);
}

void RequestParser::State::rememberFed(const char *data, size_t parsed)
{
    // What the next feed() continues from: the bytes consumed (after a complete request the
    // caller feeds the rest again).
    for (size_t i = parsed > kFedHistory ? parsed - kFedHistory : 0; i < parsed; ++i) {
        std::memmove(fedBefore, fedBefore + 1, kFedHistory - 1);
        fedBefore[kFedHistory - 1] = data[i];
    }
}

// The byte `back` places before `at`, which may lie in the previous feed().
char RequestParser::State::byteBefore(const char *at, int back) const
{
    const qptrdiff offset = at - feedStart;
    if (offset >= back)
        return at[-back];
    const qptrdiff fromPrevious = back - offset;
    return fromPrevious <= qptrdiff(kFedHistory) ? fedBefore[kFedHistory - fromPrevious] : 0;
}

bool RequestParser::State::headersEndInCrlf(const char *finalLf) const
{
    // "\r\n\r\n": the last header line (or the request line) and the empty line, both CRLF.
    return *finalLf == '\n' && byteBefore(finalLf, 1) == '\r' && byteBefore(finalLf, 2) == '\n'
        && byteBefore(finalLf, 3) == '\r';
}

// ---- callbacks --------------------------------------------------------------------------------

int RequestParser::State::onMessageBegin(http_parser *parser)
{
    State *s = self(parser);
    // Field by field: assigning a fresh HttpRequest would allocate a QHostAddress per request.
    s->current.method.clear();
    s->current.target.clear();
    s->current.path.clear();
    s->current.query.clear();
    s->current.headers.clear();
    s->current.body.clear();
    s->headerBytes = 0;
    s->lastWasValue = false;
    s->progress->began = true;
    return 0;
}

bool RequestParser::State::addHeaderBytes(size_t length)
{
    headerBytes += qsizetype(length);
    return headerBytes <= maxHeaderBytes;
}

int RequestParser::State::rejectTooLarge()
{
    return reject(413, "request_too_large",
                  QStringLiteral("The request body is larger than %1 bytes.").arg(maxBodyBytes));
}

int RequestParser::State::reject(int status, const char *code, const QString &message)
{
    rejection = {status, code, message};
    return -1;   // any non-zero return stops the parser with a callback error
}

int RequestParser::State::onUrl(http_parser *parser, const char *at, size_t length)
{
    State *s = self(parser);
    if (!s->addHeaderBytes(length))
        return s->reject(431, "headers_too_large", QStringLiteral("The request line is too long."));
    if (!std::all_of(at, at + length, [](char ch) { return isTargetByte(static_cast<unsigned char>(ch)); }))
        return s->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: the target contains white space, "
                                        "a control or non-ASCII byte, or a fragment (#)."));
    s->current.target.append(at, qsizetype(length));
    return 0;
}

int RequestParser::State::onHeaderField(http_parser *parser, const char *at, size_t length)
{
    State *s = self(parser);
    // The parser may split a name across calls (when it straddles two reads): a name piece
    // right after a value starts a new header, otherwise it continues the current name.
    const bool startsHeader = s->lastWasValue || s->current.headers.isEmpty();
    if (!s->addHeaderBytes(length + (startsHeader ? kHeaderLineOverhead : 0)))
        return s->reject(431, "headers_too_large", QStringLiteral("The request headers are too large."));
    // libhttp-parser (built without HTTP_PARSER_STRICT) accepts what RFC 9112 forbids and other
    // servers read differently, the stuff of request smuggling: refused here.
    if (startsHeader && (s->byteBefore(at, 1) != '\n' || s->byteBefore(at, 2) != '\r'))
        return s->reject(400, "malformed_request", bareLfMessage());
    if (std::memchr(at, ' ', length) || std::memchr(at, '\t', length))
        return s->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: white space in a header name or "
                                        "before its colon."));
    if (startsHeader) {
        if (s->current.headers.isEmpty())
            s->current.headers.reserve(16);
        s->current.headers.append({QByteArray(at, qsizetype(length)), QByteArray()});
        s->lastWasValue = false;
    } else {
        s->current.headers.last().first.append(at, qsizetype(length));
    }
    return 0;
}

int RequestParser::State::onHeaderValue(http_parser *parser, const char *at, size_t length)
{
    State *s = self(parser);
    if (!s->addHeaderBytes(length))
        return s->reject(431, "headers_too_large", QStringLiteral("The request headers are too large."));
    if (s->lastWasValue && s->byteBefore(at, 1) == '\n')   // a continuation line
        return s->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: a folded header line (obs-fold)."));
    s->current.headers.last().second.append(at, qsizetype(length));
    s->lastWasValue = true;
    return 0;
}

int RequestParser::State::onHeadersComplete(http_parser *parser)
{
    State *s = self(parser);
    HttpRequest &request = s->current;
    // The parser's method names are static strings: wrap them instead of copying.
    const char *method = http_method_str(static_cast<http_method>(parser->method));
    request.method = QByteArray::fromRawData(method, qsizetype(std::strlen(method)));
    request.httpMinor = parser->http_minor;
    s->splitTarget();

    if (parser->http_major > 9 || parser->http_minor > 9) {   // the parser takes up to 3 digits
        return s->reject(400, "malformed_request",
                         QStringLiteral("Malformed HTTP request: the version must be HTTP/ with "
                                        "one digit, a dot and one digit."));
    }
    if (parser->http_major != 1) {
        return s->reject(505, "http_version_not_supported",
                         QStringLiteral("Only HTTP/1.0 and HTTP/1.1 are supported."));
    }
    const QString pathProblem = http::pathProblem(request.path);
    if (!pathProblem.isEmpty()) {
        return s->reject(400, "invalid_path",
                         QStringLiteral("Refused: %1, which could reach the provider outside its "
                                        "base path.").arg(pathProblem));
    }
    const bool hasLength = (parser->flags & F_CONTENTLENGTH) != 0;
    if (hasLength && parser->content_length > quint64(s->maxBodyBytes)) {
        return s->rejectTooLarge();
    }
    if (hasLength && parser->content_length > 0)
        request.body.reserve(std::min(qsizetype(parser->content_length), kMaxBodyReserve));
    s->progress->headersEnded = true;
    s->progress->expectsContinue = s->expectsContinue();
    // libhttp-parser takes a bare LF for the empty line that ends the headers; feed() looks at
    // the line ends there, where the parser stops when paused now.
    s->checkingHeaderEnd = true;
    http_parser_pause(parser, 1);
    return 0;
}

void RequestParser::State::splitTarget()
{
    HttpRequest &request = current;
    http_parser_url url;
    http_parser_url_init(&url);
    // The URL parser stores 16-bit offsets; longer targets stay unsplit.
    const bool parsed = request.target.size() <= 0xffff
        && http_parser_parse_url(request.target.constData(), size_t(request.target.size()),
                                 parser.method == HTTP_CONNECT, &url) == 0;
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

bool RequestParser::State::expectsContinue() const
{
    // curl and others wait a second for "100 Continue" before sending a large body.
    const bool hasBody = (parser.flags & F_CHUNKED)
        || ((parser.flags & F_CONTENTLENGTH) && parser.content_length > 0);
    if (!hasBody || parser.http_minor < 1)
        return false;
    const QByteArray expect = current.header("Expect");
    return !expect.isEmpty() && wire::equalsIgnoreCase(expect, "100-continue");
}

int RequestParser::State::onBody(http_parser *parser, const char *at, size_t length)
{
    State *s = self(parser);
    // Content-Length was checked up front; this catches chunked bodies.
    if (s->current.body.size() + qsizetype(length) > s->maxBodyBytes) {
        return s->rejectTooLarge();
    }
    s->current.body.append(at, qsizetype(length));
    s->progress->bodyBytes += qint64(length);
    return 0;
}

int RequestParser::State::onChunkHeader(http_parser *parser)
{
    State *s = self(parser);
    // The parser keeps the announced chunk size in content_length: refuse a chunk that cannot
    // fit now rather than after reading up to the limit.
    if (quint64(s->current.body.size()) + parser->content_length > quint64(s->maxBodyBytes)) {
        return s->rejectTooLarge();
    }
    return 0;
}

int RequestParser::State::onMessageComplete(http_parser *parser)
{
    // One request per feed(): the caller hands it on before the next one is read.
    self(parser)->complete = true;
    http_parser_pause(parser, 1);
    return 0;
}

} // namespace cachette::http
