#include "cache/cachekey.h"
#include "cache/conversation.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QtTest>

using namespace cachette::cache;
using Kind = Part::Kind;

namespace {

QJsonObject object(const QByteArray &json)
{
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (!doc.isObject())
        qFatal("test body is not a JSON object: %s", json.constData());
    return doc.object();
}

QString roles(const Conversation &c)
{
    QStringList out;
    for (const Turn &turn : c.turns)
        out.append(turn.role);
    return out.join(QLatin1Char(','));
}

QList<Kind> kinds(const Turn &turn)
{
    QList<Kind> out;
    for (const Part &part : turn.parts)
        out.append(part.kind);
    return out;
}

// A JSON value of a random shape, a few levels deep: what a broken client might send anywhere.
QJsonValue randomValue(QRandomGenerator &random, int depth)
{
    static const char *const types[] = {"text", "input_text", "output_text", "image_url", "tool_use",
                                        "tool_result", "thinking", "function_call", "function_call_output",
                                        "reasoning", "item_reference", "message", "summary_text", ""};
    static const char *const keys[] = {"type", "role", "content", "text", "name", "input", "output",
                                       "arguments", "summary", "tool_calls", "function", "id", "call_id"};
    switch (random.bounded(depth > 3 ? 5 : 8)) {
    case 0: return QJsonValue();
    case 1: return random.bounded(100);
    case 2: return QString::fromLatin1(types[random.bounded(int(std::size(types)))]);
    case 3: return QStringLiteral("user");
    case 4: return true;
    case 5: case 6: {
        QJsonObject object;
        for (int i = random.bounded(5); i > 0; --i)
            object.insert(QLatin1String(keys[random.bounded(int(std::size(keys)))]), randomValue(random, depth + 1));
        return object;
    }
    default: {
        QJsonArray array;
        for (int i = random.bounded(4); i > 0; --i)
            array.append(randomValue(random, depth + 1));
        return array;
    }
    }
}

} // namespace

class TestConversation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chatTurnsAndParts()
    {
        const Conversation c = Conversation::fromRequest(QStringLiteral("chat/completions"), object(R"({"messages":[
            {"role":"system","content":"You are terse."},
            {"role":"user","name":"ann","content":[{"type":"text","text":"What is this?"},
                {"type":"image_url","image_url":{"url":"data:image/png;base64,AA"}},
                {"type":"input_audio","input_audio":{"data":"AA","format":"wav"}}]},
            {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                "function":{"name":"execute","arguments":"{}"}}]},
            {"role":"tool","tool_call_id":"call_1","content":"a.txt"}]})"));
        QCOMPARE(c.dialect, EndpointKind::Chat);
        QCOMPARE(roles(c), QStringLiteral("system,user,assistant,tool"));
        QCOMPARE(c.turns.at(0).parts.at(0).text, QStringLiteral("You are terse."));
        QCOMPARE(c.turns.at(1).name, QStringLiteral("ann"));
        QCOMPARE(kinds(c.turns.at(1)), (QList<Kind>{Kind::Text, Kind::Image, Kind::Audio}));
        QCOMPARE(c.turns.at(1).plainText(), QStringLiteral("What is this?\n[image]\n[audio]"));
        const Part call = c.turns.at(2).parts.value(0);
        QCOMPARE(call.kind, Kind::ToolCall);
        QCOMPARE(call.name, QStringLiteral("execute"));
        QCOMPARE(call.arguments.toString(), QStringLiteral("{}"));
        QCOMPARE(call.callId, QStringLiteral("call_1"));
        QCOMPARE(c.turns.at(3).callId, QStringLiteral("call_1"));
        QCOMPARE(c.lastUserTurn(), 1);
    }

    void completionsAndEmbeddings()
    {
        Conversation c = Conversation::fromRequest(QStringLiteral("completions"), object(R"({"prompt":["one",""]})"));
        QCOMPARE(roles(c), QStringLiteral("prompt"));
        QCOMPARE(kinds(c.turns.at(0)), (QList<Kind>{Kind::Text, Kind::Text}));
        QCOMPARE(displayPrompt(QStringLiteral("completions"), object(R"({"prompt":["one","","two"]})")),
                 QStringLiteral("one\n\ntwo"));
        c = Conversation::fromRequest(QStringLiteral("embeddings"), object(R"({"input":[[1,2],[3]]})"));
        QCOMPARE(roles(c), QStringLiteral("input"));
        QCOMPARE(c.turns.at(0).parts.size(), 1);
        QCOMPARE(c.turns.at(0).parts.at(0).type, QStringLiteral("tokens"));
        QCOMPARE(c.turns.at(0).parts.at(0).text, QStringLiteral("2"));
        QCOMPARE(c.lastUserTurn(), 0);
    }

    void anthropicBlocks()
    {
        const Conversation c = Conversation::fromRequest(QStringLiteral("messages"), object(R"({
            "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
            "messages":[
              {"role":"user","content":[{"type":"text","text":"Read it"},
                  {"type":"document","source":{"type":"base64","data":"AA"}},
                  {"type":"image","source":{"type":"base64","data":"AA"}}]},
              {"role":"assistant","content":[{"type":"thinking","thinking":"They want a summary.","signature":"s"},
                  {"type":"redacted_thinking","data":"xx"},
                  {"type":"tool_use","id":"toolu_1","name":"read","input":{"path":"a.md"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1",
                  "content":[{"type":"text","text":"Title"},{"type":"image","source":{}}]}]}]})"));
        QCOMPARE(c.dialect, EndpointKind::AnthropicMessages);
        QCOMPARE(roles(c), QStringLiteral("system,user,assistant,user"));
        QVERIFY(c.turns.at(0).preamble);
        QCOMPARE(c.turns.at(0).plainText(), QStringLiteral("Be brief."));
        QCOMPARE(kinds(c.turns.at(1)), (QList<Kind>{Kind::Text, Kind::File, Kind::Image}));
        QCOMPARE(kinds(c.turns.at(2)), (QList<Kind>{Kind::Reasoning, Kind::Reasoning, Kind::ToolCall}));
        QCOMPARE(c.turns.at(2).parts.at(0).text, QStringLiteral("They want a summary."));
        QCOMPARE(c.turns.at(2).parts.at(1).type, QStringLiteral("redacted_thinking"));
        QCOMPARE(c.turns.at(2).parts.at(2).arguments.toObject().value("path").toString(), QStringLiteral("a.md"));
        const Part result = c.turns.at(3).parts.at(0);
        QCOMPARE(result.kind, Kind::ToolResult);
        QCOMPARE(result.callId, QStringLiteral("toolu_1"));
        QCOMPARE(result.text, QStringLiteral("Title\n[image]"));
        QCOMPARE(c.lastUserTurn(), 3);
        QCOMPARE(c.lastMessageTurn(), 3);
    }

    void responsesItems()
    {
        const Conversation c = Conversation::fromRequest(QStringLiteral("/v1/responses"), object(R"({
            "instructions":"You are Codex.",
            "input":[
              {"type":"message","role":"developer","content":[{"type":"input_text","text":"sandbox: read-only"}]},
              {"role":"user","content":[{"type":"input_text","text":"fix the bug"},{"type":"input_image","image_url":"x"}]},
              {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Look at main.c"}],
               "encrypted_content":"gAAA"},
              {"type":"function_call","call_id":"call_9","name":"shell","arguments":"[1]"},
              {"type":"function_call_output","call_id":"call_9","output":"main.c"},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Found it."}]},
              {"type":"item_reference","id":"msg_7"},
              "not an item"]})"));
        QCOMPARE(c.dialect, EndpointKind::Responses);
        QCOMPARE(roles(c), QStringLiteral("system,developer,user,assistant,assistant,tool,assistant,reference"));
        QVERIFY(c.turns.at(0).preamble);
        QCOMPARE(c.turns.at(0).plainText(), QStringLiteral("You are Codex."));
        QCOMPARE(kinds(c.turns.at(2)), (QList<Kind>{Kind::Text, Kind::Image}));
        QCOMPARE(c.turns.at(3).parts.at(0).kind, Kind::Reasoning);
        QCOMPARE(c.turns.at(3).parts.at(0).text, QStringLiteral("Look at main.c"));
        const Part call = c.turns.at(4).parts.at(0);
        QCOMPARE(call.kind, Kind::ToolCall);
        QCOMPARE(call.name, QStringLiteral("shell"));
        QCOMPARE(call.callId, QStringLiteral("call_9"));
        QCOMPARE(c.turns.at(5).parts.at(0).kind, Kind::ToolResult);
        QCOMPARE(c.turns.at(5).parts.at(0).text, QStringLiteral("main.c"));
        QCOMPARE(c.turns.at(6).plainText(), QStringLiteral("Found it."));
        QCOMPARE(c.turns.at(7).parts.at(0).text, QStringLiteral("msg_7"));
        QCOMPARE(c.lastUserTurn(), 2);
    }

    void responsesDisplayPrompt_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("prompt");
        QTest::newRow("input string") << QByteArray(R"({"input":"hello"})") << QStringLiteral("hello");
        QTest::newRow("last user message")
            << QByteArray(R"({"input":[{"role":"user","content":"first"},{"role":"assistant","content":"ok"},)"
                          R"({"type":"message","role":"user","content":[{"type":"input_text","text":"second"}]}]})")
            << QStringLiteral("second");
        QTest::newRow("tool output")
            << QByteArray(R"({"instructions":"be nice","input":[{"type":"function_call_output","call_id":"c","output":"42"}]})")
            << QStringLiteral("42");
        QTest::newRow("tool output as parts")
            << QByteArray(R"({"input":[{"type":"function_call_output","output":[{"type":"input_text","text":"7"}]}]})")
            << QStringLiteral("7");
        QTest::newRow("instructions only") << QByteArray(R"({"instructions":"be nice","input":[]})")
                                           << QStringLiteral("be nice");
        QTest::newRow("nothing") << QByteArray(R"({"input":{}})") << QString();
    }

    void responsesDisplayPrompt()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, prompt);
        QCOMPARE(displayPrompt(QStringLiteral("responses"), object(body)), prompt);
    }

    void unknownEndpointGuessesFromFields()
    {
        QCOMPARE(Conversation::fromRequest(QStringLiteral("x"), object(R"({"messages":[]})")).dialect, EndpointKind::Chat);
        QCOMPARE(Conversation::fromRequest(QStringLiteral("x"), object(R"({"prompt":"p"})")).dialect, EndpointKind::Completions);
        QCOMPARE(Conversation::fromRequest(QStringLiteral("x"), object(R"({"input":[{"role":"user"}]})")).dialect,
                 EndpointKind::Responses);
        QCOMPARE(Conversation::fromRequest(QStringLiteral("x"), object(R"({"input":["a"]})")).dialect, EndpointKind::Embeddings);
    }

    void wrongTypesGiveFewerTurns_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("roles");
        QTest::newRow("chat no messages") << QStringLiteral("chat/completions") << QByteArray("{}") << QString();
        QTest::newRow("chat messages object") << QStringLiteral("chat/completions") << QByteArray(R"({"messages":{"role":"user"}})") << QString();
        QTest::newRow("chat message not object") << QStringLiteral("chat/completions") << QByteArray(R"({"messages":[3,"x",null]})")
                                                 << QStringLiteral(",,");
        QTest::newRow("chat content number") << QStringLiteral("chat/completions") << QByteArray(R"({"messages":[{"role":"user","content":5}]})")
                                             << QStringLiteral("user");
        QTest::newRow("anthropic system null") << QStringLiteral("messages") << QByteArray(R"({"system":null,"messages":[]})")
                                               << QStringLiteral("system");
        QTest::newRow("responses input number") << QStringLiteral("responses") << QByteArray(R"({"input":7})") << QString();
        QTest::newRow("responses empty") << QStringLiteral("responses") << QByteArray(R"({"input":[]})") << QString();
        QTest::newRow("responses bare item") << QStringLiteral("responses") << QByteArray(R"({"input":[{}]})") << QStringLiteral("item");
        QTest::newRow("completions object") << QStringLiteral("completions") << QByteArray(R"({"prompt":{"a":1}})") << QStringLiteral("prompt");
    }

    void wrongTypesGiveFewerTurns()
    {
        QFETCH(QString, endpoint);
        QFETCH(QByteArray, body);
        QFETCH(QString, roles);
        QCOMPARE(::roles(Conversation::fromRequest(endpoint, object(body))), roles);
    }

    void withValueAtFollowsPathsOnly()
    {
        const QJsonObject body = object(R"({"a":[{"b":"x"},2]})");
        QCOMPARE(withValueAt(body, {JsonStep{"a"}, JsonStep{{}, 0}, JsonStep{"b"}}, "y"), object(R"({"a":[{"b":"y"},2]})"));
        QCOMPARE(withValueAt(body, {JsonStep{"a"}, JsonStep{{}, 5}}, "y"), body);          // past the end
        QCOMPARE(withValueAt(body, {JsonStep{"a"}, JsonStep{{}, 1}, JsonStep{"b"}}, "y"), body);   // into a number
        QCOMPARE(withValueAt(body, {JsonStep{"z"}, JsonStep{"b"}}, "y"), body);            // missing key
        QCOMPARE(withValueAt(body, {}, "y"), body);
    }

    void lastUserTextIsRewrittenInPlace_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("chat string")
            << QStringLiteral("chat/completions") << QByteArray(R"({"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]})")
            << QByteArray(R"({"messages":[{"role":"user","content":"NEW"},{"role":"assistant","content":"b"}]})");
        QTest::newRow("chat parts keep the image")
            << QStringLiteral("chat/completions")
            << QByteArray(R"({"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"},{"type":"text","text":"c"}]}]})")
            << QByteArray(R"({"messages":[{"role":"user","content":[{"type":"text","text":"NEW"},{"type":"image_url"},{"type":"text","text":""}]}]})");
        QTest::newRow("anthropic tool result only")
            << QStringLiteral("messages") << QByteArray(R"({"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]})")
            << QByteArray(R"({"messages":[{"role":"user","content":"NEW"}]})");
        QTest::newRow("completions") << QStringLiteral("completions") << QByteArray(R"({"prompt":[1,2]})") << QByteArray(R"({"prompt":"NEW"})");
        QTest::newRow("responses string") << QStringLiteral("responses") << QByteArray(R"({"input":"a"})") << QByteArray(R"({"input":"NEW"})");
        QTest::newRow("responses items")
            << QStringLiteral("responses")
            << QByteArray(R"({"instructions":"i","input":[{"role":"user","content":[{"type":"input_text","text":"a"}]},{"type":"function_call_output","output":"o"}]})")
            << QByteArray(R"({"instructions":"i","input":[{"role":"user","content":[{"type":"input_text","text":"NEW"}]},{"type":"function_call_output","output":"o"}]})");
        QTest::newRow("no user turn") << QStringLiteral("chat/completions") << QByteArray(R"({"messages":[{"role":"system","content":"s"}]})")
                                      << QByteArray(R"({"messages":[{"role":"system","content":"s"}]})");
    }

    void lastUserTextIsRewrittenInPlace()
    {
        QFETCH(QString, endpoint);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, expected);
        QCOMPARE(withLastUserText(endpoint, object(body), QStringLiteral("NEW")), object(expected));
    }

    void responsesAnswerOutput()
    {
        const QList<Turn> turns = responsesTurns(object(R"({"output":[
            {"type":"reasoning","summary":[{"type":"summary_text","text":"Plan"},{"type":"summary_text","text":"Act"}]},
            {"type":"function_call","name":"shell","arguments":"{}","call_id":"c1"},
            {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done"},{"type":"refusal","refusal":"no"}]}]})")
                                                     .value("output").toArray());
        QCOMPARE(turns.size(), 3);
        QCOMPARE(turns.at(0).parts.at(0).text, QStringLiteral("Plan\nAct"));
        QCOMPARE(turns.at(1).parts.at(0).name, QStringLiteral("shell"));
        QCOMPARE(kinds(turns.at(2)), (QList<Kind>{Kind::Text, Kind::Other}));
        QCOMPARE(turns.at(2).parts.at(1).text, QStringLiteral("no"));
    }

    // Random shapes in every field of every dialect: parsing, display and rewriting never crash,
    // and a rewrite only ever touches the last user turn's text.
    void fuzzedBodiesNeverCrash()
    {
        QRandomGenerator random(20261203);
        const QStringList endpoints{"chat/completions", "completions", "embeddings", "messages", "responses", "other"};
        const char *const fields[] = {"messages", "system", "prompt", "input", "instructions"};
        for (int round = 0; round < 3000; ++round) {
            QJsonObject body;
            for (const char *field : fields) {
                if (random.bounded(2))
                    body.insert(QLatin1String(field), randomValue(random, 0));
            }
            for (const QString &endpoint : endpoints) {
                const Conversation c = Conversation::fromRequest(endpoint, body);
                for (const Turn &turn : c.turns)
                    (void)turn.plainText();
                (void)displayPrompt(endpoint, body);
                const QJsonObject rewritten = withLastUserText(endpoint, body, QStringLiteral("zzz"));
                if (c.lastUserTurn() < 0)
                    QCOMPARE(rewritten, body);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestConversation)
#include "TestConversation.moc"
