#include "fakeupstream.h"
#include "fakeupstreamwire.h"

#include <QJsonDocument>
#include <QtEndian>

#include <cstring>

// The answers the fake upstream gives, as static functions tests also call to know what to
// expect: OpenAI chat, completions, embeddings and errors, then Anthropic Messages.

namespace cachette::test {

using namespace wire;

namespace {

QJsonObject usageObject(const QString &prompt, int completionTokens)
{
    const int promptTokens = wordCount(prompt) + 7;
    return QJsonObject{{"prompt_tokens", promptTokens},
                       {"completion_tokens", completionTokens},
                       {"total_tokens", promptTokens + completionTokens}};
}

int completionTokensFor(const QString &text, bool withToolCalls, int callNumber)
{
    int tokens = wordCount(text);
    if (withToolCalls) {
        const QJsonArray calls = FakeUpstream::toolCalls(callNumber);
        for (const QJsonValue &call : calls)
            tokens += int(call[QLatin1String("function")][QLatin1String("arguments")].toString().size() / 4);
    }
    return tokens;
}

} // namespace

// --- Expected bodies ---------------------------------------------------------------------

QString FakeUpstream::answerText(int callNumber, const QString &prompt)
{
    return QStringLiteral("answer #%1 to: %2").arg(callNumber).arg(prompt);
}

QJsonArray FakeUpstream::toolCalls(int callNumber)
{
    const QString n = QString::number(callNumber);
    auto call = [&](int i, const QString &language, const QString &code) {
        const QJsonObject arguments{{"language", language}, {"code", code}};
        return QJsonObject{{"id", QStringLiteral("call_fake_%1_%2").arg(n).arg(i)},
                           {"type", "function"},
                           {"function", QJsonObject{{"name", "execute"},
                                                    {"arguments", QString::fromUtf8(compact(arguments))}}}};
    };
    return QJsonArray{call(0, QStringLiteral("python"),
                           QStringLiteral("import os\nprint('answer %1', os.getcwd())").arg(n)),
                      call(1, QStringLiteral("shell"), QStringLiteral("ls -la && echo \"answer %1\"").arg(n))};
}

QString FakeUpstream::promptOf(const QByteArray &path, const QJsonObject &body)
{
    if (isChat(path) || isAnthropic(path)) {
        const QJsonArray messages = body.value(QLatin1String("messages")).toArray();
        for (qsizetype i = messages.size() - 1; i >= 0; --i) {
            const QJsonObject m = messages.at(i).toObject();
            if (m.value(QLatin1String("role")).toString() == QLatin1String("user"))
                return textOfContent(m.value(QLatin1String("content")));
        }
        return {};
    }
    if (isResponses(path)) {   // input: a string, or items; the last user message
        const QJsonValue input = body.value(QLatin1String("input"));
        if (input.isString())
            return input.toString();
        const QJsonArray items = input.toArray();
        for (qsizetype i = items.size() - 1; i >= 0; --i) {
            const QJsonObject item = items.at(i).toObject();
            if (item.value(QLatin1String("role")).toString() == QLatin1String("user"))
                return textOfContent(item.value(QLatin1String("content")));
        }
        return {};
    }
    const QJsonValue v = body.value(isEmbeddings(path) ? QLatin1String("input") : QLatin1String("prompt"));
    if (v.isString())
        return v.toString();
    if (v.isArray()) {
        QStringList parts;
        for (const QJsonValue &p : v.toArray())
            parts << (p.isString() ? p.toString() : QString::fromUtf8(QJsonDocument(p.toArray()).toJson(QJsonDocument::Compact)));
        return parts.join(QLatin1Char('\n'));
    }
    return {};
}

QList<float> FakeUpstream::embeddingVector(int callNumber, const QString &input)
{
    quint32 h = 17;
    for (QChar c : input)
        h = h * 31 + c.unicode();
    QList<float> v;
    v << float(callNumber);
    for (int k = 1; k < 8; ++k)
        v << float((h + quint32(k) * 37u) % 1000u) / 8.0f - 60.0f;   // exact in float32
    return v;
}

QByteArray FakeUpstream::encodeBase64Floats(const QList<float> &values)
{
    QByteArray raw(values.size() * 4, Qt::Uninitialized);
    for (qsizetype i = 0; i < values.size(); ++i) {
        quint32 bits;
        std::memcpy(&bits, &values[i], 4);
        qToLittleEndian(bits, raw.data() + i * 4);
    }
    return raw.toBase64();
}

QList<float> FakeUpstream::decodeBase64Floats(const QByteArray &base64)
{
    const QByteArray raw = QByteArray::fromBase64(base64);
    QList<float> values;
    for (qsizetype i = 0; i + 4 <= raw.size(); i += 4) {
        const quint32 bits = qFromLittleEndian<quint32>(raw.constData() + i);
        float f;
        std::memcpy(&f, &bits, 4);
        values << f;
    }
    return values;
}

QByteArray FakeUpstream::chatCompletionBody(int callNumber, const QJsonObject &request, bool withToolCalls)
{
    const QString prompt = promptOf("/v1/chat/completions", request);
    const QString text = answerText(callNumber, prompt);
    QJsonObject message{{"role", "assistant"}, {"content", text}, {"refusal", QJsonValue::Null}};
    if (withToolCalls)
        message.insert(QStringLiteral("tool_calls"), toolCalls(callNumber));
    const QJsonObject choice{{"index", 0},
                             {"message", message},
                             {"logprobs", QJsonValue::Null},
                             {"finish_reason", withToolCalls ? "tool_calls" : "stop"}};
    return compact(QJsonObject{{"id", QStringLiteral("chatcmpl-fake-%1").arg(callNumber)},
                               {"object", "chat.completion"},
                               {"created", created(callNumber)},
                               {"model", request.value(QLatin1String("model"))},
                               {"system_fingerprint", "fp_fake"},
                               {"choices", QJsonArray{choice}},
                               {"usage", usageObject(prompt, completionTokensFor(text, withToolCalls, callNumber))}});
}

QByteArray FakeUpstream::completionBody(int callNumber, const QJsonObject &request)
{
    const QString prompt = promptOf("/v1/completions", request);
    const QString text = answerText(callNumber, prompt);
    const QJsonObject choice{{"text", text}, {"index", 0}, {"logprobs", QJsonValue::Null}, {"finish_reason", "stop"}};
    return compact(QJsonObject{{"id", QStringLiteral("cmpl-fake-%1").arg(callNumber)},
                               {"object", "text_completion"},
                               {"created", created(callNumber)},
                               {"model", request.value(QLatin1String("model"))},
                               {"choices", QJsonArray{choice}},
                               {"usage", usageObject(prompt, wordCount(text))}});
}

QByteArray FakeUpstream::embeddingsBody(int callNumber, const QJsonObject &request)
{
    const bool base64 = request.value(QLatin1String("encoding_format")).toString() == QLatin1String("base64");
    QStringList inputs;
    const QJsonValue input = request.value(QLatin1String("input"));
    if (input.isArray()) {
        for (const QJsonValue &v : input.toArray())
            inputs << (v.isString() ? v.toString() : QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)));
    } else {
        inputs << input.toString();
    }
    QJsonArray data;
    int tokens = 0;
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        const QList<float> vector = embeddingVector(callNumber, inputs.at(i));
        QJsonValue embedding;
        if (base64) {
            embedding = QString::fromLatin1(encodeBase64Floats(vector));
        } else {
            QJsonArray array;
            for (float f : vector)
                array.append(double(f));
            embedding = array;
        }
        data.append(QJsonObject{{"object", "embedding"}, {"index", int(i)}, {"embedding", embedding}});
        tokens += wordCount(inputs.at(i)) + 1;
    }
    return compact(QJsonObject{{"object", "list"},
                               {"data", data},
                               {"model", request.value(QLatin1String("model"))},
                               {"usage", QJsonObject{{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

QByteArray FakeUpstream::errorBody(int status)
{
    QJsonObject error;
    if (status == 429) {
        error = {{"message", "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3. Please try again in 20s."},
                 {"type", "requests"},
                 {"param", QJsonValue::Null},
                 {"code", "rate_limit_exceeded"}};
    } else if (status >= 500) {
        error = {{"message", "The server had an error while processing your request. Sorry about that!"},
                 {"type", "server_error"},
                 {"param", QJsonValue::Null},
                 {"code", QJsonValue::Null}};
    } else {
        error = {{"message", QStringLiteral("fake upstream error %1").arg(status)},
                 {"type", "invalid_request_error"},
                 {"param", QJsonValue::Null},
                 {"code", "fake_error"}};
    }
    return compact(QJsonObject{{"error", error}});
}

QList<QByteArray> FakeUpstream::streamFrames(int callNumber, const QByteArray &path,
                                             const QJsonObject &request, const Scenario &scenario)
{
    if (isAnthropic(path))
        return anthropicStreamFrames(callNumber, request, scenario);
    if (isResponses(path))
        return responsesStreamFrames(callNumber, request, scenario);
    const QByteArray comment = QByteArrayLiteral(": OPENROUTER PROCESSING\n\n");
    const QString prompt = promptOf(path, request);
    const QString text = answerText(callNumber, prompt);
    const QJsonValue model = request.value(QLatin1String("model"));
    QList<QByteArray> frames;
    if (scenario.comments)
        frames << comment << comment;

    if (isChat(path)) {
        const QString id = QStringLiteral("chatcmpl-fake-%1").arg(callNumber);
        auto chunk = [&](const QJsonObject &delta, const QJsonValue &finishReason = QJsonValue::Null) {
            const QJsonObject choice{{"index", 0}, {"delta", delta}, {"logprobs", QJsonValue::Null},
                                     {"finish_reason", finishReason}};
            return dataFrame(QJsonObject{{"id", id}, {"object", "chat.completion.chunk"},
                                         {"created", created(callNumber)}, {"model", model},
                                         {"system_fingerprint", "fp_fake"},
                                         {"choices", QJsonArray{choice}}});
        };
        frames << chunk(QJsonObject{{"role", "assistant"}, {"content", ""}, {"refusal", QJsonValue::Null}});
        const QStringList words = splitWords(text);
        for (qsizetype i = 0; i < words.size(); ++i) {
            frames << chunk(QJsonObject{{"content", words.at(i)}});
            if (scenario.comments && i == 1)
                frames << comment;
        }
        if (scenario.toolCalls) {
            const QJsonArray calls = toolCalls(callNumber);
            for (int i = 0; i < calls.size(); ++i) {
                const QJsonObject call = calls.at(i).toObject();
                const QJsonObject function = call.value(QLatin1String("function")).toObject();
                const QJsonObject head{{"index", i},
                                       {"id", call.value(QLatin1String("id"))},
                                       {"type", "function"},
                                       {"function", QJsonObject{{"name", function.value(QLatin1String("name"))},
                                                                {"arguments", ""}}}};
                frames << chunk(QJsonObject{{"tool_calls", QJsonArray{head}}});
                const QStringList pieces = splitEvery(function.value(QLatin1String("arguments")).toString(), 7);
                for (const QString &piece : pieces) {
                    const QJsonObject part{{"index", i}, {"function", QJsonObject{{"arguments", piece}}}};
                    frames << chunk(QJsonObject{{"tool_calls", QJsonArray{part}}});
                }
            }
        }
        frames << chunk(QJsonObject{}, scenario.toolCalls ? "tool_calls" : "stop");
        if (wantsUsage(request)) {
            frames << dataFrame(QJsonObject{
                {"id", id}, {"object", "chat.completion.chunk"}, {"created", created(callNumber)},
                {"model", model}, {"system_fingerprint", "fp_fake"}, {"choices", QJsonArray{}},
                {"usage", usageObject(prompt, completionTokensFor(text, scenario.toolCalls, callNumber))}});
        }
    } else {
        const QString id = QStringLiteral("cmpl-fake-%1").arg(callNumber);
        auto chunk = [&](const QString &piece, const QJsonValue &finishReason = QJsonValue::Null) {
            const QJsonObject choice{{"text", piece}, {"index", 0}, {"logprobs", QJsonValue::Null},
                                     {"finish_reason", finishReason}};
            return dataFrame(QJsonObject{{"id", id}, {"object", "text_completion"},
                                         {"created", created(callNumber)}, {"model", model},
                                         {"choices", QJsonArray{choice}}});
        };
        for (const QString &word : splitWords(text))
            frames << chunk(word);
        frames << chunk(QString(), "stop");
        if (wantsUsage(request)) {
            frames << dataFrame(QJsonObject{{"id", id}, {"object", "text_completion"},
                                            {"created", created(callNumber)}, {"model", model},
                                            {"choices", QJsonArray{}},
                                            {"usage", usageObject(prompt, wordCount(text))}});
        }
    }
    frames << QByteArrayLiteral("data: [DONE]\n\n");
    return frames;
}

// --- Anthropic Messages -------------------------------------------------------------------

QJsonObject FakeUpstream::anthropicToolInput(int callNumber)
{
    return QJsonObject{{"language", "python"},
                       {"code", QStringLiteral("import os\nprint(\"answer %1\", os.listdir('.'))").arg(callNumber)}};
}

QJsonObject FakeUpstream::anthropicUsage(int callNumber, const QJsonObject &request, bool withToolUse)
{
    const QString prompt = promptOf("/v1/messages", request);
    const bool hinted = compact(request).contains("\"cache_control\"");
    int output = wordCount(answerText(callNumber, prompt));
    if (withToolUse)
        output += int(compact(anthropicToolInput(callNumber)).size() / 4);
    return QJsonObject{{"input_tokens", wordCount(prompt) + 7},
                       {"cache_creation_input_tokens", hinted ? kAnthropicCacheWrite : 0},
                       {"cache_read_input_tokens", hinted ? kAnthropicCacheRead : 0},
                       {"output_tokens", output}};
}

QByteArray FakeUpstream::anthropicMessageBody(int callNumber, const QJsonObject &request, bool withToolUse)
{
    const QString prompt = promptOf("/v1/messages", request);
    QJsonArray content{QJsonObject{{"type", "text"}, {"text", answerText(callNumber, prompt)}}};
    if (withToolUse) {
        content.append(QJsonObject{{"type", "tool_use"},
                                   {"id", QStringLiteral("toolu_fake_%1").arg(callNumber)},
                                   {"name", "execute"},
                                   {"input", anthropicToolInput(callNumber)}});
    }
    return compact(QJsonObject{{"id", QStringLiteral("msg_fake_%1").arg(callNumber)},
                               {"type", "message"},
                               {"role", "assistant"},
                               {"model", request.value(QLatin1String("model"))},
                               {"content", content},
                               {"stop_reason", withToolUse ? "tool_use" : "end_turn"},
                               {"stop_sequence", QJsonValue::Null},
                               {"usage", anthropicUsage(callNumber, request, withToolUse)}});
}

QList<QByteArray> FakeUpstream::anthropicStreamFrames(int callNumber, const QJsonObject &request,
                                                      const Scenario &scenario)
{
    const QJsonObject usage = anthropicUsage(callNumber, request, scenario.toolCalls);
    QJsonObject startUsage = usage;
    startUsage.insert(QStringLiteral("output_tokens"), 1);   // Anthropic's first count
    const QJsonObject message{{"id", QStringLiteral("msg_fake_%1").arg(callNumber)},
                              {"type", "message"}, {"role", "assistant"},
                              {"model", request.value(QLatin1String("model"))},
                              {"content", QJsonArray{}},
                              {"stop_reason", QJsonValue::Null}, {"stop_sequence", QJsonValue::Null},
                              {"usage", startUsage}};
    auto delta = [](int index, const QJsonObject &d) {
        return namedFrame(QJsonObject{{"type", "content_block_delta"}, {"index", index}, {"delta", d}});
    };
    auto stop = [](int index) {
        return namedFrame(QJsonObject{{"type", "content_block_stop"}, {"index", index}});
    };
    QList<QByteArray> frames;
    frames << namedFrame(QJsonObject{{"type", "message_start"}, {"message", message}});
    frames << namedFrame(QJsonObject{{"type", "content_block_start"}, {"index", 0},
                                     {"content_block", QJsonObject{{"type", "text"}, {"text", ""}}}});
    frames << namedFrame(QJsonObject{{"type", "ping"}});
    const QString text = answerText(callNumber, promptOf("/v1/messages", request));
    for (const QString &word : splitWords(text))
        frames << delta(0, QJsonObject{{"type", "text_delta"}, {"text", word}});
    frames << stop(0);
    if (scenario.toolCalls) {
        const QJsonObject block{{"type", "tool_use"}, {"id", QStringLiteral("toolu_fake_%1").arg(callNumber)},
                                {"name", "execute"}, {"input", QJsonObject{}}};
        frames << namedFrame(QJsonObject{{"type", "content_block_start"}, {"index", 1}, {"content_block", block}});
        // Anthropic opens with an empty fragment, then sends the JSON text in pieces.
        QStringList pieces{QString()};
        pieces << splitEvery(QString::fromUtf8(compact(anthropicToolInput(callNumber))), 7);
        for (const QString &piece : pieces)
            frames << delta(1, QJsonObject{{"type", "input_json_delta"}, {"partial_json", piece}});
        frames << stop(1);
    }
    const QJsonObject messageDelta{{"stop_reason", scenario.toolCalls ? "tool_use" : "end_turn"},
                                   {"stop_sequence", QJsonValue::Null}};
    frames << namedFrame(QJsonObject{{"type", "message_delta"}, {"delta", messageDelta},
                                     {"usage", QJsonObject{{"output_tokens", usage.value(QLatin1String("output_tokens"))}}}});
    frames << namedFrame(QJsonObject{{"type", "message_stop"}});
    return frames;
}

QByteArray FakeUpstream::anthropicErrorBody(int status)
{
    const QString type = status == 429 ? QStringLiteral("rate_limit_error")
                         : status == 529 ? QStringLiteral("overloaded_error")
                         : status >= 500 ? QStringLiteral("api_error")
                                         : QStringLiteral("invalid_request_error");
    const QJsonObject error{{"type", type}, {"message", QStringLiteral("fake upstream error %1").arg(status)}};
    return compact(QJsonObject{{"type", "error"}, {"error", error}});
}

} // namespace cachette::test
