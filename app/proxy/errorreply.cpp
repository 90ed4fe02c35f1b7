#include "errorreply.h"

#include "cache/endpointkind.h"
#include "http/httpserver.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace cachette::proxy {
namespace {

// Anthropic names its error types by status (docs.anthropic.com, "Errors"); the SDKs pick
// their exception class from the status, the type is for people reading it.
QString anthropicErrorType(int status)
{
    switch (status) {
    case 400:
        return QStringLiteral("invalid_request_error");
    case 401:
        return QStringLiteral("authentication_error");
    case 403:
        return QStringLiteral("permission_error");
    case 404:
        return QStringLiteral("not_found_error");
    case 413:
        return QStringLiteral("request_too_large");
    case 429:
        return QStringLiteral("rate_limit_error");
    default:
        return QStringLiteral("api_error");
    }
}

QByteArray anthropicErrorBody(int status, const QString &message)
{
    const QJsonObject error{{QStringLiteral("type"), anthropicErrorType(status)},
                            {QStringLiteral("message"), message}};
    const QJsonObject body{{QStringLiteral("type"), QStringLiteral("error")},
                           {QStringLiteral("error"), error}};
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

} // namespace

QByteArray proxyErrorBody(const QString &endpoint, int status, const QString &message,
                          const QString &type, const QString &code)
{
    if (cache::endpointKind(endpoint) == cache::EndpointKind::AnthropicMessages)
        return anthropicErrorBody(status, message);
    return http::errorBody(message, type, code);
}

void respondProxyError(http::HttpExchange *exchange, const QString &endpoint, int status,
                       const QString &message, const QString &type, const QString &code)
{
    if (!exchange)
        return;
    static const http::HeaderList headers{{"Content-Type", "application/json"}};
    exchange->respond(status, headers, proxyErrorBody(endpoint, status, message, type, code));
}

} // namespace cachette::proxy
