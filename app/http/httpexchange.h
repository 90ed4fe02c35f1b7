#pragma once

#include "httprequest.h"

#include <QObject>

namespace cachette::http {

class HttpConnection;
class HttpServer;

// One request and its response. The handler answers either at once with respond(), or as a
// stream: writeHead() then any number of writeChunk() then finish(). Responses on one
// connection leave in request order (pipelining): an exchange that answers before the ones ahead
// of it is buffered until they are done. The connection owns the exchange and deletes it after
// the response is written or the client is gone; hold it in a QPointer.
class HttpExchange : public QObject
{
    Q_OBJECT
public:
    const HttpRequest &request() const { return m_request; }
    // A router that consumed a prefix of the target (a provider route: /anthropic) hands the
    // rest on, so the handlers after it see "/v1/messages".
    void routeTo(const QByteArray &path) { m_request.path = path; }

    // A whole response with Content-Length. Adds Content-Length; keeps the caller's other headers.
    void respond(int status, const HeaderList &headers, const QByteArray &body);
    // Streaming: chunked transfer encoding; the caller supplies Content-Type.
    void writeHead(int status, const HeaderList &headers);
    void writeChunk(const QByteArray &data);
    void finish();
    // Ends the connection without completing the response, so the client sees a truncated
    // answer rather than a clean end (used when the upstream breaks mid-stream).
    void abort();

    bool headWritten() const { return m_headWritten; }
    bool isFinished() const { return m_finished; }
    bool isClientGone() const { return m_clientGone; }

Q_SIGNALS:
    // The client closed its side (or the connection was dropped) before the response finished.
    void clientGone();

private:
    friend class HttpConnection;
    friend class HttpServer;   // access checks strip the access token and note the CORS origin
    HttpExchange(HttpRequest request, HttpConnection *connection);
    void markClientGone();
    bool canStart() const;
    void appendHead(QByteArray &out, int status, const HeaderList &headers);
    const HttpServer *server() const;   // null once the server is gone
    friend void respondError(HttpExchange *, int, const QString &, const QString &,
                             const QString &);

    HttpRequest m_request;
    HttpConnection *m_connection;
    QByteArray m_pending;       // response bytes not yet handed to the socket
    bool m_headWritten = false;
    bool m_chunked = false;
    bool m_finished = false;
    bool m_clientGone = false;
    bool m_closeAfter = false;  // Connection: close (request asked, or HTTP/1.0)
    bool m_aborted = false;     // the connection is cut once this exchange reaches the front
    bool m_noBody = false;      // HEAD request or a status without body: chunks are dropped
    QByteArray m_corsOrigin;    // allowed browser Origin, echoed in Access-Control-Allow-Origin
};

} // namespace cachette::http
