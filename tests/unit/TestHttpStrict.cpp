// The HTTP server refuses what other servers read differently (issue #10): a space before a
// header's colon, folded header lines, bare LF line ends, and paths that could leave the base
// path (dot segments raw or percent-encoded, encoded slashes, backslashes). Each refusal is a
// 400 with an OpenAI-style JSON body, the handler never sees the request, and the byte-by-byte
// delivery of the same bytes is refused the same way (the checks look across reads).

#include "http/targetpath.h"
#include "rawhttpclient.h"

#include <QtTest>

using namespace httptest;

class TestHttpStrict : public QObject
{
    Q_OBJECT

private:
    ServerFixture m_fixture;

    // One request on a fresh server, at once or byte by byte; calls counts the handler's runs.
    Response roundTrip(const QByteArray &request, bool byteByByte, int *calls)
    {
        *calls = 0;
        m_fixture.start([calls](HttpExchange *exchange) { ++*calls; echoPath(exchange); });
        Client client(m_fixture.port);
        Response response;
        if (client.waitConnected()) {
            if (byteByByte)
                client.sendSlowly(request);
            else
                client.send(request);
            if (client.waitForResponses(1))
                response = client.response(0);
        }
        m_fixture.reset();
        return response;
    }

private Q_SLOTS:
    void cleanup() { m_fixture.reset(); }

    void refused_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QString>("mentions");
        const QByteArray host = "Host: localhost\r\n";
        QTest::newRow("space before colon") << QByteArray("GET /v1/models HTTP/1.1\r\nHost : localhost\r\n\r\n")
                                            << "before its colon";
        QTest::newRow("tab before colon") << QByteArray("GET /v1/models HTTP/1.1\r\n" + host + "X-A\t: b\r\n\r\n")
                                          << "Malformed HTTP request";   // the parser's own refusal
        QTest::newRow("obs-fold") << QByteArray("GET /v1/models HTTP/1.1\r\n" + host + "X-A: a\r\n b\r\n\r\n")
                                  << "obs-fold";
        QTest::newRow("obs-fold tab") << QByteArray("GET /v1/models HTTP/1.1\r\n" + host + "X-A: a\r\n\tb\r\n\r\n")
                                      << "obs-fold";
        QTest::newRow("bare LF") << QByteArray("GET /v1/models HTTP/1.1\nHost: localhost\n\n") << "bare LF";
        QTest::newRow("bare LF inside") << QByteArray("GET /v1/models HTTP/1.1\r\n" + host + "X-A: a\nX-B: b\r\n\r\n")
                                        << "bare LF";
        for (const char *path : {"/v1/../x", "/v1/%2e%2e/x", "/v1/%2E%2e/x", "/v1/./../x",
                                 "/v1/models/../../x", "/v1/.%2e/x", "/v1/..", "/v1/a%2fb",
                                 "/v1/a%2F..%2Fb", "/v1/a%5cb", "/v1/a\\b"}) {
            QTest::addRow("path %s", path) << (QByteArray("GET ") + path + " HTTP/1.1\r\n" + host + "\r\n")
                                           << "base path";
        }
    }

    void refused()
    {
        QFETCH(QByteArray, request);
        QFETCH(QString, mentions);
        for (bool byteByByte : {false, true}) {
            int calls = 0;
            const Response r = roundTrip(request, byteByByte, &calls);
            QCOMPARE(r.status, 400);
            QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
            const QString message = r.error().value("message").toString();
            QVERIFY2(message.contains(mentions), qPrintable(message));
            QVERIFY(!r.error().value("code").toString().isEmpty());
            QCOMPARE(calls, 0);
        }
    }

    void ordinaryRequestsPass_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("plain") << QByteArray("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-A: a b\r\n\r\n");
        QTest::newRow("dots in names") << QByteArray("GET /v1/files/a..b/.config/x.y HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QTest::newRow("encoded other") << QByteArray("GET /v1/files/a%20b?q=../x HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QTest::newRow("empty value") << QByteArray("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-A:\r\nX-B: b\r\n\r\n");
    }

    void ordinaryRequestsPass()
    {
        QFETCH(QByteArray, request);
        for (bool byteByByte : {false, true}) {
            int calls = 0;
            QCOMPARE(roundTrip(request, byteByByte, &calls).status, 200);
            QCOMPARE(calls, 1);
        }
    }

    void pathProblems()
    {
        using cachette::http::pathProblem;
        QVERIFY(pathProblem("/v1/chat/completions").isEmpty());
        QVERIFY(pathProblem("/v1/a.b/..c/c..").isEmpty());
        QVERIFY(pathProblem("/").isEmpty());
        QVERIFY(pathProblem("/v1/%2e").contains(QLatin1String("dot segment")));
        QVERIFY(pathProblem("/v1/x/..").contains(QLatin1String("dot segment")));
        QVERIFY(pathProblem("/v1/x%2Fy").contains(QLatin1String("encoded slash")));
    }
};

QTEST_GUILESS_MAIN(TestHttpStrict)
#include "TestHttpStrict.moc"
