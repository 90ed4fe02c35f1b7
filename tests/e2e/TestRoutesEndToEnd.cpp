// Provider routes side by side through the real binary (issue #11): /NAME/v1 is relayed to that
// route's upstream, the route is part of the key, shows in the request log and the stats, and
// a target outside every route gets a 404 its client can read, naming the base URLs to use.

#include "e2e.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QtTest>

using namespace cachette::test;

namespace {

QJsonObject messagesBody(const QString &prompt)
{
    return QJsonObject{{"model", "claude-sonnet-4-5"},
                       {"max_tokens", 256},
                       {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", prompt}}}}};
}

const RawHeaders kAnthropicHeaders{{"x-api-key", "sk-ant-test"}, {"anthropic-version", "2023-06-01"}};

// `cachette stats --json --by route` over the proxy's data dir, as an object per route name.
QJsonObject statsByRoute(const CachetteProcess &proxy, QString *why)
{
    const CachetteProcess::RunResult run = CachetteProcess::run(
        {QStringLiteral("stats"), QStringLiteral("--data-dir"), proxy.dataDir(),
         QStringLiteral("--json"), QStringLiteral("--by"), QStringLiteral("route")});
    *why = QString::fromUtf8(run.out + run.err);
    QJsonObject byName;
    for (const QJsonValue &row : parseObject(run.out).value(QLatin1String("routes")).toArray())
        byName.insert(row[QLatin1String("route")].toString(), row.toObject());
    return byName;
}

} // namespace

class TestRoutesEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        E2E_REQUIRE_BINARY();
    }

    // One proxy, two providers: each route's requests reach its own upstream only, with the
    // route prefix taken off, and each is cached on its own.
    void eachRouteReachesItsOwnUpstream()
    {
        E2E_START_UPSTREAM(defaultUpstream);
        E2E_START_UPSTREAM(other);
        E2E_START_PROXY(proxy, defaultUpstream.baseUrl(),
                        {QStringLiteral("--route"), QStringLiteral("other=") + other.baseUrl()});
        ProxyClient client(proxy.rootUrl());
        const QJsonObject body = chatBody(QStringLiteral("name three rivers"));
        const HttpResult miss = client.post(QStringLiteral("/other/v1/chat/completions"), body);
        E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
        QCOMPARE(other.requestCount("/v1/chat/completions"), 1);
        QCOMPARE(defaultUpstream.requestCount(), 0);
        const HttpResult hit = client.post(QStringLiteral("/other/v1/chat/completions"), body);
        E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
        QCOMPARE(hit.body, miss.body);
        QCOMPARE(other.requestCount(), 1);

        // The same body on the default route is another provider's question.
        const HttpResult onDefault = client.post(QStringLiteral("/v1/chat/completions"), body);
        E2E_VERIFY_RESULT(onDefault.status == 200 && onDefault.header("X-Cachette") == "miss",
                          onDefault);
        QCOMPARE(defaultUpstream.requestCount("/v1/chat/completions"), 1);
        QVERIFY(onDefault.header("X-Cachette-Key") != hit.header("X-Cachette-Key"));

        // Relayed requests follow their route too.
        const HttpResult models = client.get(QStringLiteral("/other/v1/models"));
        E2E_VERIFY_RESULT(models.status == 200 && models.header("X-Cachette") == "bypass", models);
        QCOMPARE(other.requestCount("/v1/models"), 1);
        QCOMPARE(defaultUpstream.requestCount("/v1/models"), 0);
    }

    // Claude Code's ANTHROPIC_BASE_URL=http://127.0.0.1:8787/anthropic: its /v1/messages?beta=true
    // reaches the route's upstream with the query, and hits on the second run.
    void builtInRouteOverriddenByTheFlag()
    {
        E2E_START_UPSTREAM(anthropic);
        E2E_START_PROXY(proxy, QStringLiteral("http://127.0.0.1:9/v1"),
                        {QStringLiteral("--route"),
                         QStringLiteral("anthropic=") + anthropic.baseUrl()});
        ProxyClient client(proxy.rootUrl());
        const QString path = QStringLiteral("/anthropic/v1/messages?beta=true");
        const QJsonObject body = messagesBody(QStringLiteral("say hello"));
        const HttpResult miss = client.post(path, body, kAnthropicHeaders);
        E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
        QCOMPARE(anthropic.lastRequest().query, QByteArray("beta=true"));
        QCOMPARE(anthropic.requestCount("/v1/messages"), 1);
        const HttpResult hit = client.post(path, body, kAnthropicHeaders);
        E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
        QCOMPARE(anthropic.requestCount(), 1);

        const HttpResult health = client.get(QStringLiteral("/healthz"));
        const QJsonObject routes = parseObject(health.body).value(QLatin1String("routes")).toObject();
        QCOMPARE(routes.value(QLatin1String("anthropic")).toString(), anthropic.baseUrl());
        QCOMPARE(routes.value(QLatin1String("openrouter")).toString(),
                 QStringLiteral("https://openrouter.ai/api/v1"));
        QCOMPARE(health.header("X-Cachette"), QByteArray("local"));

        // The start-up lines name each route's base URL as a client would write it.
        const QByteArray printed = proxy.standardOutput();
        const QByteArray line = "route " + proxy.rootUrl().toUtf8() + "/anthropic/v1 -> "
                                + anthropic.baseUrl().toUtf8() + "\n";
        QVERIFY2(printed.contains(line), printed.constData());
    }

    // A target outside the routes: a 404 in the caller's dialect that names the base URLs.
    void unroutedTargetsGetReadable404s()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const HttpResult openai = client.post(QStringLiteral("/nope/v1/chat/completions"),
                                              chatBody(QStringLiteral("hi")));
        E2E_VERIFY_RESULT(openai.status == 404 && isProxyError(openai.body), openai);
        const QString message = parseObject(openai.body)[QLatin1String("error")][QLatin1String("message")].toString();
        QVERIFY2(message.contains(QStringLiteral("/v1")) && message.contains(QStringLiteral("anthropic")),
                 qPrintable(message));
        QCOMPARE(openai.header("X-Cachette"), QByteArray("error"));

        const HttpResult anthropic = client.post(QStringLiteral("/v2/messages"),
                                                 messagesBody(QStringLiteral("hi")), kAnthropicHeaders);
        E2E_VERIFY_RESULT(anthropic.status == 404, anthropic);
        QCOMPARE(parseObject(anthropic.body)[QLatin1String("type")].toString(), QStringLiteral("error"));
        QCOMPARE(parseObject(anthropic.body)[QLatin1String("error")][QLatin1String("type")].toString(), QStringLiteral("not_found_error"));

        // The Ollama library's native API reads a string "error".
        const HttpResult ollama = client.post(QStringLiteral("/api/chat"),
                                              QJsonObject{{"model", "llama3"}});
        E2E_VERIFY_RESULT(ollama.status == 404, ollama);
        const QJsonValue error = parseObject(ollama.body).value(QLatin1String("error"));
        QVERIFY2(error.isString() && error.toString().contains(QStringLiteral("/ollama/v1")),
                 ollama.body.constData());
        QCOMPARE(ollama.header("X-Cachette"), QByteArray("error"));
        QCOMPARE(upstream.requestCount(), 0);
    }

    // The route each request came in on is logged and the stats split by it.
    void statsSplitByRoute()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl(),
                        {QStringLiteral("--route"), QStringLiteral("team=") + upstream.baseUrl()});
        ProxyClient client(proxy.rootUrl());
        const QJsonObject body = chatBody(QStringLiteral("count to three"));
        for (const QString &path : {QStringLiteral("/team/v1/chat/completions"),
                                    QStringLiteral("/team/v1/chat/completions"),
                                    QStringLiteral("/v1/chat/completions")}) {
            const HttpResult r = client.post(path, body);
            E2E_VERIFY_RESULT(r.status == 200, r);
        }
        QString why;
        QJsonObject byRoute;
        // The log is written behind the answers: wait until the three lines are in.
        QTRY_VERIFY2_WITH_TIMEOUT(
            (byRoute = statsByRoute(proxy, &why)).value(QLatin1String("team"))[QLatin1String("requests")].toInt()
                    + byRoute.value(QLatin1String(""))[QLatin1String("requests")].toInt() == 3,
            qPrintable(why), 10'000);
        QCOMPARE(byRoute.value(QLatin1String("team"))[QLatin1String("requests")].toInt(), 2);
        QCOMPARE(byRoute.value(QLatin1String("team"))[QLatin1String("hits")].toInt(), 1);
        QCOMPARE(byRoute.value(QLatin1String(""))[QLatin1String("hits")].toInt(), 0);
        QCOMPARE(upstream.requestCount(), 2);
    }

    void badRouteFlagsAreRefused()
    {
        for (const QString &flag : {QStringLiteral("v1=http://127.0.0.1:1/v1"),
                                    QStringLiteral("Big=http://127.0.0.1:1/v1"),
                                    QStringLiteral("ok=ftp://example.com"),
                                    QStringLiteral("no-equals")}) {
            const CachetteProcess::RunResult run =
                CachetteProcess::run({QStringLiteral("--headless"), QStringLiteral("--route"), flag});
            QVERIFY2(run.exitCode == 2 && run.err.contains("route"),
                     qPrintable(flag + QStringLiteral(": ") + QString::fromUtf8(run.err)));
        }
    }
};

QTEST_GUILESS_MAIN(TestRoutesEndToEnd)
#include "TestRoutesEndToEnd.moc"
