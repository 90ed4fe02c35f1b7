// The real cachette binary between clients and a fake upstream: what one client caches another
// does not see (namespaces, a cache per API key), no API key reaches the disk or the logs, and
// only the local host and allowed web pages may talk to the proxy.

#include "e2e.h"

#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace cachette::test;

namespace {

const QString kChat = QStringLiteral("/v1/chat/completions");
const QString kEmbeddings = QStringLiteral("/v1/embeddings");

QByteArray allFileBytes(const QString &dir, QStringList *names)
{
    QByteArray all;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (file.open(QIODevice::ReadOnly)) {
            all += file.readAll();
            *names << QStringLiteral("%1 (%2 bytes)").arg(path).arg(file.size());
        }
    }
    return all;
}

} // namespace

class TestPrivacyEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void namespacesIsolate();
    void isolateByApiKey();
    void noApiKeyOnDiskOrInLogs_data();
    void noApiKeyOnDiskOrInLogs();
    void foreignHostRefused();
    void foreignOriginRefused();
    void allowedOriginAccepted();
};

void TestPrivacyEndToEnd::initTestCase()
{
    E2E_REQUIRE_BINARY();
}

void TestPrivacyEndToEnd::namespacesIsolate()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("namespaced"));

    const HttpResult a = client.post(kChat, body, {{"X-Cachette-Namespace", "project-a"}});
    E2E_VERIFY_RESULT(a.header("X-Cachette") == "miss", a);
    const HttpResult b = client.post(kChat, body, {{"X-Cachette-Namespace", "project-b"}});
    E2E_VERIFY_RESULT(b.header("X-Cachette") == "miss", b);
    QVERIFY(a.header("X-Cachette-Key") != b.header("X-Cachette-Key"));
    const HttpResult plain = client.post(kChat, body);
    E2E_VERIFY_RESULT(plain.header("X-Cachette") == "miss", plain);
    QCOMPARE(upstream.requestCount(), 3);

    const HttpResult aAgain = client.post(kChat, body, {{"X-Cachette-Namespace", "project-a"}});
    E2E_VERIFY_RESULT(aAgain.header("X-Cachette") == "hit", aAgain);
    QCOMPARE(chatText(aAgain.body), QStringLiteral("answer #1 to: namespaced"));
    const HttpResult bAgain = client.post(kChat, body, {{"X-Cachette-Namespace", "project-b"}});
    E2E_VERIFY_RESULT(bAgain.header("X-Cachette") == "hit", bAgain);
    QCOMPARE(chatText(bAgain.body), QStringLiteral("answer #2 to: namespaced"));
    const HttpResult plainAgain = client.post(kChat, body);
    E2E_VERIFY_RESULT(plainAgain.header("X-Cachette") == "hit", plainAgain);
    QCOMPARE(chatText(plainAgain.body), QStringLiteral("answer #3 to: namespaced"));
    QCOMPARE(upstream.requestCount(), 3);
}

void TestPrivacyEndToEnd::isolateByApiKey()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl(), {QStringLiteral("--isolate-by-api-key")});
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("whose answer?"));
    const RawHeaders one{{"Authorization", "Bearer sk-test-one"}};
    const RawHeaders two{{"Authorization", "Bearer sk-test-two"}};

    const HttpResult first = client.post(kChat, body, one);
    E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss", first);
    const HttpResult second = client.post(kChat, body, two);
    E2E_VERIFY_RESULT(second.header("X-Cachette") == "miss", second);
    QCOMPARE(upstream.requestCount(), 2);
    QCOMPARE(upstream.requests().at(0).header("Authorization"), QByteArray("Bearer sk-test-one"));
    QCOMPARE(upstream.requests().at(1).header("Authorization"), QByteArray("Bearer sk-test-two"));

    const HttpResult oneAgain = client.post(kChat, body, one);
    E2E_VERIFY_RESULT(oneAgain.header("X-Cachette") == "hit", oneAgain);
    QCOMPARE(chatText(oneAgain.body), QStringLiteral("answer #1 to: whose answer?"));
    const HttpResult twoAgain = client.post(kChat, body, two);
    E2E_VERIFY_RESULT(twoAgain.header("X-Cachette") == "hit", twoAgain);
    QCOMPARE(chatText(twoAgain.body), QStringLiteral("answer #2 to: whose answer?"));
    QCOMPARE(upstream.requestCount(), 2);

    // Without the flag the key does not matter.
    E2E_START_PROXY(shared, upstream.baseUrl());
    ProxyClient sharedClient(shared.rootUrl());
    const HttpResult s1 = sharedClient.post(kChat, body, one);
    E2E_VERIFY_RESULT(s1.header("X-Cachette") == "miss", s1);
    const HttpResult s2 = sharedClient.post(kChat, body, two);
    E2E_VERIFY_RESULT(s2.header("X-Cachette") == "hit", s2);
}

void TestPrivacyEndToEnd::noApiKeyOnDiskOrInLogs_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("shared cache") << QStringList{};
    QTest::newRow("isolate by api key") << QStringList{QStringLiteral("--isolate-by-api-key")};
}

void TestPrivacyEndToEnd::noApiKeyOnDiskOrInLogs()
{
    QFETCH(QStringList, args);
    E2E_START_UPSTREAM(upstream);
    QTemporaryDir dataDir;
    QVERIFY(dataDir.isValid());
    E2E_START_PROXY(proxy, upstream.baseUrl(), args, dataDir.path());
    ProxyClient client(proxy.rootUrl());

    const RawHeaders openai{{"Authorization", "Bearer sk-test-SECRET123456"}};
    const RawHeaders anthropic{{"x-api-key", "sk-ant-SECRET"}, {"anthropic-version", "2023-06-01"}};
    QList<HttpResult> results;
    results << client.post(kChat, chatBody(QStringLiteral("secret one")), openai);
    results << client.post(kChat, chatBody(QStringLiteral("secret one")), openai);
    results << client.postStream(kChat, streamed(chatBody(QStringLiteral("secret stream"))), openai);
    results << client.post(kEmbeddings, QJsonObject{{"model", "e"}, {"input", "secret"}}, openai);
    results << client.post(kChat, chatBody(QStringLiteral("secret two")), anthropic);
    results << client.post(QStringLiteral("/v1/messages"),
                           QByteArray("{\"model\":\"claude-3-5-haiku\",\"max_tokens\":9,"
                                      "\"messages\":[{\"role\":\"user\",\"content\":\"secret\"}]}"),
                           anthropic);
    results << client.post(kChat, chatBody(QStringLiteral("secret error")),
                           {{"Authorization", "Bearer sk-test-SECRET123456"}, {"X-Fake-Scenario", "error500"}});
    results << client.post(kChat, QByteArray("{broken"), openai);
    for (const HttpResult &r : results)
        E2E_VERIFY_RESULT(r.status != 0, r);
    QCOMPARE(upstream.lastRequest().header("Authorization"), QByteArray("Bearer sk-test-SECRET123456"));

    QString error;
    QVERIFY2(proxy.stop(&error), qPrintable(error));

    QStringList files;
    const QByteArray disk = allFileBytes(dataDir.path(), &files);
    QVERIFY2(!files.isEmpty(), "the data dir holds the database");
    const QByteArray out = proxy.standardOutput();
    const QByteArray err = proxy.standardError();
    for (const QByteArray &secret : {QByteArrayLiteral("SECRET123456"), QByteArrayLiteral("sk-ant-SECRET"),
                                    QByteArrayLiteral("sk-test-SECRET")}) {
        QVERIFY2(!disk.contains(secret), qPrintable(QStringLiteral("\"%1\" found on disk in one of: %2")
                                                        .arg(QLatin1String(secret), files.join(QStringLiteral(", ")))));
        QVERIFY2(!out.contains(secret), qPrintable(QStringLiteral("\"%1\" in stdout").arg(QLatin1String(secret))));
        QVERIFY2(!err.contains(secret), qPrintable(QStringLiteral("\"%1\" in stderr").arg(QLatin1String(secret))));
    }
    // Nor base64-encoded (a header dump stored encoded).
    QVERIFY2(!disk.contains(QByteArray("sk-test-SECRET123456").toBase64().left(24)),
             "the API key found base64-encoded on disk");
}

void TestPrivacyEndToEnd::foreignHostRefused()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    const QByteArray body = toJson(chatBody(QStringLiteral("rebinding")));
    auto request = [&](const QByteArray &host) -> QByteArray {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: " + host
               + "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
               + "\r\n\r\n" + body;
    };
    for (const QByteArray &host : {QByteArray("evil.example"), QByteArray("evil.example:" + QByteArray::number(proxy.port())),
                                   QByteArray("127.0.0.1.evil.example")}) {
        const RawExchangeResult result = rawExchange(proxy.port(), request(host), 1);
        QVERIFY2(result.responses.size() == 1, qPrintable(QStringLiteral("no answer for Host: ") + QString::fromLatin1(host)));
        QVERIFY2(result.responses.at(0).status == 403,
                 qPrintable(QStringLiteral("Host: %1 → %2 %3").arg(QString::fromLatin1(host))
                                .arg(result.responses.at(0).status)
                                .arg(QString::fromUtf8(result.responses.at(0).body))));
        QString why;
        QVERIFY2(isProxyError(result.responses.at(0).body, &why), qPrintable(why));
    }
    QCOMPARE(upstream.requestCount(), 0);

    for (const QByteArray &host : {QByteArray("127.0.0.1:" + QByteArray::number(proxy.port())),
                                   QByteArray("localhost:" + QByteArray::number(proxy.port()))}) {
        const RawExchangeResult ok = rawExchange(proxy.port(), request(host), 1);
        QCOMPARE(ok.responses.size(), 1);
        QVERIFY2(ok.responses.at(0).status == 200, qPrintable(QStringLiteral("Host: %1 → %2 %3")
                                                                   .arg(QString::fromLatin1(host))
                                                                   .arg(ok.responses.at(0).status)
                                                                   .arg(QString::fromUtf8(ok.responses.at(0).body))));
    }
}

void TestPrivacyEndToEnd::foreignOriginRefused()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());

    const HttpResult r = client.post(kChat, chatBody(QStringLiteral("from a web page")),
                                     {{"Origin", "https://evil.example"}});
    E2E_VERIFY_RESULT(r.status == 403, r);
    QString why;
    QVERIFY2(isProxyError(r.body, &why), qPrintable(why));
    const HttpResult models = client.get(QStringLiteral("/v1/models"), {{"Origin", "https://evil.example"}});
    E2E_VERIFY_RESULT(models.status == 403, models);
    QCOMPARE(upstream.requestCount(), 0);
}

void TestPrivacyEndToEnd::allowedOriginAccepted()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl(),
                    {QStringLiteral("--allow-origin"), QStringLiteral("https://evil.example"),
                     QStringLiteral("--allow-origin"), QStringLiteral("http://localhost:3000")});
    ProxyClient client(proxy.rootUrl());

    for (const QByteArray &origin : {QByteArrayLiteral("https://evil.example"), QByteArrayLiteral("http://localhost:3000")}) {
        const HttpResult r = client.post(kChat, chatBody(QStringLiteral("allowed page")), {{"Origin", origin}});
        E2E_VERIFY_RESULT(r.status == 200, r);
    }
    QCOMPARE(upstream.requestCount(), 1);   // the second was a hit
    const HttpResult other = client.post(kChat, chatBody(QStringLiteral("allowed page")),
                                         {{"Origin", "https://app.example"}});
    E2E_VERIFY_RESULT(other.status == 403, other);
}

QTEST_GUILESS_MAIN(TestPrivacyEndToEnd)
#include "TestPrivacyEndToEnd.moc"
