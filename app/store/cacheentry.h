#pragma once

#include "outcome.h"

#include <QByteArray>
#include <QDateTime>
#include <QMetaType>
#include <QString>

#include <optional>

namespace cachette::store {

// Token counts as the upstream reported them (or estimated, when it did not).
struct TokenUsage
{
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 cachedPromptTokens = 0;   // prompt_tokens_details.cached_tokens
    bool known = false;              // false: the answer carried no usage
    bool estimated = false;          // the counts are Cachette's guess (~chars/4), not the upstream's
    // Last, so brace initialisers {prompt, completion, cached, known} keep their meaning.
    // Prompt tokens written to the provider's prompt cache (Anthropic's
    // cache_creation_input_tokens, part of promptTokens), which cost more than plain input, and
    // of those the ones kept for an hour (cache_creation.ephemeral_1h_input_tokens). Held in
    // memory only: they are priced into the entry's and the log line's cost when stored.
    qint64 cacheWriteTokens = 0;
    qint64 longCacheWriteTokens = 0;
};

// One cached answer. Times are milliseconds since the epoch (UTC); 0 means "none".
struct CacheEntry
{
    qint64 id = 0;                   // SQLite rowid, 0 before it is stored
    QByteArray key;                  // hex SHA-256 from CacheKey
    QString cacheNamespace;          // "" = default namespace
    QString route;                   // provider route it came through ("" = the default /v1)
    QString endpoint;                // "chat/completions", "completions", "embeddings"
    QString model;
    QByteArray canonicalRequest;     // canonical JSON of the request body
    QString promptText;              // display text: the last user message
    QByteArray responseBody;         // whole JSON answer (as received, or assembled from a stream)
    QByteArray streamEvents;         // recorded SSE bytes when the answer was streamed, else empty
    int status = 200;
    TokenUsage usage;
    // What fetching this answer cost: the upstream's own figure when it sent one (OpenRouter's
    // usage.cost), else tokens x the price table at store time; -1 when neither is known.
    double costUsd = -1;
    qint64 upstreamLatencyMs = 0;    // how long the original upstream call took
    qint64 createdAt = 0;
    qint64 lastHitAt = 0;
    qint64 hitCount = 0;
    qint64 expiresAt = 0;            // 0 = never
    bool pinned = false;

    qint64 sizeBytes() const
    {
        return canonicalRequest.size() + responseBody.size() + streamEvents.size()
               + promptText.size() * 2 + key.size();
    }
    bool isExpired(qint64 nowMs) const { return expiresAt > 0 && expiresAt <= nowMs; }
    // canonicalRequest without Cachette's own top-level fields (x-cachette-route, the keyed
    // headers): the request as its client sent it, for the screen, exports and curl.
    QByteArray clientRequest() const;
    bool isStreamed() const { return !streamEvents.isEmpty(); }
};

// One line of the request log: every request the proxy answered, hit or not.
struct RequestLogRecord
{
    qint64 id = 0;
    qint64 timestamp = 0;            // ms since epoch
    QString endpoint;
    QString model;
    Outcome outcome = Outcome::Miss;
    TokenUsage usage;
    qint64 latencyUs = 0;            // request in → response done
    qint64 upstreamLatencyUs = 0;    // 0 for hits
    int status = 0;
    QByteArray entryKey;             // the entry served or stored, if any
    QString cacheNamespace;
    bool streamed = false;

    // Money and time (schema version 3). A hit spends nothing (costUsd 0) and saves what its
    // answer cost when it was fetched; any other line saves nothing (savedUsd 0) and spends the
    // upstream call's cost. nullopt: no price for the model and no cost from the upstream.
    // On a hit, usage holds the answer's tokens: tokens saved, not tokens spent.
    std::optional<double> costUsd;
    std::optional<double> savedUsd;
    qint64 savedMs = 0;              // hits: upstream time the cache spared the client
    bool priceKnown = false;         // this line's money figure (cost or saving) is known

    // The semantic lookup (schema version 4): the best similarity it saw (-1: none ran) and the
    // match verifier's reason against a candidate above the threshold ("antonym: create ≠
    // delete"), or, when none was above it, against the nearest one ("" when it was accepted or
    // below 0.5). On a semantic hit entryKey is the matched entry.
    double similarity = -1;
    QString semanticGuard;
    QString askedPrompt;   // semantic hits (schema version 5): the prompt that was asked
    QString route;         // the provider route (schema version 6; "" = the default /v1)
};

} // namespace cachette::store

class QJsonObject;

namespace cachette::store {
// Removes Cachette's own top-level fields (names starting "x-cachette-") from a request body:
// the proxy adds them to the keyed body, a client must not, and no one else should see them.
// True when there was one.
bool removeBookkeeping(QJsonObject *body);
} // namespace cachette::store

Q_DECLARE_METATYPE(cachette::store::CacheEntry)
Q_DECLARE_METATYPE(cachette::store::RequestLogRecord)
