#pragma once

// Private to the http library: HTTP/1.x requests out of bytes, with no socket in sight.

#include "httprequest.h"

#include <QByteArrayView>
#include <QString>

#include <memory>

namespace cachette::http {

// libhttp-parser plus the checks that refuse what other servers would read differently (a bare
// LF, white space before a colon, a folded header line, a target with white space or a
// fragment, a path that climbs out of its base): bytes in, one request or one error out. It
// knows no socket and no timer; HttpConnection reads, answers and keeps the deadlines.
class RequestParser
{
public:
    struct Limits
    {
        qsizetype maxHeaderBytes = 64 * 1024;        // request line and headers; larger → 431
        qsizetype maxBodyBytes = 32 * 1024 * 1024;   // larger → 413
    };

    enum class Status {
        NeedMore,   // every byte was read; the request is not complete yet
        Complete,   // a request is complete; the bytes after it belong to the next one
        Error,      // the bytes are not a request we accept; the parser reads no more
    };

    // Why a request is refused: the HTTP status to answer, an error code and a sentence.
    struct Rejection
    {
        int status = 0;
        const char *code = nullptr;   // "malformed_request", "headers_too_large", ...
        QString message;
    };

    // What one feed() read of the request in progress, for the connection's deadlines.
    struct Progress
    {
        bool began = false;             // its first byte
        bool headersEnded = false;      // the end of its headers
        bool expectsContinue = false;   // headersEnded, and the client waits for 100 Continue
        qint64 bodyBytes = 0;           // body bytes, de-chunked
    };

    struct Result
    {
        Status status = Status::NeedMore;
        qsizetype consumed = 0;   // bytes of the input read; after Complete, feed the rest again
        HttpRequest request;      // Complete: the request; Error: what had arrived of it
        bool keepAlive = true;    // Complete: false when no request may follow on the connection
        Rejection rejection;      // Error
        Progress progress;
    };

    RequestParser();   // with the default Limits
    explicit RequestParser(const Limits &limits);
    ~RequestParser();
    RequestParser(const RequestParser &) = delete;
    RequestParser &operator=(const RequestParser &) = delete;

    // Reads bytes up to the end of one request, or all of them. An empty input reads nothing
    // (it is not the end of the stream). After Error every call returns that error again.
    Result feed(QByteArrayView bytes);
    // What has arrived of the request in progress, for an answer given before it completes
    // (a 408 when the client is too slow).
    HttpRequest takeRequest();

    // libhttp-parser has its own, process-wide, header limit (80 KiB by default). Raises it when
    // the given limit is larger so that ours is the one that applies; never lowers it, since
    // another server in the process may need more.
    static void raiseLibraryHeaderLimit(qsizetype maxHeaderBytes);

private:
    struct State;
    std::unique_ptr<State> d;
};

} // namespace cachette::http
