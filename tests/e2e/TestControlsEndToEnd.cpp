// Per-request cache controls through the real binary (Cache-Control, X-Cachette-TTL,
// --default-ttl) and HTTP/1.1 pipelining on one raw connection.

#include "e2e.h"

#include <QtTest>

using namespace cachette::test;

namespace {

const QString kChat = QStringLiteral("/v1/chat/completions");

// Sleeps only to let time pass for an age or a TTL; the event loop keeps running.
void letTimePass(int ms)
{
    QTest::qWait(ms);
}

} // namespace

class TestControlsEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void noCacheRefreshes();
    void noCacheRefreshesStream();
    void noStoreDoesNotStore();
    void maxAgeRejectsOlderEntry();
    void onlyIfCached();
    void onlyIfCachedStream();
    void ttlHeaderExpires();
    void defaultTtlExpires();
    void pipelinedRequestsAnsweredInOrder();
};

void TestControlsEndToEnd::initTestCase()
{
    E2E_REQUIRE_BINARY();
}

void TestControlsEndToEnd::noCacheRefreshes()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("refresh me"));

    const HttpResult first = client.post(kChat, body);
    E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss", first);
    QCOMPARE(chatText(first.body), QStringLiteral("answer #1 to: refresh me"));

    const HttpResult refreshed = client.post(kChat, body, {{"Cache-Control", "no-cache"}});
    E2E_VERIFY_RESULT(refreshed.status == 200 && refreshed.header("X-Cachette") == "refresh", refreshed);
    QCOMPARE(chatText(refreshed.body), QStringLiteral("answer #2 to: refresh me"));
    QCOMPARE(upstream.requestCount(), 2);
    QCOMPARE(refreshed.header("X-Cachette-Key"), first.header("X-Cachette-Key"));

    // The new answer replaced the old one.
    const HttpResult hit = client.post(kChat, body);
    E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
    QCOMPARE(hit.body, refreshed.body);
    QCOMPARE(upstream.requestCount(), 2);

    // Directives combine with others and ignore case and spacing.
    const HttpResult again = client.post(kChat, body, {{"Cache-Control", "max-age=600, No-Cache"}});
    E2E_VERIFY_RESULT(again.header("X-Cachette") == "refresh", again);
    QCOMPARE(chatText(again.body), QStringLiteral("answer #3 to: refresh me"));
}

void TestControlsEndToEnd::noCacheRefreshesStream()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("refresh my stream")));

    const HttpResult first = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss" && first.sawDone(), first);
    const HttpResult refreshed = client.postStream(kChat, body, {{"Cache-Control", "no-cache"}});
    E2E_VERIFY_RESULT(refreshed.header("X-Cachette") == "refresh" && refreshed.sawDone(), refreshed);
    QCOMPARE(AssembledAnswer::fromEvents(refreshed.events).content, QStringLiteral("answer #2 to: refresh my stream"));
    const HttpResult hit = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
    QCOMPARE(hit.dataEvents(), refreshed.dataEvents());
    QCOMPARE(upstream.requestCount(), 2);
}

void TestControlsEndToEnd::noStoreDoesNotStore()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("forget me"));

    const HttpResult unstored = client.post(kChat, body, {{"Cache-Control", "no-store"}});
    E2E_VERIFY_RESULT(unstored.status == 200 && unstored.header("X-Cachette") == "miss", unstored);
    QCOMPARE(upstream.requestCount(), 1);
    const HttpResult stillUnstored = client.postStream(kChat, streamed(body), {{"Cache-Control", "no-store"}});
    E2E_VERIFY_RESULT(stillUnstored.status == 200 && stillUnstored.sawDone(), stillUnstored);
    QCOMPARE(upstream.requestCount(), 2);

    const HttpResult plain = client.post(kChat, body);
    E2E_VERIFY_RESULT(plain.header("X-Cachette") == "miss", plain);
    QCOMPARE(chatText(plain.body), QStringLiteral("answer #3 to: forget me"));
    QCOMPARE(upstream.requestCount(), 3);

    // no-store still reads the cache: the entry stored by the plain request is served.
    const HttpResult readOnly = client.post(kChat, body, {{"Cache-Control", "no-store"}});
    E2E_VERIFY_RESULT(readOnly.header("X-Cachette") == "hit", readOnly);
    QCOMPARE(upstream.requestCount(), 3);
}

void TestControlsEndToEnd::maxAgeRejectsOlderEntry()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("how fresh?"));

    const HttpResult first = client.post(kChat, body);
    E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss", first);
    const HttpResult young = client.post(kChat, body, {{"Cache-Control", "max-age=60"}});
    E2E_VERIFY_RESULT(young.header("X-Cachette") == "hit", young);
    QCOMPARE(upstream.requestCount(), 1);

    letTimePass(1600);
    const HttpResult tooOld = client.post(kChat, body, {{"Cache-Control", "max-age=1"}});
    E2E_VERIFY_RESULT(tooOld.status == 200 && tooOld.header("X-Cachette") == "miss", tooOld);
    QCOMPARE(chatText(tooOld.body), QStringLiteral("answer #2 to: how fresh?"));
    QCOMPARE(upstream.requestCount(), 2);

    // The fresh answer was stored in its place.
    const HttpResult hit = client.post(kChat, body);
    E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
    QCOMPARE(hit.body, tooOld.body);
    QCOMPARE(upstream.requestCount(), 2);
}

void TestControlsEndToEnd::onlyIfCached()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("only from cache"));
    const RawHeaders onlyCached{{"Cache-Control", "only-if-cached"}};

    const HttpResult miss = client.post(kChat, body, onlyCached);
    E2E_VERIFY_RESULT(miss.status == 504, miss);
    QString why;
    QVERIFY2(isProxyError(miss.body, &why), qPrintable(why));
    QCOMPARE(upstream.requestCount(), 0);

    const HttpResult fill = client.post(kChat, body);
    E2E_VERIFY_RESULT(fill.status == 200 && fill.header("X-Cachette") == "miss", fill);
    const HttpResult hit = client.post(kChat, body, onlyCached);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
    QCOMPARE(hit.body, fill.body);
    QCOMPARE(upstream.requestCount(), 1);
}

void TestControlsEndToEnd::onlyIfCachedStream()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("stream only from cache")));
    const RawHeaders onlyCached{{"Cache-Control", "only-if-cached"}};

    const HttpResult miss = client.postStream(kChat, body, onlyCached);
    E2E_VERIFY_RESULT(miss.status == 504, miss);
    QString why;
    QVERIFY2(isProxyError(miss.body, &why), qPrintable(why));
    QCOMPARE(upstream.requestCount(), 0);

    const HttpResult fill = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(fill.status == 200 && fill.sawDone(), fill);
    const HttpResult hit = client.postStream(kChat, body, onlyCached);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit" && hit.sawDone(), hit);
    QCOMPARE(upstream.requestCount(), 1);
}

void TestControlsEndToEnd::ttlHeaderExpires()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject shortLived = chatBody(QStringLiteral("short lived"));
    const QJsonObject longLived = chatBody(QStringLiteral("long lived"));

    const HttpResult first = client.post(kChat, shortLived, {{"X-Cachette-TTL", "1"}});
    E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss", first);
    const HttpResult other = client.post(kChat, longLived);
    E2E_VERIFY_RESULT(other.header("X-Cachette") == "miss", other);
    const HttpResult soon = client.post(kChat, shortLived);
    E2E_VERIFY_RESULT(soon.header("X-Cachette") == "hit", soon);
    QCOMPARE(upstream.requestCount(), 2);

    letTimePass(1600);
    const HttpResult expired = client.post(kChat, shortLived);
    E2E_VERIFY_RESULT(expired.status == 200 && expired.header("X-Cachette") == "miss", expired);
    QCOMPARE(chatText(expired.body), QStringLiteral("answer #3 to: short lived"));
    const HttpResult stillThere = client.post(kChat, longLived);
    E2E_VERIFY_RESULT(stillThere.header("X-Cachette") == "hit", stillThere);
    QCOMPARE(upstream.requestCount(), 3);
}

void TestControlsEndToEnd::defaultTtlExpires()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl(), {QStringLiteral("--default-ttl"), QStringLiteral("1")});
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("default ttl"));

    const HttpResult first = client.post(kChat, body);
    E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss", first);
    const HttpResult hit = client.post(kChat, body);
    E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
    // A longer TTL on the request wins over the default.
    const HttpResult longer = client.post(kChat, chatBody(QStringLiteral("longer ttl")), {{"X-Cachette-TTL", "120"}});
    E2E_VERIFY_RESULT(longer.header("X-Cachette") == "miss", longer);

    letTimePass(1600);
    const HttpResult expired = client.post(kChat, body);
    E2E_VERIFY_RESULT(expired.header("X-Cachette") == "miss", expired);
    const HttpResult kept = client.post(kChat, chatBody(QStringLiteral("longer ttl")));
    E2E_VERIFY_RESULT(kept.header("X-Cachette") == "hit", kept);
    QCOMPARE(upstream.requestCount(), 3);
}

void TestControlsEndToEnd::pipelinedRequestsAnsweredInOrder()
{
    E2E_START_UPSTREAM(upstream);
    upstream.setScenarioForModel(QStringLiteral("slow-model"), Scenario::slow(800));
    E2E_START_PROXY(proxy, upstream.baseUrl());
    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(proxy.port()) + "\r\n";
    auto post = [&](const QJsonObject &body) -> QByteArray {
        const QByteArray json = toJson(body);
        return "POST /v1/chat/completions HTTP/1.1\r\n" + host
               + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(json.size())
               + "\r\n\r\n" + json;
    };
    // The first is slow upstream, the second answered by the proxy itself, the third fast:
    // the answers must still leave in request order.
    const QByteArray bytes = post(chatBody(QStringLiteral("first, slow"), QStringLiteral("slow-model")))
                             + "GET /healthz HTTP/1.1\r\n" + host + "\r\n"
                             + post(chatBody(QStringLiteral("third, fast")))
                             + post(streamed(chatBody(QStringLiteral("fourth, streamed"))));
    const RawExchangeResult result = rawExchange(proxy.port(), bytes, 4, 20'000);
    QVERIFY(result.connected);
    QVERIFY2(result.responses.size() == 4,
             qPrintable(QStringLiteral("%1 responses; leftover: %2").arg(result.responses.size())
                            .arg(QString::fromUtf8(result.leftover.left(500)))));
    QCOMPARE(result.responses.at(0).status, 200);
    QVERIFY2(chatText(result.responses.at(0).body).endsWith(QLatin1String("to: first, slow")), result.responses.at(0).body.constData());
    QCOMPARE(result.responses.at(1).status, 200);
    QCOMPARE(result.responses.at(1).json().value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(result.responses.at(2).status, 200);
    QVERIFY2(chatText(result.responses.at(2).body).endsWith(QLatin1String("to: third, fast")), result.responses.at(2).body.constData());
    QCOMPARE(result.responses.at(3).status, 200);
    cachette::cache::SseParser parser;
    const AssembledAnswer streamedAnswer = AssembledAnswer::fromEvents(parser.feed(result.responses.at(3).body));
    QVERIFY2(streamedAnswer.sawDone && streamedAnswer.content.endsWith(QLatin1String("to: fourth, streamed")),
             qPrintable(streamedAnswer.describe()));
    QCOMPARE(upstream.requestCount(), 3);
}

QTEST_GUILESS_MAIN(TestControlsEndToEnd)
#include "TestControlsEndToEnd.moc"
