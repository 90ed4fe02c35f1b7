#include "cache/responsesstream.h"
#include "cache/sseparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace cachette::cache;

namespace {

// --- Fixtures -------------------------------------------------------------------------------

// Inside the raw-string JSON a quote is written \u0022 and an apostrophe \u0027: Qt 6.4's moc
// reads raw strings as ordinary ones, and a \" or ' in them makes it lose the test class.

// A Codex-style turn with include=["reasoning.encrypted_content"]: a reasoning item with two
// summary parts, a message with a cited answer, then a function call. The arguments and the
// text carry escapes and non-ASCII so any re-encoding would show.
const QByteArray kEncrypted =
    "gAAAAABoR3kV9x0-Qm+Zk/3Lq1yT8c2wW0aB4nR7eJ5dF6hG9iK1lM3oP5qS7uV9xZ2bD4fH6jL8nP0rT2vX4zA=="
    "6cE8gI0kM2oQ4sU6wY8aC0eG2iK4mO6qS8uW0yA2cE4gI6kM8oQ0sU2wY4aC6eG8iK0mO2qS4uW6yA8cE0gI2k/+";

QByteArray responseJson()
{
    return R"({"id":"resp_68b5ebab461881969ed94149372c2a53","object":"response","created_at":1756752811,)"
           R"("status":"completed","background":false,"error":null,"incomplete_details":null,)"
           R"("instructions":"You are Codex, a coding agent.","max_output_tokens":null,"max_tool_calls":null,)"
           R"("model":"gpt-5-codex","output":[)"
           R"({"id":"rs_68b5ebabc0088196afb9","type":"reasoning","encrypted_content":")" + kEncrypted + R"(",)"
           R"("summary":[{"type":"summary_text","text":"**Inspecting the repo**\n\nI should list files first."},)"
           R"({"type":"summary_text","text":"**Planning** the fix for caf\u00e9 \u0022quotes\u0022."}]},)"
           R"({"id":"msg_68b5ebae5a708196b74b","type":"message","status":"completed","role":"assistant",)"
           R"("content":[{"type":"output_text","annotations":[{"type":"url_citation","start_index":0,)"
           R"("end_index":9,"url":"https://docs.python.org/3/library/os.html","title":"os \u2014 Misc"}],)"
           R"("logprobs":[],"text":"Python\u0027s os module lists files.\nLet me run it: `ls -la`."}]},)"
           R"({"id":"fc_68b5ebb0c1d88196a2c4","type":"function_call","status":"completed",)"
           R"("arguments":"{\u0022command\u0022:[\u0022bash\u0022,\u0022-lc\u0022,\u0022ls -la \\\u0022src dir\\\u0022\u0022],\u0022workdir\u0022:\u0022/tmp/\u00fcber\u0022}",)"
           R"("call_id":"call_Xq1Yb2Zr3Wc4","name":"shell"}],)"
           R"("parallel_tool_calls":false,"previous_response_id":null,"prompt_cache_key":"019a-codex-session",)"
           R"("reasoning":{"effort":"medium","summary":"auto"},"safety_identifier":null,"service_tier":"default",)"
           R"("store":false,"temperature":1.0,"text":{"format":{"type":"text"},"verbosity":"medium"},)"
           R"("tool_choice":"auto","tools":[{"type":"function","name":"shell","description":"Runs a command",)"
           R"("parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}}},)"
           R"("strict":false}],"top_logprobs":0,"top_p":1.0,"truncation":"disabled",)"
           R"("usage":{"input_tokens":4120,"input_tokens_details":{"cached_tokens":3968},"output_tokens":245,)"
           R"("output_tokens_details":{"reasoning_tokens":192},"total_tokens":4365},"user":null,"metadata":{}})";
}

QJsonObject object(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("fixture is not JSON: %s", qPrintable(error.errorString()));
    return document.object();
}

QByteArray sse(const QByteArray &type, const QByteArray &data)
{
    return "event: " + type + "\ndata: " + data + "\n\n";
}

// A stream as api.openai.com sends it for a simple tool-using turn: the text and the
// arguments come in several fragments, each event with its sequence_number.
QByteArray recordedStream(const QByteArray &completedOutput)
{
    const QByteArray head =
        R"("id":"resp_0a1b2c","object":"response","created_at":1756800000,"model":"gpt-4.1-2025-04-14",)"
        R"("parallel_tool_calls":true,"tool_choice":"auto","tools":[],"metadata":{},"error":null,"incomplete_details":null)";
    const QByteArray msg = R"("item_id":"msg_0a1b2c","output_index":0,"content_index":0)";
    const QByteArray fc = R"("item_id":"fc_0a1b2c","output_index":1)";
    QByteArray s;
    s += sse("response.created", R"({"type":"response.created","sequence_number":0,"response":{)" + head
                                     + R"(,"status":"in_progress","output":[],"usage":null}})");
    s += sse("response.in_progress", R"({"type":"response.in_progress","sequence_number":1,"response":{)"
                                         + head + R"(,"status":"in_progress","output":[],"usage":null}})");
    s += sse("response.output_item.added",
             R"({"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"msg_0a1b2c","type":"message","status":"in_progress","content":[],"role":"assistant"}})");
    s += sse("response.content_part.added",
             R"({"type":"response.content_part.added","sequence_number":3,)" + msg
                 + R"(,"part":{"type":"output_text","annotations":[],"logprobs":[],"text":""}})");
    int sequence = 4;
    for (const QByteArray &delta : {QByteArray("Checking"), QByteArray(" the weather"),
                                    QByteArray(" in Z\\u00fcrich"), QByteArray(" now.")}) {
        s += sse("response.output_text.delta",
                 R"({"type":"response.output_text.delta","sequence_number":)" + QByteArray::number(sequence++)
                     + "," + msg + R"(,"delta":")" + delta + R"(","logprobs":[],"obfuscation":"x2VAJK"})");
    }
    const QByteArray text = R"("Checking the weather in Z\u00fcrich now.")";
    const QByteArray part = R"({"type":"output_text","annotations":[],"logprobs":[],"text":)" + text + "}";
    const QByteArray message =
        R"({"id":"msg_0a1b2c","type":"message","status":"completed","content":[)" + part + R"(],"role":"assistant"})";
    s += sse("response.output_text.done", R"({"type":"response.output_text.done","sequence_number":8,)"
                                              + msg + R"(,"text":)" + text + R"(,"logprobs":[]})");
    s += sse("response.content_part.done", R"({"type":"response.content_part.done","sequence_number":9,)"
                                               + msg + R"(,"part":)" + part + "}");
    s += sse("response.output_item.done", R"({"type":"response.output_item.done","sequence_number":10,"output_index":0,"item":)"
                                              + message + "}");
    s += sse("response.output_item.added",
             R"({"type":"response.output_item.added","sequence_number":11,"output_index":1,"item":{"id":"fc_0a1b2c","type":"function_call","status":"in_progress","arguments":"","call_id":"call_W7qP","name":"get_weather"}})");
    sequence = 12;
    for (const QByteArray &delta : {QByteArray(R"({\u0022)"), QByteArray(R"(location\u0022:)"),
                                    QByteArray(R"(\u0022Z\u00fcrich, CH\u0022)"), QByteArray("}")}) {
        s += sse("response.function_call_arguments.delta",
                 R"({"type":"response.function_call_arguments.delta","sequence_number":)"
                     + QByteArray::number(sequence++) + "," + fc + R"(,"delta":")" + delta + R"(","obfuscation":"k3"})");
    }
    const QByteArray arguments = R"("{\u0022location\u0022:\u0022Z\u00fcrich, CH\u0022}")";
    const QByteArray call = R"({"id":"fc_0a1b2c","type":"function_call","status":"completed","arguments":)"
                            + arguments + R"(,"call_id":"call_W7qP","name":"get_weather"})";
    s += sse("response.function_call_arguments.done",
             R"({"type":"response.function_call_arguments.done","sequence_number":16,)" + fc
                 + R"(,"arguments":)" + arguments + "}");
    s += sse("response.output_item.done", R"({"type":"response.output_item.done","sequence_number":17,"output_index":1,"item":)"
                                              + call + "}");
    const QByteArray output = completedOutput.isNull() ? "[" + message + "," + call + "]" : completedOutput;
    s += sse("response.completed", R"({"type":"response.completed","sequence_number":18,"response":{)" + head
                                       + R"(,"status":"completed","output":)" + output
                                       + R"(,"usage":{"input_tokens":81,"input_tokens_details":{"cached_tokens":0},)"
                                         R"("output_tokens":29,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":110}}})");
    return s;
}

struct Parsed
{
    QList<QByteArray> names;
    QList<QJsonObject> data;
};

// Through the project's own parser, in awkward pieces, as the proxy would see the bytes.
Parsed parse(const QByteArray &stream, int pieceSize = 5)
{
    Parsed parsed;
    SseParser parser;
    QList<SseEvent> events;
    for (qsizetype at = 0; at < stream.size(); at += pieceSize)
        events += parser.feed(stream.mid(at, pieceSize));
    events += parser.finish();
    for (const SseEvent &event : events) {
        parsed.names.append(event.eventName);
        parsed.data.append(QJsonDocument::fromJson(event.data).object());
    }
    return parsed;
}

QStringList typesOf(const QList<QJsonObject> &events)
{
    QStringList types;
    for (const QJsonObject &event : events)
        types.append(event[QLatin1String("type")].toString());
    return types;
}

QList<QJsonObject> withoutType(const QList<QJsonObject> &events, const QString &type)
{
    QList<QJsonObject> kept;
    for (const QJsonObject &event : events) {
        if (event[QLatin1String("type")].toString() != type)
            kept.append(event);
    }
    return kept;
}

// The same events with response.completed's output emptied, as a slim provider sends it.
QList<QJsonObject> slimmed(QList<QJsonObject> events)
{
    for (QJsonObject &event : events) {
        if (event[QLatin1String("type")].toString() != u"response.completed")
            continue;
        QJsonObject response = event[QLatin1String("response")].toObject();
        response.insert(QLatin1String("output"), QJsonArray());
        event.insert(QLatin1String("response"), response);
    }
    return events;
}

} // namespace

class TestResponsesStream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void synthesizedStreamRoundTrips()
    {
        const QJsonObject original = object(responseJson());
        const QList<QByteArray> events = responses::synthesizeStream(original);
        const Parsed parsed = parse(events.join());
        QCOMPARE(parsed.data.size(), events.size());
        for (qsizetype i = 0; i < parsed.data.size(); ++i) {
            QCOMPARE(QString::fromUtf8(parsed.names[i]), parsed.data[i][QLatin1String("type")].toString());
            QCOMPARE(parsed.data[i][QLatin1String("sequence_number")].toInt(-1), int(i));
        }
        QCOMPARE(responses::assembleResponse(parsed.data), original);

        // Even fed one event at a time, each is a whole SSE event on its own.
        for (const QByteArray &event : events) {
            SseParser parser;
            QCOMPARE(parser.feed(event).size(), 1);
            QVERIFY(!parser.hasPartialEvent());
        }
    }

    void synthesizedEventsFollowOpenAiOrder()
    {
        const Parsed parsed = parse(responses::synthesizeStream(object(responseJson())).join());
        const QStringList expected{
            "response.created", "response.in_progress",
            "response.output_item.added",   // reasoning
            "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
            "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",   // message
            "response.content_part.added", "response.output_text.delta",
            "response.output_text.annotation.added", "response.output_text.done",
            "response.content_part.done", "response.output_item.done",
            "response.output_item.added",   // function call
            "response.function_call_arguments.delta", "response.function_call_arguments.done",
            "response.output_item.done", "response.completed"};
        QCOMPARE(typesOf(parsed.data), expected);

        const QList<QJsonObject> &e = parsed.data;
        const QJsonObject output0 = object(responseJson())[QLatin1String("output")][0].toObject();
        // created: in progress, nothing produced yet, no usage.
        const QJsonObject created = e[0][QLatin1String("response")].toObject();
        QCOMPARE(created[QLatin1String("status")].toString(), QStringLiteral("in_progress"));
        QCOMPARE(created[QLatin1String("output")].toArray().size(), 0);
        QVERIFY(created[QLatin1String("usage")].isNull());
        QCOMPARE(created[QLatin1String("id")].toString(), QStringLiteral("resp_68b5ebab461881969ed94149372c2a53"));
        // The reasoning item starts with an empty summary and ends whole, ciphertext included.
        QCOMPARE(e[2][QLatin1String("item")][QLatin1String("summary")].toArray().size(), 0);
        QCOMPARE(e[2][QLatin1String("output_index")].toInt(-1), 0);
        QCOMPARE(e[3][QLatin1String("item_id")].toString(), QStringLiteral("rs_68b5ebabc0088196afb9"));
        QCOMPARE(e[3][QLatin1String("part")].toObject(),
                 (QJsonObject{{"type", "summary_text"}, {"text", ""}}));
        QCOMPARE(e[7][QLatin1String("summary_index")].toInt(-1), 1);
        QCOMPARE(e[8][QLatin1String("delta")].toString(),
                 output0[QLatin1String("summary")][1][QLatin1String("text")].toString());
        QCOMPARE(e[11][QLatin1String("item")].toObject(), output0);
        QCOMPARE(e[11][QLatin1String("item")][QLatin1String("encrypted_content")].toString().toLatin1(),
                 kEncrypted);
        // The message starts in progress with no content; its text part starts empty.
        QCOMPARE(e[12][QLatin1String("item")][QLatin1String("status")].toString(), QStringLiteral("in_progress"));
        QCOMPARE(e[12][QLatin1String("item")][QLatin1String("content")].toArray().size(), 0);
        QCOMPARE(e[12][QLatin1String("output_index")].toInt(-1), 1);
        QCOMPARE(e[13][QLatin1String("part")].toObject(),
                 (QJsonObject{{"type", "output_text"}, {"annotations", QJsonArray()},
                              {"logprobs", QJsonArray()}, {"text", ""}}));
        QCOMPARE(e[14][QLatin1String("content_index")].toInt(-1), 0);
        QCOMPARE(e[14][QLatin1String("item_id")].toString(), QStringLiteral("msg_68b5ebae5a708196b74b"));
        QVERIFY(e[14][QLatin1String("logprobs")].isArray());
        QCOMPARE(e[15][QLatin1String("annotation_index")].toInt(-1), 0);
        QCOMPARE(e[16][QLatin1String("text")].toString(), e[14][QLatin1String("delta")].toString());
        // The call starts with empty arguments under its call_id and name.
        const QJsonObject callAdded = e[19][QLatin1String("item")].toObject();
        QCOMPARE(callAdded[QLatin1String("arguments")].toString(), QString());
        QCOMPARE(callAdded[QLatin1String("call_id")].toString(), QStringLiteral("call_Xq1Yb2Zr3Wc4"));
        QCOMPARE(callAdded[QLatin1String("name")].toString(), QStringLiteral("shell"));
        QCOMPARE(e[20][QLatin1String("output_index")].toInt(-1), 2);
        QCOMPARE(e[21][QLatin1String("arguments")].toString(),
                 object(responseJson())[QLatin1String("output")][2][QLatin1String("arguments")].toString());
        QCOMPARE(e[23][QLatin1String("response")].toObject(), object(responseJson()));
    }

    void slimCompletedIsRebuiltFromItems()
    {
        const QJsonObject original = object(responseJson());
        const QList<QJsonObject> events = parse(responses::synthesizeStream(original).join()).data;
        QCOMPARE(responses::assembleResponse(slimmed(events)), original);

        // No output key at all: the same.
        QList<QJsonObject> noOutput = events;
        QJsonObject response = noOutput.last()[QLatin1String("response")].toObject();
        response.remove(QLatin1String("output"));
        noOutput.last().insert(QLatin1String("response"), response);
        QCOMPARE(responses::assembleResponse(noOutput), original);

        // Without output_item.done either, the items come from their deltas.
        const QJsonObject rebuilt = responses::assembleResponse(
            withoutType(slimmed(events), QStringLiteral("response.output_item.done")));
        const QJsonArray output = rebuilt[QLatin1String("output")].toArray();
        const QJsonArray expected = original[QLatin1String("output")].toArray();
        QCOMPARE(output.size(), 3);
        QCOMPARE(output[0][QLatin1String("summary")], expected[0][QLatin1String("summary")]);
        QCOMPARE(output[0][QLatin1String("encrypted_content")], expected[0][QLatin1String("encrypted_content")]);
        QCOMPARE(output[1][QLatin1String("content")], expected[1][QLatin1String("content")]);
        QCOMPARE(output[2][QLatin1String("arguments")], expected[2][QLatin1String("arguments")]);
        QCOMPARE(output[2][QLatin1String("call_id")], expected[2][QLatin1String("call_id")]);
        QCOMPARE(responses::outputText(rebuilt), responses::outputText(original));

        // With only the deltas, the text part still gets its text and its annotation.
        QList<QJsonObject> deltasOnly = withoutType(slimmed(events), QStringLiteral("response.output_item.done"));
        deltasOnly = withoutType(deltasOnly, QStringLiteral("response.content_part.done"));
        deltasOnly = withoutType(deltasOnly, QStringLiteral("response.output_text.done"));
        const QJsonObject part = responses::assembleResponse(deltasOnly)[QLatin1String("output")][1]
                                     [QLatin1String("content")][0].toObject();
        QCOMPARE(part, expected[1][QLatin1String("content")][0].toObject());
    }

    void recordedStreamAssembles()
    {
        const Parsed parsed = parse(recordedStream(QByteArray()), 7);
        QCOMPARE(parsed.data.size(), 19);
        for (qsizetype i = 0; i < parsed.data.size(); ++i) {
            QCOMPARE(QString::fromUtf8(parsed.names[i]), parsed.data[i][QLatin1String("type")].toString());
            QCOMPARE(parsed.data[i][QLatin1String("sequence_number")].toInt(-1), int(i));
        }
        QVERIFY(responses::isCompleted(parsed.data.last()));
        const QJsonObject completed = parsed.data.last()[QLatin1String("response")].toObject();
        const QJsonObject assembled = responses::assembleResponse(parsed.data);
        QCOMPARE(assembled, completed);
        QCOMPARE(responses::outputText(assembled), QStringLiteral("Checking the weather in Zürich now."));
        QCOMPARE(assembled[QLatin1String("output")][1][QLatin1String("arguments")].toString(),
                 QStringLiteral(R"({"location":"Zürich, CH"})"));

        // The slim form of the same stream assembles to the same response.
        const QList<QJsonObject> slim = parse(recordedStream("[]")).data;
        QCOMPARE(slim.last()[QLatin1String("response")][QLatin1String("output")].toArray().size(), 0);
        QCOMPARE(responses::assembleResponse(slim), completed);
        // ...and so does one whose deltas are all there is.
        const QJsonObject fromDeltas = responses::assembleResponse(
            withoutType(slim, QStringLiteral("response.output_item.done")));
        QCOMPARE(responses::outputText(fromDeltas), responses::outputText(completed));
        QCOMPARE(fromDeltas[QLatin1String("output")][1][QLatin1String("arguments")],
                 completed[QLatin1String("output")][1][QLatin1String("arguments")]);

        // Stream → stored response → synthesized stream → the same response again.
        QCOMPARE(responses::assembleResponse(parse(responses::synthesizeStream(assembled).join()).data),
                 assembled);
    }

    void deltasWithoutOutputIndex()
    {
        // llama.cpp's server names the item but leaves output_index out of the deltas.
        const QList<QJsonObject> events{
            object(R"({"type":"response.created","response":{"id":"resp_y8op","object":"response","status":"in_progress"}})"),
            object(R"({"type":"response.output_item.added","item":{"id":"msg_1","type":"message","role":"assistant","content":[],"status":"in_progress"}})"),
            object(R"({"type":"response.output_text.delta","item_id":"msg_1","delta":"Hel"})"),
            object(R"({"type":"response.output_text.delta","item_id":"msg_1","delta":"lo"})"),
            object(R"({"type":"response.completed","response":{"id":"resp_y8op","object":"response","status":"completed"}})")};
        const QJsonObject assembled = responses::assembleResponse(events);
        QCOMPARE(assembled[QLatin1String("output")].toArray().size(), 1);
        QCOMPARE(responses::outputText(assembled), QStringLiteral("Hello"));
    }

    void refusalAndUnknownItems()
    {
        const QJsonObject original = object(
            R"({"id":"resp_r","object":"response","status":"completed","model":"gpt-4o","output":[)"
            R"({"id":"ws_1","type":"web_search_call","status":"completed","action":{"type":"search","query":"x"}},)"
            R"({"id":"msg_r","type":"message","status":"completed","role":"assistant",)"
            R"("content":[{"type":"refusal","refusal":"I can\u0027t help with that."}]}],"usage":null})");
        const Parsed parsed = parse(responses::synthesizeStream(original).join());
        QCOMPARE(typesOf(parsed.data),
                 (QStringList{"response.created", "response.in_progress", "response.output_item.added",
                              "response.output_item.done", "response.output_item.added",
                              "response.content_part.added", "response.refusal.delta",
                              "response.refusal.done", "response.content_part.done",
                              "response.output_item.done", "response.completed"}));
        // An item type this module does not know goes out exactly as stored, both times.
        QCOMPARE(parsed.data[2][QLatin1String("item")], original[QLatin1String("output")][0]);
        QCOMPARE(parsed.data[5][QLatin1String("part")].toObject(),
                 (QJsonObject{{"type", "refusal"}, {"refusal", ""}}));
        QCOMPARE(parsed.data[6][QLatin1String("delta")].toString(), QStringLiteral("I can't help with that."));
        QCOMPARE(responses::assembleResponse(slimmed(parsed.data)), original);
        QCOMPARE(responses::outputText(original), QString());
    }

    void failuresAreDetected_data()
    {
        QTest::addColumn<QByteArray>("event");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("code");
        QTest::newRow("error") << QByteArray(
            R"({"type":"error","code":"rate_limit_exceeded","message":"Rate limit reached for gpt-5","param":null,"sequence_number":3})")
                               << "Rate limit reached for gpt-5" << "rate_limit_exceeded";
        QTest::newRow("nested error") << QByteArray(
            R"({"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"Too long","param":"input"}})")
                                      << "Too long" << "context_length_exceeded";
        QTest::newRow("failed") << QByteArray(
            R"({"type":"response.failed","sequence_number":7,"response":{"id":"resp_f","object":"response","status":"failed",)"
            R"("error":{"code":"server_error","message":"The model produced invalid content."},"output":[],"usage":null}})")
                                << "The model produced invalid content." << "server_error";
        QTest::newRow("incomplete") << QByteArray(
            R"({"type":"response.incomplete","sequence_number":40,"response":{"id":"resp_i","object":"response","status":"incomplete",)"
            R"("incomplete_details":{"reason":"max_output_tokens"},"output":[],"usage":{"input_tokens":9,"output_tokens":16}}})")
                                    << "The response is incomplete: max_output_tokens." << "max_output_tokens";
    }

    void failuresAreDetected()
    {
        QFETCH(QByteArray, event);
        QFETCH(QString, message);
        QFETCH(QString, code);
        const QJsonObject data = object(event);
        QVERIFY(responses::isFailure(data));
        QVERIFY(!responses::isCompleted(data));
        const QJsonObject error = responses::errorBody(data)[QLatin1String("error")].toObject();
        QCOMPARE(error[QLatin1String("message")].toString(), message);
        QCOMPARE(error[QLatin1String("code")].toString(), code);
        QVERIFY(!error[QLatin1String("type")].toString().isEmpty());
        QVERIFY(error.contains(QLatin1String("param")));
        QVERIFY(responses::usageIn(data).isEmpty());
    }

    void ordinaryEventsAreNotFailures()
    {
        const Parsed parsed = parse(recordedStream(QByteArray()));
        for (const QJsonObject &event : parsed.data) {
            QVERIFY(!responses::isFailure(event));
            QVERIFY(responses::errorBody(event).isEmpty());
        }
        // Cut before response.completed: nothing to store.
        QVERIFY(responses::assembleResponse(parsed.data.mid(0, parsed.data.size() - 1)).isEmpty());
    }

    void usageOfCompleted()
    {
        const QJsonObject completed{{"type", "response.completed"},
                                    {"response", object(responseJson())},
                                    {"sequence_number", 23}};
        const QJsonObject usage = responses::usageIn(completed);
        QCOMPARE(usage[QLatin1String("input_tokens")].toInt(), 4120);
        QCOMPARE(usage[QLatin1String("output_tokens")].toInt(), 245);
        QCOMPARE(usage[QLatin1String("input_tokens_details")][QLatin1String("cached_tokens")].toInt(), 3968);
        QCOMPARE(usage[QLatin1String("output_tokens_details")][QLatin1String("reasoning_tokens")].toInt(), 192);
        QCOMPARE(usage[QLatin1String("total_tokens")].toInt(), 4365);
        for (const QJsonObject &event : parse(recordedStream(QByteArray())).data) {
            if (!responses::isCompleted(event))
                QVERIFY(responses::usageIn(event).isEmpty());
        }
    }

    void outputTextConcatenatesMessages()
    {
        QCOMPARE(responses::outputText(object(responseJson())),
                 QStringLiteral("Python's os module lists files.\nLet me run it: `ls -la`."));
        const QJsonObject two = object(
            R"({"output":[{"type":"message","content":[{"type":"output_text","text":"a"},{"type":"refusal","refusal":"no"},)"
            R"({"type":"output_text","text":"b"}]},{"type":"function_call","arguments":"{}"},)"
            R"({"type":"message","content":[{"type":"output_text","text":"c"}]}]})");
        QCOMPARE(responses::outputText(two), QStringLiteral("abc"));
    }
};

QTEST_GUILESS_MAIN(TestResponsesStream)
#include "TestResponsesStream.moc"
