#include "passthroughcall.h"

#include "cachedrequest.h"
#include "headerfilter.h"
#include "upstreamclient.h"
#include "http/httpserver.h"

#include <QNetworkReply>

namespace cachette::proxy {

PassthroughCall::PassthroughCall(http::HttpExchange *exchange, QNetworkReply *reply,
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
    connect(reply, &QNetworkReply::metaDataChanged, this, &PassthroughCall::onMetaData);
    connect(reply, &QNetworkReply::readyRead, this, &PassthroughCall::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &PassthroughCall::onFinished);
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
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (m_status != 0 || !status.isValid() || !m_exchange)
        return;
    m_idle.start();
    m_status = status.toInt();
    http::HeaderList headers = forwardedResponseHeaders(m_reply->rawHeaderPairs());
    headers.emplaceBack(QByteArrayLiteral("X-Cachette"), "bypass");
    m_exchange->writeHead(m_status, headers);
}

void PassthroughCall::onReadyRead()
{
    m_idle.start();
    onMetaData();
    const QByteArray bytes = m_reply->readAll();
    if (m_exchange)
        m_exchange->writeChunk(bytes);
}

void PassthroughCall::onFinished()
{
    m_idle.stop();
    onMetaData();
    if (m_reply->bytesAvailable() > 0)
        onReadyRead();
    if (!isTransportError(m_reply->error())) {
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
    const int status = m_timedOut ? 504 : 502;
    if (m_exchange) {
        http::respondError(m_exchange, status,
                           QStringLiteral("Cachette could not get an answer from the provider at "
                                          "%1: %2")
                               .arg(m_reply->url().toString(QUrl::RemoveQuery),
                                    m_timedOut ? QStringLiteral("it timed out")
                                               : m_reply->errorString()),
                           QStringLiteral("upstream_error"),
                           m_timedOut ? QStringLiteral("upstream_timeout")
                                      : QStringLiteral("upstream_unreachable"));
    }
    complete(status);
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
