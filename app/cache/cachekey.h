#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

#include <utility>

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

// The fields of the keyed body that hold what comes from the proxy rather than the body: the
// request headers that change the answer itself, and the provider route.
inline constexpr const char kKeyedHeadersField[] = "x-cachette-keyed-headers";
inline constexpr const char kRouteField[] = "x-cachette-route";

// What besides its body goes into a request's key.
struct KeyScope
{
    KeyScope(QString endpoint = {}, QString route = {},
             QList<QPair<QByteArray, QByteArray>> headers = {})
        : endpoint(std::move(endpoint)), route(std::move(route)), headers(std::move(headers))
    {
    }

    // As in the cache key ("chat/completions", "messages"): decides which fields are ignored.
    QString endpoint;
    // A named provider route: the same body asked of OpenAI and of OpenRouter is two questions
    // with two answers, exactly and by similarity (the semantic context is the keyed body), so
    // it goes into the keyed body as {"x-cachette-route": route}. The default route ("") adds
    // nothing, so the keys of caches written before routes existed still match.
    QString route;
    // The request's headers. Those that change the answer itself go into the keyed body as
    // {"x-cachette-keyed-headers": {name: value}}: for Anthropic "messages" anthropic-version
    // and anthropic-beta (a beta changes what the model may answer: longer outputs, other tool
    // versions; the betas sorted, whether sent as one list or several headers). Nothing for the
    // OpenAI endpoints, whose headers (User-Agent, X-Stainless-*) never change the answer.
    // Header names match case-insensitively.
    QList<QPair<QByteArray, QByteArray>> headers;
};

// Parses a JSON object body; on failure returns false and a message naming the problem
// ("request body is not valid JSON: unterminated string at offset 17"). The keyed body is the
// body without its ignored fields and without any x-cachette- field the client put there
// (Cachette's own fields come from the proxy, never from the client: a body carrying
// "x-cachette-route" must not reach another route's answers), plus scope's route and headers;
// it is serialised once into canonical.
bool canonicalize(const QByteArray &body, CanonicalRequest *out, QString *error,
                  const KeyScope &scope = {});

// Hex SHA-256 of namespace, endpoint and canonical JSON. Headers never enter it, except the few
// KeyScope::headers names, through the canonical JSON.
QByteArray cacheKey(const QString &cacheNamespace, const QString &endpoint,
                    const QByteArray &canonical);

// A namespace that isolates entries per API key without storing the key: a keyed hash
// (HMAC-SHA256 with a per-install secret) of the key, shortened. Empty key → "".
QString namespaceForApiKey(const QByteArray &apiKey, const QByteArray &secret);

// The text shown for an entry, read through cache::Conversation: the last user turn (text
// parts joined, images, audio and files as placeholders), or the prompt / input for the
// completions and embeddings endpoints. A Responses request without user words shows its last
// tool output, else its instructions; a chat one its last message.
QString displayPrompt(const QString &endpoint, const QJsonObject &body);

} // namespace cachette::cache
