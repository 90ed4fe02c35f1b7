#include "keyfields.h"

#include <QJsonArray>

#include <cctype>

namespace cachette::cache {
namespace {

// Fields every OpenAI dialect shares.
const KeyField kStream{"stream", false, "how the answer is delivered; a streamed and a JSON "
                                        "request share one entry"};
const KeyField kStreamOptions{"stream_options", false, "how a stream is framed (usage chunk, "
                                                       "obfuscation), not what it says"};
const KeyField kUser{"user", false, "who asks, for the provider's abuse tracking"};
const KeyField kModel{"model", true, "another model, another answer"};

QList<KeyField> chatTable()
{
    return {kModel,
            {"messages", true, "the conversation"},
            {"tools", true, "what the model may call"},
            {"tool_choice", true, "whether and which tool it must call"},
            {"response_format", true, "the shape of the answer"},
            {"temperature, top_p, seed, n, stop, max_tokens, max_completion_tokens", true,
             "sampling and length change the answer"},
            {"reasoning_effort, verbosity, logprobs, top_logprobs, logit_bias", true,
             "change the answer or what it carries"},
            {"service_tier", true, "may be served by another deployment"},
            kStream, kStreamOptions, kUser,
            {"metadata", false, "tags for the provider's dashboard"},
            {"store", false, "whether the provider keeps the completion for its dashboard"},
            {"prompt_cache_key", false, "a hint for the provider's prompt cache"},
            {"safety_identifier", false, "who asks, for the provider's abuse tracking"}};
}

QList<KeyField> completionsTable()
{
    return {kModel,
            {"prompt, suffix", true, "the text to complete"},
            {"temperature, top_p, seed, n, best_of, stop, max_tokens, echo, logprobs", true,
             "sampling and length change the answer"},
            kStream, kStreamOptions, kUser};
}

QList<KeyField> embeddingsTable()
{
    return {kModel,
            {"input", true, "the text embedded"},
            {"dimensions", true, "the vector's length"},
            {"encoding_format", true, "floats or base64: another answer body"},
            kStream, kStreamOptions, kUser};   // embeddings never stream; a client may still say so
}

QList<KeyField> anthropicTable()
{
    return {kModel,
            {"system, messages", true, "the conversation"},
            {"tools, tool_choice", true, "what the model may call"},
            {"max_tokens, temperature, top_p, top_k, stop_sequences, thinking", true,
             "sampling, length and thinking change the answer"},
            {"anthropic-version, anthropic-beta (headers)", true,
             "a beta changes what the model may answer"},
            kStream, kStreamOptions, kUser,   // not Anthropic's, but never keyed anywhere
            {"metadata", false, "metadata.user_id tags the caller, like user"},
            {"cache_control (top level, system, messages, tool results, tools)", false,
             "where the provider may cache a prompt prefix: cost and speed, not the answer"},
            {"tools[].eager_input_streaming", false,
             "how tool input streams; the Vercel AI SDK adds it only when streaming"}};
}

QList<KeyField> responsesTable()
{
    return {kModel,
            {"input, instructions", true, "the conversation"},
            {"previous_response_id, conversation, prompt", true,
             "server-side context the answer continues"},
            {"input[] item_reference id", true, "the id is the content it refers to"},
            {"input[] reasoning and function_call items, encrypted_content", true,
             "earlier output the model reads again"},
            {"tools, tool_choice, parallel_tool_calls, max_tool_calls", true,
             "what the model may call"},
            {"reasoning, text, include, truncation", true,
             "reasoning effort, output format and what the answer carries"},
            {"temperature, top_p, top_logprobs, max_output_tokens", true,
             "sampling and length change the answer"},
            {"service_tier", true, "may be served by another deployment"},
            kStream, kStreamOptions, kUser,
            {"background", false, "a background request is never cached (relayed as bypass)"},
            {"store", false, "whether the provider keeps the response; Codex sends false"},
            {"prompt_cache_key", false, "a hint for the provider's prompt cache; Codex sends "
                                        "its session id"},
            {"client_metadata", false, "Codex's session, thread and turn ids"},
            {"metadata", false, "tags for the provider's dashboard"},
            {"safety_identifier", false, "who asks, for the provider's abuse tracking"},
            {"input[].id of message and tool-output items", false,
             "Codex gives its input items new ids every run"}};
}

const QLatin1String kCacheControl("cache_control");

// --- Anthropic: cache_control hints, removed only where the API defines them -------------------

QJsonArray withoutCacheHints(const QJsonArray &blocks);

QJsonObject blockWithoutCacheHints(QJsonObject block)
{
    block.remove(kCacheControl);
    const QJsonValue content = block.value(QLatin1String("content"));   // tool_result
    if (content.isArray())
        block.insert(QLatin1String("content"), withoutCacheHints(content.toArray()));
    return block;
}

QJsonArray withoutCacheHints(const QJsonArray &blocks)
{
    QJsonArray out;
    for (const QJsonValue &block : blocks)
        out.append(block.isObject() ? QJsonValue(blockWithoutCacheHints(block.toObject())) : block);
    return out;
}

// Never inside a tool's input schema: a property may be named cache_control there.
void removeAnthropicDeliveryHints(QJsonObject &body)
{
    body.remove(kCacheControl);
    if (body.value(QLatin1String("system")).isArray()) {
        body.insert(QLatin1String("system"),
                    withoutCacheHints(body.value(QLatin1String("system")).toArray()));
    }
    if (body.value(QLatin1String("tools")).isArray()) {
        QJsonArray tools = withoutCacheHints(body.value(QLatin1String("tools")).toArray());
        for (qsizetype i = 0; i < tools.size(); ++i) {
            if (!tools.at(i).isObject())
                continue;
            QJsonObject tool = tools.at(i).toObject();
            tool.remove(QLatin1String("eager_input_streaming"));
            tools.replace(i, tool);
        }
        body.insert(QLatin1String("tools"), tools);
    }
    if (body.value(QLatin1String("messages")).isArray()) {
        QJsonArray messages = body.value(QLatin1String("messages")).toArray();
        for (qsizetype i = 0; i < messages.size(); ++i) {
            if (messages.at(i).isObject())
                messages.replace(i, blockWithoutCacheHints(messages.at(i).toObject()));
        }
        body.insert(QLatin1String("messages"), messages);
    }
}

// --- Responses: the client's own ids on its input items ----------------------------------------

// A message (typed, or the short {role, content} form) or a tool's output the client sends back
// ("function_call_output", "custom_tool_call_output", "computer_call_output", ...).
bool hasClientId(const QJsonObject &item)
{
    const QString type = item.value(QLatin1String("type")).toString();
    if (type.isEmpty())
        return item.contains(QLatin1String("role"));
    return type == u"message" || type.endsWith(u"_output");
}

void removeInputItemIds(QJsonObject &body)
{
    if (!body.value(QLatin1String("input")).isArray())
        return;   // a plain string input has no items
    QJsonArray input = body.value(QLatin1String("input")).toArray();
    for (qsizetype i = 0; i < input.size(); ++i) {
        QJsonObject item = input.at(i).toObject();
        if (input.at(i).isObject() && hasClientId(item) && item.contains(QLatin1String("id"))) {
            item.remove(QLatin1String("id"));
            input.replace(i, item);
        }
    }
    body.insert(QLatin1String("input"), input);
}

// The table's plain top-level names ("store"), not its described or nested paths.
bool isTopLevelName(const char *path)
{
    for (const char *c = path; *c; ++c) {
        if (!(std::isalnum(static_cast<unsigned char>(*c)) || *c == '_'))
            return false;
    }
    return true;
}

} // namespace

const QList<KeyField> &keyFieldTable(EndpointKind kind)
{
    // Built once: keyedFields() reads a table for every request on the hot path.
    static const QList<KeyField> chat = chatTable(), completions = completionsTable(),
                                 embeddings = embeddingsTable(), anthropic = anthropicTable(),
                                 responses = responsesTable(), other{kStream, kStreamOptions, kUser};
    switch (kind) {
    case EndpointKind::Chat:
        return chat;
    case EndpointKind::Completions:
        return completions;
    case EndpointKind::Embeddings:
        return embeddings;
    case EndpointKind::AnthropicMessages:
        return anthropic;
    case EndpointKind::Responses:
        return responses;
    case EndpointKind::Other:
        break;
    }
    return other;
}

QJsonObject keyedFields(QJsonObject body, EndpointKind kind)
{
    for (const KeyField &field : keyFieldTable(kind)) {
        if (!field.inKey && isTopLevelName(field.path))
            body.remove(QLatin1String(field.path));
    }
    if (kind == EndpointKind::AnthropicMessages)
        removeAnthropicDeliveryHints(body);
    else if (kind == EndpointKind::Responses)
        removeInputItemIds(body);
    return body;
}

} // namespace cachette::cache
