#pragma once

#include "http/httprequest.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>

#include <curl/curl.h>

namespace cachette::upstream {

class CurlMulti;

// What to send to the provider: the headers are final (hop-by-hop ones already removed).
struct UpstreamRequest
{
    QByteArray method;
    QByteArray url;              // fully encoded
    http::HeaderList headers;
    QByteArray body;
    bool bypassProxy = false;    // a provider on this machine is never reached through a proxy
};

// localhost, 127.x.y.z, ::1: a provider there (Ollama, LM Studio, a test double) is never
// reached through the environment's HTTP proxy, whatever no_proxy says.
bool isLoopbackHost(const QString &host);

// One call to the provider on libcurl, as a billing proxy needs it: the request is written at
// most once (libcurl, like Qt, would resend it on a fresh connection when a reused one dies
// before answering; see refuseResend), and the answer is complete only when its framing says so
// (Content-Length reached, the last chunk): anything less finishes with Truncated. Signals come
// from the event loop, never from inside libcurl, so a slot may abort or delete the reply.
class UpstreamReply : public QObject
{
    Q_OBJECT
public:
    enum class Failure {
        None,                  // the whole answer arrived
        NotConnected,          // no connection (DNS, refused, TLS, proxy): nothing was sent
        ClosedBeforeAnswer,    // sent, then the connection ended before a byte of the answer
        Truncated,             // the head arrived, the body stopped short of its framing
        Aborted,               // abort() (a timeout or a client that left)
    };

    ~UpstreamReply() override;

    QByteArray url() const { return m_url; }
    QByteArray urlWithoutQuery() const;
    bool headReceived() const { return m_headReceived; }
    int status() const { return m_status; }
    const http::HeaderList &headers() const { return m_headers; }
    QByteArray header(const QByteArray &name) const;   // case-insensitive, first value
    qint64 declaredLength() const;                     // Content-Length, or -1
    qint64 bodyBytes() const { return m_bodyBytes; }    // received so far (decoded)
    qint64 wireBytes() const { return m_wireBytes; }    // once finished: as sent (encoded)
    QByteArray readAll();

    bool isFinished() const { return m_finished; }
    Failure failure() const { return m_failure; }
    QString errorString() const { return m_error; }   // libcurl's words, for messages and logs

    // Stops the call; finished() is emitted before abort() returns (as QNetworkReply does).
    void abort();

Q_SIGNALS:
    void headReady();       // status and headers are there
    void readyRead();
    void finished();

private:
    friend class CurlMulti;
    UpstreamReply(CurlMulti *multi, const UpstreamRequest &request);
    bool configure(const UpstreamRequest &request);
    void complete(CURLcode code);
    Failure classify(CURLcode code) const;
    void emitPending();

    static size_t onHeaderLine(char *data, size_t size, size_t count, void *self);
    static size_t onBody(char *data, size_t size, size_t count, void *self);
    static size_t onReadBody(char *buffer, size_t size, size_t count, void *self);
    static int onBeforeRequest(void *self, char *, char *, int, int);

    QPointer<CurlMulti> m_multi;
    CURL *m_easy = nullptr;
    curl_slist *m_headerList = nullptr;
    QByteArray m_url;
    QByteArray m_method;
    QByteArray m_requestBody;
    qsizetype m_sent = 0;
    int m_attempts = 0;            // times libcurl was about to write the request
    bool m_refuseResend = false;   // a second attempt would bill twice: stop it
    bool m_resendRefused = false;

    int m_status = 0;
    http::HeaderList m_headers;
    bool m_headReceived = false;
    QByteArray m_body;             // received, not yet read
    qint64 m_bodyBytes = 0;

    bool m_finished = false;
    bool m_aborted = false;
    Failure m_failure = Failure::None;
    QString m_error;
    char m_errorBuffer[CURL_ERROR_SIZE] = {};

    bool m_headPending = false;    // signals owed, emitted once libcurl has returned
    bool m_dataPending = false;
    bool m_finishPending = false;
    bool m_queued = false;         // in CurlMulti's list of replies owing signals
    qint64 m_wireBytes = 0;        // body bytes as they came over the wire (before decoding)
};

} // namespace cachette::upstream
