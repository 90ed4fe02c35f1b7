#include "jsonhelpers.h"
#include "streamassembler.h"

#include <QJsonArray>

#include <limits>
#include <map>

namespace cachette::cache {

namespace {

struct ToolCallParts
{
    QString id;
    QString type;
    QString name;
    QString arguments;
};

struct ChoiceParts
{
    QString role;
    QString content;
    QString refusal;
    std::map<int, ToolCallParts> toolCalls;   // ordered by the stream's tool call index
    int lastToolIndex = -1;
    QJsonArray contentLogprobs;
    QJsonArray refusalLogprobs;
    bool hasLogprobs = false;
    QJsonValue finishReason = QJsonValue::Null;
};

// Fields every chunk repeats: taken from the first chunk that carries them.
void takeHeader(QJsonObject &response, const QJsonObject &chunk)
{
    for (const char *key : {"id", "created", "model", "system_fingerprint", "service_tier"})
        json::takeOnce(response, chunk, QLatin1String(key));
}

// OpenAI numbers tool calls with "index"; a provider that omits it sends one call per id.
int toolCallIndex(const ChoiceParts &choice, const QJsonObject &call)
{
    if (call.value(QLatin1String("index")).isDouble())
        return call.value(QLatin1String("index")).toInt();
    const QString id = call.value(QLatin1String("id")).toString();
    if (id.isEmpty())
        return qMax(choice.lastToolIndex, 0);
    for (const auto &[index, parts] : choice.toolCalls) {
        if (parts.id == id)
            return index;
    }
    if (choice.toolCalls.empty())
        return 0;
    // The stream sets the indexes: one at INT_MAX has no next (+1 would overflow, found by
    // fuzz_sse_stream), so a call after it joins it. No real stream numbers calls that high.
    const int last = choice.toolCalls.rbegin()->first;
    return last < std::numeric_limits<int>::max() ? last + 1 : last;
}

void mergeToolCall(ChoiceParts &choice, const QJsonObject &call)
{
    const int index = toolCallIndex(choice, call);
    choice.lastToolIndex = index;
    ToolCallParts &parts = choice.toolCalls[index];
    if (parts.id.isEmpty())
        parts.id = call.value(QLatin1String("id")).toString();
    if (parts.type.isEmpty())
        parts.type = call.value(QLatin1String("type")).toString();
    const QJsonObject function = call.value(QLatin1String("function")).toObject();
    // The name comes whole in the first fragment; only the arguments are split.
    if (parts.name.isEmpty())
        parts.name = function.value(QLatin1String("name")).toString();
    const QJsonValue arguments = function.value(QLatin1String("arguments"));
    if (arguments.isObject())   // some OpenAI-compatible servers send parsed arguments
        parts.arguments += QString::fromUtf8(json::compact(arguments.toObject()));
    else
        parts.arguments += arguments.toString();
}

void mergeLogprobs(ChoiceParts &choice, const QJsonValue &logprobs)
{
    if (!logprobs.isObject())
        return;
    choice.hasLogprobs = true;
    for (const QJsonValue &item : logprobs[QLatin1String("content")].toArray())
        choice.contentLogprobs.append(item);
    for (const QJsonValue &item : logprobs[QLatin1String("refusal")].toArray())
        choice.refusalLogprobs.append(item);
}

void mergeChoice(ChoiceParts &choice, const QJsonObject &chunkChoice)
{
    const QJsonObject delta = chunkChoice.value(QLatin1String("delta")).toObject();
    if (choice.role.isEmpty())
        choice.role = delta.value(QLatin1String("role")).toString();
    choice.content += delta.value(QLatin1String("content")).toString();
    choice.refusal += delta.value(QLatin1String("refusal")).toString();
    for (const QJsonValue &call : delta.value(QLatin1String("tool_calls")).toArray())
        mergeToolCall(choice, call.toObject());
    mergeLogprobs(choice, chunkChoice.value(QLatin1String("logprobs")));
    const QJsonValue finishReason = chunkChoice.value(QLatin1String("finish_reason"));
    if (finishReason.isString())
        choice.finishReason = finishReason;
}

QJsonArray toolCallsJson(const ChoiceParts &choice)
{
    QJsonArray calls;
    for (const auto &[index, parts] : choice.toolCalls) {
        calls.append(QJsonObject{
            {QLatin1String("id"), parts.id},
            {QLatin1String("type"), parts.type.isEmpty() ? QStringLiteral("function") : parts.type},
            {QLatin1String("function"),
             QJsonObject{{QLatin1String("name"), parts.name},
                         {QLatin1String("arguments"), parts.arguments}}},
        });
    }
    return calls;
}

QJsonObject messageJson(const ChoiceParts &choice)
{
    QJsonObject message;
    message.insert(QLatin1String("role"),
                   choice.role.isEmpty() ? QStringLiteral("assistant") : choice.role);
    // OpenAI answers content: null when the turn is only tool calls or a refusal.
    const bool contentIsNull =
        choice.content.isEmpty() && (!choice.toolCalls.empty() || !choice.refusal.isEmpty());
    message.insert(QLatin1String("content"),
                   contentIsNull ? QJsonValue(QJsonValue::Null) : QJsonValue(choice.content));
    if (!choice.refusal.isEmpty())
        message.insert(QLatin1String("refusal"), choice.refusal);
    if (!choice.toolCalls.empty())
        message.insert(QLatin1String("tool_calls"), toolCallsJson(choice));
    return message;
}

QJsonValue logprobsJson(const ChoiceParts &choice)
{
    if (!choice.hasLogprobs)
        return QJsonValue::Null;
    QJsonObject logprobs{{QLatin1String("content"), choice.contentLogprobs}};
    if (!choice.refusalLogprobs.isEmpty())
        logprobs.insert(QLatin1String("refusal"), choice.refusalLogprobs);
    return logprobs;
}

} // namespace

QJsonObject assembleChatCompletion(const QList<QJsonObject> &chunks, const QJsonObject &usage)
{
    QJsonObject response;
    std::map<int, ChoiceParts> choices;   // a std::map keeps them ordered by index
    for (const QJsonObject &chunk : chunks) {
        takeHeader(response, chunk);
        for (const QJsonValue &value : chunk.value(QLatin1String("choices")).toArray()) {
            const QJsonObject chunkChoice = value.toObject();
            mergeChoice(choices[chunkChoice.value(QLatin1String("index")).toInt()], chunkChoice);
        }
    }

    QJsonArray choicesJson;
    for (const auto &[index, choice] : choices) {
        choicesJson.append(QJsonObject{
            {QLatin1String("index"), index},
            {QLatin1String("message"), messageJson(choice)},
            {QLatin1String("logprobs"), logprobsJson(choice)},
            {QLatin1String("finish_reason"), choice.finishReason},
        });
    }
    response.insert(QLatin1String("object"), QStringLiteral("chat.completion"));
    response.insert(QLatin1String("choices"), choicesJson);
    if (!usage.isEmpty())
        response.insert(QLatin1String("usage"), usage);
    return response;
}

} // namespace cachette::cache
