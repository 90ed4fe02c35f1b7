#include "headerfilter.h"

#include <array>

namespace cachette::proxy {
namespace {

constexpr std::array hopByHop = {"connection",          "keep-alive", "proxy-connection", "te",
                                 "trailer",             "transfer-encoding", "upgrade",
                                 "proxy-authorization", "proxy-authenticate"};

bool isHopByHop(const QByteArray &lowerName)
{
    for (const char *h : hopByHop) {
        if (lowerName == h)
            return true;
    }
    return false;
}

} // namespace

bool isRequestHeaderForwarded(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    if (isHopByHop(lower) || lower.startsWith("x-cachette-"))
        return false;
    return lower != "host" && lower != "content-length" && lower != "accept-encoding"
           && lower != "expect";
}

bool isResponseHeaderForwarded(const QByteArray &name)
{
    const QByteArray lower = name.toLower();
    // X-Cachette is this proxy's verdict on the answer: one from further up (another Cachette
    // as the provider) would give the client two.
    if (lower == "x-cachette" || lower.startsWith("x-cachette-"))
        return false;
    return !isHopByHop(lower) && lower != "content-length" && lower != "content-encoding";
}

http::HeaderList forwardedResponseHeaders(const http::HeaderList &upstreamHeaders)
{
    http::HeaderList out;
    out.reserve(upstreamHeaders.size());
    for (const auto &h : upstreamHeaders) {
        if (isResponseHeaderForwarded(h.first))
            out.append(h);
    }
    return out;
}

} // namespace cachette::proxy
