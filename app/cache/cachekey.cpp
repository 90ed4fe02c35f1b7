#include "cachekey.h"
#include "endpointkind.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QMessageAuthenticationCode>

#include <algorithm>

namespace cachette::cache {

namespace {

// Fields that change how the answer is delivered or who is billed, never what it says:
// a streamed and a non-stream request for the same prompt share one entry.
constexpr const char *kIgnoredFields[] = {"stream", "stream_options", "user"};

// Anthropic's metadata ({"user_id": …}) only tags the request for abuse tracking, like "user".
constexpr const char *kIgnoredAnthropicFields[] = {"metadata"};

const QLatin1String kCacheControl("cache_control");

// Anthropic's cache_control marks where the provider may cache a prompt prefix. It changes what
// a call costs and how fast it is, never what the model answers, so a request with or without
// the hints shares one entry. (The upstream still gets the client's bytes, hints included.)
// It is removed only where the API defines it: on system, message and tool_result content
// blocks, on tools and at the top level, never inside a tool's input schema.
QJsonArray withoutCacheHints(const QJsonArray &blocks);

QJsonObject blockWithoutCacheHints(QJsonObject block)
{
    block.remove(kCacheControl);
    const QJsonValue content = block.value(QLatin1String("content"));   // tool_result
    if (content.isArray())
        block.insert(QLatin1String("content"), withoutCacheHints(content.toArray()));
    return block;
}

QJsonArray withoutCacheHints(const QJsonArray &blocks)
{
    QJsonArray out;
    for (const QJsonValue &block : blocks)
        out.append(block.isObject() ? QJsonValue(blockWithoutCacheHints(block.toObject())) : block);
    return out;
}

void removeAnthropicCacheHints(QJsonObject &body)
{
    body.remove(kCacheControl);
    for (const char *field : {"system", "tools"}) {
        const QJsonValue value = body.value(QLatin1String(field));
        if (value.isArray())
            body.insert(QLatin1String(field), withoutCacheHints(value.toArray()));
    }
    QJsonArray messages = body.value(QLatin1String("messages")).toArray();
    for (qsizetype i = 0; i < messages.size(); ++i)
        messages.replace(i, blockWithoutCacheHints(messages.at(i).toObject()));
    if (body.contains(QLatin1String("messages")))
        body.insert(QLatin1String("messages"), messages);
}

QJsonObject keyedFields(QJsonObject body, EndpointKind kind)
{
    for (const char *field : kIgnoredFields)
        body.remove(QLatin1String(field));
    if (kind == EndpointKind::AnthropicMessages) {
        for (const char *field : kIgnoredAnthropicFields)
            body.remove(QLatin1String(field));
        removeAnthropicCacheHints(body);
    }
    return body;
}

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
