// Hostile requests against the real binary (issue #10): whatever a client puts in the path, a
// request never reaches the provider outside its base path, and the client gets a JSON error.

#include "e2e.h"
#include "rawhttpclient.h"

#include <QtTest>

using namespace cachette::test;

class TestHardeningEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!CachetteProcess::binaryPath().isEmpty(), "CACHETTE_BINARY is not set");
    }

    void dotSegmentsNeverReachTheProvider()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        const QList<QByteArray> paths = {"/v1/../x", "/v1/%2e%2e/x", "/v1/./../x", "/v1/models/../../x",
                                         "/v1/%2E%2E/%2e%2e/x", "/v1/models%2f..%2f..%2fx", "/v1/a\\..\\x"};
        for (const QByteArray &path : paths) {
            httptest::Client client(proxy.port());
            QVERIFY(client.waitConnected());
            client.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Authorization: Bearer sk-secret\r\n\r\n");
            QVERIFY2(client.waitForResponses(1), path.constData());
            const httptest::Response &r = client.response(0);
            QCOMPARE(r.status, 400);
            QVERIFY2(isProxyError(r.body), r.body.constData());
            QCOMPARE(r.error().value("code").toString(), QStringLiteral("invalid_path"));
        }
        QCOMPARE(upstream.requestCount(), 0);
        // An ordinary relayed request still goes through, to the base path.
        httptest::Client client(proxy.port());
        QVERIFY(client.waitConnected());
        client.send("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY(client.waitForResponses(1));
        QCOMPARE(client.response(0).status, 200);
        QCOMPARE(upstream.requestCount(), 1);
        QCOMPARE(upstream.lastRequest().path, QByteArray("/v1/models"));
    }
};

QTEST_GUILESS_MAIN(TestHardeningEndToEnd)
#include "TestHardeningEndToEnd.moc"
