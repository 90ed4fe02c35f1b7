#pragma once

#include "cache/sseparser.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>

namespace cachette::test {

using RawHeaders = QList<QPair<QByteArray, QByteArray>>;

// What a client got back. For streamed calls, the SSE events with their arrival times.
struct HttpResult
{
    int status = 0;                       // 0: no HTTP answer (connection refused, dropped…)
    RawHeaders headers;
    QByteArray body;                      // every byte of the body (the raw SSE text for streams)
    QNetworkReply::NetworkError networkError = QNetworkReply::NoError;
    QString errorString;
    bool finished = false;
    bool timedOut = false;
    bool abortedByClient = false;         // disconnectAfterEvents kicked in
    qint64 startedAtMs = 0;               // monotonicMs()
    qint64 finishedAtMs = 0;
    QList<cache::SseEvent> events;        // comments included (commentOnly)
    QList<qint64> eventTimesMs;           // monotonicMs() when each event was complete

    QByteArray header(const QByteArray &name) const;   // case-insensitive, first value
    bool hasHeader(const QByteArray &name) const;
    QJsonObject json() const;
    // Data of the non-comment events, in order (including "[DONE]").
    QList<QByteArray> dataEvents() const;
    QList<QByteArray> commentEvents() const;           // raw bytes of the comment-only events
    bool sawDone() const;
    // Data events that are the usage-only chunk ("choices": [] and "usage").
    QList<QJsonObject> usageChunks() const;
    QList<QByteArray> dataEventsWithoutUsage() const;
    // A short description for failure messages: status, key headers, error, body head.
    QString describe() const;
};

// One request in flight through QNetworkAccessManager.
class ProxyCall : public QObject
{
    Q_OBJECT
public:
    ProxyCall(QNetworkReply *reply, bool stream, int disconnectAfterDataEvents, QObject *parent);
    ~ProxyCall() override;

    const HttpResult &result() const { return m_result; }
    bool isFinished() const { return m_result.finished; }
    bool wait(int timeoutMs = 30'000);   // runs the event loop until finished (aborts on timeout)
    void disconnectNow();                // the client goes away

Q_SIGNALS:
    void finished();

private:
    void onReadyRead();
    void onFinished();
    void captureHead();

    QPointer<QNetworkReply> m_reply;
    HttpResult m_result;
    cache::SseParser m_parser;
    bool m_stream;
    int m_disconnectAfter;
    bool m_headCaptured = false;
};

// A client for the proxy: every call runs the event loop while it waits, so the fake upstream
// living in the same thread keeps answering.
class ProxyClient : public QObject
{
    Q_OBJECT
public:
    explicit ProxyClient(const QString &rootUrl, QObject *parent = nullptr);   // http://127.0.0.1:PORT

    void setRootUrl(const QString &rootUrl) { m_root = rootUrl; }
    QString rootUrl() const { return m_root; }

    // Starts a request. stream: parse the body as SSE as it arrives; disconnectAfterDataEvents ≥ 0
    // aborts the connection once that many data events have arrived. A POST gets
    // Content-Type: application/json unless headers name one.
    ProxyCall *start(const QByteArray &method, const QString &path, const QByteArray &body,
                     const RawHeaders &headers = {}, bool stream = false, int disconnectAfterDataEvents = -1);

    HttpResult send(const QByteArray &method, const QString &path, const QByteArray &body = {},
                    const RawHeaders &headers = {}, int timeoutMs = 30'000);
    HttpResult get(const QString &path, const RawHeaders &headers = {}, int timeoutMs = 30'000);
    HttpResult post(const QString &path, const QByteArray &body, const RawHeaders &headers = {},
                    int timeoutMs = 30'000);
    HttpResult post(const QString &path, const QJsonObject &body, const RawHeaders &headers = {},
                    int timeoutMs = 30'000);
    HttpResult postStream(const QString &path, const QByteArray &body, const RawHeaders &headers = {},
                          int disconnectAfterDataEvents = -1, int timeoutMs = 30'000);
    HttpResult postStream(const QString &path, const QJsonObject &body, const RawHeaders &headers = {},
                          int disconnectAfterDataEvents = -1, int timeoutMs = 30'000);

    static bool waitAll(const QList<ProxyCall *> &calls, int timeoutMs = 30'000);

private:
    QNetworkAccessManager m_manager;
    QString m_root;
};

// --- Raw sockets, for what QNetworkAccessManager cannot do: pipelining, a forged Host header,
// garbage bytes, abrupt closes. -------------------------------------------------------------

struct RawResponse
{
    int status = 0;
    RawHeaders headers;
    QByteArray body;        // de-chunked
    bool complete = false;

    QByteArray header(const QByteArray &name) const;
    QJsonObject json() const;
};

// Splits HTTP/1.1 responses off the front of a byte stream.
class RawResponseParser
{
public:
    void feed(const QByteArray &bytes) { m_buffer += bytes; }
    // Takes the next whole response; when the connection has ended (closed = true) a response
    // without a length ends at the close.
    bool take(RawResponse *out, bool closed = false);
    QByteArray pending() const { return m_buffer; }

private:
    QByteArray m_buffer;
};

// Sends bytes on one connection and collects responses in arrival order.
// Stops after `expected` responses, when the server closes, or after timeoutMs.
struct RawExchangeResult
{
    QList<RawResponse> responses;
    bool connected = false;
    bool closedByServer = false;
    QByteArray leftover;    // bytes that did not form a whole response
};
RawExchangeResult rawExchange(quint16 port, const QByteArray &bytes, int expected, int timeoutMs = 15'000);

// --- Assembling answers for comparisons ----------------------------------------------------

// A chat (or completions) answer put together from stream chunks or taken from a whole
// chat.completion / text_completion JSON, so the two modes can be compared.
struct AssembledAnswer
{
    QString role;
    QString content;
    QJsonArray toolCalls;        // [{id, type, function: {name, arguments}}] in index order
    QString finishReason;
    QJsonObject usage;           // empty when none
    bool sawDone = false;
    bool sawError = false;
    int contentDeltas = 0;       // how many chunks carried content

    static AssembledAnswer fromEvents(const QList<cache::SseEvent> &events);
    static AssembledAnswer fromResponse(const QJsonObject &response);
    QString describe() const;
};

} // namespace cachette::test
