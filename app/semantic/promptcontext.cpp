#include "promptcontext.h"

#include "cache/conversation.h"
#include "cache/sha256.h"

#include <QJsonDocument>
#include <QStringList>
#include <QtEndian>

namespace cachette::semantic {

namespace {

using cache::Conversation;
using cache::Part;
using cache::Turn;

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

// Takes the text out of one turn, emptying each text part in the context and leaving every
// other part where it was: an image or a tool result stays part of the context.
QString takeTurnText(QJsonObject &context, const Turn &turn)
{
    QStringList texts;
    for (const Part &part : turn.parts) {
        if (part.kind != Part::Kind::Text)
            continue;
        texts.append(part.text);
        context = cache::withValueAt(context, part.path, QString());
    }
    return texts.join(QLatin1Char('\n'));
}

// Chat and Anthropic messages: the last user turn's text, or (whole scope) all the text, the
// Anthropic system prompt first.
QString takeConversationText(QJsonObject &context, const Conversation &conversation, CompareScope scope)
{
    if (scope == CompareScope::LastUserMessage) {
        const qsizetype user = conversation.lastUserTurn();
        return user < 0 ? QString() : takeTurnText(context, conversation.turns.at(user));
    }
    QStringList lines;
    for (const Turn &turn : conversation.turns)
        lines.append(turn.role + QStringLiteral(": ") + takeTurnText(context, turn));
    return lines.join(QLatin1Char('\n'));
}

// The last turn hands a tool's output back (OpenAI "tool"/"function" messages, Anthropic
// tool_result blocks): that text is program output, not a paraphrase of anything, and two
// outputs that read alike can mean the opposite ("3 tests failed" / "3 tests passed").
bool endsWithToolResult(const Conversation &conversation)
{
    const qsizetype last = conversation.lastMessageTurn();
    if (last < 0)
        return false;
    const Turn &turn = conversation.turns.at(last);
    if (turn.role == u"tool" || turn.role == u"function")
        return true;
    // An Anthropic user turn with tool results and no words of the user's own (a "text" block).
    bool toolResult = false;
    for (const Part &part : turn.parts) {
        if (part.kind == Part::Kind::Text && part.type == u"text")
            return false;
        toolResult = toolResult || part.kind == Part::Kind::ToolResult;
    }
    return toolResult;
}

// One prompt given as a string (or a list of one string); token ids or several prompts are
// matched exactly only.
QString takePrompt(QJsonObject &context, const Conversation &conversation)
{
    if (conversation.turns.isEmpty())
        return QString();
    const Turn &prompt = conversation.turns.first();
    if (prompt.parts.size() != 1 || prompt.parts.first().kind != Part::Kind::Text)
        return QString();
    context = cache::withValueAt(context, prompt.contentPath, QString());
    return prompt.parts.first().text;
}

quint64 hashContext(const QString &cacheNamespace, const QString &endpoint, CompareScope scope,
                    const QJsonObject &context)
{
    cache::Sha256 hash;
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

    // The body parsed once; its turns' paths point into context too (context is body minus a
    // few top-level fields). An unknown endpoint is not parsed: its dialect is not guessed here.
    const cache::EndpointKind kind = cache::endpointKind(endpoint);
    const Conversation conversation = kind == cache::EndpointKind::Other
                                          ? Conversation()
                                          : Conversation::fromRequest(kind, body);
    switch (kind) {
    case cache::EndpointKind::Chat:
    case cache::EndpointKind::AnthropicMessages:
        if (endsWithToolResult(conversation)) {
            key.reason = QStringLiteral("the last turn is a tool result: program output is only "
                                        "matched exactly, never by similarity");
            return key;
        }
        key.text = takeConversationText(context, conversation, scope);
        break;
    case cache::EndpointKind::Completions:
        key.text = takePrompt(context, conversation);
        break;
    case cache::EndpointKind::Embeddings:
        key.reason = QStringLiteral("embeddings are never matched by similarity: a paraphrase has "
                                    "another vector");
        return key;
    case cache::EndpointKind::Responses:
    // Responses is parsed, but matched exactly only for now: its agent traffic (Codex) has no
    // measured wrong-hit record under the guards yet.
    case cache::EndpointKind::Other:
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
