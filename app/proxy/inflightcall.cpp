#include "inflightcall.h"

#include "errorreply.h"
#include "headerfilter.h"
#include "upstreamproblem.h"
#include "cache/endpointkind.h"
#include "http/httpserver.h"
#include "upstream/upstreamreply.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace cachette::proxy {
namespace {

const QByteArray kEventStream = QByteArrayLiteral("text/event-stream");
const QByteArray kJson = QByteArrayLiteral("application/json");

bool isSuccess(int status) { return status >= 200 && status < 300; }

// A 2xx JSON answer worth keeping. Anthropic's is a Message ("type": "message"); anything
// else there (an "error" object some gateways send with 200) is relayed but never stored.
// A Response is kept only when "completed": "incomplete" (cut at max_output_tokens or by the
// content filter), "failed" and "in_progress" come with 200 too.
bool isStorableAnswer(const QString &endpoint, const QJsonDocument &doc)
{
    if (!doc.isObject())
        return false;
    const QJsonObject answer = doc.object();
    switch (cache::endpointKind(endpoint)) {
    case cache::EndpointKind::AnthropicMessages:
        return answer.value(QLatin1String("type")).toString() == u"message";
    case cache::EndpointKind::Responses:
        return answer.value(QLatin1String("object")).toString() == u"response"
               && answer.value(QLatin1String("status")).toString() == u"completed";
    default:
        return true;
    }
}

} // namespace

InflightCall::InflightCall(const CachedRequest &leader, CallObserver *observer, QObject *parent)
    : QObject(parent)
    , m_leader(leader)
    , m_observer(observer)
    , m_recorder(leader.endpoint)
{
    m_idle.setSingleShot(true);
    connect(&m_idle, &QTimer::timeout, this, &InflightCall::onIdleTimeout);
}

InflightCall::~InflightCall()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void InflightCall::start(upstream::UpstreamReply *reply, int idleTimeoutMs)
{
    m_reply = reply;
    m_startUs = monotonicUs();
    m_idle.setInterval(idleTimeoutMs);
    m_idle.start();
    connect(reply, &upstream::UpstreamReply::headReady, this, &InflightCall::onMetaData);
    connect(reply, &upstream::UpstreamReply::readyRead, this, &InflightCall::onReadyRead);
    connect(reply, &upstream::UpstreamReply::finished, this, &InflightCall::onFinished);
}

void InflightCall::join(http::HttpExchange *exchange, const CachedRequest &request, bool leader)
{
    Subscriber sub{exchange, request, leader ? request.missOutcome() : store::Outcome::Hit};
    connect(exchange, &http::HttpExchange::clientGone, this,
            [this, exchange] { onClientGone(exchange); });
    m_subscribers.append(sub);
    if (m_mode == Mode::Stream && request.streams())
        openStream(m_subscribers.last());
}

void InflightCall::onMetaData()
{
    if (m_mode != Mode::Waiting || !m_reply->headReceived())
        return;
    m_idle.start();
    m_status = m_reply->status();
    m_upstreamHeaders = forwardedResponseHeaders(m_reply->headers());
    m_upstreamType = m_reply->header("content-type");
    const bool stream = isSuccess(m_status) && m_upstreamType.startsWith(kEventStream);
    m_mode = stream ? Mode::Stream : Mode::Body;
    if (!stream)
        return;
    for (Subscriber &sub : m_subscribers) {
        if (sub.request.streams())
            openStream(sub);
    }
}

void InflightCall::onReadyRead()
{
    const QByteArray bytes = m_reply->readAll();
    if (bytes.isEmpty())
        return;
    m_idle.start();
    if (m_mode == Mode::Body) {
        m_body += bytes;
        return;
    }
    for (const cache::SseEvent &event : m_parser.feed(bytes))
        relay(event);
}

void InflightCall::relay(const cache::SseEvent &event)
{
    m_recorder.add(event);
    m_backlog.append(event);
    for (Subscriber &sub : m_subscribers) {
        if (sub.headSent)
            sendEvent(sub, event);
    }
}

void InflightCall::openStream(Subscriber &sub)
{
    if (!sub.exchange || sub.headSent)
        return;
    sub.exchange->writeHead(m_status, headersFor(sub, kEventStream));
    sub.headSent = true;
    for (const cache::SseEvent &event : std::as_const(m_backlog))
        sendEvent(sub, event);
}

void InflightCall::sendEvent(Subscriber &sub, const cache::SseEvent &event)
{
    // The proxy asked for usage on the client's behalf; a client that did not ask never sees it.
    if (!sub.request.canonical.wantsUsage && cache::StreamRecorder::isUsageOnlyChunk(event))
        return;
    if (sub.exchange)
        sub.exchange->writeChunk(event.raw);
}

void InflightCall::onFinished()
{
    m_idle.stop();
    m_upstreamUs = monotonicUs() - m_startUs;
    onMetaData();
    onReadyRead();
    const bool whole = !m_timedOut && m_reply->failure() == upstream::UpstreamReply::Failure::None;
    if (m_mode == Mode::Stream && whole) {
        for (const cache::SseEvent &event : m_parser.finish())
            relay(event);
    }
    if (m_abandoned) {
        end();
        return;
    }
    if (!whole) {
        failAll(describeProblem(*m_reply, m_timedOut ? m_idle.interval() / 1000 : 0,
                                m_mode == Mode::Stream ? int(m_backlog.size()) : -1));
        return;
    }
    if (m_mode == Mode::Stream)
        finishStream();
    else
        finishBody();
}

void InflightCall::finishStream()
{
    const bool complete = m_recorder.isComplete();
    m_usage = m_recorder.usage();
    const QByteArray assembled = m_recorder.assembledResponse();
    if (complete) {
        store::CacheEntry entry;
        entry.responseBody = assembled;
        entry.streamEvents = m_recorder.recordedEvents();
        entry.usage = m_usage;
        entry.costUsd = m_recorder.costUsd();
        store(entry);
    }
    for (Subscriber &sub : m_subscribers) {
        if (sub.headSent && (complete || m_recorder.hasError())) {
            // The provider's own error event (if any) was relayed as it came.
            if (sub.exchange)
                sub.exchange->finish();
            done(sub, complete ? m_status : 502);
        } else if (sub.headSent) {
            endStreamWithError(sub, {502, QStringLiteral("incomplete_stream"),
                                     QStringLiteral("the provider ended its stream after %1 "
                                                    "events without finishing it; nothing was "
                                                    "cached")
                                         .arg(m_backlog.size())});
        } else if (complete) {
            answerJson(sub, m_status, assembled);
        } else {
            // The upstream ended without [DONE] or sent an error event: a non-stream client
            // gets the error as JSON rather than half an answer.
            const QByteArray body = m_recorder.hasError() ? m_recorder.errorPayload()
                                                          : proxyErrorBody(
                                      m_leader.endpoint, 502,
                                      QStringLiteral("the provider's stream ended before it "
                                                     "finished; nothing was cached"),
                                      QStringLiteral("upstream_error"),
                                      QStringLiteral("incomplete_stream"));
            answerJson(sub, 502, body);
        }
    }
    end();
}

void InflightCall::finishBody()
{
    const bool ok = isSuccess(m_status);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(m_body, &parseError);
    const bool storable = ok && isStorableAnswer(m_leader.endpoint, doc);
    if (storable) {
        m_usage = cache::usageFromResponse(doc.object());
        store::CacheEntry entry;
        entry.responseBody = m_body;
        entry.usage = m_usage;
        entry.costUsd = cache::costFromResponse(doc.object());
        store(entry);
    }
    for (Subscriber &sub : m_subscribers) {
        if (storable && sub.request.streams())
            answerSynthesized(sub, m_body);
        else
            answerJson(sub, m_status, m_body, m_upstreamType.isEmpty() ? kJson : m_upstreamType);
    }
    end();
}

void InflightCall::failAll(const UpstreamProblem &problem)
{
    for (Subscriber &sub : m_subscribers) {
        if (sub.headSent) {
            endStreamWithError(sub, problem);
        } else if (sub.exchange) {
            respondProxyError(sub.exchange, sub.request.endpoint, problem.status, problem.message,
                              QStringLiteral("upstream_error"), problem.code);
            done(sub, problem.status);
        }
    }
    end();
}

// Mid-stream, the head (200) is gone: an error event in the client's dialect, then a proper
// end, so its SDK raises the error instead of taking half an answer for a whole one.
void InflightCall::endStreamWithError(Subscriber &sub, const UpstreamProblem &problem)
{
    if (sub.exchange) {
        sub.exchange->writeChunk(streamErrorEvent(sub.request.endpoint, problem));
        sub.exchange->finish();
    }
    done(sub, problem.status);
}

void InflightCall::answerJson(Subscriber &sub, int status, const QByteArray &body,
                              const QByteArray &type)
{
    if (sub.exchange)
        sub.exchange->respond(status, headersFor(sub, type), body);
    done(sub, status);
}

void InflightCall::answerSynthesized(Subscriber &sub, const QByteArray &body)
{
    if (sub.exchange) {
        sub.exchange->writeHead(m_status, headersFor(sub, kEventStream));
        const QList<QByteArray> events = cache::synthesizeStream(
            sub.request.endpoint, body, sub.request.canonical.wantsUsage);
        sub.exchange->writeChunk(events.join());
        sub.exchange->finish();
    }
    done(sub, m_status);
}

void InflightCall::done(Subscriber &sub, int status)
{
    if (!sub.outcome)
        return;   // already reported
    const store::Outcome outcome = isSuccess(status) ? *sub.outcome : store::Outcome::Error;
    m_observer->requestDone(sub.request, outcome, status, m_usage, m_upstreamUs,
                            m_stored && isSuccess(status));
    sub.outcome.reset();
}

void InflightCall::store(store::CacheEntry entry)
{
    if (m_leader.directives.noStore)
        return;
    entry.status = m_status;
    entry.upstreamLatencyMs = (monotonicUs() - m_startUs) / 1000;
    m_observer->storeAnswer(m_leader, std::move(entry));
    m_stored = true;
}

void InflightCall::onIdleTimeout()
{
    m_timedOut = true;
    if (m_reply)
        m_reply->abort();
}

void InflightCall::onClientGone(http::HttpExchange *exchange)
{
    // A stream whose final event (response.completed, message_stop, [DONE]) has arrived is a
    // whole, paid-for answer: Codex hangs up right at response.completed, before the provider
    // ends its body. That client got everything: it is logged, and the answer stored, once the
    // body ends (finishStream()), and the call is not aborted.
    const bool answered = m_mode == Mode::Stream && m_recorder.isComplete();
    for (Subscriber &sub : m_subscribers) {
        if (sub.exchange == exchange || sub.exchange.isNull()) {
            sub.exchange = nullptr;
            if (!(answered && sub.headSent))
                done(sub, 499);   // nginx's "client closed request"
        }
    }
    const bool anyoneLeft = std::any_of(m_subscribers.cbegin(), m_subscribers.cend(),
                                        [](const Subscriber &s) { return s.outcome.has_value(); });
    if (!anyoneLeft && !m_ended) {
        m_abandoned = true;   // nobody wants the answer: stop paying for it
        if (m_reply)
            m_reply->abort();
    }
}

void InflightCall::end()
{
    if (m_ended)
        return;
    m_ended = true;
    for (Subscriber &sub : m_subscribers)
        done(sub, 499);
    m_observer->callFinished(this);
    deleteLater();
}

http::HeaderList InflightCall::headersFor(const Subscriber &sub, const QByteArray &type) const
{
    http::HeaderList headers;
    for (const auto &h : m_upstreamHeaders) {
        if (h.first.compare("content-type", Qt::CaseInsensitive) != 0)
            headers.append(h);
    }
    headers.emplaceBack(QByteArrayLiteral("Content-Type"), type);
    headers.emplaceBack(QByteArrayLiteral("X-Cachette"),
                        store::outcomeName(sub.outcome.value_or(store::Outcome::Error)).latin1());
    headers.emplaceBack(QByteArrayLiteral("X-Cachette-Key"), m_leader.key);
    return headers;
}

} // namespace cachette::proxy
