#include "cachekey.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QMessageAuthenticationCode>

namespace cachette::cache {

namespace {

// Fields that change how the answer is delivered or who is billed, never what it says:
// a streamed and a non-stream request for the same prompt share one entry.
constexpr const char *kIgnoredFields[] = {"stream", "stream_options", "user"};

// QJsonObject keeps its keys sorted at every level and the Compact writer adds no
// whitespace, so the serialisation of an equal object is byte-for-byte the same.
QByteArray canonicalJson(QJsonObject body)
{
    for (const char *field : kIgnoredFields)
        body.remove(QLatin1String(field));
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

} // namespace

bool canonicalize(const QByteArray &body, CanonicalRequest *out, QString *error)
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
    request.canonical = canonicalJson(request.body);
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
