#include "cache/cachekey.h"

#include <QJsonDocument>
#include <QtTest>

using namespace cachette::cache;

namespace {

const QByteArray kChatBody = R"({
    "model": "gpt-4o",
    "messages": [ { "role": "user", "content": "hi" } ],
    "max_tokens": 100,
    "temperature": 0.7
})";

// kChatBody's canonical form: sorted keys at every level, no whitespace, 100 stays 100.
const QByteArray kChatCanonical =
    R"({"max_tokens":100,"messages":[{"content":"hi","role":"user"}],"model":"gpt-4o","temperature":0.7})";

CanonicalRequest canonical(const QByteArray &body)
{
    CanonicalRequest request;
    QString error;
    if (!canonicalize(body, &request, &error))
        qWarning() << "canonicalize failed:" << error;
    return request;
}

QByteArray chatKey(const QByteArray &body, const QString &ns = QString(),
                   const QString &endpoint = QStringLiteral("chat/completions"))
{
    return cacheKey(ns, endpoint, canonical(body).canonical);
}

QJsonObject object(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class TestCacheKey : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A named route changes the key; the default route adds nothing (old keys stay); a client
    // cannot put a route (or any x-cachette- field) into its own body to reach another's answers.
    void routeIsInTheKeyAndCannotBeForged()
    {
        const QByteArray body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
        const QByteArray forged = R"({"model":"m","messages":[{"role":"user","content":"hi"}],"x-cachette-route":"team"})";
        const QString chat = QStringLiteral("chat/completions");
        CanonicalRequest plain, defaultRoute, routed, spoof;
        QVERIFY(canonicalize(body, &plain, nullptr, chat));
        QVERIFY(canonicalize(body, &defaultRoute, nullptr, {chat, QString()}));
        QVERIFY(canonicalize(body, &routed, nullptr, {chat, QStringLiteral("team")}));
        QVERIFY(canonicalize(forged, &spoof, nullptr, chat));
        QCOMPARE(defaultRoute.canonical, plain.canonical);
        QVERIFY(routed.canonical != plain.canonical);
        QCOMPARE(spoof.canonical, plain.canonical);
        QVERIFY(cacheKey({}, QStringLiteral("chat/completions"), spoof.canonical)
                != cacheKey({}, QStringLiteral("chat/completions"), routed.canonical));
    }

    void canonicalFormIsSortedAndCompact()
    {
        CanonicalRequest request;
        QString error;
        QVERIFY(canonicalize(kChatBody, &request, &error));
        QVERIFY(error.isEmpty());
        QCOMPARE(request.canonical, kChatCanonical);
        QCOMPARE(request.model, QStringLiteral("gpt-4o"));
        QVERIFY(!request.stream);
        QVERIFY(!request.wantsUsage);
        QCOMPARE(request.body.value(QLatin1String("max_tokens")).toInteger(), 100);
    }

    void nestedKeysAreSorted()
    {
        const CanonicalRequest request = canonical(
            R"({"tools":[{"type":"function","function":{"parameters":{"type":"object","properties":{"z":{},"a":{}}},"name":"execute"}}],"model":"m"})");
        QCOMPARE(request.canonical,
                 QByteArray(R"({"model":"m","tools":[{"function":{"name":"execute","parameters":)"
                            R"({"properties":{"a":{},"z":{}},"type":"object"}},"type":"function"}]})"));
    }

    void streamFieldsAreReadButNotKeyed()
    {
        const CanonicalRequest request = canonical(
            R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"user":"u-42","messages":[]})");
        QCOMPARE(request.canonical, QByteArray(R"({"messages":[],"model":"gpt-4o"})"));
        QVERIFY(request.stream);
        QVERIFY(request.wantsUsage);
        // The parsed body keeps every field: it is what gets forwarded.
        QCOMPARE(request.body.value(QLatin1String("user")).toString(), QStringLiteral("u-42"));
        QVERIFY(request.body.contains(QLatin1String("stream_options")));

        QVERIFY(!canonical(R"({"stream":true,"stream_options":{"include_usage":false}})").wantsUsage);
    }

    void keyIsSha256OfNamespaceEndpointAndCanonical()
    {
        // Expected values computed independently: sha256(ns + "\0" + endpoint + "\0" + canonical).
        QCOMPARE(chatKey(kChatBody),
                 QByteArray("33e48ce6e5dc0c608ea3caae07a560e5ba3d14f6333295e9c65f4f63e238b6b8"));
        QCOMPARE(chatKey(kChatBody, QStringLiteral("key-abc")),
                 QByteArray("d5f9b048e4b4ff79c2fecd1fa4de44d9a9e7257e937d5a02c7722d353415954a"));
    }

    // Every stored entry is found by its key: a change to the canonical form, the fields left
    // out of it, or how the route and the Anthropic headers enter it orphans the whole cache.
    // These are the keys this version computes, over every dialect and what each adds or drops.
    void keysOfStoredEntriesNeverChange_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QString>("route");
        QTest::addColumn<QByteArray>("headers");   // "name: value" lines
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("key");
        QTest::newRow("chat") << "chat/completions" << "" << QByteArray() << kChatBody
            << QByteArray("fd6a728a5f1c412324644a87c818009f80b5740dde4267353fd762d202001c31");
        QTest::newRow("chat, escapes and numbers") << "chat/completions" << "" << QByteArray()
            << QByteArray("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"tab\\t \\\"q\\\" "
                          "\\\\ \\u00e9\\u4e2d \\ud83d\\ude00 \\u0001 </\"}],\"n\":1,\"top_p\":0.1,"
                          "\"seed\":-12345678901,\"stop\":null,\"logit_bias\":{\"50256\":-100}}")
            << QByteArray("a1fc1c9d6dc34e59d695fe907eafa280fef5f619b36580b1dde14fb901ae62fb");
        QTest::newRow("chat through a route, bookkeeping forged") << "chat/completions" << "team"
            << QByteArray("anthropic-version: 2023-06-01")
            << QByteArray(R"({"model":"m","messages":[],"user":"u","store":true,"x-cachette-route":"other"})")
            << QByteArray("a7dd4c8e23edef9065e084d0f7cffdab875815aa13ae680e93ab8c07157db97e");
        QTest::newRow("anthropic, headers and hints") << "messages" << "claude"
            << QByteArray("Anthropic-Version: 2023-06-01\nanthropic-beta: b2, b1\nanthropic-beta: b0")
            << QByteArray(R"({"model":"claude","max_tokens":10,"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}],"tools":[{"name":"t","eager_input_streaming":true,"input_schema":{"type":"object"}}],"metadata":{"user_id":"x"}})")
            << QByteArray("6b1a96cc902cafa6357bd3383a9545ef83cad1cf2883f1abc728b18d2dc7eb79");
        QTest::newRow("responses, client ids") << "responses" << "" << QByteArray()
            << QByteArray(R"({"model":"gpt-5","instructions":"be brief","input":[{"type":"message","id":"msg_1","role":"user","content":[{"type":"input_text","text":"hi"}]},{"type":"item_reference","id":"rs_9"}],"store":false,"prompt_cache_key":"p","client_metadata":{"a":"b"}})")
            << QByteArray("fbf3267d04f9c187fef4b1e391e2ec01c3381a3ea4ea3d2adcc59f18c1d7f2ee");
        QTest::newRow("embeddings") << "embeddings" << "" << QByteArray()
            << QByteArray(R"({"model":"e","input":["a","b"],"encoding_format":"float"})")
            << QByteArray("e56bfd24f50db260c54cce328eae42b8fbdc46d7c8c5d6de9dc35b474a78aa8b");
    }

    void keysOfStoredEntriesNeverChange()
    {
        QFETCH(QString, endpoint);
        QFETCH(QString, route);
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, key);
        QList<QPair<QByteArray, QByteArray>> headerList;
        for (const QByteArray &line : headers.split('\n')) {
            if (const qsizetype colon = line.indexOf(':'); colon > 0)
                headerList.append({line.left(colon), line.mid(colon + 1).trimmed()});
        }
        CanonicalRequest request;
        QString error;
        QVERIFY2(canonicalize(body, &request, &error, {endpoint, route, headerList}),
                 qPrintable(error));
        QCOMPARE(cacheKey(QStringLiteral("ns"), endpoint, request.canonical), key);
    }

    void sameKeyForSameRequest_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("key order") << QByteArray(
            R"({"temperature":0.7,"max_tokens":100,"messages":[{"content":"hi","role":"user"}],"model":"gpt-4o"})");
        QTest::newRow("whitespace") << QByteArray(
            "{\n\t\"model\" : \"gpt-4o\" ,\r\n \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            "\"max_tokens\":100,   \"temperature\":0.7 }\n");
        QTest::newRow("stream") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100,"temperature":0.7,"stream":true})");
        QTest::newRow("stream_options") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100,"temperature":0.7,"stream":true,"stream_options":{"include_usage":true}})");
        QTest::newRow("user") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100,"temperature":0.7,"user":"alice"})");
        QTest::newRow("float spelling") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":1e2,"temperature":0.70})");
    }

    void sameKeyForSameRequest()
    {
        QFETCH(QByteArray, body);
        QCOMPARE(canonical(body).canonical, kChatCanonical);
        QCOMPARE(chatKey(body), chatKey(kChatBody));
    }

    void differentKeyForDifferentRequest_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("temperature") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100,"temperature":0.1})");
        QTest::newRow("no temperature") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100})");
        QTest::newRow("model") << QByteArray(
            R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":100,"temperature":0.7})");
        QTest::newRow("content") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi!"}],"max_tokens":100,"temperature":0.7})");
        QTest::newRow("tools") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":100,"temperature":0.7,)"
            R"("tools":[{"type":"function","function":{"name":"execute","parameters":{"type":"object"}}}]})");
        QTest::newRow("message order") << QByteArray(
            R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"},{"role":"user","content":"yo"}],"max_tokens":100,"temperature":0.7})");
    }

    void differentKeyForDifferentRequest()
    {
        QFETCH(QByteArray, body);
        QVERIFY(chatKey(body) != chatKey(kChatBody));
    }

    void namespaceAndEndpointSeparateKeys()
    {
        const QByteArray key = chatKey(kChatBody);
        QCOMPARE(key.size(), 64);
        QVERIFY(chatKey(kChatBody, QStringLiteral("key-1")) != key);
        QVERIFY(chatKey(kChatBody, QStringLiteral("key-1")) != chatKey(kChatBody, QStringLiteral("key-2")));
        QVERIFY(chatKey(kChatBody, QString(), QStringLiteral("completions")) != key);
        // The separator keeps a namespace/endpoint boundary from shifting.
        QVERIFY(cacheKey(QStringLiteral("ab"), QStringLiteral("c"), "{}")
                != cacheKey(QStringLiteral("a"), QStringLiteral("bc"), "{}"));
    }

    void embeddingEncodingFormatMatters()
    {
        const QByteArray floats = R"({"model":"text-embedding-3-small","input":"hello"})";
        const QByteArray base64 =
            R"({"model":"text-embedding-3-small","input":"hello","encoding_format":"base64"})";
        const QString endpoint = QStringLiteral("embeddings");
        QVERIFY(cacheKey({}, endpoint, canonical(floats).canonical)
                != cacheKey({}, endpoint, canonical(base64).canonical));
    }

    void invalidBodies_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("error");
        QTest::newRow("array") << QByteArray(R"([{"model":"gpt-4o"}])")
                               << QStringLiteral("request body must be a JSON object");
        // Qt 6.4 rejects a top-level scalar while parsing.
        QTest::newRow("string") << QByteArray("\"hello\"")
                                << QStringLiteral("request body is not valid JSON: illegal value at offset 1");
        QTest::newRow("unterminated string")
            << QByteArray("{\"model\": \"gpt-4o")
            << QStringLiteral("request body is not valid JSON: unterminated string at offset 18");
        QTest::newRow("missing value")
            << QByteArray(R"({"model": "gpt-4o", "messages": [})")
            << QStringLiteral("request body is not valid JSON: object is missing after a comma at offset 34");
        QTest::newRow("empty") << QByteArray()
                               << QStringLiteral("request body is not valid JSON: illegal value at offset 0");
    }

    void invalidBodies()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, error);
        CanonicalRequest request;
        QString message;
        QVERIFY(!canonicalize(body, &request, &message));
        QCOMPARE(message, error);
        QVERIFY(request.canonical.isEmpty());
    }

    void namespaceForApiKey()
    {
        // HMAC-SHA256("install-secret-0123", "sk-test-1234567890"), first 16 hex digits.
        QCOMPARE(cachette::cache::namespaceForApiKey("sk-test-1234567890", "install-secret-0123"),
                 QStringLiteral("key-9f92fce11b40ca38"));
        QCOMPARE(cachette::cache::namespaceForApiKey(QByteArray(), "install-secret-0123"), QString());
        QVERIFY(cachette::cache::namespaceForApiKey("sk-test-1234567890", "other-secret")
                != QStringLiteral("key-9f92fce11b40ca38"));
        QVERIFY(!cachette::cache::namespaceForApiKey("sk-test-1234567890", "s").contains(QLatin1String("sk-")));
    }

    void displayPrompt_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("prompt");

        QTest::newRow("chat string content, last user message")
            << QStringLiteral("chat/completions")
            << QByteArray(R"({"messages":[{"role":"system","content":"You are Open Interpreter."},)"
                          R"({"role":"user","content":"list files"},{"role":"assistant","content":"Sure."},)"
                          R"({"role":"user","content":"now in /tmp\nplease"},{"role":"tool","content":"ok"}]})")
            << QStringLiteral("now in /tmp\nplease");
        QTest::newRow("chat content parts with an image")
            << QStringLiteral("chat/completions")
            << QByteArray(R"({"messages":[{"role":"user","content":[{"type":"text","text":"What is in this image?"},)"
                          R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}},)"
                          R"({"type":"text","text":"Be brief."}]}]})")
            << QStringLiteral("What is in this image?\n[image]\nBe brief.");
        QTest::newRow("raw path endpoint")
            << QStringLiteral("/v1/chat/completions")
            << QByteArray(R"({"messages":[{"role":"user","content":"hi"}]})") << QStringLiteral("hi");
        QTest::newRow("anthropic content blocks")
            << QStringLiteral("messages")
            << QByteArray(R"({"system":"be terse","messages":[{"role":"user","content":[{"type":"text","text":"Hello, Claude"},)"
                          R"({"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}]}]})")
            << QStringLiteral("Hello, Claude\n[image]");
        QTest::newRow("no messages") << QStringLiteral("chat/completions") << QByteArray("{}") << QString();
        QTest::newRow("completions string")
            << QStringLiteral("completions") << QByteArray(R"({"prompt":"Say this is a test"})")
            << QStringLiteral("Say this is a test");
        QTest::newRow("completions array")
            << QStringLiteral("completions") << QByteArray(R"({"prompt":["one","two"]})")
            << QStringLiteral("one\ntwo");
        QTest::newRow("completions tokens")
            << QStringLiteral("completions") << QByteArray(R"({"prompt":[1212,318,257]})")
            << QStringLiteral("[tokens]");
        QTest::newRow("embeddings string")
            << QStringLiteral("embeddings")
            << QByteArray(R"({"input":"The food was delicious","encoding_format":"base64"})")
            << QStringLiteral("The food was delicious");
        QTest::newRow("embeddings array")
            << QStringLiteral("embeddings") << QByteArray(R"({"input":["first doc","second doc"]})")
            << QStringLiteral("first doc\nsecond doc");
        QTest::newRow("embeddings token arrays")
            << QStringLiteral("embeddings") << QByteArray(R"({"input":[[791,3691],[1820]]})")
            << QStringLiteral("[tokens]");
    }

    void displayPrompt()
    {
        QFETCH(QString, endpoint);
        QFETCH(QByteArray, body);
        QFETCH(QString, prompt);
        QCOMPARE(cachette::cache::displayPrompt(endpoint, object(body)), prompt);
    }

    void displayPromptIsNotTruncated()
    {
        const QString longText(20000, QLatin1Char('a'));
        const QJsonObject body{{QLatin1String("prompt"), longText}};
        QCOMPARE(cachette::cache::displayPrompt(QStringLiteral("completions"), body), longText);
    }
};

QTEST_GUILESS_MAIN(TestCacheKey)
#include "TestCacheKey.moc"
