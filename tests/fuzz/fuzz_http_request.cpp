// Fuzzes the HTTP request parser (libhttp-parser plus the strict checks in requestparser.cpp and
// targetpath.cpp) with the bytes a client could send, fed in one piece and again in several.
//
// RequestParser takes bytes and gives requests or a refusal, with no socket, so the fuzzer
// drives it directly. What it made of each request (method, target, path, query, headers,
// body) and the refusal that ends the input, if any, are compared between the two deliveries.
// Invariants: no crash or sanitizer report; every feed reads at most what it was given, and all
// of it unless a request completed; a refusal has a 4xx or 5xx status and a code; the same
// bytes in one piece or in many give the same requests and the same status and code (the
// checks for bare LF and obs-fold look across feeds, so they must not depend on the cuts; the
// wording may, when libhttp-parser or our own check spots a bad byte first).

#include "fuzzsupport.h"

#include "http/requestparser.h"

#include <QCryptographicHash>

using cachette::http::HttpRequest;
using cachette::http::RequestParser;

namespace {

// What the parser made of a request, as text.
QByteArray describe(const HttpRequest &r, bool keepAlive)
{
    QByteArray description = r.method + ' ' + r.target + " path=" + r.path + " query=" + r.query
                             + " minor=" + QByteArray::number(r.httpMinor)
                             + (keepAlive ? " keep-alive\n" : " close\n");
    for (const auto &[name, value] : r.headers)
        description += name + ": " + value + '\n';
    description += "body " + QByteArray::number(r.body.size()) + ' '
                   + QCryptographicHash::hash(r.body, QCryptographicHash::Sha1).toHex() + '\n';
    return description;
}

QByteArray parse(const QList<QByteArrayView> &pieces)
{
    RequestParser::Limits limits;
    limits.maxBodyBytes = 64 * 1024;   // small, so that the 413 path is reachable
    limits.maxHeaderBytes = 8 * 1024;
    RequestParser parser(limits);
    QByteArray out;
    for (QByteArrayView rest : pieces) {
        while (!rest.isEmpty()) {
            const RequestParser::Result result = parser.feed(rest);
            FUZZ_CHECK(result.consumed >= 0 && result.consumed <= rest.size());
            switch (result.status) {
            case RequestParser::Status::NeedMore:
                FUZZ_CHECK(result.consumed == rest.size());
                rest = {};
                break;
            case RequestParser::Status::Complete:
                out += describe(result.request, result.keepAlive);
                if (!result.keepAlive)
                    return out;   // the connection reads no more
                rest = rest.sliced(result.consumed);
                break;
            case RequestParser::Status::Error:
                FUZZ_CHECK(result.rejection.status >= 400 && result.rejection.status < 600);
                FUZZ_CHECK(result.rejection.code && !result.rejection.message.isEmpty());
                return out + "refused " + QByteArray::number(result.rejection.status) + ' '
                       + result.rejection.code + '\n';
            }
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool silenced = [] {
        fuzzsupport::silenceQt();
        return true;
    }();
    Q_UNUSED(silenced);

    const QByteArrayView whole(reinterpret_cast<const char *>(data), qsizetype(size));
    const QByteArray atOnce = parse({whole});
    const QByteArray inPieces = parse(fuzzsupport::splitDeterministically(data, size));
    if (atOnce != inPieces) {
        std::fprintf(stderr, "--- one piece:\n%s\n--- in pieces:\n%s\n", atOnce.constData(),
                     inPieces.constData());
        FUZZ_CHECK(!"the same bytes in one piece or in pieces give the same parse");
    }
    return 0;
}
