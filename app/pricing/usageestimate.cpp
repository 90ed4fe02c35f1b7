#include "usageestimate.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace cachette::pricing {

namespace {

// Characters of the text in a JSON value: strings as they are, arrays and content parts
// ({"type":"text","text":…}) by their text, anything else (images, numbers) not at all.
qsizetype textLength(const QJsonValue &value)
{
    if (value.isString())
        return value.toString().size();
    qsizetype total = 0;
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (const QJsonValue &item : array)
            total += textLength(item);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (const char *key : {"text", "content", "input", "arguments", "name"})
            total += textLength(object.value(QLatin1String(key)));
        total += textLength(object.value(QLatin1String("function")));
        total += textLength(object.value(QLatin1String("tool_calls")));
    }
    return total;
}

qsizetype promptLength(const QJsonObject &request)
{
    qsizetype total = 0;
    for (const char *key : {"messages", "prompt", "input", "system"})
        total += textLength(request.value(QLatin1String(key)));
    // Tool definitions are sent to the model as prompt tokens too.
    const QJsonValue tools = request.value(QLatin1String("tools"));
    if (tools.isArray())
        total += QJsonDocument(tools.toArray()).toJson(QJsonDocument::Compact).size();
    return total;
}

// -1 when the answer has no text part at all (embeddings).
qsizetype answerLength(const QJsonObject &response)
{
    if (response.contains(QLatin1String("choices"))) {   // chat and completions
        qsizetype total = 0;
        const QJsonArray choices = response.value(QLatin1String("choices")).toArray();
        for (const QJsonValue &choice : choices) {
            total += textLength(choice[QLatin1String("message")]);
            total += textLength(choice[QLatin1String("text")]);
        }
        return total;
    }
    if (response.contains(QLatin1String("content")))     // an Anthropic Message
        return textLength(response.value(QLatin1String("content")));
    return -1;
}

} // namespace

qint64 estimateTokens(qsizetype characters)
{
    return qMax<qint64>(1, (qint64(characters) + 3) / 4);
}

store::TokenUsage estimateUsage(const QJsonObject &request, const QByteArray &responseBody)
{
    store::TokenUsage usage;
    usage.estimated = true;
    usage.promptTokens = estimateTokens(promptLength(request));
    const qsizetype answer = answerLength(QJsonDocument::fromJson(responseBody).object());
    usage.completionTokens = answer < 0 ? 0 : estimateTokens(answer);
    return usage;
}

} // namespace cachette::pricing
