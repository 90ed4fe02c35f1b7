#pragma once

#include <QByteArray>
#include <QString>

namespace cachette::http {

// Why a request path may not be routed, or an empty string when it may. Dot segments ("/v1/../x",
// "/v1/%2e%2e/x", "/v1/./x"), an encoded slash or backslash inside a segment ("/v1/a%2fb") and
// a raw backslash would let a client reach the provider outside the proxy's base path, or
// make Cachette and the provider read the path differently; such requests are refused whole
// rather than rewritten, since no real client sends them.
QString pathProblem(const QByteArray &path);

} // namespace cachette::http
