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
void respondProxyError(http::HttpExchange *exchange, const QString &endpoint, int status,
                       const QString &message, const QString &type, const QString &code);

} // namespace cachette::proxy
