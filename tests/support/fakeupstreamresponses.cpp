#include "fakeupstream.h"
#include "fakeupstreamwire.h"

// The fake upstream's OpenAI Responses API (POST /v1/responses), written by hand after the
// events api.openai.com sends, apart from the engine's own synthesizer so a test compares the
// proxy with an independent picture of the wire.

namespace cachette::test {

using namespace wire;

namespace {

QJsonObject reasoningItem(int callNumber)
{
    return QJsonObject{{"id", QStringLiteral("rs_fake_%1").arg(callNumber)},
                       {"type", "reasoning"},
                       {"summary", QJsonArray{QJsonObject{{"type", "summary_text"},
                                                          {"text", FakeUpstream::responsesReasoning(callNumber)}}}},
                       {"encrypted_content", FakeUpstream::responsesEncryptedContent(callNumber)}};
}

QJsonObject messageItem(int callNumber, const QString &text)
{
    const QJsonObject part{{"type", "output_text"}, {"text", text}, {"annotations", QJsonArray{}},
                           {"logprobs", QJsonArray{}}};
    return QJsonObject{{"id", QStringLiteral("msg_fake_%1").arg(callNumber)},
                       {"type", "message"}, {"status", "completed"}, {"role", "assistant"},
                       {"content", QJsonArray{part}}};
}

QJsonObject functionCallItem(int callNumber)
{
    return QJsonObject{{"id", QStringLiteral("fc_fake_%1").arg(callNumber)},
                       {"type", "function_call"}, {"status", "completed"},
                       {"call_id", QStringLiteral("call_fake_%1").arg(callNumber)},
                       {"name", "execute"},
                       {"arguments", FakeUpstream::responsesArguments(callNumber)}};
}

QJsonObject responseObject(int callNumber, const QJsonObject &request, const QJsonArray &output,
                           const QString &status, const QJsonValue &usage)
{
    return QJsonObject{{"id", QStringLiteral("resp_fake_%1").arg(callNumber)},
                       {"object", "response"},
                       {"created_at", created(callNumber)},
                       {"status", status},
                       {"error", QJsonValue::Null},
                       {"incomplete_details", QJsonValue::Null},
                       {"model", request.value(QLatin1String("model"))},
                       {"output", output},
                       {"parallel_tool_calls", true},
                       {"tools", request.value(QLatin1String("tools")).toArray()},
                       {"usage", usage}};
}

QByteArray sequenced(QJsonObject data, int *sequence)
{
    data.insert(QStringLiteral("sequence_number"), (*sequence)++);
    return namedFrame(data);
}

} // namespace

QString FakeUpstream::responsesReasoning(int callNumber)
{
    return QStringLiteral("**Thinking** about request #%1").arg(callNumber);
}

QString FakeUpstream::responsesEncryptedContent(int callNumber)
{
    // Opaque to the client and resent next turn: any change breaks the agent's next key.
    return QStringLiteral("gAAAAB%1+/=fake-encrypted==").arg(callNumber * 7919);
}

QString FakeUpstream::responsesArguments(int callNumber)
{
    return QString::fromUtf8(compact(QJsonObject{
        {"command", QJsonArray{"bash", "-lc", QStringLiteral("echo \"answer %1\"").arg(callNumber)}}}));
}

QJsonObject FakeUpstream::responsesUsage(int callNumber, const QJsonObject &request, bool withToolCall)
{
    const int input = wordCount(promptOf("/v1/responses", request)) + 11;
    const int output = wordCount(answerText(callNumber, promptOf("/v1/responses", request)))
                       + 5 + (withToolCall ? 9 : 0);
    return QJsonObject{{"input_tokens", input},
                       {"input_tokens_details", QJsonObject{{"cached_tokens", 0}}},
                       {"output_tokens", output},
                       {"output_tokens_details", QJsonObject{{"reasoning_tokens", 5}}},
                       {"total_tokens", input + output}};
}

QByteArray FakeUpstream::responsesBody(int callNumber, const QJsonObject &request, bool withToolCall)
{
    const QString text = answerText(callNumber, promptOf("/v1/responses", request));
    QJsonArray output{reasoningItem(callNumber), messageItem(callNumber, text)};
    if (withToolCall)
        output.append(functionCallItem(callNumber));
    return compact(responseObject(callNumber, request, output, QStringLiteral("completed"),
                                  responsesUsage(callNumber, request, withToolCall)));
}

QList<QByteArray> FakeUpstream::responsesStreamFrames(int callNumber, const QJsonObject &request,
                                                      const Scenario &scenario)
{
    int seq = 0;
    QList<QByteArray> frames;
    const QJsonObject started = responseObject(callNumber, request, QJsonArray{},
                                               QStringLiteral("in_progress"), QJsonValue::Null);
    frames << sequenced({{"type", "response.created"}, {"response", started}}, &seq);
    frames << sequenced({{"type", "response.in_progress"}, {"response", started}}, &seq);

    // Item 0: reasoning with one summary part.
    const QJsonObject reasoning = reasoningItem(callNumber);
    const QString rsId = reasoning.value(QLatin1String("id")).toString();
    frames << sequenced({{"type", "response.output_item.added"}, {"output_index", 0},
                     {"item", QJsonObject{{"id", rsId}, {"type", "reasoning"}, {"summary", QJsonArray{}}}}}, &seq);
    const QJsonObject emptySummary{{"type", "summary_text"}, {"text", ""}};
    frames << sequenced({{"type", "response.reasoning_summary_part.added"}, {"item_id", rsId},
                     {"output_index", 0}, {"summary_index", 0}, {"part", emptySummary}}, &seq);
    const QString summary = responsesReasoning(callNumber);
    for (const QString &piece : splitWords(summary)) {
        frames << sequenced({{"type", "response.reasoning_summary_text.delta"}, {"item_id", rsId},
                         {"output_index", 0}, {"summary_index", 0}, {"delta", piece}}, &seq);
    }
    frames << sequenced({{"type", "response.reasoning_summary_text.done"}, {"item_id", rsId},
                     {"output_index", 0}, {"summary_index", 0}, {"text", summary}}, &seq);
    frames << sequenced({{"type", "response.reasoning_summary_part.done"}, {"item_id", rsId},
                     {"output_index", 0}, {"summary_index", 0},
                     {"part", QJsonObject{{"type", "summary_text"}, {"text", summary}}}}, &seq);
    frames << sequenced({{"type", "response.output_item.done"}, {"output_index", 0}, {"item", reasoning}}, &seq);

    // Item 1: the message, one delta a word.
    const QString text = answerText(callNumber, promptOf("/v1/responses", request));
    const QJsonObject message = messageItem(callNumber, text);
    const QString msgId = message.value(QLatin1String("id")).toString();
    QJsonObject startedMessage = message;
    startedMessage.insert(QStringLiteral("status"), QStringLiteral("in_progress"));
    startedMessage.insert(QStringLiteral("content"), QJsonArray{});
    frames << sequenced({{"type", "response.output_item.added"}, {"output_index", 1}, {"item", startedMessage}}, &seq);
    const QJsonObject emptyPart{{"type", "output_text"}, {"text", ""}, {"annotations", QJsonArray{}},
                                {"logprobs", QJsonArray{}}};
    frames << sequenced({{"type", "response.content_part.added"}, {"item_id", msgId}, {"output_index", 1},
                     {"content_index", 0}, {"part", emptyPart}}, &seq);
    for (const QString &word : splitWords(text)) {
        frames << sequenced({{"type", "response.output_text.delta"}, {"item_id", msgId}, {"output_index", 1},
                         {"content_index", 0}, {"delta", word}, {"logprobs", QJsonArray{}}}, &seq);
    }
    frames << sequenced({{"type", "response.output_text.done"}, {"item_id", msgId}, {"output_index", 1},
                     {"content_index", 0}, {"text", text}, {"logprobs", QJsonArray{}}}, &seq);
    frames << sequenced({{"type", "response.content_part.done"}, {"item_id", msgId}, {"output_index", 1},
                     {"content_index", 0},
                     {"part", message.value(QLatin1String("content")).toArray().first()}}, &seq);
    frames << sequenced({{"type", "response.output_item.done"}, {"output_index", 1}, {"item", message}}, &seq);

    QJsonArray output{reasoning, message};
    if (scenario.toolCalls) {   // item 2: a function call, arguments in pieces
        const QJsonObject call = functionCallItem(callNumber);
        const QString fcId = call.value(QLatin1String("id")).toString();
        QJsonObject startedCall = call;
        startedCall.insert(QStringLiteral("status"), QStringLiteral("in_progress"));
        startedCall.insert(QStringLiteral("arguments"), QString());
        frames << sequenced({{"type", "response.output_item.added"}, {"output_index", 2}, {"item", startedCall}}, &seq);
        const QString arguments = responsesArguments(callNumber);
        for (const QString &piece : splitEvery(arguments, 7)) {
            frames << sequenced({{"type", "response.function_call_arguments.delta"}, {"item_id", fcId},
                             {"output_index", 2}, {"delta", piece}}, &seq);
        }
        frames << sequenced({{"type", "response.function_call_arguments.done"}, {"item_id", fcId},
                         {"output_index", 2}, {"arguments", arguments}}, &seq);
        frames << sequenced({{"type", "response.output_item.done"}, {"output_index", 2}, {"item", call}}, &seq);
        output.append(call);
    }
    if (scenario.kind == Scenario::Kind::ErrorEventMidStream) {
        // How a Responses stream fails: response.failed with the error in the response.
        QJsonObject failed = responseObject(callNumber, request, output, QStringLiteral("failed"),
                                            QJsonValue::Null);
        failed.insert(QStringLiteral("error"), QJsonObject{{"code", "server_error"},
                                                           {"message", "The model failed mid-stream"}});
        frames = frames.mid(0, qMin<qsizetype>(scenario.eventsBeforeFailure, frames.size()));
        frames << sequenced({{"type", "response.failed"}, {"response", failed}}, &seq);
        return frames;
    }
    frames << sequenced({{"type", "response.completed"},
                     {"response", responseObject(callNumber, request, output, QStringLiteral("completed"),
                                                 responsesUsage(callNumber, request, scenario.toolCalls))}},
                    &seq);
    return frames;
}

} // namespace cachette::test
