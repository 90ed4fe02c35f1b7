#include "streamrecorder.h"

#include "anthropicstream.h"
#include "jsonhelpers.h"
#include "responsesstream.h"
#include "streamassembler.h"

#include <QJsonArray>

namespace cachette::cache {

namespace {

qint64 tokens(const QJsonObject &object, const char *key)
{
    return object.value(QLatin1String(key)).toInteger();
}

store::TokenUsage tokenUsageFrom(const QJsonObject &usage)
{
    store::TokenUsage result;
    if (usage.isEmpty())
        return result;
    result.known = true;
    if (usage.contains(QLatin1String("prompt_tokens"))) {   // OpenAI chat, completions, embeddings
        result.promptTokens = tokens(usage, "prompt_tokens");
        result.completionTokens = tokens(usage, "completion_tokens");
        result.cachedPromptTokens =
            tokens(usage.value(QLatin1String("prompt_tokens_details")).toObject(), "cached_tokens");
        return result;
    }
    // Anthropic counts cache reads and writes apart from input_tokens; OpenAI's prompt_tokens
    // includes cached tokens, so they are added back to keep one meaning.
    const qint64 cacheRead = tokens(usage, "cache_read_input_tokens");
    result.promptTokens =
        tokens(usage, "input_tokens") + cacheRead + tokens(usage, "cache_creation_input_tokens");
    result.completionTokens = tokens(usage, "output_tokens");
    result.cachedPromptTokens =
        cacheRead + tokens(usage.value(QLatin1String("input_tokens_details")).toObject(), "cached_tokens");
    result.cacheWriteTokens = tokens(usage, "cache_creation_input_tokens");
    result.longCacheWriteTokens =
        tokens(usage.value(QLatin1String("cache_creation")).toObject(), "ephemeral_1h_input_tokens");
    return result;
}

double costFrom(const QJsonObject &usage)
{
    const QJsonValue cost = usage.value(QLatin1String("cost"));
    return cost.isDouble() ? cost.toDouble() : -1;
}

} // namespace

StreamRecorder::StreamRecorder(QString endpoint)
    : m_endpoint(std::move(endpoint))
    , m_kind(endpointKind(m_endpoint))
{
}

void StreamRecorder::add(const SseEvent &event)
{
    // Keep-alives say nothing about the answer; a replay needs no pauses.
    if (event.commentOnly)
        return;
    m_recorded += event.raw;
    if (event.isDone()) {
        m_done = true;
        return;
    }
    const QJsonObject chunk = json::parseObject(event.data);
    if (chunk.isEmpty())
        return;
    // OpenAI and Anthropic both report a mid-stream failure as an object with "error".
    const QJsonValue error = chunk.value(QLatin1String("error"));
    if (!error.isUndefined() && !error.isNull()) {
        m_failed = true;
        if (m_errorPayload.isEmpty())
            m_errorPayload = event.data;
    }
    if (m_kind == EndpointKind::AnthropicMessages && anthropic::isStop(chunk))
        m_done = true;
    if (m_kind == EndpointKind::Responses) {
        // error, response.failed, response.incomplete carry no top-level "error" object.
        if (responses::isFailure(chunk) && !m_failed) {
            m_failed = true;
            m_errorPayload = json::compact(responses::errorBody(chunk));
        }
        if (responses::isCompleted(chunk))
            m_done = true;
    }
    takeUsage(chunk);
    m_chunks.append(chunk);
}

void StreamRecorder::takeUsage(const QJsonObject &chunk)
{
    if (m_kind == EndpointKind::Responses) {
        const QJsonObject usage = responses::usageIn(chunk);   // only response.completed's
        if (usage.isEmpty())
            return;
        m_usageObject = usage;
    } else if (m_kind == EndpointKind::AnthropicMessages) {
        // Split across events: later counts (message_delta) override earlier ones.
        const QJsonObject fragment = anthropic::usageIn(chunk);
        if (fragment.isEmpty())
            return;
        for (auto it = fragment.begin(); it != fragment.end(); ++it)
            m_usageObject.insert(it.key(), it.value());
    } else {
        // Some providers repeat a running usage in every chunk: the last one is the total.
        const QJsonValue usage = chunk.value(QLatin1String("usage"));
        if (!usage.isObject())
            return;
        m_usageObject = usage.toObject();
    }
    m_usage = tokenUsageFrom(m_usageObject);
    m_cost = costFrom(m_usageObject);
}

QByteArray StreamRecorder::assembledResponse() const
{
    switch (m_kind) {
    case EndpointKind::Chat:
        return json::compact(assembleChatCompletion(m_chunks, m_usageObject));
    case EndpointKind::Completions:
        return json::compact(assembleTextCompletion(m_chunks, m_usageObject));
    case EndpointKind::AnthropicMessages:
        return json::compact(anthropic::assembleMessage(m_chunks, m_usageObject));
    case EndpointKind::Responses:
        return json::compact(responses::assembleResponse(m_chunks));
    case EndpointKind::Embeddings:
    case EndpointKind::Other:
        break;
    }
    return QByteArray();
}

bool StreamRecorder::isUsageOnlyChunk(const SseEvent &event)
{
    const QJsonObject chunk = json::parseObject(event.data);
    const QJsonValue choices = chunk.value(QLatin1String("choices"));
    return choices.isArray() && choices.toArray().isEmpty()
           && chunk.value(QLatin1String("usage")).isObject();
}

store::TokenUsage usageFromResponse(const QJsonObject &response)
{
    return tokenUsageFrom(response.value(QLatin1String("usage")).toObject());
}

double costFromResponse(const QJsonObject &response)
{
    return costFrom(response.value(QLatin1String("usage")).toObject());
}

} // namespace cachette::cache
