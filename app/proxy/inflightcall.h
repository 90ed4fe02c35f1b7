#pragma once

#include "cachedrequest.h"
#include "cache/sseparser.h"
#include "cache/streamrecorder.h"
#include "http/httpexchange.h"
#include "store/cacheentry.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace cachette::upstream {
class UpstreamReply;
}

namespace cachette::proxy {

struct UpstreamProblem;

class InflightCall;

// What an upstream call reports back to the proxy that started it.
class CallObserver
{
public:
    virtual ~CallObserver() = default;
    // A clean, complete 2xx answer that may be stored (content fields filled in).
    virtual void storeAnswer(const CachedRequest &request, store::CacheEntry entry) = 0;
    // One subscriber's request is over (answered, failed or abandoned by its client).
    virtual void requestDone(const CachedRequest &request, store::Outcome outcome, int status,
                             const store::TokenUsage &usage, qint64 upstreamUs, bool stored) = 0;
    // The call is over; the observer forgets it (the call deletes itself later).
    virtual void callFinished(InflightCall *call) = 0;
};

// One upstream call for one cache key, shared by every identical request that arrives while it
// runs (coalescing). Stream subscribers get events relayed as they arrive, followers first get
// the backlog; non-stream subscribers get the whole answer at the end, assembled from the
// stream when it was one. Only a complete answer is stored: an upstream drop, an error event,
// a timeout or every client leaving stores nothing, and the last client leaving aborts the call.
class InflightCall : public QObject
{
    Q_OBJECT
public:
    InflightCall(const CachedRequest &leader, CallObserver *observer, QObject *parent = nullptr);
    ~InflightCall() override;

    void start(upstream::UpstreamReply *reply, int idleTimeoutMs);
    void join(http::HttpExchange *exchange, const CachedRequest &request, bool leader);
    const QByteArray &key() const { return m_leader.key; }

private:
    enum class Mode { Waiting, Stream, Body };
    struct Subscriber
    {
        QPointer<http::HttpExchange> exchange;
        CachedRequest request;
        std::optional<store::Outcome> outcome;   // nullopt once reported
        bool headSent = false;
    };

    void onMetaData();
    void onReadyRead();
    void onFinished();
    void onIdleTimeout();
    void onClientGone(http::HttpExchange *exchange);

    void relay(const cache::SseEvent &event);
    void openStream(Subscriber &sub);
    void sendEvent(Subscriber &sub, const cache::SseEvent &event);
    void finishStream();
    void finishBody();
    void failAll(const UpstreamProblem &problem);
    void endStreamWithError(Subscriber &sub, const UpstreamProblem &problem);
    void answerJson(Subscriber &sub, int status, const QByteArray &body,
                    const QByteArray &type = QByteArrayLiteral("application/json"));
    void answerSynthesized(Subscriber &sub, const QByteArray &body);
    void done(Subscriber &sub, int status);
    void store(store::CacheEntry entry);
    void end();

    http::HeaderList headersFor(const Subscriber &sub, const QByteArray &contentType) const;

    CachedRequest m_leader;
    CallObserver *m_observer;
    upstream::UpstreamReply *m_reply = nullptr;
    QList<Subscriber> m_subscribers;
    Mode m_mode = Mode::Waiting;
    int m_status = 0;
    http::HeaderList m_upstreamHeaders;
    QByteArray m_upstreamType;
    QByteArray m_body;
    cache::SseParser m_parser;
    cache::StreamRecorder m_recorder;
    QList<cache::SseEvent> m_backlog;   // every event so far, for late followers
    QTimer m_idle;
    qint64 m_startUs = 0;
    qint64 m_upstreamUs = 0;
    store::TokenUsage m_usage;
    bool m_stored = false;
    bool m_timedOut = false;
    bool m_abandoned = false;
    bool m_ended = false;
};

} // namespace cachette::proxy
