#pragma once

#include "endpointkind.h"
#include "sseparser.h"
#include "store/cacheentry.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace cachette::cache {

// Watches an OpenAI-style stream (chat/completions or completions) event by event and builds
// what the cache keeps: the recorded events and the assembled non-stream answer.
// The stream counts as complete only after "data: [DONE]" with no error event before it.
// An Anthropic stream (endpoint "messages") has no [DONE]: there message_stop completes it,
// usage merges message_start and message_delta, and the answer is a Message object.
class StreamRecorder
{
public:
    explicit StreamRecorder(QString endpoint);

    // Adds one relayed event. Comment-only events (keep-alives) are not recorded.
    void add(const SseEvent &event);

    bool isComplete() const { return m_done && !m_failed; }
    bool hasError() const { return m_failed; }   // an error event arrived
    // The first error event's data ({"error":{…}}), for a client that asked without streaming.
    QByteArray errorPayload() const { return m_errorPayload; }
    QByteArray recordedEvents() const { return m_recorded; }
    store::TokenUsage usage() const { return m_usage; }
    double costUsd() const { return m_cost; }     // usage.cost when the upstream sent it, else -1
    // chat.completion (or text_completion, or an Anthropic Message) JSON built from the
    // deltas: content, refusal, tool_calls merged by index, finish_reason, usage.
    QByteArray assembledResponse() const;

    // True when data is the usage-only chunk ("choices": [] and a "usage" object).
    static bool isUsageOnlyChunk(const SseEvent &event);

private:
    void takeUsage(const QJsonObject &chunk);

    QString m_endpoint;
    EndpointKind m_kind;
    QByteArray m_recorded;
    QByteArray m_errorPayload;
    QList<QJsonObject> m_chunks;
    QJsonObject m_usageObject;   // as the upstream sent it, for the assembled answer
    store::TokenUsage m_usage;
    double m_cost = -1;
    bool m_done = false;
    bool m_failed = false;
};

// The other direction: SSE events for a stored non-stream answer, so a stream request can hit an
// entry stored from a non-stream answer. Text becomes one content delta per choice, tool calls
// one delta each, then finish_reason; the usage chunk only when includeUsage. Ends with [DONE].
// For "messages" the Anthropic event sequence (usage always included, no [DONE]). Empty when
// the body is not a JSON object or the endpoint does not stream (embeddings).
QList<QByteArray> synthesizeStream(const QString &endpoint, const QByteArray &responseBody,
                                   bool includeUsage);

// Token usage from a non-stream answer's "usage" object (chat, completions, embeddings;
// Anthropic's input_tokens + cache reads/writes count as prompt tokens, as OpenAI counts them).
store::TokenUsage usageFromResponse(const QJsonObject &response);
double costFromResponse(const QJsonObject &response);   // usage.cost or -1

} // namespace cachette::cache
