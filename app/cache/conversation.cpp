#include "conversation.h"

#include <QStringList>

namespace cachette::cache {

namespace {

using Kind = Part::Kind;

JsonPath extended(JsonPath path, const QString &key)
{
    path.append(JsonStep{key});
    return path;
}

JsonPath extended(JsonPath path, qsizetype index)
{
    path.append(JsonStep{QString(), index});
    return path;
}

QString str(const QJsonObject &object, const char *key)
{
    return object.value(QLatin1String(key)).toString();
}

QJsonValue setAt(const QJsonValue &node, const JsonPath &path, qsizetype step, const QJsonValue &value)
{
    if (step == path.size())
        return value;
    const JsonStep &s = path.at(step);
    if (s.index < 0) {
        if (!node.isObject())
            return node;
        QJsonObject object = node.toObject();
        if (step + 1 < path.size() && !object.contains(s.key))
            return node;
        object.insert(s.key, setAt(object.value(s.key), path, step + 1, value));
        return object;
    }
    QJsonArray array = node.toArray();
    if (!node.isArray() || s.index >= array.size())
        return node;
    array.replace(s.index, setAt(array.at(s.index), path, step + 1, value));
    return array;
}

Part textPart(const QString &type, const QString &text, const JsonPath &path)
{
    Part part;
    part.kind = Kind::Text;
    part.type = type;
    part.text = text;
    part.path = path;
    return part;
}

Part toolCall(const QString &type, const QString &name, const QJsonValue &arguments, const QString &id)
{
    Part part;
    part.kind = Kind::ToolCall;
    part.type = type;
    part.name = name;
    part.arguments = arguments;
    part.callId = id;
    return part;
}

Part simplePart(Kind kind, const QString &type, const QString &text = {})
{
    Part part;
    part.kind = kind;
    part.type = type;
    part.text = text;
    return part;
}

QList<Part> contentParts(const QJsonValue &content, const JsonPath &path);

QString joinedPlainText(const QList<Part> &parts)
{
    Turn turn;
    turn.parts = parts;
    return turn.plainText();
}

// A tool's output: a string, or parts (Anthropic blocks, Responses input_text/input_image).
Part toolResult(const QString &type, const QJsonValue &output, const QString &callId)
{
    Part part = simplePart(Kind::ToolResult, type, joinedPlainText(contentParts(output, {})));
    part.callId = callId;
    return part;
}

// Reasoning a client sends back: Anthropic thinking, Responses summary_text parts.
QString summaryText(const QJsonValue &summary)
{
    QStringList texts;
    for (const QJsonValue &piece : summary.toArray()) {
        const QString text = piece.isString() ? piece.toString() : str(piece.toObject(), "text");
        if (!text.isEmpty())
            texts.append(text);
    }
    return texts.join(QLatin1Char('\n'));
}

// One content part of any dialect (OpenAI content parts, Anthropic blocks, Responses parts).
Part contentPart(const QJsonValue &value, const JsonPath &path)
{
    if (value.isString())
        return textPart(QString(), value.toString(), path);
    const QJsonObject object = value.toObject();
    const QString type = str(object, "type");
    if (type == u"text" || type == u"input_text" || type == u"output_text")
        return textPart(type, str(object, "text"), extended(path, QStringLiteral("text")));
    if (type == u"image_url" || type == u"image" || type == u"input_image")
        return simplePart(Kind::Image, type);
    if (type == u"input_audio")
        return simplePart(Kind::Audio, type);
    if (type == u"file" || type == u"document" || type == u"input_file")
        return simplePart(Kind::File, type);
    if (type == u"tool_use")
        return toolCall(type, str(object, "name"), object.value(QLatin1String("input")), str(object, "id"));
    if (type == u"tool_result")
        return toolResult(type, object.value(QLatin1String("content")), str(object, "tool_use_id"));
    if (type == u"thinking")
        return simplePart(Kind::Reasoning, type, str(object, "thinking"));
    if (type == u"redacted_thinking")
        return simplePart(Kind::Reasoning, type);
    if (type == u"refusal")   // an assistant turn a client sends back
        return simplePart(Kind::Other, type, str(object, "refusal"));
    return simplePart(Kind::Other, type);
}

// Message content: a string (one text part) or a list of parts; anything else has none.
QList<Part> contentParts(const QJsonValue &content, const JsonPath &path)
{
    if (content.isString())
        return {textPart(QString(), content.toString(), path)};
    QList<Part> parts;
    const QJsonArray array = content.toArray();
    for (qsizetype i = 0; i < array.size(); ++i)
        parts.append(contentPart(array.at(i), extended(path, i)));
    return parts;
}

// Chat's tool_calls (and the older single function_call) on an assistant message.
void appendChatToolCalls(Turn &turn, const QJsonObject &message)
{
    for (const QJsonValue &call : message.value(QLatin1String("tool_calls")).toArray()) {
        const QJsonObject function = call.toObject().value(QLatin1String("function")).toObject();
        turn.parts.append(toolCall(QStringLiteral("tool_call"), str(function, "name"),
                                   function.value(QLatin1String("arguments")), str(call.toObject(), "id")));
    }
    const QJsonObject legacy = message.value(QLatin1String("function_call")).toObject();
    if (!legacy.isEmpty())
        turn.parts.append(toolCall(QStringLiteral("function_call"), str(legacy, "name"),
                                   legacy.value(QLatin1String("arguments")), QString()));
}

Turn preambleTurn(const QJsonValue &content, const QString &key)
{
    Turn turn;
    turn.role = QStringLiteral("system");
    turn.preamble = true;
    turn.contentPath = {JsonStep{key}};
    turn.parts = contentParts(content, turn.contentPath);
    return turn;
}

QList<Turn> messagesTurns(const QJsonObject &body)
{
    QList<Turn> turns;
    if (body.contains(QLatin1String("system")))   // Anthropic keeps it outside messages
        turns.append(preambleTurn(body.value(QLatin1String("system")), QStringLiteral("system")));
    const QJsonArray messages = body.value(QLatin1String("messages")).toArray();
    const JsonPath base{JsonStep{QStringLiteral("messages")}};
    for (qsizetype i = 0; i < messages.size(); ++i)
        turns.append(messageTurn(messages.at(i).toObject(), extended(base, i)));
    return turns;
}

// prompt / input: a string, a list of strings, or token ids (a list of ints, or of lists).
QList<Turn> promptTurns(const QJsonValue &value, const QString &key)
{
    Turn turn;
    turn.role = key;
    turn.contentPath = {JsonStep{key}};
    if (value.isString()) {
        turn.parts.append(textPart(QString(), value.toString(), turn.contentPath));
        return {turn};
    }
    const QJsonArray items = value.toArray();
    for (qsizetype i = 0; i < items.size(); ++i) {
        if (!items.at(i).isString()) {   // token ids say nothing readable: one part counts them
            turn.parts = {simplePart(Kind::Other, QStringLiteral("tokens"), QString::number(items.size()))};
            break;
        }
        turn.parts.append(textPart(QString(), items.at(i).toString(), extended(turn.contentPath, i)));
    }
    return {turn};
}

QList<Turn> responsesRequestTurns(const QJsonObject &body)
{
    QList<Turn> turns;
    if (body.contains(QLatin1String("instructions")))
        turns.append(preambleTurn(body.value(QLatin1String("instructions")), QStringLiteral("instructions")));
    const QJsonValue input = body.value(QLatin1String("input"));
    if (input.isString()) {
        Turn user;
        user.role = QStringLiteral("user");
        user.contentPath = {JsonStep{QStringLiteral("input")}};
        user.parts.append(textPart(QString(), input.toString(), user.contentPath));
        turns.append(user);
    } else {
        turns.append(responsesTurns(input.toArray(), {JsonStep{QStringLiteral("input")}}));
    }
    return turns;
}

// One Responses item that is not a message: a call, a call's output, reasoning, a reference.
Turn responsesItemTurn(const QJsonObject &item, const QString &type)
{
    Turn turn;
    turn.role = QStringLiteral("assistant");
    const QString callId = str(item, "call_id");
    if (type == u"reasoning") {
        turn.parts.append(simplePart(Kind::Reasoning, type, summaryText(item.value(QLatin1String("summary")))));
    } else if (type.endsWith(u"_output")) {   // function_call_output, custom_tool_call_output, ...
        turn.role = QStringLiteral("tool");   // the call id is on the part, as for Anthropic
        turn.parts.append(toolResult(type, item.value(QLatin1String("output")), callId));
    } else if (type.endsWith(u"_call")) {   // function_call, custom_tool_call, local_shell_call, ...
        QJsonValue arguments = item.value(QLatin1String("arguments"));
        if (arguments.isUndefined())
            arguments = item.contains(QLatin1String("input")) ? item.value(QLatin1String("input"))
                                                              : item.value(QLatin1String("action"));
        const QString name = str(item, "name");
        turn.parts.append(toolCall(type, name.isEmpty() ? type : name, arguments, callId));
    } else if (type == u"item_reference") {
        turn.role = QStringLiteral("reference");
        turn.parts.append(simplePart(Kind::Other, type, str(item, "id")));
    } else {
        turn.role = QStringLiteral("item");
        turn.parts.append(simplePart(Kind::Other, type));
    }
    return turn;
}

EndpointKind guessedDialect(const QJsonObject &body)
{
    if (body.contains(QLatin1String("messages")))
        return EndpointKind::Chat;
    if (body.contains(QLatin1String("prompt")))
        return EndpointKind::Completions;
    if (body.contains(QLatin1String("instructions")))
        return EndpointKind::Responses;
    for (const QJsonValue &item : body.value(QLatin1String("input")).toArray()) {
        if (item.isObject())
            return EndpointKind::Responses;
    }
    return EndpointKind::Embeddings;
}

} // namespace

QJsonObject withValueAt(const QJsonObject &root, const JsonPath &path, const QJsonValue &value)
{
    if (path.isEmpty())
        return root;
    return setAt(root, path, 0, value).toObject();
}

bool Turn::hasKind(Part::Kind kind) const
{
    for (const Part &part : parts) {
        if (part.kind == kind)
            return true;
    }
    return false;
}

QString Turn::plainText() const
{
    QStringList texts;
    for (const Part &part : parts) {
        QString text;
        switch (part.kind) {
        case Kind::Text:
        case Kind::ToolResult:   // the tool output is what a tool-result turn says
            text = part.text;
            break;
        case Kind::Image:
            text = QStringLiteral("[image]");
            break;
        case Kind::Audio:
            text = QStringLiteral("[audio]");
            break;
        case Kind::File:
            text = QStringLiteral("[file]");
            break;
        case Kind::ToolCall:
        case Kind::Reasoning:
        case Kind::Other:
            break;
        }
        if (!text.isEmpty())
            texts.append(text);
    }
    return texts.join(QLatin1Char('\n'));
}

Turn messageTurn(const QJsonObject &message, const JsonPath &base)
{
    Turn turn;
    turn.role = str(message, "role");
    turn.name = str(message, "name");
    turn.callId = str(message, "tool_call_id");
    if (!base.isEmpty() || message.contains(QLatin1String("content")))
        turn.contentPath = extended(base, QStringLiteral("content"));
    turn.parts = contentParts(message.value(QLatin1String("content")), turn.contentPath);
    const QString refusal = str(message, "refusal");   // a chat answer's refusal
    if (!refusal.isEmpty())
        turn.parts.append(simplePart(Kind::Other, QStringLiteral("refusal"), refusal));
    appendChatToolCalls(turn, message);
    return turn;
}

QList<Turn> responsesTurns(const QJsonArray &items, const JsonPath &base)
{
    QList<Turn> turns;
    for (qsizetype i = 0; i < items.size(); ++i) {
        const QJsonObject item = items.at(i).toObject();
        const QString type = str(item, "type");
        // A message is typed "message" or given in the short {role, content} form.
        if (type == u"message" || (type.isEmpty() && item.contains(QLatin1String("role"))))
            turns.append(messageTurn(item, extended(base, i)));
        else if (items.at(i).isObject())
            turns.append(responsesItemTurn(item, type));
    }
    return turns;
}

Conversation Conversation::fromRequest(const QString &endpoint, const QJsonObject &body)
{
    return fromRequest(endpointKind(endpoint), body);
}

Conversation Conversation::fromRequest(EndpointKind dialect, const QJsonObject &body)
{
    Conversation conversation;
    conversation.dialect = dialect == EndpointKind::Other ? guessedDialect(body) : dialect;
    switch (conversation.dialect) {
    case EndpointKind::Chat:
    case EndpointKind::AnthropicMessages:
        conversation.turns = messagesTurns(body);
        break;
    case EndpointKind::Completions:
        conversation.turns = promptTurns(body.value(QLatin1String("prompt")), QStringLiteral("prompt"));
        break;
    case EndpointKind::Embeddings:
        conversation.turns = promptTurns(body.value(QLatin1String("input")), QStringLiteral("input"));
        break;
    case EndpointKind::Responses:
        conversation.turns = responsesRequestTurns(body);
        break;
    case EndpointKind::Other:
        break;
    }
    return conversation;
}

qsizetype Conversation::lastUserTurn() const
{
    for (qsizetype i = turns.size() - 1; i >= 0; --i) {
        const QString &role = turns.at(i).role;
        if (role == u"user" || role == u"prompt" || role == u"input")
            return i;
    }
    return -1;
}

qsizetype Conversation::lastMessageTurn() const
{
    for (qsizetype i = turns.size() - 1; i >= 0; --i) {
        if (!turns.at(i).preamble)
            return i;
    }
    return -1;
}

QJsonObject withLastUserText(const QString &endpoint, const QJsonObject &body, const QString &text)
{
    const Conversation conversation = Conversation::fromRequest(endpoint, body);
    const qsizetype index = conversation.lastUserTurn();
    if (index < 0)
        return body;
    const Turn &turn = conversation.turns.at(index);
    QJsonObject out = body;
    bool written = false;
    for (const Part &part : turn.parts) {
        if (part.kind != Kind::Text)
            continue;
        out = withValueAt(out, part.path, written ? QString() : text);
        written = true;
    }
    if (!written)
        out = withValueAt(out, turn.contentPath, text);
    return out;
}

} // namespace cachette::cache
