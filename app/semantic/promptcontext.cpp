#include "promptcontext.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>
#include <QtEndian>

namespace cachette::semantic {

namespace {

enum class Kind { Chat, AnthropicMessages, Completions, Embeddings, Other };

// "/v1/chat/completions" and "chat/completions" are one endpoint.
QStringView normalizedEndpoint(const QString &endpoint)
{
    QStringView path(endpoint);
    while (path.startsWith(u'/'))
        path = path.mid(1);
    if (path.startsWith(u"v1/"))
        path = path.mid(3);
    return path;
}

Kind kindOf(const QString &endpoint)
{
    const QStringView path = normalizedEndpoint(endpoint);
    if (path == u"chat/completions")
        return Kind::Chat;
    if (path == u"messages")
        return Kind::AnthropicMessages;
    if (path == u"completions")
        return Kind::Completions;
    if (path == u"embeddings")
        return Kind::Embeddings;
    return Kind::Other;
}

bool isTextPart(const QJsonObject &part)
{
    const QString type = part.value(QLatin1String("type")).toString();
    return type == u"text" || type == u"input_text";
}

// Takes the text out of one message content (a string or a list of parts), leaving every
// other part where it was: an image or a tool result stays part of the context.
QString takeText(QJsonValue &content)
{
    if (content.isString()) {
        const QString text = content.toString();
        content = QString();
        return text;
    }
    if (!content.isArray())
        return QString();
    QJsonArray parts = content.toArray();
    QStringList texts;
    for (qsizetype i = 0; i < parts.size(); ++i) {
        QJsonObject part = parts.at(i).toObject();
        if (!isTextPart(part))
            continue;
        texts.append(part.value(QLatin1String("text")).toString());
        part.insert(QLatin1String("text"), QString());
        parts.replace(i, part);
    }
    content = parts;
    return texts.join(QLatin1Char('\n'));
}

QString takeMessageText(QJsonArray &messages, qsizetype index)
{
    QJsonObject message = messages.at(index).toObject();
    QJsonValue content = message.value(QLatin1String("content"));
    const QString text = takeText(content);
    message.insert(QLatin1String("content"), content);
    messages.replace(index, message);
    return text;
}

// Chat and Anthropic messages: the last user turn's text, or (whole scope) all the text.
QString takeConversationText(QJsonObject &body, CompareScope scope)
{
    QJsonArray messages = body.value(QLatin1String("messages")).toArray();
    QString text;
    if (scope == CompareScope::LastUserMessage) {
        for (qsizetype i = messages.size() - 1; i >= 0; --i) {
            if (messages.at(i).toObject().value(QLatin1String("role")).toString() == u"user") {
                text = takeMessageText(messages, i);
                break;
            }
        }
    } else {
        QStringList lines;
        if (body.contains(QLatin1String("system"))) {   // Anthropic keeps it outside messages
            QJsonValue system = body.value(QLatin1String("system"));
            lines.append(QStringLiteral("system: ") + takeText(system));
            body.insert(QLatin1String("system"), system);
        }
        for (qsizetype i = 0; i < messages.size(); ++i) {
            const QString role = messages.at(i).toObject().value(QLatin1String("role")).toString();
            lines.append(role + QStringLiteral(": ") + takeMessageText(messages, i));
        }
        text = lines.join(QLatin1Char('\n'));
    }
    body.insert(QLatin1String("messages"), messages);
    return text;
}

// The last turn hands a tool's output back (OpenAI "tool"/"function" messages, Anthropic
// tool_result blocks): that text is program output, not a paraphrase of anything, and two
// outputs that read alike can mean the opposite ("3 tests failed" / "3 tests passed").
bool endsWithToolResult(const QJsonObject &body)
{
    const QJsonArray messages = body.value(QLatin1String("messages")).toArray();
    if (messages.isEmpty())
        return false;
    const QJsonObject last = messages.last().toObject();
    const QString role = last.value(QLatin1String("role")).toString();
    if (role == u"tool" || role == u"function")
        return true;
    // An Anthropic user turn with tool results and no words of the user's own.
    bool toolResult = false;
    for (const QJsonValue &part : last.value(QLatin1String("content")).toArray()) {
        const QString type = part.toObject().value(QLatin1String("type")).toString();
        if (type == u"text")
            return false;
        toolResult = toolResult || type == u"tool_result";
    }
    return toolResult;
}

QString takePrompt(QJsonObject &body)
{
    QJsonValue prompt = body.value(QLatin1String("prompt"));
    if (prompt.isArray() && prompt.toArray().size() == 1)
        prompt = prompt.toArray().at(0);
    if (!prompt.isString())
        return QString();   // token ids or several prompts: exact matching only
    body.insert(QLatin1String("prompt"), QString());
    return prompt.toString();
}

quint64 hashContext(const QString &cacheNamespace, const QString &endpoint, CompareScope scope,
                    const QJsonObject &context)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(cacheNamespace.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(normalizedEndpoint(endpoint).toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(scope == CompareScope::LastUserMessage ? QByteArrayView("last") : QByteArrayView("whole"));
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(QJsonDocument(context).toJson(QJsonDocument::Compact));
    return qFromBigEndian<quint64>(hash.result().constData());
}

} // namespace

PromptKey promptKey(const QString &cacheNamespace, const QString &endpoint,
                    const QJsonObject &body, CompareScope scope)
{
    PromptKey key;
    QJsonObject context = body;
    for (const char *field : {"stream", "stream_options", "user"})
        context.remove(QLatin1String(field));

    const Kind kind = kindOf(endpoint);
    switch (kind) {
    case Kind::Chat:
    case Kind::AnthropicMessages:
        if (endsWithToolResult(body)) {
            key.reason = QStringLiteral("the last turn is a tool result: program output is only "
                                        "matched exactly, never by similarity");
            return key;
        }
        key.text = takeConversationText(context, scope);
        break;
    case Kind::Completions:
        key.text = takePrompt(context);
        break;
    case Kind::Embeddings:
        key.reason = QStringLiteral("embeddings are never matched by similarity: a paraphrase has "
                                    "another vector");
        return key;
    case Kind::Other:
        key.reason = QStringLiteral("the endpoint %1 is not matched by similarity").arg(endpoint);
        return key;
    }
    if (key.text.trimmed().isEmpty()) {
        key.reason = QStringLiteral("the request has no text to compare");
        return key;
    }
    key.usable = true;
    key.contextHash = hashContext(cacheNamespace, endpoint, scope, context);
    return key;
}

quint64 contextHash(const QString &cacheNamespace, const QString &endpoint, const QJsonObject &body,
                    CompareScope scope)
{
    return promptKey(cacheNamespace, endpoint, body, scope).contextHash;
}

} // namespace cachette::semantic
