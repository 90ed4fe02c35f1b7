#include "cachekey.h"
#include "endpointkind.h"

#include <QJsonArray>
#include <QStringList>

namespace cachette::cache {

namespace {

QString partText(const QJsonValue &part);

// Message content is a string or a list of parts (OpenAI content parts, Anthropic content
// blocks). Non-text parts get a short placeholder so the entry still shows they were there.
QString contentText(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    QStringList texts;
    for (const QJsonValue &part : content.toArray()) {
        const QString text = partText(part);
        if (!text.isEmpty())
            texts.append(text);
    }
    return texts.join(QLatin1Char('\n'));
}

QString partText(const QJsonValue &part)
{
    if (part.isString())
        return part.toString();
    const QJsonObject object = part.toObject();
    const QString type = object.value(QLatin1String("type")).toString();
    if (type == u"text" || type == u"input_text")
        return object.value(QLatin1String("text")).toString();
    if (type == u"output_text")   // an assistant turn a Responses client sends back
        return object.value(QLatin1String("text")).toString();
    if (type == u"image_url" || type == u"image" || type == u"input_image")
        return QStringLiteral("[image]");
    if (type == u"input_audio")
        return QStringLiteral("[audio]");
    if (type == u"file" || type == u"document" || type == u"input_file")
        return QStringLiteral("[file]");
    if (type == u"tool_result")   // Anthropic: the tool output is what the user turn says
        return contentText(object.value(QLatin1String("content")));
    return QString();
}

QString chatPrompt(const QJsonObject &body)
{
    const QJsonArray messages = body.value(QLatin1String("messages")).toArray();
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        const QJsonObject message = messages.at(i).toObject();
        if (message.value(QLatin1String("role")).toString() == u"user")
            return contentText(message.value(QLatin1String("content")));
    }
    // No user turn (a system-only or assistant-prefill request): the last message still
    // says more about the entry than an empty cell.
    if (!messages.isEmpty())
        return contentText(messages.last().toObject().value(QLatin1String("content")));
    return QString();
}

// Responses "input": a string, or items; the last user message's text (its parts are
// input_text, input_image, input_file), else the last tool output the client sends back.
QString responsesPrompt(const QJsonObject &body)
{
    const QJsonValue input = body.value(QLatin1String("input"));
    if (input.isString())
        return input.toString();
    const QJsonArray items = input.toArray();
    for (qsizetype i = items.size() - 1; i >= 0; --i) {
        const QJsonObject item = items.at(i).toObject();
        if (item.value(QLatin1String("role")).toString() == u"user")
            return contentText(item.value(QLatin1String("content")));
    }
    for (qsizetype i = items.size() - 1; i >= 0; --i) {
        const QJsonValue output = items.at(i).toObject().value(QLatin1String("output"));
        if (output.isString())
            return output.toString();
    }
    return body.value(QLatin1String("instructions")).toString();
}

// prompt / input: a string, a list of strings, or token ids (a list of ints, or of lists).
QString promptOrInput(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    const QJsonArray items = value.toArray();
    QStringList texts;
    for (const QJsonValue &item : items) {
        if (!item.isString())
            return QStringLiteral("[tokens]");
        texts.append(item.toString());
    }
    return texts.join(QLatin1Char('\n'));
}

} // namespace

QString displayPrompt(const QString &endpoint, const QJsonObject &body)
{
    switch (endpointKind(endpoint)) {
    case EndpointKind::Chat:
    case EndpointKind::AnthropicMessages:
        return chatPrompt(body);
    case EndpointKind::Completions:
        return promptOrInput(body.value(QLatin1String("prompt")));
    case EndpointKind::Embeddings:
        return promptOrInput(body.value(QLatin1String("input")));
    case EndpointKind::Responses:
        return responsesPrompt(body);
    case EndpointKind::Other:
        break;
    }
    // An endpoint this build does not know: show whichever prompt field the body has.
    if (body.contains(QLatin1String("messages")))
        return chatPrompt(body);
    if (body.contains(QLatin1String("prompt")))
        return promptOrInput(body.value(QLatin1String("prompt")));
    return promptOrInput(body.value(QLatin1String("input")));
}

} // namespace cachette::cache
