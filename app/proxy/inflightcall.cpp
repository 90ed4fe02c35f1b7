#include "inflightcall.h"

#include "errorreply.h"
#include "headerfilter.h"
#include "upstreamclient.h"
#include "cache/endpointkind.h"
#include "http/httpserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>

namespace cachette::proxy {
namespace {

const QByteArray kEventStream = QByteArrayLiteral("text/event-stream");
const QByteArray kJson = QByteArrayLiteral("application/json");

bool isSuccess(int status) { return status >= 200 && status < 300; }

// A 2xx JSON answer worth keeping. Anthropic's is a Message ("type": "message"); anything
// else there (an "error" object some gateways send with 200) is relayed but never stored.
bool isStorableAnswer(const QString &endpoint, const QJsonDocument &doc)
{
    if (!doc.isObject())
        return false;
    if (cache::endpointKind(endpoint) == cache::EndpointKind::AnthropicMessages)
        return doc.object().value(QLatin1String("type")).toString() == u"message";
    return true;
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

void InflightCall::start(QNetworkReply *reply, int idleTimeoutMs)
{
    m_reply = reply;
    m_startUs = monotonicUs();
    m_idle.setInterval(idleTimeoutMs);
    m_idle.start();
    connect(reply, &QNetworkReply::metaDataChanged, this, &InflightCall::onMetaData);
    connect(reply, &QNetworkReply::readyRead, this, &InflightCall::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &InflightCall::onFinished);
}

void InflightCall::join(http::HttpExchange *exchange, const CachedRequest &request, bool leader)
{
    Subscriber sub{exchange, request, leader ? request.missOutcome() : QStringLiteral("hit")};
    connect(exchange, &http::HttpExchange::clientGone, this,
            [this, exchange] { onClientGone(exchange); });
    m_subscribers.append(sub);
    if (m_mode == Mode::Stream && request.streams())
        openStream(m_subscribers.last());
}

void InflightCall::onMetaData()
{
    if (m_mode != Mode::Waiting)
        return;
    m_idle.start();
    m_status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    m_upstreamHeaders = forwardedResponseHeaders(m_reply->rawHeaderPairs());
    m_upstreamType = m_reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
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
    m_idle.start();
    if (m_mode == Mode::Waiting)
        onMetaData();
    const QByteArray bytes = m_reply->readAll();
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
    if (m_mode == Mode::Waiting && !isTransportError(m_reply->error()))
        onMetaData();
    if (m_reply->bytesAvailable() > 0)
        onReadyRead();
    if (m_mode == Mode::Stream) {
        for (const cache::SseEvent &event : m_parser.finish())
            relay(event);
    }
    if (m_abandoned) {
        end();
        return;
    }
    if (m_timedOut || isTransportError(m_reply->error())) {
        failAll(m_timedOut ? 504 : 502, transportError(),
                m_timedOut ? QStringLiteral("upstream_timeout")
                           : QStringLiteral("upstream_unreachable"));
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
        if (sub.headSent) {
            if (sub.exchange)
                sub.exchange->finish();
            done(sub, m_status);
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

void InflightCall::failAll(int status, const QString &message, const QString &code)
{
    for (Subscriber &sub : m_subscribers) {
        if (sub.headSent) {
            // Mid-stream: a truncated response tells the client something broke; a clean end
            // would pass half an answer off as whole.
            if (sub.exchange)
                sub.exchange->abort();
            done(sub, 502);
        } else if (sub.exchange) {
            respondProxyError(sub.exchange, sub.request.endpoint, status, message,
                              QStringLiteral("upstream_error"), code);
            done(sub, status);
        }
    }
    end();
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
    if (sub.outcome.isEmpty())
        return;   // already reported
    const QString outcome = isSuccess(status) ? sub.outcome : QStringLiteral("error");
    m_observer->requestDone(sub.request, outcome, status, m_usage, m_upstreamUs,
                            m_stored && isSuccess(status));
    sub.outcome.clear();
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
    for (Subscriber &sub : m_subscribers) {
        if (sub.exchange == exchange || sub.exchange.isNull()) {
            sub.exchange = nullptr;
            done(sub, 499);   // nginx's "client closed request"
        }
    }
    const bool anyoneLeft = std::any_of(m_subscribers.cbegin(), m_subscribers.cend(),
                                        [](const Subscriber &s) { return !s.outcome.isEmpty(); });
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
    headers.emplaceBack(QByteArrayLiteral("X-Cachette"), sub.outcome.toLatin1());
    headers.emplaceBack(QByteArrayLiteral("X-Cachette-Key"), m_leader.key);
    return headers;
}

QString InflightCall::transportError() const
{
    const QString url = m_reply->url().toString(QUrl::RemoveQuery);
    if (m_timedOut)
        return QStringLiteral("the provider at %1 sent nothing for %2 s; Cachette gave up "
                              "(raise --upstream-timeout if it is just slow)")
            .arg(url)
            .arg(m_idle.interval() / 1000);
    return QStringLiteral("Cachette could not reach the provider at %1: %2. Check the upstream "
                          "URL and your network.")
        .arg(url, m_reply->errorString());
}

} // namespace cachette::proxy
