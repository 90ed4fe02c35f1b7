#pragma once

#include "http/httpexchange.h"

#include <QByteArray>
#include <QString>

namespace cachette::proxy {

// The proxy's own errors (bad JSON, only-if-cached misses, an unreachable or silent provider)
// in the dialect of the endpoint the client called, so its SDK can read them: OpenAI's
// {"error":{"message","type","param","code"}} everywhere, except on Anthropic "messages",
// whose SDKs expect {"type":"error","error":{"type","message"}} with Anthropic's type names.
// Errors from the provider itself are relayed untouched and never pass through here.
QByteArray proxyErrorBody(const QString &endpoint, int status, const QString &message,
                          const QString &type, const QString &code);
// The same for the errors the HTTP server makes before a request reaches the proxy (malformed,
// too slow, refused by an access check): HttpServer's ErrorFormatter. Anthropic's shape for
// /v1/messages and what is under it, and for any request that carries anthropic-version (only
// Anthropic's SDKs send it); a request cut short may have only its target, or nothing.
QByteArray requestErrorBody(const http::HttpRequest &request, int status, const QString &message,
                            const QString &type, const QString &code);
void respondProxyError(http::HttpExchange *exchange, const QString &endpoint, int status,
                       const QString &message, const QString &type, const QString &code);

} // namespace cachette::proxy
