#pragma once

#include "http/httprequest.h"
#include "upstream/upstreamreply.h"

#include <QObject>
#include <QUrl>

namespace cachette::upstream {
class CurlMulti;
}

namespace cachette::proxy {

// Sends the client's requests on to the provider's base URL over libcurl (HTTPS, HTTP/2
// multiplexing, the HTTP proxy from http_proxy/https_proxy/no_proxy). Qt's
// QNetworkAccessManager was replaced because it silently resends a request when a reused
// keep-alive connection dies before the answer (a POST billed twice), and passes an answer cut
// short of its Content-Length off as whole; see upstream/upstreamreply.h for what this does.
class UpstreamClient : public QObject
{
    Q_OBJECT
public:
    explicit UpstreamClient(const QUrl &baseUrl, QObject *parent = nullptr);

    void setBaseUrl(const QUrl &baseUrl) { m_base = baseUrl; }
    QUrl baseUrl() const { return m_base; }

    // The provider URL for a client target: "/v1/chat/completions?x" → base + "/chat/completions?x".
    static QByteArray targetUrl(const QUrl &base, const http::HttpRequest &request);

    // Same method, headers (minus hop-by-hop ones) and the given body bytes, to base (a route's
    // base URL; empty: the default upstream). The caller owns the reply and must deleteLater() it.
    upstream::UpstreamReply *send(const http::HttpRequest &request, const QByteArray &body,
                                  const QUrl &base = QUrl());

private:
    QUrl m_base;
    upstream::CurlMulti *m_curl;
};

} // namespace cachette::proxy
