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
    case 431:   // the headers are what is too large
        return QStringLiteral("request_too_large");
    case 529:
        return QStringLiteral("overloaded_error");
    default:   // 405, 408, 505...: the request, not the service, is at fault
        return status < 500 ? QStringLiteral("invalid_request_error") : QStringLiteral("api_error");
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

bool speaksAnthropic(const http::HttpRequest &request)
{
    if (request.hasHeader("anthropic-version"))
        return true;
    QByteArray path = request.path;
    if (path.isEmpty()) {   // rejected before the target was split
        const qsizetype query = request.target.indexOf('?');
        path = query < 0 ? request.target : request.target.left(query);
    }
    return path == "/v1/messages" || path.startsWith("/v1/messages/");
}

} // namespace

QByteArray requestErrorBody(const http::HttpRequest &request, int status, const QString &message,
                            const QString &type, const QString &code)
{
    if (speaksAnthropic(request))
        return anthropicErrorBody(status, message);
    return http::errorBody(message, type, code);
}

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
