#include "cachekey.h"
#include "conversation.h"

#include <QStringList>

namespace cachette::cache {

namespace {

// prompt / input: every string as it is (an empty one too), one a line; token ids as [tokens].
QString promptText(const Turn &turn)
{
    QStringList texts;
    for (const Part &part : turn.parts) {
        if (part.kind != Part::Kind::Text)
            return QStringLiteral("[tokens]");
        texts.append(part.text);
    }
    return texts.join(QLatin1Char('\n'));
}

// A Responses request without user words: the last tool output the client sends back, else
// the instructions.
QString responsesFallback(const Conversation &conversation)
{
    for (qsizetype i = conversation.turns.size() - 1; i >= 0; --i) {
        const Turn &turn = conversation.turns.at(i);
        if (turn.hasKind(Part::Kind::ToolResult))
            return turn.plainText();
    }
    if (!conversation.turns.isEmpty() && conversation.turns.first().preamble)
        return conversation.turns.first().plainText();
    return QString();
}

} // namespace

QString displayPrompt(const QString &endpoint, const QJsonObject &body)
{
    const Conversation conversation = Conversation::fromRequest(endpoint, body);
    if (conversation.dialect == EndpointKind::Completions || conversation.dialect == EndpointKind::Embeddings)
        return conversation.turns.isEmpty() ? QString() : promptText(conversation.turns.first());
    const qsizetype user = conversation.lastUserTurn();
    if (user >= 0)
        return conversation.turns.at(user).plainText();
    if (conversation.dialect == EndpointKind::Responses)
        return responsesFallback(conversation);
    // No user turn (a system-only or assistant-prefill request): the last message still
    // says more about the entry than an empty cell.
    const qsizetype last = conversation.lastMessageTurn();
    return last >= 0 ? conversation.turns.at(last).plainText() : QString();
}

} // namespace cachette::cache
