#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

namespace cachette::cache {

// A request body made canonical: parsed, with the fields that do not change the answer removed
// (keyfields.h has the table, per dialect), serialised with sorted keys and no whitespace.
struct CanonicalRequest
{
    QJsonObject body;          // the parsed body as sent (all fields)
    QJsonObject keyed;         // body without the ignored fields: what canonical serialises
    QByteArray canonical;      // canonical JSON without the ignored fields
    QString model;
    bool stream = false;       // "stream": true
    bool wantsUsage = false;   // stream_options.include_usage: true
};

// Parses a JSON object body; on failure returns false and a message naming the problem
// ("request body is not valid JSON: unterminated string at offset 17"). endpoint as in the
// cache key ("chat/completions", "messages"); it decides which fields are ignored.
bool canonicalize(const QByteArray &body, CanonicalRequest *out, QString *error,
                  const QString &endpoint = QString());

// Hex SHA-256 of namespace, endpoint and canonical JSON. Headers never enter it, except the few
// keyAnswerShapingHeaders() writes into the canonical JSON.
QByteArray cacheKey(const QString &cacheNamespace, const QString &endpoint,
                    const QByteArray &canonical);

// The field of the keyed body that holds the request headers which change the answer itself.
inline constexpr const char kKeyedHeadersField[] = "x-cachette-keyed-headers";

// Adds the request headers that change the answer itself to request's keyed body and canonical
// JSON, as {"x-cachette-keyed-headers": {name: value}}: for Anthropic "messages"
// anthropic-version and anthropic-beta (a beta changes what the model may answer: longer
// outputs, other tool versions). Being in the keyed body, they separate semantic contexts and
// stay in the stored canonical request too. Nothing for the OpenAI endpoints, whose headers
// (User-Agent, X-Stainless-*) never change the answer. Header names match case-insensitively.
void keyAnswerShapingHeaders(CanonicalRequest *request, const QString &endpoint,
                             const QList<QPair<QByteArray, QByteArray>> &headers);

// The field of the keyed body that names the provider route a request came through.
inline constexpr const char kRouteField[] = "x-cachette-route";

// Adds a named provider route to request's keyed body and canonical JSON: the same body asked
// of OpenAI and of OpenRouter is two questions with two answers, exactly and by similarity
// (the semantic context is the keyed body). The default route ("") adds nothing, so the keys
// of caches written before routes existed still match.
void keyRoute(CanonicalRequest *request, const QString &route);

// A namespace that isolates entries per API key without storing the key: a keyed hash
// (HMAC-SHA256 with a per-install secret) of the key, shortened. Empty key → "".
QString namespaceForApiKey(const QByteArray &apiKey, const QByteArray &secret);

// The text shown for an entry, read through cache::Conversation: the last user turn (text
// parts joined, images, audio and files as placeholders), or the prompt / input for the
// completions and embeddings endpoints. A Responses request without user words shows its last
// tool output, else its instructions; a chat one its last message.
QString displayPrompt(const QString &endpoint, const QJsonObject &body);

} // namespace cachette::cache
