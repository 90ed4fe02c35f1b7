#include "httpwire.h"

#include <http_parser.h>

#include <charconv>
#include <cstring>

namespace cachette::http::wire {

namespace {

const char *reasonPhrase(int status)
{
    // libhttp-parser knows the IANA registry; it answers "<unknown>" for anything else.
    if (status < 100 || status > 999)
        return "Unknown";
    const char *phrase = http_status_str(static_cast<http_status>(status));
    return std::strcmp(phrase, "<unknown>") == 0 ? "Unknown" : phrase;
}

} // namespace

void appendStatusLine(QByteArray &out, int status)
{
    // The common codes as literals: no lookup on the hot path.
    switch (status) {
    case 200: out += "HTTP/1.1 200 OK\r\n"; return;
    case 204: out += "HTTP/1.1 204 No Content\r\n"; return;
    case 304: out += "HTTP/1.1 304 Not Modified\r\n"; return;
    case 400: out += "HTTP/1.1 400 Bad Request\r\n"; return;
    case 404: out += "HTTP/1.1 404 Not Found\r\n"; return;
    default: break;
    }
    out += "HTTP/1.1 ";
    appendNumber(out, status);
    out += ' ';
    out += reasonPhrase(status);
    out += "\r\n";
}

void appendNumber(QByteArray &out, qint64 value)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr - buffer);
}

void appendHex(QByteArray &out, qint64 value)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, 16);
    out.append(buffer, result.ptr - buffer);
}

void appendHeader(QByteArray &out, const QByteArray &name, const QByteArray &value)
{
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

bool equalsIgnoreCase(const QByteArray &a, const char *b)
{
    const qsizetype length = qsizetype(std::strlen(b));
    return a.size() == length && qstrnicmp(a.constData(), a.size(), b, length) == 0;
}

bool isFramingHeader(const QByteArray &name)
{
    // Cheap first-letter filter: most headers start with something else.
    switch (name.isEmpty() ? 0 : name.at(0) | 0x20) {
    case 'c':
        return equalsIgnoreCase(name, "content-length") || equalsIgnoreCase(name, "connection");
    case 't':
        return equalsIgnoreCase(name, "transfer-encoding");
    case 'k':
        return equalsIgnoreCase(name, "keep-alive");
    default:
        return false;
    }
}

bool isSafeHeaderValue(const QByteArray &value)
{
    return std::memchr(value.constData(), '\r', size_t(value.size())) == nullptr
        && std::memchr(value.constData(), '\n', size_t(value.size())) == nullptr;
}

bool statusAllowsBody(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

QByteArray closingResponse(int status, const QByteArray &contentType, const QByteArray &body)
{
    QByteArray out;
    out.reserve(160 + body.size());
    appendStatusLine(out, status);
    appendHeader(out, "Content-Type", contentType);
    out += "Content-Length: ";
    appendNumber(out, body.size());
    out += "\r\nConnection: close\r\n\r\n";
    out += body;
    return out;
}

} // namespace cachette::http::wire
