#include "passthroughcall.h"

#include "cachedrequest.h"
#include "headerfilter.h"
#include "errorreply.h"
#include "upstreamproblem.h"
#include "http/httpserver.h"
#include "upstream/upstreamreply.h"

namespace cachette::proxy {

PassthroughCall::PassthroughCall(http::HttpExchange *exchange, upstream::UpstreamReply *reply,
                                 int idleTimeoutMs, DoneCallback onDone, QObject *parent)
    : QObject(parent)
    , m_exchange(exchange)
    , m_reply(reply)
    , m_onDone(std::move(onDone))
    , m_startUs(monotonicUs())
{
    m_idle.setSingleShot(true);
    m_idle.setInterval(idleTimeoutMs);
    connect(&m_idle, &QTimer::timeout, this, [this] {
        m_timedOut = true;
        m_reply->abort();
    });
    m_idle.start();
    connect(reply, &upstream::UpstreamReply::headReady, this, &PassthroughCall::onMetaData);
    connect(reply, &upstream::UpstreamReply::readyRead, this, &PassthroughCall::onReadyRead);
    connect(reply, &upstream::UpstreamReply::finished, this, &PassthroughCall::onFinished);
    connect(exchange, &http::HttpExchange::clientGone, this, [this] {
        m_reply->abort();   // the client left: stop the upstream call too
    });
}

PassthroughCall::~PassthroughCall()
{
    m_reply->disconnect(this);
    m_reply->abort();
    m_reply->deleteLater();
}

void PassthroughCall::onMetaData()
{
    if (m_status != 0 || !m_reply->headReceived() || !m_exchange)
        return;
    m_idle.start();
    m_status = m_reply->status();
    http::HeaderList headers = forwardedResponseHeaders(m_reply->headers());
    headers.emplaceBack(QByteArrayLiteral("X-Cachette"),
                        store::outcomeName(store::Outcome::Bypass).latin1());
    m_exchange->writeHead(m_status, headers);
}

void PassthroughCall::onReadyRead()
{
    onMetaData();
    const QByteArray bytes = m_reply->readAll();
    if (bytes.isEmpty())
        return;
    m_idle.start();
    if (m_exchange)
        m_exchange->writeChunk(bytes);
}

void PassthroughCall::onFinished()
{
    m_idle.stop();
    onReadyRead();
    if (!m_timedOut && m_reply->failure() == upstream::UpstreamReply::Failure::None) {
        if (m_exchange)
            m_exchange->finish();
        complete(m_status);
        return;
    }
    if (m_exchange && m_exchange->headWritten()) {
        m_exchange->abort();
        complete(502);
        return;
    }
    const UpstreamProblem problem = describeProblem(*m_reply, m_timedOut ? m_idle.interval() / 1000 : 0);
    if (m_exchange) {
        respondProxyError(m_exchange, QString::fromUtf8(m_exchange->request().path), problem.status, problem.message, QStringLiteral("upstream_error"),
                          problem.code);
    }
    complete(problem.status);
}

void PassthroughCall::complete(int status)
{
    if (m_done)
        return;
    m_done = true;
    m_onDone(status, monotonicUs() - m_startUs);
    deleteLater();
}

} // namespace cachette::proxy
