#pragma once

#include "endpointkind.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>

// The one reader of request bodies: every dialect (OpenAI chat, completions, embeddings,
// Anthropic messages, OpenAI Responses) becomes a list of turns made of parts, so the prompt
// shown per entry, the text the semantic layer compares, the cache browser and the "try a
// prompt" rewrite all agree on what a request says. Dialect knowledge lives here and nowhere
// else; a body of the wrong shape (missing fields, wrong types) yields fewer turns, never a crash.
namespace cachette::cache {

// One step into a JSON value: a key of an object, or (index >= 0) an element of an array.
struct JsonStep
{
    QString key;
    qsizetype index = -1;
};
using JsonPath = QList<JsonStep>;

// root with the value at path replaced by value. A path that does not lead anywhere (a step
// into a missing array element or into a value of the wrong type) leaves root as it was.
QJsonObject withValueAt(const QJsonObject &root, const JsonPath &path, const QJsonValue &value);

struct Part
{
    enum class Kind { Text, Image, Audio, File, ToolCall, ToolResult, Reasoning, Other };
    Kind kind = Kind::Other;
    QString type;          // the wire type ("input_text", "tool_use", "function_call", ...); "" for a plain string
    QString text;          // Text; ToolResult: its output as text; Reasoning: thinking or summary; Other: a detail
    QString name;          // ToolCall: the tool's name
    QJsonValue arguments;  // ToolCall: as sent (an object, or JSON in a string)
    QString callId;        // ToolCall / ToolResult: the id pairing a call with its result
    JsonPath path;         // Text: where the text itself is in the body
};

struct Turn
{
    // system, developer, user, assistant, tool, function; "prompt" (completions), "input" (embeddings)
    QString role;
    QString name;          // a chat message's name
    QString callId;        // a chat tool message's tool_call_id
    bool preamble = false; // Anthropic "system" or Responses "instructions": a field, not a message
    QList<Part> parts;
    JsonPath contentPath;  // where the turn's whole content is (empty when it has no place to write)

    bool hasKind(Part::Kind kind) const;
    // What the turn says, for display: texts and tool results as they read, images, audio and
    // files as [image], [audio], [file]; tool calls and reasoning left out. Non-empty pieces,
    // one a line.
    QString plainText() const;
};

struct Conversation
{
    EndpointKind dialect = EndpointKind::Other;
    QList<Turn> turns;

    // endpoint as in the cache key; for an endpoint this build does not know, the body's fields
    // decide (messages → chat, prompt → completions, instructions or input items → Responses,
    // input → embeddings).
    static Conversation fromRequest(const QString &endpoint, const QJsonObject &body);
    static Conversation fromRequest(EndpointKind dialect, const QJsonObject &body);

    // The last turn the user wrote (a completion's prompt, an embeddings input); -1 if none.
    qsizetype lastUserTurn() const;
    // The last turn that is a message (not a preamble); -1 if none.
    qsizetype lastMessageTurn() const;
};

// The turns of a chat or Anthropic message object: content (a string or parts), refusal,
// tool_calls. base is where the message is in the body (empty for an answer).
Turn messageTurn(const QJsonObject &message, const JsonPath &base = {});
// The turns of Responses items (request input or answer output): messages, function calls and
// their outputs, reasoning with its summary, item references.
QList<Turn> responsesTurns(const QJsonArray &items, const JsonPath &base = {});

// body with the last user turn saying text instead: its first text part gets text and the other
// text parts are emptied, so images, tool results and earlier turns stay as they were; a turn
// without text parts gets text as its whole content. Unchanged when there is no user turn.
QJsonObject withLastUserText(const QString &endpoint, const QJsonObject &body, const QString &text);

} // namespace cachette::cache
