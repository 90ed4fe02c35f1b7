#include "httpexchange.h"

#include "httpconnection.h"
#include "httpwire.h"

namespace cachette::http {

namespace {

// Bodies up to this size are copied behind the head so the socket gets one write; larger ones
// are handed over separately to spare the copy.
constexpr qsizetype kInlineBodyLimit = 16 * 1024;
// Room for the status line and the headers we add ourselves.
constexpr qsizetype kHeadReserve = 192;

qsizetype headSize(const HeaderList &headers)
{
    qsizetype size = kHeadReserve;
    for (const auto &header : headers)
        size += header.first.size() + header.second.size() + 4;
    return size;
}

bool isHeadRequest(const HttpRequest &request)
{
    return request.method == "HEAD";
}

} // namespace

HttpExchange::HttpExchange(HttpRequest request, HttpConnection *connection)
    : QObject(connection)
    , m_request(std::move(request))
    , m_connection(connection)
{
}

const HttpServer *HttpExchange::server() const
{
    return m_connection ? m_connection->server() : nullptr;
}

bool HttpExchange::canStart() const
{
    return !m_clientGone && !m_headWritten && !m_finished;
}

void HttpExchange::appendHead(QByteArray &out, int status, const HeaderList &headers)
{
    wire::appendStatusLine(out, status);
    bool hasCorsHeader = false;
    bool hasOutcome = false;
    for (const auto &[name, value] : headers) {
        if (wire::isFramingHeader(name)) {
            // The handler may still ask us to close; the framing itself stays ours.
            if (wire::equalsIgnoreCase(name, "connection") && wire::equalsIgnoreCase(value, "close"))
                m_closeAfter = true;
            continue;
        }
        if (!wire::isSafeHeaderValue(value))
            continue;
        hasCorsHeader = hasCorsHeader || wire::equalsIgnoreCase(name, "access-control-allow-origin");
        hasOutcome = hasOutcome || wire::equalsIgnoreCase(name, "x-cachette");
        wire::appendHeader(out, name, value);
    }
    // Every answer says who made it: the proxy's handlers name theirs (hit, miss, bypass…);
    // one without is Cachette's own (an error, the health check, a CORS preflight).
    if (!hasOutcome)
        out += status >= 400 ? "X-Cachette: error\r\n" : "X-Cachette: local\r\n";
    if (!m_corsOrigin.isEmpty() && !hasCorsHeader) {
        wire::appendHeader(out, "Access-Control-Allow-Origin", m_corsOrigin);
        out += "Vary: Origin\r\n";
    }
    if (m_closeAfter)
        out += "Connection: close\r\n";
    else if (m_request.httpMinor == 0)
        out += "Connection: keep-alive\r\n";   // HTTP/1.0 closes unless told otherwise
}

void HttpExchange::respond(int status, const HeaderList &headers, const QByteArray &body)
{
    if (!canStart())
        return;
    const bool bodyAllowed = wire::statusAllowsBody(status);
    const bool sendBody = bodyAllowed && !isHeadRequest(m_request) && !body.isEmpty();
    const bool inlineBody = sendBody && body.size() <= kInlineBodyLimit;

    QByteArray out;
    out.reserve(headSize(headers) + (inlineBody ? body.size() : 0));
    appendHead(out, status, headers);
    if (bodyAllowed) {
        // For HEAD too: it announces what a GET would have sent.
        out += "Content-Length: ";
        wire::appendNumber(out, body.size());
        out += "\r\n";
    }
    out += "\r\n";
    if (inlineBody)
        out += body;

    m_headWritten = true;
    m_finished = true;
    m_connection->output(this, out);
    if (sendBody && !inlineBody)
        m_connection->output(this, body);
    m_connection->exchangeDone(this);   // last: it may close the connection
}

void HttpExchange::writeHead(int status, const HeaderList &headers)
{
    if (!canStart())
        return;
    m_noBody = !wire::statusAllowsBody(status) || isHeadRequest(m_request);
    if (!m_noBody) {
        // HTTP/1.0 knows no chunked encoding: the end of the body is the end of the connection.
        m_chunked = m_request.httpMinor >= 1;
        m_closeAfter = m_closeAfter || !m_chunked;
    }
    QByteArray out;
    out.reserve(headSize(headers));
    appendHead(out, status, headers);
    if (m_chunked)
        out += "Transfer-Encoding: chunked\r\n";
    out += "\r\n";
    m_headWritten = true;
    m_connection->output(this, out);
    m_connection->flushFor(this);
}

void HttpExchange::writeChunk(const QByteArray &data)
{
    if (m_clientGone || !m_headWritten || m_finished || m_noBody || data.isEmpty())
        return;
    if (!m_chunked) {
        m_connection->output(this, data);
    } else if (data.size() <= kInlineBodyLimit) {
        QByteArray out;
        out.reserve(data.size() + 20);
        wire::appendHex(out, data.size());
        out += "\r\n";
        out += data;
        out += "\r\n";
        m_connection->output(this, out);
    } else {
        QByteArray sizeLine;
        wire::appendHex(sizeLine, data.size());
        sizeLine += "\r\n";
        m_connection->output(this, sizeLine);
        m_connection->output(this, data);
        m_connection->output(this, QByteArrayLiteral("\r\n"));
    }
    m_connection->flushFor(this);
}

void HttpExchange::finish()
{
    if (m_clientGone || m_finished)
        return;
    if (!m_headWritten) {   // nothing was streamed: an empty answer
        respond(200, {}, {});
        return;
    }
    m_finished = true;
    if (m_chunked)
        m_connection->output(this, QByteArrayLiteral("0\r\n\r\n"));
    m_connection->exchangeDone(this);
}

void HttpExchange::abort()
{
    if (m_clientGone || m_finished)
        return;
    m_finished = true;
    m_aborted = true;
    m_connection->exchangeDone(this);
}

void HttpExchange::markClientGone()
{
    if (m_clientGone)
        return;
    m_clientGone = true;
    m_pending.clear();
    if (!m_finished)
        Q_EMIT clientGone();
}

} // namespace cachette::http
