#include "anthropicstream.h"
#include "responsesstream.h"
#include "endpointkind.h"
#include "jsonhelpers.h"
#include "streamrecorder.h"

#include <QJsonArray>

#include <algorithm>

// The stream a client would have received for a stored non-stream answer, shaped like
// OpenAI's own: the parts the recorder merges come whole, one delta each.
namespace cachette::cache {

namespace {

QByteArray dataEvent(const QByteArray &data)
{
    return "data: " + data + "\n\n";
}

// Fields every chunk repeats.
QJsonObject chunkHeader(const QJsonObject &response, const char *object)
{
    QJsonObject header{{QLatin1String("object"), QLatin1String(object)}};
    for (const char *key : {"id", "created", "model", "system_fingerprint", "service_tier"}) {
        const QJsonValue value = response.value(QLatin1String(key));
        if (!value.isUndefined() && !value.isNull())
            header.insert(QLatin1String(key), value);
    }
    return header;
}

QByteArray chunkEvent(QJsonObject header, const QJsonObject &choice)
{
    header.insert(QLatin1String("choices"), QJsonArray{choice});
    return dataEvent(json::compact(header));
}

// Choices sorted by index, each paired with its index (the position when it has none).
QList<std::pair<int, QJsonObject>> indexedChoices(const QJsonObject &response)
{
    QList<std::pair<int, QJsonObject>> choices;
    const QJsonArray array = response.value(QLatin1String("choices")).toArray();
    for (int i = 0; i < array.size(); ++i) {
        const QJsonObject choice = array.at(i).toObject();
        choices.append({choice.value(QLatin1String("index")).toInt(i), choice});
    }
    std::stable_sort(choices.begin(), choices.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    return choices;
}

QJsonObject chatChoice(int index, const QJsonObject &delta,
                       const QJsonValue &logprobs = QJsonValue::Null,
                       const QJsonValue &finishReason = QJsonValue::Null)
{
    return QJsonObject{{QLatin1String("index"), index},
                       {QLatin1String("delta"), delta},
                       {QLatin1String("logprobs"), logprobs},
                       {QLatin1String("finish_reason"), finishReason}};
}

// A final message's tool call as one delta: the index the stream numbers calls by, added.
QJsonObject toolCallDelta(int index, const QJsonObject &call)
{
    QJsonObject withIndex = call;
    withIndex.insert(QLatin1String("index"), index);
    return QJsonObject{{QLatin1String("tool_calls"), QJsonArray{withIndex}}};
}

QList<QByteArray> chatChoiceEvents(const QJsonObject &header, int index, const QJsonObject &choice)
{
    const QJsonObject message = choice.value(QLatin1String("message")).toObject();
    const QString role = message.value(QLatin1String("role")).toString(QStringLiteral("assistant"));
    const QString content = message.value(QLatin1String("content")).toString();
    const QString refusal = message.value(QLatin1String("refusal")).toString();
    const QJsonValue logprobs = choice.value(QLatin1String("logprobs"));

    QList<QByteArray> events;
    // OpenAI opens every choice with the role and an empty content.
    events.append(chunkEvent(header, chatChoice(index, {{QLatin1String("role"), role},
                                                        {QLatin1String("content"), QString()}})));
    if (!content.isEmpty()) {
        events.append(chunkEvent(header, chatChoice(index, {{QLatin1String("content"), content}},
                                                    logprobs.isObject() ? logprobs : QJsonValue())));
    }
    if (!refusal.isEmpty())
        events.append(chunkEvent(header, chatChoice(index, {{QLatin1String("refusal"), refusal}})));
    const QJsonArray toolCalls = message.value(QLatin1String("tool_calls")).toArray();
    for (int k = 0; k < toolCalls.size(); ++k) {
        events.append(chunkEvent(header,
                                 chatChoice(index, toolCallDelta(k, toolCalls.at(k).toObject()))));
    }
    events.append(chunkEvent(header, chatChoice(index, QJsonObject(), QJsonValue::Null,
                                                choice.value(QLatin1String("finish_reason")))));
    return events;
}

QList<QByteArray> textChoiceEvents(const QJsonObject &header, int index, const QJsonObject &choice)
{
    auto textChoice = [index](const QString &text, const QJsonValue &logprobs,
                              const QJsonValue &finishReason) {
        return QJsonObject{{QLatin1String("text"), text},
                           {QLatin1String("index"), index},
                           {QLatin1String("logprobs"), logprobs},
                           {QLatin1String("finish_reason"), finishReason}};
    };
    const QString text = choice.value(QLatin1String("text")).toString();
    const QJsonValue logprobs = choice.value(QLatin1String("logprobs"));
    QList<QByteArray> events;
    if (!text.isEmpty()) {
        events.append(chunkEvent(header, textChoice(text, logprobs.isObject() ? logprobs : QJsonValue(),
                                                    QJsonValue::Null)));
    }
    events.append(chunkEvent(header, textChoice(QString(), QJsonValue::Null,
                                                choice.value(QLatin1String("finish_reason")))));
    return events;
}

// With stream_options.include_usage OpenAI ends with a chunk that has no choices.
QByteArray usageEvent(QJsonObject header, const QJsonObject &usage)
{
    header.insert(QLatin1String("choices"), QJsonArray());
    header.insert(QLatin1String("usage"), usage);
    return dataEvent(json::compact(header));
}

template<typename ChoiceEvents>
QList<QByteArray> openAiStream(const QJsonObject &response, const char *chunkObject,
                               bool includeUsage, ChoiceEvents choiceEvents)
{
    const QJsonObject header = chunkHeader(response, chunkObject);
    QList<QByteArray> events;
    for (const auto &[index, choice] : indexedChoices(response))
        events.append(choiceEvents(header, index, choice));
    const QJsonValue usage = response.value(QLatin1String("usage"));
    if (includeUsage && usage.isObject())
        events.append(usageEvent(header, usage.toObject()));
    events.append(dataEvent("[DONE]"));
    return events;
}

} // namespace

QList<QByteArray> synthesizeStream(const QString &endpoint, const QByteArray &responseBody,
                                   bool includeUsage)
{
    const QJsonObject response = json::parseObject(responseBody);
    if (response.isEmpty())
        return {};
    switch (endpointKind(endpoint)) {
    case EndpointKind::Chat:
        return openAiStream(response, "chat.completion.chunk", includeUsage, chatChoiceEvents);
    case EndpointKind::Completions:
        return openAiStream(response, "text_completion", includeUsage, textChoiceEvents);
    case EndpointKind::AnthropicMessages:
        return anthropic::synthesizeStream(response);
    case EndpointKind::Responses:
        return responses::synthesizeStream(response);
    case EndpointKind::Embeddings:
    case EndpointKind::Other:
        break;
    }
    return {};
}

} // namespace cachette::cache
