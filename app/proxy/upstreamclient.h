#pragma once

#include "http/httprequest.h"

#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QUrl>

class QNetworkAccessManager;

namespace cachette::proxy {

// Sends requests to the provider with QNetworkAccessManager (HTTPS, HTTP/2, the HTTP proxy from
// the environment). Qt 6.4 caps HTTP/1.1 at six connections per host per manager and offers no
// setting for it, so a small pool of managers carries many concurrent calls.
class UpstreamClient : public QObject
{
    Q_OBJECT
public:
    explicit UpstreamClient(const QUrl &baseUrl, QObject *parent = nullptr);

    void setBaseUrl(const QUrl &baseUrl);
    QUrl baseUrl() const { return m_base; }

    // The provider URL for a client target: "/v1/chat/completions?x" → base + "/chat/completions?x".
    QUrl targetUrl(const http::HttpRequest &request) const;

    // Same method, headers (minus hop-by-hop ones) and the given body bytes. The caller owns the
    // reply and must deleteLater() it.
    QNetworkReply *send(const http::HttpRequest &request, const QByteArray &body);

private:
    QNetworkAccessManager *pickManager();
    void applyProxyPolicy(QNetworkAccessManager *manager) const;

    QUrl m_base;
    QList<QNetworkAccessManager *> m_managers;
};

// A failure to get an answer at all (refused, reset, TLS, proxy), as opposed to an HTTP error
// status that arrived with a body the client should see.
bool isTransportError(QNetworkReply::NetworkError error);

} // namespace cachette::proxy
