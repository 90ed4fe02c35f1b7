// Who may talk to the HTTP server: loopback Host names, browser Origins, access tokens; listening and closing.

#include "rawhttpclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include <functional>

using namespace httptest;

class TestHttpAccess : public QObject
{
    Q_OBJECT

private:
    ServerFixture m_fixture;

private Q_SLOTS:
    void cleanup() { m_fixture.reset(); }

    void hostHeaderOnLoopback_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        const auto withHost = [](const QByteArray &host) -> QByteArray {
            return "GET /v1/models HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
        };
        QTest::newRow("evil.com") << withHost("evil.com") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("evil.com:8787") << withHost("evil.com:8787") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("localhost.evil.com") << withHost("localhost.evil.com") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("127.0.0.1.evil.com") << withHost("127.0.0.1.evil.com") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("128.0.0.1") << withHost("128.0.0.1") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("localhost:evil") << withHost("localhost:evil") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("[::1]evil") << withHost("[::1]evil") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("empty") << withHost("") << 403 << QStringLiteral("forbidden_host");
        QTest::newRow("localhost:8787") << withHost("localhost:8787") << 200 << QStringLiteral("");
        QTest::newRow("localhost") << withHost("localhost") << 200 << QStringLiteral("");
        QTest::newRow("LocalHost") << withHost("LocalHost:1") << 200 << QStringLiteral("");
        QTest::newRow("127.0.0.1:8787") << withHost("127.0.0.1:8787") << 200 << QStringLiteral("");
        QTest::newRow("127.1.2.3") << withHost("127.1.2.3") << 200 << QStringLiteral("");
        QTest::newRow("[::1]:8787") << withHost("[::1]:8787") << 200 << QStringLiteral("");
        QTest::newRow("[::1]") << withHost("[::1]") << 200 << QStringLiteral("");
        QTest::newRow("::1") << withHost("::1") << 200 << QStringLiteral("");
        QTest::newRow("missing, HTTP/1.1") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400 << QStringLiteral("missing_host");
        QTest::newRow("missing, HTTP/1.0") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 200 << QStringLiteral("");
    }

    void hostHeaderOnLoopback()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, code);
        int calls = 0;
        m_fixture.start([&](HttpExchange *exchange) { ++calls; echoPath(exchange); });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(request);
        QVERIFY(client.waitForResponses(1));
        const Response &r = client.response(0);
        QCOMPARE(r.status, status);
        QCOMPARE(calls, status == 200 ? 1 : 0);
        if (status != 200) {
            const QJsonObject error = r.error();
            QCOMPARE(error.value("code").toString(), code);
            QVERIFY(!error.value("message").toString().isEmpty());
            QVERIFY(error.contains("type"));
            QVERIFY(error.value("param").isNull());
            QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
        }
    }

    void originPolicy()
    {
        int calls = 0;
        AccessPolicy policy;
        m_fixture.start([&](HttpExchange *exchange) { ++calls; echoPath(exchange); }, {}, policy);
        {
            Client client(m_fixture.port);
            QVERIFY(client.waitConnected());
            client.send(get("/", "Origin: http://localhost:3000\r\n"));
            QVERIFY(client.waitForResponses(1));
            QCOMPARE(client.response(0).status, 403);
            const QJsonObject error = client.response(0).error();
            QCOMPARE(error.value("code").toString(), QStringLiteral("forbidden_origin"));
            QVERIFY(error.value("message").toString().contains("http://localhost:3000"));
            QVERIFY(error.value("message").toString().contains("settings"));
            QCOMPARE(calls, 0);
        }

        policy.allowedOrigins = {QStringLiteral("http://localhost:3000")};
        m_fixture.server->setAccessPolicy(policy);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/allowed", "Origin: http://localhost:3000\r\n"));
        client.send(get("/other", "Origin: http://localhost:3001\r\n"));
        client.send("OPTIONS /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    "Origin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\n"
                    "Access-Control-Request-Headers: authorization, content-type\r\n\r\n");
        client.send(get("/plain"));   // no Origin: not a browser, allowed
        QVERIFY(client.waitForResponses(4));
        QCOMPARE(client.response(0).status, 200);
        QCOMPARE(client.response(0).header("Access-Control-Allow-Origin"), QByteArray("http://localhost:3000"));
        QCOMPARE(client.response(1).status, 403);
        QCOMPARE(client.response(2).status, 204);   // preflight, answered by the server
        QCOMPARE(client.response(2).header("Access-Control-Allow-Origin"), QByteArray("http://localhost:3000"));
        QCOMPARE(client.response(2).header("Access-Control-Allow-Headers"),
                 QByteArray("authorization, content-type"));
        QVERIFY(client.response(2).header("Access-Control-Allow-Methods").contains("POST"));
        QCOMPARE(client.response(3).status, 200);
        QVERIFY(!client.response(3).hasHeader("Access-Control-Allow-Origin"));
        QCOMPARE(calls, 2);
    }

    void accessTokenOffLoopback()
    {
        AccessPolicy policy;
        policy.accessToken = "s3cret-token";
        HttpRequest seen;
        m_fixture.start([&](HttpExchange *exchange) {
            seen = exchange->request();
            echoPath(exchange);
        }, {}, policy, QHostAddress::AnyIPv4);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/none"));
        client.send(get("/wrong", "X-Cachette-Token: s3cret-tokem\r\n"));
        client.send(get("/short", "X-Cachette-Token: s3cret\r\n"));
        client.send("GET /right HTTP/1.1\r\nHost: 192.168.1.20:8787\r\nX-Cachette-Token: s3cret-token\r\n\r\n");
        QVERIFY(client.waitForResponses(4));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(client.response(i).status, 401);
            QCOMPARE(client.response(i).error().value("code").toString(), QStringLiteral("missing_access_token"));
        }
        QCOMPARE(client.response(3).status, 200);   // any Host: not bound to loopback
        QCOMPARE(client.response(3).body, QByteArray("/right"));
        QCOMPARE(seen.path, QByteArray("/right"));
        QVERIFY(!seen.hasHeader("X-Cachette-Token"));   // never forwarded
    }

    void noTokenNeededOnLoopbackOrWhenUnset()
    {
        AccessPolicy policy;
        policy.accessToken = "s3cret-token";
        m_fixture.start(echoPath, {}, policy);
        {
            Client client(m_fixture.port);
            QVERIFY(client.waitConnected());
            client.send(get("/a"));
            QVERIFY(client.waitForResponses(1));
            QCOMPARE(client.response(0).status, 200);
        }
        m_fixture.start(echoPath, {}, {}, QHostAddress::AnyIPv4);
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send("GET /b HTTP/1.1\r\nHost: anything\r\n\r\n");   // one Host: two are refused
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).status, 200);
    }

    void listenReportsPortInUse()
    {
        m_fixture.start(echoPath);
        HttpServer second;
        QString error;
        QVERIFY(!second.listen(QHostAddress::LocalHost, m_fixture.port, &error));
        QCOMPARE(error, QStringLiteral("port %1 on 127.0.0.1 is already in use by another program").arg(m_fixture.port));
        QVERIFY(!second.isListening());
        QVERIFY(m_fixture.server->isListening());
        QCOMPARE(m_fixture.server->serverAddress(), QHostAddress(QHostAddress::LocalHost));
    }

    void closeDropsConnections()
    {
        QPointer<HttpExchange> pending;
        bool gone = false;
        m_fixture.start([&](HttpExchange *exchange) {
            pending = exchange;
            QObject::connect(exchange, &HttpExchange::clientGone, [&] { gone = true; });
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/wait"));
        QTRY_VERIFY(pending);
        m_fixture.server->close();
        QVERIFY(gone);
        QVERIFY(!m_fixture.server->isListening());
        QCOMPARE(m_fixture.server->connectionCount(), 0);
        QVERIFY(client.waitClosed());
        QTRY_VERIFY(pending.isNull());
        Client refused(m_fixture.port);
        QVERIFY(!refused.waitConnected());
    }

    void destroyingTheServerIsSafe()
    {
        QPointer<HttpExchange> pending;
        bool gone = false;
        m_fixture.start([&](HttpExchange *exchange) {
            pending = exchange;
            QObject::connect(exchange, &HttpExchange::clientGone, [&] { gone = true; });
            exchange->writeHead(200, {});
        });
        Client client(m_fixture.port);
        QVERIFY(client.waitConnected());
        client.send(get("/wait"));
        QTRY_VERIFY(pending);
        m_fixture.server.reset();
        QVERIFY(pending.isNull());
        QVERIFY(!gone);   // silent: its listeners may be gone too
        QVERIFY(client.waitClosed());
    }

    void errorBodyShape()
    {
        const QJsonObject root = QJsonDocument::fromJson(
            errorBody(QStringLiteral("He said \"no\""), QStringLiteral("invalid_request_error"),
                      QStringLiteral("some_code"))).object();
        QCOMPARE(root.keys(), QStringList{QStringLiteral("error")});
        const QJsonObject error = root.value("error").toObject();
        QCOMPARE(error.value("message").toString(), QStringLiteral("He said \"no\""));
        QCOMPARE(error.value("type").toString(), QStringLiteral("invalid_request_error"));
        QCOMPARE(error.value("code").toString(), QStringLiteral("some_code"));
        QVERIFY(error.contains("param"));
        QVERIFY(error.value("param").isNull());
    }
};

QTEST_GUILESS_MAIN(TestHttpAccess)
#include "TestHttpAccess.moc"
