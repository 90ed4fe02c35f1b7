#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace cachette::cache {

// A request body made canonical: parsed, with the fields that do not change the answer removed
// (stream, stream_options, user), serialised with sorted keys and no whitespace.
struct CanonicalRequest
{
    QJsonObject body;          // the parsed body as sent (all fields)
    QByteArray canonical;      // canonical JSON without the ignored fields
    QString model;
    bool stream = false;       // "stream": true
    bool wantsUsage = false;   // stream_options.include_usage: true
};

// Parses a JSON object body; on failure returns false and a message naming the problem
// ("request body is not valid JSON: unterminated string at offset 17").
bool canonicalize(const QByteArray &body, CanonicalRequest *out, QString *error);

// Hex SHA-256 of namespace, endpoint and canonical JSON. Headers never enter it.
QByteArray cacheKey(const QString &cacheNamespace, const QString &endpoint,
                    const QByteArray &canonical);

// A namespace that isolates entries per API key without storing the key: a keyed hash
// (HMAC-SHA256 with a per-install secret) of the key, shortened. Empty key → "".
QString namespaceForApiKey(const QByteArray &apiKey, const QByteArray &secret);

// The text shown for an entry: the last user message (text parts joined), or the prompt /
// input for the completions and embeddings endpoints.
QString displayPrompt(const QString &endpoint, const QJsonObject &body);

} // namespace cachette::cache
