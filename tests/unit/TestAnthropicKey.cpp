// Anthropic Messages as a cached endpoint, below the proxy: the exact key (what is ignored,
// what is kept, which headers count), the prompt shown for an entry, the usage read from the
// answer and its price with prompt-cache writes, and what the semantic layer compares.

#include "cache/cachekey.h"
#include "cache/sseparser.h"
#include "cache/streamrecorder.h"
#include "pricing/costcalculator.h"
#include "semantic/promptcontext.h"

#include <QJsonDocument>
#include <QtTest>

using namespace cachette;

namespace {

const QString kMessages = QStringLiteral("messages");

// An agent's request as the Anthropic SDK sends it: system as blocks with a cache hint, a tool
// with a cache hint, an earlier tool_use / tool_result turn, metadata.
const QByteArray kAgentBody = R"({
  "model": "claude-sonnet-4-5",
  "max_tokens": 1024,
  "system": [{"type": "text", "text": "You are a coding agent.", "cache_control": {"type": "ephemeral"}}],
  "tools": [{"name": "execute", "description": "Run code",
             "input_schema": {"type": "object", "properties": {"code": {"type": "string"}}},
             "cache_control": {"type": "ephemeral"}}],
  "tool_choice": {"type": "auto"},
  "metadata": {"user_id": "user-1"},
  "messages": [
    {"role": "user", "content": "list the files"},
    {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "execute", "input": {"code": "ls"}}]},
    {"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "toolu_1",
       "content": [{"type": "text", "text": "a.txt b.txt", "cache_control": {"type": "ephemeral"}}]},
      {"type": "text", "text": "now count them"}]}
  ]
})";

// kAgentBody with its keys in another order, streamed, no cache hints, other metadata.
const QByteArray kAgentBodyVariant = R"({
  "stream": true,
  "metadata": {"user_id": "user-2"},
  "messages": [
    {"content": "list the files", "role": "user"},
    {"content": [{"input": {"code": "ls"}, "name": "execute", "id": "toolu_1", "type": "tool_use"}], "role": "assistant"},
    {"content": [
      {"content": [{"text": "a.txt b.txt", "type": "text"}], "tool_use_id": "toolu_1", "type": "tool_result"},
      {"text": "now count them", "type": "text"}], "role": "user"}
  ],
  "tool_choice": {"type": "auto"},
  "tools": [{"input_schema": {"properties": {"code": {"type": "string"}}, "type": "object"},
             "description": "Run code", "name": "execute"}],
  "system": [{"text": "You are a coding agent.", "type": "text"}],
  "max_tokens": 1024,
  "model": "claude-sonnet-4-5"
})";

QJsonObject object(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray messagesKey(const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers = {},
                       const QString &ns = QString())
{
    cache::CanonicalRequest request;
    QString error;
    if (!cache::canonicalize(body, &request, &error, {kMessages, QString(), headers}))
        qWarning() << "canonicalize failed:" << error;
    return cache::cacheKey(ns, kMessages, request.canonical);
}

// kAgentBody with one field replaced.
QByteArray agentWith(const char *field, const QJsonValue &value)
{
    QJsonObject body = object(kAgentBody);
    if (value.isUndefined())
        body.remove(QLatin1String(field));
    else
        body.insert(QLatin1String(field), value);
    return compact(body);
}

QList<cache::SseEvent> events(const QByteArray &sse)
{
    cache::SseParser parser;
    return parser.feed(sse) + parser.finish();
}

} // namespace

class TestAnthropicKey : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sameKeyWhatever()
    {
        QCOMPARE(messagesKey(kAgentBodyVariant), messagesKey(kAgentBody));
    }

    void cacheHintsAndMetadataAreNotKeyed()
    {
        cache::CanonicalRequest request;
        QString error;
        QVERIFY(cache::canonicalize(kAgentBody, &request, &error, kMessages));
        QVERIFY2(!request.canonical.contains("cache_control"), request.canonical.constData());
        QVERIFY2(!request.canonical.contains("metadata"), request.canonical.constData());
        QVERIFY(!request.keyed.contains(QLatin1String("metadata")));
        // The parsed body keeps them: the upstream gets the client's bytes anyway.
        QVERIFY(request.body.contains(QLatin1String("metadata")));
        QCOMPARE(request.model, QStringLiteral("claude-sonnet-4-5"));
    }

    void cacheControlInsideToolSchemaIsKept()
    {
        // A tool may well have an argument named cache_control: that one shapes the answer.
        const QJsonArray tools{QJsonObject{
            {"name", "configure"},
            {"input_schema", QJsonObject{{"type", "object"},
                                         {"properties", QJsonObject{{"cache_control", QJsonObject{{"type", "string"}}}}}}}}};
        QJsonArray plain = tools;
        QJsonObject tool = plain.at(0).toObject();
        tool.insert(QStringLiteral("input_schema"), QJsonObject{{"type", "object"}});
        plain.replace(0, tool);
        QVERIFY(messagesKey(agentWith("tools", tools)) != messagesKey(agentWith("tools", plain)));
    }

    void differentKeyForDifferentRequest_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("system text") << agentWith(
            "system", QJsonArray{QJsonObject{{"type", "text"}, {"text", "You are a pirate."}}});
        QTest::newRow("no system") << agentWith("system", QJsonValue::Undefined);
        QTest::newRow("system as string") << agentWith("system", QStringLiteral("You are a coding agent."));
        QTest::newRow("no tools") << agentWith("tools", QJsonValue::Undefined);
        QTest::newRow("tool_choice") << agentWith("tool_choice", QJsonObject{{"type", "any"}});
        QTest::newRow("temperature") << agentWith("temperature", 0.2);
        QTest::newRow("max_tokens") << agentWith("max_tokens", 2048);
        QTest::newRow("stop_sequences") << agentWith("stop_sequences", QJsonArray{"END"});
        QTest::newRow("model") << agentWith("model", QStringLiteral("claude-3-5-haiku-20241022"));
        QTest::newRow("thinking") << agentWith("thinking", QJsonObject{{"type", "enabled"}, {"budget_tokens", 2048}});
        QTest::newRow("messages") << agentWith(
            "messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", "list the files"}}});
    }

    void differentKeyForDifferentRequest()
    {
        QFETCH(QByteArray, body);
        QVERIFY(messagesKey(body) != messagesKey(kAgentBody));
    }

    void chatKeysIgnoreAnthropicHeaders()
    {
        // Chat's own table decides its fields (metadata is a dashboard tag there too, keyfields.h);
        // Anthropic's keyed headers never enter a chat key.
        cache::CanonicalRequest request;
        QString error;
        const QByteArray body = R"({"model":"gpt-4o","metadata":{"a":"b"},"top_k":3,"messages":[]})";
        const QString chat = QStringLiteral("chat/completions");
        QVERIFY(cache::canonicalize(body, &request, &error, chat));
        QVERIFY(!request.canonical.contains("metadata"));
        QVERIFY(request.canonical.contains("top_k"));
        cache::CanonicalRequest withHeaders;
        QVERIFY(cache::canonicalize(body, &withHeaders, &error,
                                    {chat, QString(), {{"anthropic-version", "2023-06-01"}}}));
        QCOMPARE(withHeaders.canonical, request.canonical);
    }

    void versionAndBetaHeadersAreKeyed()
    {
        const QByteArray base = messagesKey(kAgentBody, {{"anthropic-version", "2023-06-01"}});
        QVERIFY(base != messagesKey(kAgentBody, {{"anthropic-version", "2024-01-01"}}));
        const QByteArray beta = messagesKey(
            kAgentBody, {{"Anthropic-Version", "2023-06-01"}, {"anthropic-beta", "b-2,a-1"}});
        QVERIFY(beta != base);
        // Betas listed in another order, or as separate headers, are the same betas.
        QCOMPARE(messagesKey(kAgentBody, {{"anthropic-version", "2023-06-01"},
                                          {"anthropic-beta", "a-1"}, {"anthropic-beta", " b-2"}}),
                 beta);
        // Kept in the canonical request (shown for the entry), the semantic context sees them too.
        cache::CanonicalRequest request;
        QString error;
        QVERIFY(cache::canonicalize(kAgentBody, &request, &error, kMessages));
        const quint64 plainContext = semantic::promptKey(QString(), kMessages, request.keyed).contextHash;
        QVERIFY(cache::canonicalize(kAgentBody, &request, &error,
                                    {kMessages, QString(), {{"anthropic-version", "2023-06-01"}}}));
        QVERIFY2(request.canonical.contains(R"("x-cachette-keyed-headers":{"anthropic-version":"2023-06-01"})"),
                 request.canonical.constData());
        QVERIFY(semantic::promptKey(QString(), kMessages, request.keyed).contextHash != plainContext);
        // Other headers (the key itself, user agents) never count.
        QCOMPARE(messagesKey(kAgentBody, {{"anthropic-version", "2023-06-01"},
                                          {"x-api-key", "sk-ant-1"}, {"user-agent", "Anthropic/Python"}}),
                 base);
    }

    void apiKeyNamespacesSeparateKeys()
    {
        const QString a = cache::namespaceForApiKey("sk-ant-aaa", "secret");
        const QString b = cache::namespaceForApiKey("sk-ant-bbb", "secret");
        QVERIFY(a != b);
        QVERIFY(messagesKey(kAgentBody, {}, a) != messagesKey(kAgentBody, {}, b));
    }

    void displayPromptIsLastUserText_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("prompt");
        QTest::newRow("agent turn") << kAgentBody << QStringLiteral("a.txt b.txt\nnow count them");
        QTest::newRow("string content")
            << QByteArray(R"({"model":"m","system":"be brief","messages":[{"role":"user","content":"hello"}]})")
            << QStringLiteral("hello");
        QTest::newRow("prefill after the user turn")
            << QByteArray(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"},)"
                          R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]},)"
                          R"({"role":"assistant","content":"Sure:"}]})")
            << QStringLiteral("hi\n[image]");
    }

    void displayPromptIsLastUserText()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, prompt);
        QCOMPARE(cache::displayPrompt(kMessages, object(body)), prompt);
    }

    void usageWithPromptCacheIsRead()
    {
        cache::StreamRecorder recorder(kMessages);
        const QByteArray sse =
            "event: message_start\n"
            R"(data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,)"
            R"("usage":{"input_tokens":100,"cache_creation_input_tokens":1000,"cache_read_input_tokens":2000,"cache_creation":{"ephemeral_5m_input_tokens":600,"ephemeral_1h_input_tokens":400},"output_tokens":1}}})"
            "\n\n"
            "event: message_delta\n"
            R"(data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":50}})"
            "\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        for (const cache::SseEvent &event : events(sse))
            recorder.add(event);
        QVERIFY(recorder.isComplete());
        const store::TokenUsage usage = recorder.usage();
        QVERIFY(usage.known);
        QCOMPARE(usage.promptTokens, 3100);   // input + reads + writes, as OpenAI counts prompts
        QCOMPARE(usage.cachedPromptTokens, 2000);
        QCOMPARE(usage.completionTokens, 50);
        QCOMPARE(usage.cacheWriteTokens, 1000);
        QCOMPARE(usage.longCacheWriteTokens, 400);

        // $3 in, $0.30 cached reads, $15 out per million: writes 1.25x (5 min) and 2x (1 h).
        pricing::ModelPrice price;
        price.model = QStringLiteral("claude-sonnet-4-5");
        price.inputPerMillion = 3.0;
        price.outputPerMillion = 15.0;
        price.cachedInputPerMillion = 0.3;
        const double expected = (100 * 3.0 + 600 * 3.75 + 400 * 6.0 + 2000 * 0.3 + 50 * 15.0) / 1e6;
        QVERIFY2(qAbs(pricing::costUsd(price, usage) - expected) < 1e-12,
                 qPrintable(QString::number(pricing::costUsd(price, usage), 'g', 17)));

        // The same usage from a non-stream answer.
        const QJsonObject message{{"type", "message"},
                                  {"usage", QJsonObject{{"input_tokens", 100},
                                                        {"cache_creation_input_tokens", 1000},
                                                        {"cache_read_input_tokens", 2000},
                                                        {"output_tokens", 50}}}};
        const store::TokenUsage fromJson = cache::usageFromResponse(message);
        QCOMPARE(fromJson.promptTokens, 3100);
        QCOMPARE(fromJson.cacheWriteTokens, 1000);
        QCOMPARE(fromJson.longCacheWriteTokens, 0);   // no split given: all five-minute writes
    }

    void semanticComparesLastUserTextWithSystemInContext()
    {
        const QJsonObject body = object(kAgentBody);
        const semantic::PromptKey key = semantic::promptKey(QString(), kMessages, body);
        QVERIFY2(key.usable, qPrintable(key.reason));
        QCOMPARE(key.text, QStringLiteral("now count them"));

        // Another system prompt is another context; another question is the same context.
        QJsonObject pirate = body;
        pirate.insert(QStringLiteral("system"), QStringLiteral("You are a pirate."));
        QVERIFY(semantic::promptKey(QString(), kMessages, pirate).contextHash != key.contextHash);

        // Content as a string or as one text block compares the same text.
        const QJsonObject asString{{"model", "m"}, {"system", "s"},
                                   {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", "hello there"}}}}};
        const QJsonObject asBlocks{{"model", "m"}, {"system", "s"},
                                   {"messages", QJsonArray{QJsonObject{{"role", "user"},
                                                                       {"content", QJsonArray{QJsonObject{{"type", "text"}, {"text", "hello there"}}}}}}}};
        QCOMPARE(semantic::promptKey(QString(), kMessages, asString).text, QStringLiteral("hello there"));
        QCOMPARE(semantic::promptKey(QString(), kMessages, asBlocks).text, QStringLiteral("hello there"));

        // The proxy hands over the keyed body: cache hints do not split contexts.
        cache::CanonicalRequest hinted, plain;
        QString error;
        QVERIFY(cache::canonicalize(kAgentBody, &hinted, &error, kMessages));
        QVERIFY(cache::canonicalize(kAgentBodyVariant, &plain, &error, kMessages));
        QCOMPARE(semantic::promptKey(QString(), kMessages, hinted.keyed).contextHash,
                 semantic::promptKey(QString(), kMessages, plain.keyed).contextHash);
    }
};

QTEST_GUILESS_MAIN(TestAnthropicKey)
#include "TestAnthropicKey.moc"
