// The real cachette binary between a client and a fake upstream, over real sockets:
// forwarding, exact caching of the three cached endpoints, errors and persistence.
// (Isolation, secrets and who may talk to the proxy: TestPrivacyEndToEnd.)

#include "e2e.h"

#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

using namespace cachette::test;

namespace {

const QString kChat = QStringLiteral("/v1/chat/completions");
const QString kCompletions = QStringLiteral("/v1/completions");
const QString kEmbeddings = QStringLiteral("/v1/embeddings");

quint16 closedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    const quint16 port = server.serverPort();
    server.close();
    return port;
}
} // namespace

class TestProxyEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void healthz();
    void versionAndHelp();
    void nonStreamMissThenHit();
    void requestForwardedUnchanged();
    void hopByHopHeadersNotForwarded();
    void keyIgnoresHeadersFormattingAndUser();
    void differentModelOrTemperatureMisses();
    void embeddingsFloatAndBase64();
    void legacyCompletionsCached();
    void uncachedEndpointPassesThrough();
    void queryStringAndMethodPreserved();
    void upstreamErrorPassesThroughNotCached_data();
    void upstreamErrorPassesThroughNotCached();
    void upstreamUnreachableIs502();
    void malformedJsonIs400WithoutUpstream_data();
    void malformedJsonIs400WithoutUpstream();
    void survivesBadInput();
    void restartKeepsEntries();
};

void TestProxyEndToEnd::initTestCase()
{
    E2E_REQUIRE_BINARY();
}

void TestProxyEndToEnd::healthz()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    const HttpResult r = client.get(QStringLiteral("/healthz"));
    E2E_VERIFY_RESULT(r.status == 200, r);
    E2E_VERIFY_RESULT(r.header("Content-Type").contains("application/json"), r);
    QCOMPARE(r.json().value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(upstream.requestCount(), 0);   // health is answered by the proxy itself

    QString error;
    QVERIFY2(proxy.stop(&error), qPrintable(error));
}

void TestProxyEndToEnd::versionAndHelp()
{
    const CachetteProcess::RunResult version = CachetteProcess::run({QStringLiteral("--version")});
    QVERIFY2(version.exitCode == 0 && !version.crashed, version.err.constData());
    const QByteArray versionText = version.out + version.err;
    QVERIFY2(versionText.contains("0.1.0"), versionText.constData());

    const CachetteProcess::RunResult help = CachetteProcess::run({QStringLiteral("--help")});
    QVERIFY2(help.exitCode == 0 && !help.crashed, help.err.constData());
    const QByteArray text = help.out + help.err;
    for (const char *flag : {"--headless", "--listen", "--upstream", "--data-dir", "--upstream-timeout",
                             "--isolate-by-api-key", "--allow-origin"}) {
        QVERIFY2(text.contains(flag), qPrintable(QStringLiteral("--help does not mention %1:\n%2")
                                                     .arg(QLatin1String(flag), QString::fromUtf8(text))));
    }

    const CachetteProcess::RunResult bad = CachetteProcess::run({QStringLiteral("--no-such-flag")});
    QVERIFY2(!bad.crashed && bad.exitCode != 0, "an unknown flag must fail with a non-zero exit code");
    QVERIFY2(!bad.err.isEmpty() || !bad.out.isEmpty(), "an unknown flag must say what is wrong");
}

void TestProxyEndToEnd::nonStreamMissThenHit()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("hello there"));

    const HttpResult miss = client.post(kChat, body);
    E2E_VERIFY_RESULT(miss.status == 200, miss);
    QCOMPARE(miss.header("X-Cachette"), QByteArray("miss"));
    QCOMPARE(chatText(miss.body), QStringLiteral("answer #1 to: hello there"));
    QCOMPARE(miss.body, FakeUpstream::chatCompletionBody(1, body, false));
    const QByteArray key = miss.header("X-Cachette-Key");
    QVERIFY2(!key.isEmpty(), "a miss on a cached endpoint names its X-Cachette-Key");
    QCOMPARE(upstream.requestCount(), 1);

    const HttpResult hit = client.post(kChat, body);
    E2E_VERIFY_RESULT(hit.status == 200, hit);
    QCOMPARE(hit.header("X-Cachette"), QByteArray("hit"));
    QCOMPARE(hit.body, miss.body);
    QCOMPARE(hit.header("X-Cachette-Key"), key);
    QVERIFY2(hit.hasHeader("Age"), "a hit carries an Age header");
    bool ok = false;
    const int age = hit.header("Age").trimmed().toInt(&ok);
    QVERIFY2(ok && age >= 0 && age < 60, hit.header("Age").constData());
    QVERIFY2(hit.header("Content-Type").contains("application/json"), hit.header("Content-Type").constData());
    QCOMPARE(upstream.requestCount(), 1);

    QString error;
    QVERIFY2(proxy.stop(&error), qPrintable(error));
}

void TestProxyEndToEnd::requestForwardedUnchanged()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    // Odd but valid formatting: the upstream must get these exact bytes (its prompt cache).
    const QByteArray body = "{ \"messages\" : [ {\"role\":\"user\", \"content\":\"caf\xc3\xa9 \\u00e9 \\n bytes\"} ],\n"
                            "  \"model\":\"gpt-4o-mini\", \"temperature\": 0.70 }";
    const RawHeaders headers{{"Authorization", "Bearer sk-test-forwarded-123"},
                             {"OpenAI-Organization", "org-fake"},
                             {"X-Stainless-Lang", "python"},
                             {"X-Custom-Thing", "kept"}};
    const HttpResult r = client.post(kChat, body, headers);
    E2E_VERIFY_RESULT(r.status == 200, r);
    QCOMPARE(upstream.requestCount(), 1);
    const RecordedRequest &seen = upstream.lastRequest();
    QCOMPARE(seen.method, QByteArray("POST"));
    QCOMPARE(seen.target, QByteArray("/v1/chat/completions"));
    QCOMPARE(seen.body, body);
    QCOMPARE(seen.header("Authorization"), QByteArray("Bearer sk-test-forwarded-123"));
    QCOMPARE(seen.header("OpenAI-Organization"), QByteArray("org-fake"));
    QCOMPARE(seen.header("X-Stainless-Lang"), QByteArray("python"));
    QCOMPARE(seen.header("X-Custom-Thing"), QByteArray("kept"));
    QVERIFY2(seen.header("Content-Type").contains("application/json"), seen.header("Content-Type").constData());

    // Anthropic-style key header, passed through as well.
    const HttpResult anthropic = client.post(QStringLiteral("/v1/messages"),
                                             QByteArray("{\"model\":\"claude-x\",\"max_tokens\":5,\"messages\":[]}"),
                                             {{"x-api-key", "sk-ant-forwarded"}, {"anthropic-version", "2023-06-01"}});
    E2E_VERIFY_RESULT(anthropic.status == 200, anthropic);
    QCOMPARE(upstream.lastRequest().header("x-api-key"), QByteArray("sk-ant-forwarded"));
    QCOMPARE(upstream.lastRequest().header("anthropic-version"), QByteArray("2023-06-01"));
}

void TestProxyEndToEnd::hopByHopHeadersNotForwarded()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());

    const QByteArray body = toJson(chatBody(QStringLiteral("hop")));
    const QByteArray request = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:"
                               + QByteArray::number(proxy.port())
                               + "\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
                                 "Keep-Alive: timeout=5\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                                 "X-End-To-End: yes\r\nContent-Length: "
                               + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    const RawExchangeResult result = rawExchange(proxy.port(), request, 1);
    QCOMPARE(result.responses.size(), 1);
    QCOMPARE(result.responses.at(0).status, 200);
    QCOMPARE(upstream.requestCount(), 1);
    const RecordedRequest &seen = upstream.lastRequest();
    QVERIFY2(!seen.hasHeader("Keep-Alive"), "Keep-Alive is hop-by-hop");
    QVERIFY2(!seen.hasHeader("Proxy-Authorization"), "Proxy-Authorization is hop-by-hop");
    QCOMPARE(seen.header("X-End-To-End"), QByteArray("yes"));
    QCOMPARE(seen.body, body);
}

void TestProxyEndToEnd::keyIgnoresHeadersFormattingAndUser()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    const QByteArray first = "{\"model\":\"gpt-4o-mini\",\"temperature\":0.2,"
                             "\"messages\":[{\"role\":\"user\",\"content\":\"same question\"}]}";
    const HttpResult miss = client.post(kChat, first, {{"User-Agent", "OpenAI/Python 1.40.0"},
                                                       {"X-Stainless-Lang", "python"},
                                                       {"X-Stainless-Retry-Count", "0"}});
    E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);

    const QList<QPair<QByteArray, RawHeaders>> variants{
        // other SDK headers
        {first, {{"User-Agent", "OpenAI/JS 4.52.0"}, {"X-Stainless-Lang", "js"},
                 {"X-Stainless-Retry-Count", "2"}, {"X-Stainless-Os", "Linux"}}},
        // whitespace and key order
        {"{\n  \"messages\": [ { \"content\": \"same question\", \"role\": \"user\" } ],\n"
         "  \"temperature\": 0.2,\n  \"model\": \"gpt-4o-mini\"\n}\n", {}},
        // the user field
        {"{\"user\":\"alice@example.com\",\"model\":\"gpt-4o-mini\",\"temperature\":0.2,"
         "\"messages\":[{\"role\":\"user\",\"content\":\"same question\"}]}", {}},
    };
    for (const auto &variant : variants) {
        const HttpResult hit = client.post(kChat, variant.first, variant.second);
        E2E_VERIFY_RESULT(hit.status == 200, hit);
        QVERIFY2(hit.header("X-Cachette") == "hit",
                 qPrintable(QStringLiteral("expected a hit for %1: %2")
                                .arg(QString::fromUtf8(variant.first), hit.describe())));
        QCOMPARE(hit.body, miss.body);
        QCOMPARE(hit.header("X-Cachette-Key"), miss.header("X-Cachette-Key"));
    }
    QCOMPARE(upstream.requestCount(), 1);
}

void TestProxyEndToEnd::differentModelOrTemperatureMisses()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    QJsonObject base = chatBody(QStringLiteral("pick a number"));
    QJsonObject otherModel = base;
    otherModel.insert(QStringLiteral("model"), QStringLiteral("gpt-4o"));
    QJsonObject warmer = base;
    warmer.insert(QStringLiteral("temperature"), 0.1);   // Open Interpreter's retry
    QJsonObject otherPrompt = chatBody(QStringLiteral("pick another number"));

    QSet<QByteArray> keys;
    int expectedCalls = 0;
    for (const QJsonObject &body : {base, otherModel, warmer, otherPrompt}) {
        const HttpResult r = client.post(kChat, body);
        ++expectedCalls;
        E2E_VERIFY_RESULT(r.status == 200 && r.header("X-Cachette") == "miss", r);
        QCOMPARE(chatText(r.body), FakeUpstream::answerText(expectedCalls, FakeUpstream::promptOf("/v1/chat/completions", body)));
        keys.insert(r.header("X-Cachette-Key"));
        QCOMPARE(upstream.requestCount(), expectedCalls);
    }
    QCOMPARE(keys.size(), 4);

    // Each is now cached on its own.
    const HttpResult again = client.post(kChat, warmer);
    E2E_VERIFY_RESULT(again.header("X-Cachette") == "hit", again);
    QCOMPARE(chatText(again.body), QStringLiteral("answer #3 to: pick a number"));
    QCOMPARE(upstream.requestCount(), 4);
}

void TestProxyEndToEnd::embeddingsFloatAndBase64()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    const QJsonObject floatBody{{"model", "text-embedding-3-small"},
                                {"input", QJsonArray{"first text", "second text"}}};
    QJsonObject base64Body = floatBody;
    base64Body.insert(QStringLiteral("encoding_format"), QStringLiteral("base64"));

    const HttpResult floatMiss = client.post(kEmbeddings, floatBody);
    E2E_VERIFY_RESULT(floatMiss.status == 200 && floatMiss.header("X-Cachette") == "miss", floatMiss);
    QCOMPARE(floatMiss.body, FakeUpstream::embeddingsBody(1, floatBody));
    const HttpResult base64Miss = client.post(kEmbeddings, base64Body);
    E2E_VERIFY_RESULT(base64Miss.status == 200 && base64Miss.header("X-Cachette") == "miss", base64Miss);
    QCOMPARE(base64Miss.body, FakeUpstream::embeddingsBody(2, base64Body));
    QCOMPARE(upstream.requestCount(), 2);

    const HttpResult floatHit = client.post(kEmbeddings, floatBody);
    E2E_VERIFY_RESULT(floatHit.header("X-Cachette") == "hit", floatHit);
    QCOMPARE(floatHit.body, floatMiss.body);
    const HttpResult base64Hit = client.post(kEmbeddings, base64Body);
    E2E_VERIFY_RESULT(base64Hit.header("X-Cachette") == "hit", base64Hit);
    QCOMPARE(base64Hit.body, base64Miss.body);
    QVERIFY(floatHit.header("X-Cachette-Key") != base64Hit.header("X-Cachette-Key"));
    QCOMPARE(upstream.requestCount(), 2);

    // Vectors are the right ones, in the right encoding.
    const QJsonArray floatData = floatHit.json().value(QLatin1String("data")).toArray();
    QCOMPARE(floatData.size(), 2);
    const QJsonArray vector = floatData.at(1)[QLatin1String("embedding")].toArray();
    const QList<float> expected = FakeUpstream::embeddingVector(1, QStringLiteral("second text"));
    QCOMPARE(vector.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i)
        QCOMPARE(float(vector.at(i).toDouble()), expected.at(i));
    const QJsonArray base64Data = base64Hit.json().value(QLatin1String("data")).toArray();
    QCOMPARE(base64Data.size(), 2);
    QCOMPARE(FakeUpstream::decodeBase64Floats(base64Data.at(0)[QLatin1String("embedding")].toString().toLatin1()),
             FakeUpstream::embeddingVector(2, QStringLiteral("first text")));
}

void TestProxyEndToEnd::legacyCompletionsCached()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body{{"model", "gpt-3.5-turbo-instruct"}, {"prompt", "Say this is a test"}, {"max_tokens", 7}};

    const HttpResult miss = client.post(kCompletions, body);
    E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
    QCOMPARE(miss.body, FakeUpstream::completionBody(1, body));
    const HttpResult hit = client.post(kCompletions, body);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
    QCOMPARE(hit.body, miss.body);
    QCOMPARE(upstream.requestCount(), 1);
    QCOMPARE(upstream.lastRequest().path, QByteArray("/v1/completions"));

    // Same JSON on the chat endpoint is another key.
    const HttpResult chat = client.post(kChat, body);
    QVERIFY2(chat.header("X-Cachette") != "hit", qPrintable(chat.describe()));
}

void TestProxyEndToEnd::uncachedEndpointPassesThrough()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    const HttpResult first = client.get(QStringLiteral("/v1/models"));
    E2E_VERIFY_RESULT(first.status == 200, first);
    QCOMPARE(first.header("X-Cachette"), QByteArray("bypass"));
    QCOMPARE(first.json().value(QLatin1String("fake_call")).toInt(), 1);
    QCOMPARE(first.json().value(QLatin1String("data")).toArray().size(), 2);
    const HttpResult second = client.get(QStringLiteral("/v1/models"));
    E2E_VERIFY_RESULT(second.status == 200, second);
    QCOMPARE(second.header("X-Cachette"), QByteArray("bypass"));
    QCOMPARE(second.json().value(QLatin1String("fake_call")).toInt(), 2);
    QCOMPARE(upstream.requestCount(), 2);
    QCOMPARE(upstream.lastRequest().method, QByteArray("GET"));
    QCOMPARE(upstream.lastRequest().target, QByteArray("/v1/models"));

    // An uncached POST is never cached either.
    const QByteArray moderation = "{\"input\": \"is this fine?\"}";
    for (int i = 0; i < 2; ++i) {
        const HttpResult r = client.post(QStringLiteral("/v1/moderations"), moderation);
        E2E_VERIFY_RESULT(r.status == 200 && r.header("X-Cachette") == "bypass", r);
        QCOMPARE(upstream.lastRequest().body, moderation);
    }
    QCOMPARE(upstream.requestCount(), 4);
}

void TestProxyEndToEnd::queryStringAndMethodPreserved()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    const HttpResult list = client.get(QStringLiteral("/v1/models?limit=2&order=desc&after=model%2Fx"));
    E2E_VERIFY_RESULT(list.status == 200, list);
    QCOMPARE(upstream.lastRequest().method, QByteArray("GET"));
    QCOMPARE(upstream.lastRequest().target, QByteArray("/v1/models?limit=2&order=desc&after=model%2Fx"));

    const HttpResult removed = client.send("DELETE", QStringLiteral("/v1/files/file-abc123?force=true"));
    E2E_VERIFY_RESULT(removed.status == 200, removed);
    QCOMPARE(upstream.lastRequest().method, QByteArray("DELETE"));
    QCOMPARE(upstream.lastRequest().target, QByteArray("/v1/files/file-abc123?force=true"));
    QCOMPARE(removed.json().value(QLatin1String("method")).toString(), QStringLiteral("DELETE"));

    const QByteArray patch = "{\"metadata\":{\"a\":\"b\"}}";
    const HttpResult patched = client.send("PATCH", QStringLiteral("/v1/assistants/asst_1?x=%20y"), patch);
    E2E_VERIFY_RESULT(patched.status == 200, patched);
    QCOMPARE(upstream.lastRequest().method, QByteArray("PATCH"));
    QCOMPARE(upstream.lastRequest().target, QByteArray("/v1/assistants/asst_1?x=%20y"));
    QCOMPARE(upstream.lastRequest().body, patch);

    // A query string on a cached endpoint reaches the upstream too.
    const HttpResult chat = client.post(kChat + QStringLiteral("?api-version=2024-06-01"), chatBody(QStringLiteral("q")));
    E2E_VERIFY_RESULT(chat.status == 200, chat);
    QCOMPARE(upstream.lastRequest().target, QByteArray("/v1/chat/completions?api-version=2024-06-01"));
}

void TestProxyEndToEnd::upstreamErrorPassesThroughNotCached_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("scenario");
    QTest::newRow("429") << 429 << QStringLiteral("error429");
    QTest::newRow("500") << 500 << QStringLiteral("error500");
}

void TestProxyEndToEnd::upstreamErrorPassesThroughNotCached()
{
    QFETCH(int, status);
    QFETCH(QString, scenario);
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("will fail"));
    const RawHeaders failing{{"X-Fake-Scenario", scenario.toUtf8()}};

    for (int i = 1; i <= 2; ++i) {
        const HttpResult r = client.post(kChat, body, failing);
        E2E_VERIFY_RESULT(r.status == status, r);
        QCOMPARE(r.body, FakeUpstream::errorBody(status));
        QVERIFY2(r.header("Content-Type").contains("application/json"), r.header("Content-Type").constData());
        if (status == 429)
            QCOMPARE(r.header("Retry-After"), QByteArray("1"));
        QCOMPARE(upstream.requestCount(), i);   // the error was not cached
    }
    // The next plain request is a fresh miss, not an error from the cache.
    const HttpResult ok = client.post(kChat, body);
    E2E_VERIFY_RESULT(ok.status == 200 && ok.header("X-Cachette") == "miss", ok);
    QCOMPARE(chatText(ok.body), QStringLiteral("answer #3 to: will fail"));
    const HttpResult hit = client.post(kChat, body);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
    QCOMPARE(upstream.requestCount(), 3);
}

void TestProxyEndToEnd::upstreamUnreachableIs502()
{
    const quint16 port = closedPort();
    E2E_START_PROXY(proxy, QStringLiteral("http://127.0.0.1:%1/v1").arg(port));
    ProxyClient client(proxy.rootUrl());

    for (const QString &path : {kChat, QStringLiteral("/v1/models")}) {
        const HttpResult r = path == kChat ? client.post(path, chatBody(QStringLiteral("anyone?")))
                                           : client.get(path);
        E2E_VERIFY_RESULT(r.status == 502, r);
        QString why;
        QVERIFY2(isProxyError(r.body, &why), qPrintable(why));
        const QString message = r.json()[QLatin1String("error")][QLatin1String("message")].toString();
        QVERIFY2(message.contains(QString::number(port)) || message.contains(QLatin1String("upstream"), Qt::CaseInsensitive),
                 qPrintable(QStringLiteral("the 502 message should say which upstream failed: ") + message));
    }
    const HttpResult health = client.get(QStringLiteral("/healthz"));
    E2E_VERIFY_RESULT(health.status == 200, health);
}

void TestProxyEndToEnd::malformedJsonIs400WithoutUpstream_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("chat truncated") << kChat << QByteArray("{\"model\":\"gpt-4o-mini\",\"messages\":[");
    QTest::newRow("chat not json") << kChat << QByteArray("model=gpt-4o-mini&prompt=hi");
    QTest::newRow("chat empty") << kChat << QByteArray();
    QTest::newRow("chat array") << kChat << QByteArray("[1,2,3]");
    QTest::newRow("completions garbage") << kCompletions << QByteArray("\x01\x02\xff\xfe{{");
    QTest::newRow("embeddings trailing comma") << kEmbeddings << QByteArray("{\"input\":\"x\",}");
}

void TestProxyEndToEnd::malformedJsonIs400WithoutUpstream()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    const HttpResult r = client.post(path, body);
    E2E_VERIFY_RESULT(r.status == 400, r);
    QString why;
    QVERIFY2(isProxyError(r.body, &why), qPrintable(why));
    QCOMPARE(upstream.requestCount(), 0);
    const HttpResult health = client.get(QStringLiteral("/healthz"));
    E2E_VERIFY_RESULT(health.status == 200, health);
    QVERIFY(proxy.isRunning());
}

void TestProxyEndToEnd::survivesBadInput()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(proxy.port()) + "\r\n";
    auto jsonPost = [&](const QByteArray &path, const QByteArray &body) -> QByteArray {
        return "POST " + path + " HTTP/1.1\r\n" + host + "Content-Type: application/json\r\nContent-Length: "
               + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };

    const QList<QByteArray> attacks{
        "GARBAGE\r\n\r\n",
        QByteArray("\x00\x01\x02\x03\xff\xfe\r\n\r\n", 10),
        "POST /v1/chat/completions HTTP/1.1\r\n" + host + "Content-Length: 100\r\n\r\n{\"model\":",   // then close
        "POST /v1/chat/completions HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nZZZ\r\nxx\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\n" + host + "Content-Length: -5\r\n\r\n",
        "GET /v1/models HTTP/1.1\r\n" + host + "X-Big: " + QByteArray(200 * 1024, 'a') + "\r\n\r\n",
        "GET /../../etc/passwd HTTP/1.1\r\n" + host + "\r\n",
        jsonPost("/v1/chat/completions", "{\"model\":5,\"messages\":\"not list\"}"),
        jsonPost("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":7,\"content\":{\"x\":[]}}],\"stream\":\"yes\"}"),
        jsonPost("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[],\"stream\":true,\"stream_options\":5}"),
        jsonPost("/v1/embeddings", "null"),
        jsonPost("/v1/completions", "{\"prompt\":" + QByteArray(100000, '[') + "}"),
        "GET /healthz HTTP/1.1\r\n" + host + "Content-Length: 5\r\n\r\n",   // body never comes
    };
    for (const QByteArray &bytes : attacks)
        rawExchange(proxy.port(), bytes, 1, 2000);

    QVERIFY2(proxy.isRunning(), qPrintable(proxy.diagnostics()));
    ProxyClient client(proxy.rootUrl());
    const HttpResult health = client.get(QStringLiteral("/healthz"));
    E2E_VERIFY_RESULT(health.status == 200, health);
    const HttpResult chat = client.post(kChat, chatBody(QStringLiteral("still alive?")));
    E2E_VERIFY_RESULT(chat.status == 200, chat);

    QString error;
    QVERIFY2(proxy.stop(&error), qPrintable(error));
}

void TestProxyEndToEnd::restartKeepsEntries()
{
    E2E_START_UPSTREAM(upstream);
    QTemporaryDir dataDir;
    QVERIFY(dataDir.isValid());
    const QJsonObject body = chatBody(QStringLiteral("remember me"));
    const QJsonObject stream = streamed(chatBody(QStringLiteral("remember my stream")));
    QByteArray firstBody;
    QList<QByteArray> firstEvents;
    {
        E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dataDir.path());
        ProxyClient client(proxy.rootUrl());
        const HttpResult miss = client.post(kChat, body);
        E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
        firstBody = miss.body;
        const HttpResult streamMiss = client.postStream(kChat, stream);
        E2E_VERIFY_RESULT(streamMiss.status == 200 && streamMiss.sawDone(), streamMiss);
        firstEvents = streamMiss.dataEvents();
        // Stop right away: the entries must be written before the process exits.
        QString error;
        QVERIFY2(proxy.stop(&error), qPrintable(error));
    }
    QVERIFY(QFileInfo::exists(dataDir.filePath(QStringLiteral("cachette.sqlite"))));
    {
        E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dataDir.path());
        ProxyClient client(proxy.rootUrl());
        const HttpResult hit = client.post(kChat, body);
        E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
        QCOMPARE(hit.body, firstBody);
        const HttpResult streamHit = client.postStream(kChat, stream);
        E2E_VERIFY_RESULT(streamHit.status == 200 && streamHit.header("X-Cachette") == "hit", streamHit);
        QCOMPARE(streamHit.dataEvents(), firstEvents);
        QCOMPARE(upstream.requestCount(), 2);
        QString error;
        QVERIFY2(proxy.stop(&error), qPrintable(error));
    }
}

QTEST_GUILESS_MAIN(TestProxyEndToEnd)
#include "TestProxyEndToEnd.moc"
