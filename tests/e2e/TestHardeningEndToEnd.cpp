// Hostile requests against the real binary (issue #10): whatever a client puts in the path, a
// request never reaches the provider outside its base path, and the client gets a JSON error.
// The malformed-request corpus: every kind of broken request gets its own status and a JSON
// error body, from the proxy itself; none of them reaches the provider.

#include "e2e.h"
#include "rawhttpclient.h"

#include <QtTest>

#include <memory>

using namespace cachette::test;

namespace {

const QByteArray kHost = "Host: 127.0.0.1\r\n";

// "<NUL>" stands for a zero byte, which a C string literal cannot carry.
QByteArray withNul(QByteArray bytes)
{
    return bytes.replace("<NUL>", QByteArray(1, '\0'));
}

QByteArray getWith(const QByteArray &headers)
{
    return "GET /v1/models HTTP/1.1\r\n" + headers + "\r\n";
}

QByteArray postWith(const QByteArray &headers, const QByteArray &body = "{}")
{
    return "POST /v1/chat/completions HTTP/1.1\r\n" + kHost
        + "Content-Type: application/json\r\n" + headers + "\r\n" + body;
}

void addRow(const char *name, const QByteArray &request, int status, const char *code)
{
    QTest::newRow(name) << request << status << QString::fromLatin1(code);
}

void addRequestLineRows()
{
    const QByteArray rest = " HTTP/1.1\r\n" + kHost + "\r\n";
    const char *bad = "malformed_request";
    addRow("method with a control byte", "BL\x01H /v1/models" + rest, 400, bad);
    addRow("unknown method", "FOO /v1/models" + rest, 400, bad);
    addRow("lowercase method", "get /v1/models" + rest, 400, bad);
    addRow("overlong method", "GETTTTTTTTTTTTTTTTTTTTTT /v1/models" + rest, 400, bad);
    addRow("no target", "GET" + rest, 400, bad);
    addRow("target without slash", "GET v1/models" + rest, 400, bad);
    addRow("authority form for GET", "GET 127.0.0.1:80" + rest, 400, bad);
    addRow("space in target", "GET /v1/mod els" + rest, 400, bad);
    addRow("tab in target", "GET /v1/mo\tdels" + rest, 400, bad);
    addRow("form feed in target", "GET /v1/mo\fdels" + rest, 400, bad);
    addRow("NUL in target", withNul("GET /v1/mo<NUL>dels" + rest), 400, bad);
    addRow("control byte in target", "GET /v1/mo\x01" "dels" + rest, 400, bad);
    addRow("DEL in target", "GET /v1/mo\x7f" "dels" + rest, 400, bad);
    addRow("non-ASCII in target", "GET /v1/mod\xc3\xa8ls" + rest, 400, bad);
    addRow("fragment in target", "GET /v1/models#part" + rest, 400, bad);
    addRow("lowercase protocol", "GET /v1/models http/1.1\r\n" + kHost + "\r\n", 400, bad);
    addRow("version without minor", "GET /v1/models HTTP/1.\r\n" + kHost + "\r\n", 400, bad);
    addRow("two-digit minor", "GET /v1/models HTTP/1.10\r\n" + kHost + "\r\n", 400, bad);
    addRow("two-digit major", "GET /v1/models HTTP/11.1\r\n" + kHost + "\r\n", 400, bad);
    addRow("junk after version", "GET /v1/models HTTP/1.1 x\r\n" + kHost + "\r\n", 400, bad);
    addRow("two versions", "GET /v1/models HTTP/1.1 HTTP/1.1\r\n" + kHost + "\r\n", 400, bad);
    addRow("request line ends in CR", "GET /v1/models HTTP/1.1\r" + kHost + "\r\n", 400, bad);
    addRow("request line ends in bare LF", "GET /v1/models HTTP/1.1\n" + kHost + "\r\n", 400, bad);
    const char *version = "http_version_not_supported";
    addRow("no version (HTTP/0.9)", "GET /v1/models\r\n" + kHost + "\r\n", 505, version);
    addRow("HTTP/0.9", "GET /v1/models HTTP/0.9\r\n" + kHost + "\r\n", 505, version);
    addRow("HTTP/2.0", "GET /v1/models HTTP/2.0\r\n" + kHost + "\r\n", 505, version);
    const char *method = "method_not_allowed";
    addRow("TRACE (echoes the API key back)", "TRACE /v1/models" + rest, 405, method);
    addRow("CONNECT with a path", "CONNECT /v1/models" + rest, 405, method);
    addRow("WebDAV method", "PROPFIND /v1/models" + rest, 405, method);
    addRow("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "malformed_request");
    addRow("target too long", "GET /v1/" + QByteArray(70'000, 'a') + rest, 431, "headers_too_large");
}

void addHeaderRows()
{
    const char *bad = "malformed_request";
    addRow("space before colon", getWith("Host : 127.0.0.1\r\n"), 400, bad);
    addRow("tab before colon", getWith(kHost + "X-A\t: b\r\n"), 400, bad);
    addRow("obs-fold", getWith(kHost + "X-A: a\r\n b\r\n"), 400, bad);
    addRow("obs-fold with tab", getWith(kHost + "X-A: a\r\n\tb\r\n"), 400, bad);
    addRow("bare LF between headers", getWith(kHost + "X-A: a\nX-B: b\r\n"), 400, bad);
    addRow("bare LF at the end", "GET /v1/models HTTP/1.1\r\n" + kHost + "\n", 400, bad);
    addRow("CR without LF", getWith(kHost + "X-A: a\rX-B: b\r\n"), 400, bad);
    addRow("no colon", getWith("Host 127.0.0.1\r\n"), 400, bad);
    addRow("empty header name", getWith(kHost + ": b\r\n"), 400, bad);
    addRow("white space before the first header", getWith(" " + kHost), 400, bad);
    addRow("NUL in header name", withNul(getWith(kHost + "X-<NUL>A: b\r\n")), 400, bad);
    addRow("non-ASCII in header name", getWith(kHost + "X-T\xc3\xa9st: b\r\n"), 400, bad);
    addRow("separator in header name", getWith(kHost + "X(A): b\r\n"), 400, bad);
    addRow("slash in header name", getWith(kHost + "X/A: b\r\n"), 400, bad);
    addRow("NUL in header value", withNul(getWith(kHost + "X-A: a<NUL>b\r\n")), 400, bad);
    addRow("DEL in header value", getWith(kHost + "X-A: a\x7f" "b\r\n"), 400, bad);
    addRow("control byte in header value", getWith(kHost + "X-A: a\x01" "b\r\n"), 400, bad);
    addRow("huge header", getWith(kHost + "X-Big: " + QByteArray(70'000, 'h') + "\r\n"), 431,
           "headers_too_large");
    QByteArray many;
    for (int i = 0; i < 6000; ++i)
        many += "X-H" + QByteArray::number(i) + ": v\r\n";
    addRow("too many headers", getWith(kHost + many), 431, "headers_too_large");
    addRow("HTTP/1.1 without Host", getWith("Accept: */*\r\n"), 400, "missing_host");
    addRow("two Host headers", getWith(kHost + "Host: evil.example\r\n"), 400, "duplicate_host");
    addRow("foreign Host", getWith("Host: evil.example\r\n"), 403, "forbidden_host");
    addRow("empty Host", getWith("Host: \r\n"), 403, "forbidden_host");
    addRow("web page Origin", getWith(kHost + "Origin: http://evil.example\r\n"), 403,
           "forbidden_origin");
}

void addBodyFramingRows()
{
    const char *bad = "malformed_request";
    addRow("negative Content-Length", postWith("Content-Length: -1\r\n"), 400, bad);
    addRow("Content-Length not a number", postWith("Content-Length: abc\r\n"), 400, bad);
    addRow("Content-Length with plus", postWith("Content-Length: +2\r\n"), 400, bad);
    addRow("Content-Length in hex", postWith("Content-Length: 0x2\r\n"), 400, bad);
    addRow("Content-Length two numbers", postWith("Content-Length: 2 2\r\n"), 400, bad);
    addRow("Content-Length list", postWith("Content-Length: 2, 2\r\n"), 400, bad);
    addRow("Content-Length twice, differing", postWith("Content-Length: 2\r\nContent-Length: 3\r\n"),
           400, bad);
    addRow("Content-Length twice, equal", postWith("Content-Length: 2\r\nContent-Length: 2\r\n"),
           400, bad);
    addRow("Content-Length overflow", postWith("Content-Length: 99999999999999999999999\r\n"), 400, bad);
    addRow("Content-Length beyond the limit", postWith("Content-Length: 10000000000\r\n"), 413,
           "request_too_large");
    addRow("Content-Length with chunked",
           postWith("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"),
           400, bad);
    addRow("chunked with Content-Length",
           postWith("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", "2\r\n{}\r\n0\r\n\r\n"),
           400, bad);
    addRow("Transfer-Encoding identity", postWith("Transfer-Encoding: identity\r\n"), 400, bad);
    addRow("chunked not the last coding",
           postWith("Transfer-Encoding: chunked, gzip\r\n", "2\r\n{}\r\n0\r\n\r\n"), 400, bad);
    addRow("unknown transfer coding", postWith("Transfer-Encoding: xchunked\r\n"), 400, bad);
    addRow("Transfer-Encoding before colon space",
           postWith("Transfer-Encoding : chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"), 400, bad);
    addRow("chunk size not hex", postWith("Transfer-Encoding: chunked\r\n", "zz\r\n"), 400, bad);
    addRow("negative chunk size", postWith("Transfer-Encoding: chunked\r\n", "-2\r\n{}\r\n"), 400, bad);
    addRow("chunk size overflow",
           postWith("Transfer-Encoding: chunked\r\n", "fffffffffffffffffff\r\n{}\r\n"), 400, bad);
    addRow("chunk data longer than its size",
           postWith("Transfer-Encoding: chunked\r\n", "2\r\n{}xx\r\n0\r\n\r\n"), 400, bad);
    addRow("chunk data without its CRLF",
           postWith("Transfer-Encoding: chunked\r\n", "2\r\n{}0\r\n\r\n"), 400, bad);
    addRow("chunk data ending in a bare LF",
           postWith("Transfer-Encoding: chunked\r\n", "2\r\n{}\n0\r\n\r\n"), 400, bad);
    addRow("chunked body larger than the limit",
           postWith("Transfer-Encoding: chunked\r\n", "7fffffff\r\nxx"),
           413, "request_too_large");
}

void addPathRows()
{
    const QByteArray rest = " HTTP/1.1\r\n" + kHost + "\r\n";
    for (const char *path : {"/v1/../x", "/v1/%2e%2e/x", "/v1/%2E%2e/x", "/v1/./x", "/v1/.%2e/x",
                             "/v1/a%2fb", "/v1/a%5cb", "/v1/a\\b", "/v1/%zz", "/v1/%00x",
                             "/v1/models%"}) {
        QTest::addRow("path %s", path) << QByteArray("GET " + QByteArray(path) + rest) << 400
                                       << QStringLiteral("invalid_path");
    }
    addRow("asterisk form", "OPTIONS *" + rest, 404, "not_found");
}

QByteArray messagesWith(const QByteArray &headers, const QByteArray &body = "{}")
{
    return "POST /v1/messages HTTP/1.1\r\n" + kHost + "anthropic-version: 2023-06-01\r\n"
        + "Content-Type: application/json\r\n" + headers + "\r\n" + body;
}

// Errors the HTTP layer makes before the proxy sees the request, for Anthropic's clients.
void addAnthropicRows()
{
    const QString invalid = QStringLiteral("invalid_request_error");
    QTest::newRow("space before colon") << messagesWith("X-A : b\r\n") << 400 << invalid;
    QTest::newRow("Content-Length not a number") << messagesWith("Content-Length: abc\r\n") << 400
                                                 << invalid;
    QTest::newRow("body beyond the limit") << messagesWith("Content-Length: 10000000000\r\n")
                                           << 413 << QStringLiteral("request_too_large");
    QTest::newRow("chunk size not hex")
        << messagesWith("Transfer-Encoding: chunked\r\n", "zz\r\n") << 400 << invalid;
    QTest::newRow("bad version, target known")
        << QByteArray("POST /v1/messages HTTP/1.10\r\n" + kHost + "\r\n") << 400 << invalid;
    QTest::newRow("dot segment under messages")
        << QByteArray("POST /v1/messages/../x HTTP/1.1\r\n" + kHost + "\r\n") << 400 << invalid;
    QTest::newRow("count_tokens without Host")
        << QByteArray("POST /v1/messages/count_tokens HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
        << 400 << invalid;
    QTest::newRow("anthropic-version on models, foreign Host")
        << QByteArray("GET /v1/models HTTP/1.1\r\nHost: evil.example\r\n"
                      "anthropic-version: 2023-06-01\r\n\r\n")
        << 403 << QStringLiteral("permission_error");
}

} // namespace

class TestHardeningEndToEnd : public QObject
{
    Q_OBJECT

private:
    // One provider and one proxy for all the corpus's rows, started by the first.
    std::unique_ptr<FakeUpstream> m_upstream;
    std::unique_ptr<CachetteProcess> m_proxy;

    bool startSharedProxy()
    {
        if (m_proxy)
            return m_proxy->isRunning();
        QString error;
        m_upstream = std::make_unique<FakeUpstream>();
        if (!m_upstream->start(&error)) {
            qWarning() << "fake upstream:" << error;
            return false;
        }
        m_proxy = std::make_unique<CachetteProcess>(m_upstream->baseUrl());
        if (!m_proxy->start(&error)) {
            qWarning() << "proxy:" << error;
            return false;
        }
        return true;
    }

    // One request on a fresh connection to the shared proxy, and what every corpus row expects:
    // its status, a JSON body, no call to the provider, the proxy still up.
    void expectRefused(const QByteArray &request, int status, httptest::Response *out)
    {
        QVERIFY(startSharedProxy());
        const int callsBefore = m_upstream->requestCount();
        httptest::Client client(m_proxy->port());
        QVERIFY(client.waitConnected());
        client.send(request);
        QVERIFY2(client.waitForResponses(1, 15'000), client.raw.left(300).constData());
        *out = client.response(0);
        QVERIFY2(out->status == status, client.raw.left(300).constData());
        QCOMPARE(out->header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(m_upstream->requestCount(), callsBefore);   // not even for this row
        QVERIFY2(m_proxy->isRunning(), qPrintable(m_proxy->diagnostics()));
    }

private Q_SLOTS:
    void initTestCase()
    {
        E2E_REQUIRE_BINARY();
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

    void malformedRequestsGetJsonErrors_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        addRequestLineRows();
        addHeaderRows();
        addBodyFramingRows();
        addPathRows();
    }

    void malformedRequestsGetJsonErrors()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, code);
        httptest::Response r;
        expectRefused(request, status, &r);
        if (QTest::currentTestFailed())
            return;
        QString why;
        QVERIFY2(isProxyError(r.body, &why), qPrintable(why));
        QCOMPARE(r.error().value("code").toString(), code);
    }

    // The Anthropic SDKs read {"type":"error","error":{"type","message"}}; an OpenAI-shaped body
    // would surface as an error without a message. The rows above stay OpenAI's.
    void anthropicRequestsGetAnthropicErrors_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("type");
        addAnthropicRows();
    }

    void anthropicRequestsGetAnthropicErrors()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QString, type);
        httptest::Response r;
        expectRefused(request, status, &r);
        if (QTest::currentTestFailed())
            return;
        const QJsonObject body = parseObject(r.body);
        QCOMPARE(body.value("type").toString(), QStringLiteral("error"));
        QCOMPARE(body["error"]["type"].toString(), type);
        QVERIFY2(!body["error"]["message"].toString().isEmpty(), r.body.constData());
    }
};

QTEST_GUILESS_MAIN(TestHardeningEndToEnd)
#include "TestHardeningEndToEnd.moc"
