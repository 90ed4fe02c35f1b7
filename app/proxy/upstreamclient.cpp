#include "upstreamclient.h"

#include "headerfilter.h"
#include "upstream/curlmulti.h"

namespace cachette::proxy {
UpstreamClient::UpstreamClient(const QUrl &baseUrl, QObject *parent)
    : QObject(parent)
    , m_base(baseUrl)
    , m_curl(new upstream::CurlMulti(this))
{
}

QByteArray UpstreamClient::targetUrl(const QUrl &base, const http::HttpRequest &request)
{
    QByteArray rest = request.path;
    if (rest.startsWith("/v1"))
        rest.remove(0, 3);
    QByteArray url = base.toEncoded(QUrl::StripTrailingSlash) + rest;
    if (!request.query.isEmpty())
        url += '?' + request.query;
    return url;
}

upstream::UpstreamReply *UpstreamClient::send(const http::HttpRequest &request,
                                              const QByteArray &body, const QUrl &base)
{
    const QUrl &target = base.isEmpty() ? m_base : base;
    upstream::UpstreamRequest out;
    out.method = request.method;
    out.url = targetUrl(target, request);
    out.body = body;
    out.bypassProxy = upstream::isLoopbackHost(target.host());
    for (const auto &h : request.headers) {
        if (isRequestHeaderForwarded(h.first))
            out.headers.append(h);
    }
    return m_curl->start(out);
}

} // namespace cachette::proxy
