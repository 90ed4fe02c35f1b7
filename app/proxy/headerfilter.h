#pragma once

#include "http/httprequest.h"

namespace cachette::proxy {

// Headers that describe one hop, not the message, and so never cross the proxy (RFC 9110 §7.6.1),
// plus those Qt's network stack sets itself (Host, Content-Length, Accept-Encoding: it asks for
// compression and decompresses, so the client's own Accept-Encoding must not reach the provider),
// and our own X-Cachette-* controls.
bool isRequestHeaderForwarded(const QByteArray &name);
// Upstream response headers minus hop-by-hop ones and the framing that Qt already undid
// (Content-Length, Content-Encoding, Transfer-Encoding).
bool isResponseHeaderForwarded(const QByteArray &name);

http::HeaderList forwardedResponseHeaders(const http::HeaderList &upstreamHeaders);

} // namespace cachette::proxy
