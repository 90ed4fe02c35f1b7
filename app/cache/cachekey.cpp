#include "cachekey.h"
#include "endpointkind.h"
#include "keyfields.h"
#include "store/cacheentry.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QMessageAuthenticationCode>

#include <algorithm>

namespace cachette::cache {

namespace {

// QJsonObject keeps its keys sorted at every level and the Compact writer adds no
// whitespace, so the serialisation of an equal object is byte-for-byte the same.
QByteArray canonicalJson(const QJsonObject &keyed)
{
    return QJsonDocument(keyed).toJson(QJsonDocument::Compact);
}

} // namespace

bool canonicalize(const QByteArray &body, CanonicalRequest *out, QString *error,
                  const QString &endpoint)
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
    request.keyed = keyedFields(request.body, endpointKind(endpoint));
    // Cachette's own fields come from the proxy (route, keyed headers), never from the client:
    // a body carrying "x-cachette-route" must not reach another route's answers.
    store::removeBookkeeping(&request.keyed);
    request.canonical = canonicalJson(request.keyed);
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
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(cacheNamespace.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(endpoint.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(canonical);
    return hash.result().toHex();
}

void keyAnswerShapingHeaders(CanonicalRequest *request, const QString &endpoint,
                             const QList<QPair<QByteArray, QByteArray>> &headers)
{
    if (endpointKind(endpoint) != EndpointKind::AnthropicMessages)
        return;
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
    QJsonObject keyed;
    if (!version.isEmpty())
        keyed.insert(QLatin1String("anthropic-version"), QString::fromUtf8(version));
    if (!betas.isEmpty())
        keyed.insert(QLatin1String("anthropic-beta"), QString::fromUtf8(betas.join(',')));
    if (keyed.isEmpty())
        return;
    request->keyed.insert(QLatin1String(kKeyedHeadersField), keyed);
    request->canonical = canonicalJson(request->keyed);
}

void keyRoute(CanonicalRequest *request, const QString &route)
{
    if (route.isEmpty())
        return;
    request->keyed.insert(QLatin1String(kRouteField), route);
    request->canonical = canonicalJson(request->keyed);
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
