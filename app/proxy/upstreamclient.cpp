#include "upstreamclient.h"

#include "headerfilter.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>

namespace cachette::proxy {
namespace {

constexpr int kMaxManagers = 8;
constexpr int kRepliesPerManager = 6;   // Qt's HTTP/1.1 connections per host

bool isLoopbackHost(const QString &host)
{
    return host == QLatin1String("localhost") || host.startsWith(QLatin1String("127."))
           || host == QLatin1String("::1");
}

} // namespace

UpstreamClient::UpstreamClient(const QUrl &baseUrl, QObject *parent)
    : QObject(parent)
    , m_base(baseUrl)
{
    QNetworkProxyFactory::setUseSystemConfiguration(true);
}

void UpstreamClient::setBaseUrl(const QUrl &baseUrl)
{
    m_base = baseUrl;
    for (QNetworkAccessManager *manager : std::as_const(m_managers))
        applyProxyPolicy(manager);
}

QUrl UpstreamClient::targetUrl(const http::HttpRequest &request) const
{
    QByteArray rest = request.path;
    if (rest.startsWith("/v1"))
        rest.remove(0, 3);
    QByteArray url = m_base.toEncoded(QUrl::StripTrailingSlash) + rest;
    if (!request.query.isEmpty())
        url += '?' + request.query;
    return QUrl::fromEncoded(url, QUrl::StrictMode);
}

QNetworkReply *UpstreamClient::send(const http::HttpRequest &request, const QByteArray &body)
{
    QNetworkRequest out(targetUrl(request));
    out.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     QNetworkRequest::ManualRedirectPolicy);
    // The client's cache directives are for us; the provider's response must not be served
    // from Qt's cache either.
    out.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    for (const auto &h : request.headers) {
        if (isRequestHeaderForwarded(h.first))
            out.setRawHeader(h.first, h.second);
    }
    QNetworkAccessManager *manager = pickManager();
    if (request.method == "GET" && body.isEmpty())
        return manager->get(out);
    return manager->sendCustomRequest(out, request.method, body);
}

QNetworkAccessManager *UpstreamClient::pickManager()
{
    QNetworkAccessManager *best = nullptr;
    qsizetype bestLoad = 0;
    for (QNetworkAccessManager *manager : std::as_const(m_managers)) {
        const qsizetype load = manager->findChildren<QNetworkReply *>().size();
        if (!best || load < bestLoad) {
            best = manager;
            bestLoad = load;
        }
    }
    if (best && (bestLoad < kRepliesPerManager || m_managers.size() >= kMaxManagers))
        return best;
    auto *manager = new QNetworkAccessManager(this);
    manager->setAutoDeleteReplies(false);
    applyProxyPolicy(manager);
    m_managers.append(manager);
    return manager;
}

void UpstreamClient::applyProxyPolicy(QNetworkAccessManager *manager) const
{
    // A provider on this machine (Ollama, LM Studio, a test double) is never reached through the
    // environment's HTTP proxy, whatever no_proxy says.
    if (isLoopbackHost(m_base.host()))
        manager->setProxy(QNetworkProxy(QNetworkProxy::NoProxy));
    else
        manager->setProxy(QNetworkProxy(QNetworkProxy::DefaultProxy));
}

bool isTransportError(QNetworkReply::NetworkError error)
{
    return (error > QNetworkReply::NoError && error < QNetworkReply::ContentAccessDenied)
           || error == QNetworkReply::ProtocolFailure;
}

} // namespace cachette::proxy
