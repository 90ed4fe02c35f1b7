#include "cachekey.h"
#include "endpointkind.h"
#include "keyfields.h"
#include "sha256.h"
#include "store/cacheentry.h"

#include <QCryptographicHash>   // the HMAC's algorithm name
#include <QJsonDocument>
#include <QJsonParseError>
#include <QMessageAuthenticationCode>

#include <algorithm>

namespace cachette::cache {

namespace {

// {"anthropic-version": …, "anthropic-beta": "b0,b1"} for Anthropic "messages"; empty otherwise.
QJsonObject answerShapingHeaders(EndpointKind kind,
                                 const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QJsonObject keyed;
    if (kind != EndpointKind::AnthropicMessages)
        return keyed;
    QByteArray version;
    QByteArrayList betas;   // may come as several headers or one comma-separated list
    for (const auto &[name, value] : headers) {
        if (name.compare("anthropic-version", Qt::CaseInsensitive) == 0) {
            version = value.trimmed();
        } else if (name.compare("anthropic-beta", Qt::CaseInsensitive) == 0) {
            for (const QByteArray &beta : value.split(',')) {
                if (!beta.trimmed().isEmpty())
                    betas.append(beta.trimmed());
            }
        }
    }
    std::sort(betas.begin(), betas.end());   // the order a client lists betas in changes nothing
    if (!version.isEmpty())
        keyed.insert(QLatin1String("anthropic-version"), QString::fromUtf8(version));
    if (!betas.isEmpty())
        keyed.insert(QLatin1String("anthropic-beta"), QString::fromUtf8(betas.join(',')));
    return keyed;
}

} // namespace

bool canonicalize(const QByteArray &body, CanonicalRequest *out, QString *error,
                  const KeyScope &scope)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        if (error)
            *error = QStringLiteral("request body is not valid JSON: %1 at offset %2")
                         .arg(parseError.errorString())
                         .arg(parseError.offset);
        return false;
    }
    if (!document.isObject()) {
        if (error)
            *error = QStringLiteral("request body must be a JSON object");
        return false;
    }

    CanonicalRequest request;
    request.body = document.object();
    const EndpointKind kind = endpointKind(scope.endpoint);
    request.keyed = keyedFields(request.body, kind);
    store::removeBookkeeping(&request.keyed);
    if (const QJsonObject headers = answerShapingHeaders(kind, scope.headers); !headers.isEmpty())
        request.keyed.insert(QLatin1String(kKeyedHeadersField), headers);
    if (!scope.route.isEmpty())
        request.keyed.insert(QLatin1String(kRouteField), scope.route);
    // Serialised once, with everything in it. QJsonObject keeps its keys sorted at every level
    // and the Compact writer adds no whitespace, so an equal object gives the same bytes.
    request.canonical = QJsonDocument(request.keyed).toJson(QJsonDocument::Compact);
    request.model = request.body.value(QLatin1String("model")).toString();
    request.stream = request.body.value(QLatin1String("stream")).toBool();
    request.wantsUsage = request.body.value(QLatin1String("stream_options"))
                             .toObject()
                             .value(QLatin1String("include_usage"))
                             .toBool();
    if (out)
        *out = std::move(request);
    return true;
}

QByteArray cacheKey(const QString &cacheNamespace, const QString &endpoint,
                    const QByteArray &canonical)
{
    // The NUL separators keep ("ab", "c") and ("a", "bc") apart.
    Sha256 hash;
    hash.addData(cacheNamespace.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(endpoint.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(canonical);
    return hash.result().toHex();
}

QString namespaceForApiKey(const QByteArray &apiKey, const QByteArray &secret)
{
    if (apiKey.isEmpty())
        return QString();
    // A keyed hash: the namespace, which is stored and shown, cannot be brute-forced back
    // into the API key without the per-install secret. 64 bits keep keys apart.
    const QByteArray mac =
        QMessageAuthenticationCode::hash(apiKey, secret, QCryptographicHash::Sha256);
    return QStringLiteral("key-") + QString::fromLatin1(mac.toHex().left(16));
}

} // namespace cachette::cache
