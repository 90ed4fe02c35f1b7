#include "cache/sseparser.h"
#include "cache/streamrecorder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace cachette::cache;

namespace {

// --- Fixtures -------------------------------------------------------------------------------

// One OpenAI chat chunk line, exactly as api.openai.com frames it.
QByteArray chatChunk(const QByteArray &delta, const QByteArray &finishReason = "null",
                     int index = 0)
{
    return R"(data: {"id":"chatcmpl-AJ8f2kQz","object":"chat.completion.chunk","created":1729000000,)"
           R"("model":"gpt-4o-2024-08-06","system_fingerprint":"fp_a7d06e42a7","choices":[{"index":)"
           + QByteArray::number(index) + R"(,"delta":)" + delta
           + R"(,"logprobs":null,"finish_reason":)" + finishReason + "}]}\n\n";
}

const QByteArray kDone = "data: [DONE]\n\n";

const QByteArray kUsageChunk =
    R"(data: {"id":"chatcmpl-AJ8f2kQz","object":"chat.completion.chunk","created":1729000000,)"
    R"("model":"gpt-4o-2024-08-06","system_fingerprint":"fp_a7d06e42a7","choices":[],)"
    R"("usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,)"
    R"("prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},)"
    R"("completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}}})" "\n\n";

// A plain text answer with stream_options.include_usage.
QByteArray textStream()
{
    return chatChunk(R"({"role":"assistant","content":"","refusal":null})")
           + chatChunk(R"({"content":"Hello"})") + chatChunk(R"({"content":"! How can"})")
           + chatChunk(R"({"content":" I help you today?"})") + chatChunk("{}", "\"stop\"")
           + kUsageChunk + kDone;
}

const QString kArgs0 = QStringLiteral(R"json({"language": "python", "code": "import os\nprint(os.getcwd())"})json");
const QString kArgs1 = QStringLiteral(R"({"language": "shell", "code": "ls -la ~/Desktop | head -n 5"})");

// The arguments as OpenAI streams them: a few characters per chunk, JSON-escaped.
QList<QByteArray> argumentFragments(const QString &arguments, int size)
{
    QList<QByteArray> fragments;
    for (qsizetype at = 0; at < arguments.size(); at += size) {
        const QJsonArray wrapped{arguments.mid(at, size)};
        const QByteArray json = QJsonDocument(wrapped).toJson(QJsonDocument::Compact);
        fragments.append(json.mid(1, json.size() - 2));   // the quoted string alone
    }
    return fragments;
}

QByteArray toolDelta(int index, const QByteArray &argumentsJson)
{
    return R"({"tool_calls":[{"index":)" + QByteArray::number(index)
           + R"(,"function":{"arguments":)" + argumentsJson + "}}]}";
}

// Open Interpreter's execute(language, code), twice in parallel. The second call starts
// before the first has finished, so fragments of both indexes interleave.
QByteArray parallelToolCallStream()
{
    QByteArray stream = chatChunk(
        R"({"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_Xq1Yb2","type":"function","function":{"name":"execute","arguments":""}}],"refusal":null})");
    const QList<QByteArray> first = argumentFragments(kArgs0, 4);
    const QList<QByteArray> second = argumentFragments(kArgs1, 5);
    for (qsizetype i = 0; i < first.size() / 2; ++i)
        stream += chatChunk(toolDelta(0, first[i]));
    stream += chatChunk(
        R"({"tool_calls":[{"index":1,"id":"call_Zr3Wc4","type":"function","function":{"name":"execute","arguments":""}}]})");
    for (qsizetype i = first.size() / 2, j = 0; i < first.size() || j < second.size(); ++i, ++j) {
        if (i < first.size())
            stream += chatChunk(toolDelta(0, first[i]));
        if (j < second.size())
            stream += chatChunk(toolDelta(1, second[j]));
    }
    return stream + chatChunk("{}", "\"tool_calls\"") + kDone;
}

// OpenRouter: keep-alive comments, provider fields, usage with cost on a chunk that still
// has a (empty) choice.
const QByteArray kOpenRouterStream =
    ": OPENROUTER PROCESSING\n\n"
    ": OPENROUTER PROCESSING\n\n"
    R"(data: {"id":"gen-1729000001-AbCdEf","provider":"OpenAI","model":"openai/gpt-4o","object":"chat.completion.chunk","created":1729000001,"choices":[{"index":0,"delta":{"role":"assistant","content":"The capital"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]})"
    "\n\n"
    ": OPENROUTER PROCESSING\n\n"
    R"(data: {"id":"gen-1729000001-AbCdEf","provider":"OpenAI","model":"openai/gpt-4o","object":"chat.completion.chunk","created":1729000001,"choices":[{"index":0,"delta":{"role":"assistant","content":" is Paris."},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]})"
    "\n\n"
    R"(data: {"id":"gen-1729000001-AbCdEf","provider":"OpenAI","model":"openai/gpt-4o","object":"chat.completion.chunk","created":1729000001,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]})"
    "\n\n"
    R"(data: {"id":"gen-1729000001-AbCdEf","provider":"OpenAI","model":"openai/gpt-4o","object":"chat.completion.chunk","created":1729000001,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"usage":{"prompt_tokens":14,"completion_tokens":6,"total_tokens":20,"cost":0.0000955,"is_byok":false,"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":0}}})"
    "\n\n"
    "data: [DONE]\n\n";

const QByteArray kErrorEvent =
    R"(data: {"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}})"
    "\n\n";

// An Anthropic Messages stream: a text block and a tool_use block with split input JSON.
// Quotes inside JSON strings are written \u0022: moc mis-lexes \" inside raw string literals.
const QByteArray kAnthropicStream =
    "event: message_start\n"
    R"(data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-3-5-sonnet-20241022","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":2}}})"
    "\n\n"
    "event: content_block_start\n"
    R"(data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})"
    "\n\n"
    "event: ping\n"
    R"(data: {"type": "ping"})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check"}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" the weather."}})"
    "\n\n"
    "event: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":0})"
    "\n\n"
    "event: content_block_start\n"
    R"(data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\u0022location\u0022: \u0022San Fra"}})"
    "\n\n"
    "event: content_block_delta\n"
    R"(data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\u0022}"}})"
    "\n\n"
    "event: content_block_stop\n"
    R"(data: {"type":"content_block_stop","index":1})"
    "\n\n"
    "event: message_delta\n"
    R"(data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}})"
    "\n\n"
    "event: message_stop\n"
    R"(data: {"type":"message_stop"})"
    "\n\n";

// --- Helpers --------------------------------------------------------------------------------

// Parses the bytes in awkward pieces, as the network would deliver them, and records them.
void feed(StreamRecorder &recorder, const QByteArray &stream, int pieceSize = 7)
{
    SseParser parser;
    for (qsizetype at = 0; at < stream.size(); at += pieceSize) {
        for (const SseEvent &event : parser.feed(stream.mid(at, pieceSize)))
            recorder.add(event);
    }
    for (const SseEvent &event : parser.finish())
        recorder.add(event);
}

QJsonObject object(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << "bad JSON:" << error.errorString() << json;
    return document.object();
}

QJsonObject assembled(const QString &endpoint, const QByteArray &stream)
{
    StreamRecorder recorder(endpoint);
    feed(recorder, stream);
    return object(recorder.assembledResponse());
}

QJsonObject firstMessage(const QJsonObject &response)
{
    return response[QLatin1String("choices")][0][QLatin1String("message")].toObject();
}

SseEvent dataEvent(const QByteArray &data)
{
    SseEvent event;
    event.data = data;
    event.raw = "data: " + data + "\n\n";
    return event;
}

} // namespace

class TestStreamRecorder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void textStreamAssembles()
    {
        StreamRecorder recorder(QStringLiteral("chat/completions"));
        feed(recorder, textStream());
        QVERIFY(recorder.isComplete());
        QVERIFY(!recorder.hasError());
        QCOMPARE(recorder.recordedEvents(), textStream());

        const QJsonObject response = object(recorder.assembledResponse());
        QCOMPARE(response[QLatin1String("id")].toString(), QStringLiteral("chatcmpl-AJ8f2kQz"));
        QCOMPARE(response[QLatin1String("object")].toString(), QStringLiteral("chat.completion"));
        QCOMPARE(response[QLatin1String("created")].toInteger(), 1729000000);
        QCOMPARE(response[QLatin1String("model")].toString(), QStringLiteral("gpt-4o-2024-08-06"));
        QCOMPARE(response[QLatin1String("system_fingerprint")].toString(), QStringLiteral("fp_a7d06e42a7"));

        const QJsonArray choices = response[QLatin1String("choices")].toArray();
        QCOMPARE(choices.size(), 1);
        const QJsonObject choice = choices[0].toObject();
        QCOMPARE(choice[QLatin1String("index")].toInt(), 0);
        QCOMPARE(choice[QLatin1String("finish_reason")].toString(), QStringLiteral("stop"));
        QVERIFY(choice[QLatin1String("logprobs")].isNull());
        const QJsonObject message = choice[QLatin1String("message")].toObject();
        QCOMPARE(message[QLatin1String("role")].toString(), QStringLiteral("assistant"));
        QCOMPARE(message[QLatin1String("content")].toString(), QStringLiteral("Hello! How can I help you today?"));
        QVERIFY(!message.contains(QLatin1String("refusal")));
        QVERIFY(!message.contains(QLatin1String("tool_calls")));

        const QJsonObject usage = response[QLatin1String("usage")].toObject();
        QCOMPARE(usage[QLatin1String("prompt_tokens")].toInt(), 19);
        QCOMPARE(usage[QLatin1String("completion_tokens")].toInt(), 10);
        QCOMPARE(usage[QLatin1String("total_tokens")].toInt(), 29);
        QCOMPARE(usage[QLatin1String("completion_tokens_details")][QLatin1String("reasoning_tokens")].toInt(), 0);

        QVERIFY(recorder.usage().known);
        QCOMPARE(recorder.usage().promptTokens, 19);
        QCOMPARE(recorder.usage().completionTokens, 10);
        QCOMPARE(recorder.usage().cachedPromptTokens, 0);
        QCOMPARE(recorder.costUsd(), -1.0);
    }

    void parallelToolCallsMergeByIndex()
    {
        const QByteArray stream = parallelToolCallStream();
        QVERIFY(stream.count("\"index\":1,\"function\"") > 5);   // the fixture really splits
        StreamRecorder recorder(QStringLiteral("chat/completions"));
        feed(recorder, stream, 13);
        QVERIFY(recorder.isComplete());
        // Open Interpreter sends no stream_options: the stream carries no usage.
        QVERIFY(!recorder.usage().known);

        const QJsonObject response = object(recorder.assembledResponse());
        QVERIFY(!response.contains(QLatin1String("usage")));
        const QJsonObject choice = response[QLatin1String("choices")][0].toObject();
        QCOMPARE(choice[QLatin1String("finish_reason")].toString(), QStringLiteral("tool_calls"));
        const QJsonObject message = choice[QLatin1String("message")].toObject();
        QVERIFY(message[QLatin1String("content")].isNull());
        const QJsonArray calls = message[QLatin1String("tool_calls")].toArray();
        QCOMPARE(calls.size(), 2);

        const QJsonObject first = calls[0].toObject();
        QCOMPARE(first[QLatin1String("id")].toString(), QStringLiteral("call_Xq1Yb2"));
        QCOMPARE(first[QLatin1String("type")].toString(), QStringLiteral("function"));
        QVERIFY(!first.contains(QLatin1String("index")));
        QCOMPARE(first[QLatin1String("function")][QLatin1String("name")].toString(), QStringLiteral("execute"));
        QCOMPARE(first[QLatin1String("function")][QLatin1String("arguments")].toString(), kArgs0);

        const QJsonObject second = calls[1].toObject();
        QCOMPARE(second[QLatin1String("id")].toString(), QStringLiteral("call_Zr3Wc4"));
        QCOMPARE(second[QLatin1String("function")][QLatin1String("arguments")].toString(), kArgs1);
        const QJsonObject parsed = object(kArgs1.toUtf8());
        QCOMPARE(parsed[QLatin1String("language")].toString(), QStringLiteral("shell"));
        QCOMPARE(parsed[QLatin1String("code")].toString(), QStringLiteral("ls -la ~/Desktop | head -n 5"));
        QCOMPARE(object(kArgs0.toUtf8())[QLatin1String("code")].toString(),
                 QStringLiteral("import os\nprint(os.getcwd())"));
    }

    // fuzz_sse_stream: an id-only call after one at index INT_MAX computed INT_MAX + 1 (signed
    // overflow; in practice INT_MIN, so the later call came out first as a call of its own).
    void toolCallAfterIndexIntMaxJoinsIt()
    {
        const QByteArray stream =
            chatChunk(R"({"tool_calls":[{"index":2147483647,"id":"call_a","function":{"name":"f","arguments":"{"}}]})")
            + chatChunk(R"({"tool_calls":[{"id":"call_b","function":{"arguments":"}"}}]})")
            + chatChunk("{}", "\"tool_calls\"") + kDone;
        StreamRecorder recorder(QStringLiteral("chat/completions"));
        feed(recorder, stream);
        QVERIFY(recorder.isComplete());
        const QJsonArray calls = object(recorder.assembledResponse())[QLatin1String("choices")][0]
                                     [QLatin1String("message")][QLatin1String("tool_calls")].toArray();
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0][QLatin1String("id")].toString(), QStringLiteral("call_a"));
        QCOMPARE(calls[0][QLatin1String("function")][QLatin1String("arguments")].toString(),
                 QStringLiteral("{}"));
    }

    void openRouterCommentsAndCost()
    {
        StreamRecorder recorder(QStringLiteral("chat/completions"));
        feed(recorder, kOpenRouterStream, 5);
        QVERIFY(recorder.isComplete());
        QVERIFY(!recorder.recordedEvents().contains("OPENROUTER"));
        QVERIFY(recorder.recordedEvents().startsWith("data: {\"id\":\"gen-1729000001-AbCdEf\""));
        QVERIFY(recorder.recordedEvents().endsWith(kDone));
        QCOMPARE(recorder.costUsd(), 0.0000955);
        QCOMPARE(recorder.usage().promptTokens, 14);
        QCOMPARE(recorder.usage().completionTokens, 6);
        QCOMPARE(recorder.usage().cachedPromptTokens, 8);

        const QJsonObject response = object(recorder.assembledResponse());
        QCOMPARE(firstMessage(response)[QLatin1String("content")].toString(),
                 QStringLiteral("The capital is Paris."));
        // The empty usage chunk's null finish_reason does not undo "stop".
        QCOMPARE(response[QLatin1String("choices")][0][QLatin1String("finish_reason")].toString(),
                 QStringLiteral("stop"));
        QCOMPARE(response[QLatin1String("usage")][QLatin1String("cost")].toDouble(), 0.0000955);
        QCOMPARE(response[QLatin1String("model")].toString(), QStringLiteral("openai/gpt-4o"));
    }

    void errorMidStreamIsNotComplete()
    {
        const QByteArray stream = chatChunk(R"({"role":"assistant","content":""})")
                                  + chatChunk(R"({"content":"Partial ans"})") + kErrorEvent + kDone;
        StreamRecorder recorder(QStringLiteral("chat/completions"));
        feed(recorder, stream);
        QVERIFY(recorder.hasError());
        QVERIFY(!recorder.isComplete());
    }

    void streamCutBeforeDoneIsNotComplete()
    {
        const QByteArray whole = textStream();
        const QByteArray cut = whole.left(whole.indexOf(kDone));
        StreamRecorder recorder(QStringLiteral("chat/completions"));
        feed(recorder, cut);
        QVERIFY(!recorder.isComplete());
        QVERIFY(!recorder.hasError());
        // Cut inside an event: the parser still holds it, the recorder never saw it.
        SseParser parser;
        StreamRecorder midEvent(QStringLiteral("chat/completions"));
        for (const SseEvent &event : parser.feed(whole.left(whole.size() - 5)))
            midEvent.add(event);
        QVERIFY(parser.hasPartialEvent());
        QVERIFY(!midEvent.isComplete());
        QCOMPARE(midEvent.recordedEvents(), cut);
    }

    void usageOnlyChunk_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<bool>("usageOnly");
        const QByteArray openAiUsage = kUsageChunk.mid(6, kUsageChunk.size() - 8);
        QTest::newRow("OpenAI usage chunk") << openAiUsage << true;
        QTest::newRow("content chunk")
            << chatChunk(R"({"content":"Hello"})").mid(6).trimmed() << false;
        QTest::newRow("OpenRouter usage with a choice")
            << QByteArray(R"({"choices":[{"index":0,"delta":{}}],"usage":{"prompt_tokens":1}})") << false;
        QTest::newRow("null usage")
            << QByteArray(R"({"choices":[],"usage":null})") << false;
        QTest::newRow("done") << QByteArray("[DONE]") << false;
        QTest::newRow("garbage") << QByteArray("{not json") << false;
    }

    void usageOnlyChunk()
    {
        QFETCH(QByteArray, data);
        QFETCH(bool, usageOnly);
        QCOMPARE(StreamRecorder::isUsageOnlyChunk(dataEvent(data)), usageOnly);
    }

    void commentEventsAreNotRecorded()
    {
        StreamRecorder recorder(QStringLiteral("chat/completions"));
        SseEvent comment;
        comment.raw = ": OPENROUTER PROCESSING\n\n";
        comment.commentOnly = true;
        recorder.add(comment);
        QVERIFY(recorder.recordedEvents().isEmpty());
        recorder.add(dataEvent("[DONE]"));
        QCOMPARE(recorder.recordedEvents(), kDone);
        QVERIFY(recorder.isComplete());
    }

    void textCompletionStream()
    {
        auto chunk = [](const QByteArray &text, const QByteArray &finish) -> QByteArray {
            return R"(data: {"id":"cmpl-8xYz","object":"text_completion","created":1729000002,"choices":[{"text":)"
                   + text + R"(,"index":0,"logprobs":null,"finish_reason":)" + finish
                   + R"(}],"model":"gpt-3.5-turbo-instruct"})" "\n\n";
        };
        const QByteArray stream = chunk(R"("\n\nThis")", "null") + chunk(R"(" is a")", "null")
                                  + chunk(R"(" test.")", "null") + chunk(R"("")", R"("stop")") + kDone;
        StreamRecorder recorder(QStringLiteral("completions"));
        feed(recorder, stream);
        QVERIFY(recorder.isComplete());
        const QJsonObject response = object(recorder.assembledResponse());
        QCOMPARE(response[QLatin1String("object")].toString(), QStringLiteral("text_completion"));
        QCOMPARE(response[QLatin1String("id")].toString(), QStringLiteral("cmpl-8xYz"));
        const QJsonObject choice = response[QLatin1String("choices")][0].toObject();
        QCOMPARE(choice[QLatin1String("text")].toString(), QStringLiteral("\n\nThis is a test."));
        QCOMPARE(choice[QLatin1String("finish_reason")].toString(), QStringLiteral("stop"));
        QVERIFY(choice[QLatin1String("logprobs")].isNull());
    }

    void synthesizedStreamShape()
    {
        const QByteArray response = R"({"id":"chatcmpl-123","object":"chat.completion","created":1677652288,)"
            R"("model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,)"
            R"("message":{"role":"assistant","content":"Hello there.","refusal":null},"logprobs":null,)"
            R"("finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}})";
        const QList<QByteArray> events = synthesizeStream(QStringLiteral("chat/completions"), response, true);
        QCOMPARE(events.size(), 5);
        for (const QByteArray &event : events) {
            QVERIFY(event.startsWith("data: "));
            QVERIFY(event.endsWith("\n\n"));
        }
        QCOMPARE(events.last(), kDone);
        const QJsonObject first = object(events[0].mid(6));
        QCOMPARE(first[QLatin1String("object")].toString(), QStringLiteral("chat.completion.chunk"));
        QCOMPARE(first[QLatin1String("id")].toString(), QStringLiteral("chatcmpl-123"));
        QCOMPARE(first[QLatin1String("system_fingerprint")].toString(), QStringLiteral("fp_44709d6fcb"));
        const QJsonObject firstChoice = first[QLatin1String("choices")][0].toObject();
        QCOMPARE(firstChoice[QLatin1String("delta")].toObject(),
                 (QJsonObject{{QLatin1String("role"), QLatin1String("assistant")},
                              {QLatin1String("content"), QLatin1String("")}}));
        QVERIFY(firstChoice[QLatin1String("finish_reason")].isNull());
        QCOMPARE(object(events[1].mid(6))[QLatin1String("choices")][0][QLatin1String("delta")]
                     [QLatin1String("content")].toString(), QStringLiteral("Hello there."));
        const QJsonObject finish = object(events[2].mid(6))[QLatin1String("choices")][0].toObject();
        QCOMPARE(finish[QLatin1String("delta")].toObject(), QJsonObject());
        QCOMPARE(finish[QLatin1String("finish_reason")].toString(), QStringLiteral("stop"));
        SseEvent usage = dataEvent(events[3].mid(6).trimmed());
        QVERIFY(StreamRecorder::isUsageOnlyChunk(usage));

        const QList<QByteArray> withoutUsage =
            synthesizeStream(QStringLiteral("chat/completions"), response, false);
        QCOMPARE(withoutUsage.size(), 4);
        QVERIFY(!withoutUsage.join().contains("\"usage\""));

        QVERIFY(synthesizeStream(QStringLiteral("chat/completions"), "not json", true).isEmpty());
        QVERIFY(synthesizeStream(QStringLiteral("embeddings"), R"({"data":[]})", true).isEmpty());
    }

    // Non-stream answer → synthesized stream → recorder must give back the same answer.
    void roundTripFromResponse_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QByteArray>("response");

        QTest::newRow("chat text") << QStringLiteral("chat/completions") << QByteArray(
            R"({"id":"chatcmpl-123","object":"chat.completion","created":1677652288,"model":"gpt-4o-mini",)"
            R"("system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"message":{"role":"assistant",)"
            R"("content":"Hello there, how may I assist you today?"},"logprobs":null,"finish_reason":"stop"}],)"
            R"("usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0}}})");
        QTest::newRow("chat two tool calls") << QStringLiteral("chat/completions") << QByteArray(
            R"({"id":"chatcmpl-abc","object":"chat.completion","created":1729000000,"model":"gpt-4o",)"
            R"("choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[)"
            R"({"id":"call_1","type":"function","function":{"name":"execute","arguments":"{\u0022language\u0022:\u0022python\u0022,\u0022code\u0022:\u0022print(1)\u0022}"}},)"
            R"({"id":"call_2","type":"function","function":{"name":"execute","arguments":"{\u0022language\u0022:\u0022shell\u0022,\u0022code\u0022:\u0022ls\u0022}"}}]},)"
            R"("logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":80,"completion_tokens":40,"total_tokens":120}})");
        QTest::newRow("chat text and tool call, n=2") << QStringLiteral("chat/completions") << QByteArray(
            R"({"id":"chatcmpl-n2","object":"chat.completion","created":1729000000,"model":"gpt-4o",)"
            R"("choices":[{"index":0,"message":{"role":"assistant","content":"Running it.","tool_calls":[)"
            R"({"id":"call_9","type":"function","function":{"name":"execute","arguments":"{}"}}]},"logprobs":null,"finish_reason":"tool_calls"},)"
            R"({"index":1,"message":{"role":"assistant","content":"Second."},"logprobs":null,"finish_reason":"length"}],)"
            R"("usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}})");
        QTest::newRow("chat refusal") << QStringLiteral("chat/completions") << QByteArray(
            R"({"id":"chatcmpl-r","object":"chat.completion","created":1729000000,"model":"gpt-4o",)"
            R"("choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},)"
            R"("logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}})");
        QTest::newRow("chat logprobs") << QStringLiteral("chat/completions") << QByteArray(
            R"({"id":"chatcmpl-lp","object":"chat.completion","created":1729000000,"model":"gpt-4o",)"
            R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"logprobs":{"content":[)"
            R"({"token":"Hi","logprob":-0.01,"bytes":[72,105],"top_logprobs":[]}]},"finish_reason":"stop"}],)"
            R"("usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}})");
        QTest::newRow("completions") << QStringLiteral("completions") << QByteArray(
            R"({"id":"cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7","object":"text_completion","created":1589478378,)"
            R"("model":"gpt-3.5-turbo-instruct","choices":[{"text":"\n\nThis is indeed a test","index":0,)"
            R"("logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}})");
        QTest::newRow("anthropic") << QStringLiteral("messages") << QByteArray(
            R"({"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant","model":"claude-3-5-sonnet-20241022",)"
            R"("content":[{"type":"text","text":"I'll run that."},{"type":"tool_use","id":"toolu_01A","name":"execute",)"
            R"json("input":{"language":"python","code":"print(2 + 2)"}}],"stop_reason":"tool_use","stop_sequence":null,)json"
            R"("usage":{"input_tokens":2095,"output_tokens":503,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}})");
    }

    void roundTripFromResponse()
    {
        QFETCH(QString, endpoint);
        QFETCH(QByteArray, response);
        StreamRecorder recorder(endpoint);
        for (const QByteArray &event : synthesizeStream(endpoint, response, true))
            feed(recorder, event, 3);
        QVERIFY(recorder.isComplete());

        const QJsonObject original = object(response);
        const QJsonObject rebuilt = object(recorder.assembledResponse());
        QCOMPARE(rebuilt, original);
        QCOMPARE(recorder.usage().promptTokens, usageFromResponse(original).promptTokens);
        QCOMPARE(recorder.usage().completionTokens, usageFromResponse(original).completionTokens);
    }

    // Stream → assembled answer → synthesized stream → assembled again: nothing is lost.
    void roundTripFromStream_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QByteArray>("stream");
        QTest::newRow("text") << QStringLiteral("chat/completions") << textStream();
        QTest::newRow("parallel tool calls") << QStringLiteral("chat/completions") << parallelToolCallStream();
        QTest::newRow("openrouter") << QStringLiteral("chat/completions") << kOpenRouterStream;
        QTest::newRow("anthropic") << QStringLiteral("messages") << kAnthropicStream;
    }

    void roundTripFromStream()
    {
        QFETCH(QString, endpoint);
        QFETCH(QByteArray, stream);
        const QJsonObject first = assembled(endpoint, stream);
        const QByteArray synthesized =
            synthesizeStream(endpoint, QJsonDocument(first).toJson(), true).join();
        StreamRecorder again(endpoint);
        feed(again, synthesized);
        QVERIFY(again.isComplete());
        QCOMPARE(object(again.assembledResponse()), first);
    }

    void anthropicStreamAssembles()
    {
        StreamRecorder recorder(QStringLiteral("messages"));
        feed(recorder, kAnthropicStream, 11);
        QVERIFY(recorder.isComplete());
        // input_tokens + cache reads + cache writes, as OpenAI counts prompt tokens.
        QCOMPARE(recorder.usage().promptTokens, 572);
        QCOMPARE(recorder.usage().cachedPromptTokens, 100);
        QCOMPARE(recorder.usage().completionTokens, 89);

        const QJsonObject message = object(recorder.assembledResponse());
        QCOMPARE(message[QLatin1String("id")].toString(), QStringLiteral("msg_01XFDUDYJgAACzvnptvVoYEL"));
        QCOMPARE(message[QLatin1String("stop_reason")].toString(), QStringLiteral("tool_use"));
        QCOMPARE(message[QLatin1String("usage")][QLatin1String("output_tokens")].toInt(), 89);
        QCOMPARE(message[QLatin1String("usage")][QLatin1String("input_tokens")].toInt(), 472);
        const QJsonArray content = message[QLatin1String("content")].toArray();
        QCOMPARE(content.size(), 2);
        QCOMPARE(content[0][QLatin1String("text")].toString(), QStringLiteral("Let me check the weather."));
        QCOMPARE(content[1][QLatin1String("name")].toString(), QStringLiteral("get_weather"));
        QCOMPARE(content[1][QLatin1String("input")].toObject(),
                 (QJsonObject{{QLatin1String("location"), QLatin1String("San Francisco, CA")}}));

        StreamRecorder cut(QStringLiteral("messages"));
        feed(cut, kAnthropicStream.left(kAnthropicStream.indexOf("event: message_stop")));
        QVERIFY(!cut.isComplete());

        StreamRecorder failed(QStringLiteral("messages"));
        feed(failed, kAnthropicStream.left(kAnthropicStream.indexOf("event: message_delta"))
                         + "event: error\n"
                           R"(data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"
                           "\n\n"
                         + kAnthropicStream.mid(kAnthropicStream.indexOf("event: message_stop")));
        QVERIFY(failed.hasError());
        QVERIFY(!failed.isComplete());
    }

    void usageFromNonStreamResponses()
    {
        const QJsonObject chat = object(
            R"({"usage":{"prompt_tokens":1200,"completion_tokens":80,"total_tokens":1280,"prompt_tokens_details":{"cached_tokens":1024}}})");
        QVERIFY(usageFromResponse(chat).known);
        QCOMPARE(usageFromResponse(chat).promptTokens, 1200);
        QCOMPARE(usageFromResponse(chat).completionTokens, 80);
        QCOMPARE(usageFromResponse(chat).cachedPromptTokens, 1024);
        QCOMPARE(costFromResponse(chat), -1.0);

        const QJsonObject embeddings = object(
            R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":"AAAAAA=="}],)"
            R"("model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}})");
        QVERIFY(usageFromResponse(embeddings).known);
        QCOMPARE(usageFromResponse(embeddings).promptTokens, 8);
        QCOMPARE(usageFromResponse(embeddings).completionTokens, 0);

        const QJsonObject openRouter = object(R"({"usage":{"prompt_tokens":14,"completion_tokens":6,"cost":0.0012}})");
        QCOMPARE(costFromResponse(openRouter), 0.0012);

        const QJsonObject none = object(R"({"choices":[]})");
        QVERIFY(!usageFromResponse(none).known);
        QCOMPARE(usageFromResponse(none).promptTokens, 0);
        QCOMPARE(costFromResponse(none), -1.0);
    }
};

QTEST_GUILESS_MAIN(TestStreamRecorder)
#include "TestStreamRecorder.moc"
