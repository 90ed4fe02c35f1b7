#pragma once

#include <QJsonObject>
#include <QString>

namespace cachette::semantic {

// What a semantic lookup compares.
//   LastUserMessage    the text of the last user message; everything else in the request
//                      (endpoint, model, parameters, tools, system prompt, every earlier turn,
//                      images or tool results in that same message) must be identical
//   WholeConversation  the text of every message (system prompt included); only the endpoint,
//                      the parameters and non-text parts must be identical
enum class CompareScope { LastUserMessage, WholeConversation };

// The two halves of a request for the semantic cache: the exact part (hashed) and the text
// compared by similarity.
struct PromptKey
{
    bool usable = false;       // false: no semantic lookup for this request (see reason)
    quint64 contextHash = 0;   // identical context ⇔ equal hash (64 bits of SHA-256)
    QString text;              // the compared text
    QString reason;            // why it is not usable: "embeddings are never matched by similarity"
};

// Splits a request body (as parsed from the client, before or after canonicalisation) into its
// context and its compared text. The fields that never change an answer (stream,
// stream_options, user, as in cache::cacheKey) are left out of the context; the namespace is
// in it, so per-API-key isolation holds for similar prompts too. Endpoint as in the cache key
// ("chat/completions", "completions", "messages"; a leading "/v1/" is fine).
// Anthropic "messages" bodies work as chat ones: content is a string or blocks (text blocks
// compared, tool_use / tool_result / image blocks kept in the context), and the top-level
// "system" stays in the context (LastUserMessage) or leads the text (WholeConversation).
// The proxy passes the keyed body (cache::CanonicalRequest::keyed), so what the exact key
// ignores (cache_control hints, metadata) is not in the context either, and the headers the
// exact key counts (anthropic-version, anthropic-beta) are.
// The body is read by cache::Conversation (the one request parser). Responses bodies are
// parsed too but not matched by similarity yet: they are keyed exactly only.
PromptKey promptKey(const QString &cacheNamespace, const QString &endpoint,
                    const QJsonObject &body, CompareScope scope = CompareScope::LastUserMessage);

// Convenience for the tests and the tuner: promptKey(...).contextHash.
quint64 contextHash(const QString &cacheNamespace, const QString &endpoint, const QJsonObject &body,
                    CompareScope scope = CompareScope::LastUserMessage);

} // namespace cachette::semantic
