#include "upstreamproblem.h"

#include "errorreply.h"
#include "cache/endpointkind.h"
#include "cache/jsonhelpers.h"

namespace cachette::proxy {
namespace {

using Failure = upstream::UpstreamReply::Failure;

QString lengthPart(const upstream::UpstreamReply &reply)
{
    const qint64 declared = reply.declaredLength();
    if (declared >= 0)
        return QStringLiteral("%1 of %2 bytes").arg(reply.wireBytes()).arg(declared);
    return QStringLiteral("%1 bytes").arg(reply.wireBytes());
}

} // namespace

UpstreamProblem describeProblem(const upstream::UpstreamReply &reply, int timeoutSeconds,
                                int eventsRelayed)
{
    const QString url = QString::fromUtf8(reply.urlWithoutQuery());
    if (timeoutSeconds > 0) {
        return {504, QStringLiteral("upstream_timeout"),
                QStringLiteral("the provider at %1 sent nothing for %2 s; Cachette gave up "
                               "(raise --upstream-timeout if it is just slow)")
                    .arg(url)
                    .arg(timeoutSeconds)};
    }
    switch (reply.failure()) {
    case Failure::NotConnected:
        return {502, QStringLiteral("upstream_unreachable"),
                QStringLiteral("Cachette could not connect to the provider at %1 (%2); nothing "
                               "was sent. Check the upstream URL and your network.")
                    .arg(url, reply.errorString())};
    case Failure::ClosedBeforeAnswer:
        return {502, QStringLiteral("upstream_closed"),
                QStringLiteral("the provider at %1 closed the connection before answering (%2); "
                               "it may have received the request, so Cachette did not send it "
                               "again")
                    .arg(url, reply.errorString())};
    case Failure::Truncated: {
        const QString after = eventsRelayed >= 0 ? QStringLiteral("%1 events").arg(eventsRelayed)
                                                 : lengthPart(reply);
        return {502, QStringLiteral("upstream_truncated"),
                QStringLiteral("the provider at %1 closed the connection after %2, before its "
                               "answer was complete; nothing was cached")
                    .arg(url, after)};
    }
    case Failure::Aborted:
    case Failure::None:
        break;
    }
    return {502, QStringLiteral("upstream_error"),
            QStringLiteral("the call to the provider at %1 was stopped").arg(url)};
}

QByteArray streamErrorEvent(const QString &endpoint, const UpstreamProblem &problem)
{
    const QByteArray body = proxyErrorBody(endpoint, problem.status, problem.message,
                                           QStringLiteral("upstream_error"), problem.code);
    switch (cache::endpointKind(endpoint)) {
    case cache::EndpointKind::AnthropicMessages:
        return "event: error\ndata: " + body + "\n\n";
    case cache::EndpointKind::Responses: {
        // The Responses error event ({"type":"error","code","message","param"}) with the OpenAI
        // error object beside it: the SDKs raise an APIError for a named event whose data has
        // "error", and read code and message from the event itself otherwise.
        QJsonObject event = cache::json::parseObject(body);
        const QJsonObject error = event.value(QLatin1String("error")).toObject();
        event.insert(QLatin1String("type"), QStringLiteral("error"));
        for (const char *field : {"code", "message", "param"})
            event.insert(QLatin1String(field), error.value(QLatin1String(field)));
        return "event: error\ndata: " + cache::json::compact(event) + "\n\n";
    }
    default:
        return "data: " + body + "\n\n";
    }
}

} // namespace cachette::proxy
