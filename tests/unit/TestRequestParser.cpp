// The request parser on its own (issue 12): plain byte strings in, requests or a status and a
// sentence out, with no socket. The same bytes cut anywhere give the same result, since the
// checks for bare LF and folded lines look across feeds.

#include "http/requestparser.h"

#include <QtTest>

using cachette::http::HttpRequest;
using cachette::http::RequestParser;
using Status = RequestParser::Status;

namespace {

// What feeding some bytes made: the complete requests, then the refusal if one came.
struct Parsed
{
    QList<HttpRequest> requests;
    QList<bool> keepAlive;
    RequestParser::Rejection rejection;
    qint64 bodyBytes = 0;
    int headersEnded = 0;
    bool expectsContinue = false;
    bool failed = false;
};

// Feeds the pieces one after another; after a complete request, the rest of the piece again.
Parsed parse(const QList<QByteArray> &pieces, const RequestParser::Limits &limits = {})
{
    RequestParser parser(limits);
    Parsed out;
    for (const QByteArray &piece : pieces) {
        QByteArrayView rest(piece);
        while (!rest.isEmpty() && !out.failed) {
            RequestParser::Result result = parser.feed(rest);
            out.bodyBytes += result.progress.bodyBytes;
            out.headersEnded += result.progress.headersEnded ? 1 : 0;
            out.expectsContinue |= result.progress.expectsContinue;
            if (result.status == Status::Error) {
                out.failed = true;
                out.rejection = result.rejection;
            } else if (result.status == Status::Complete) {
                out.requests.append(result.request);
                out.keepAlive.append(result.keepAlive);
                rest = rest.sliced(result.consumed);
            } else {
                Q_ASSERT(result.consumed == rest.size());
                rest = {};
            }
        }
    }
    return out;
}

Parsed parse(const QByteArray &bytes, const RequestParser::Limits &limits = {})
{
    return parse(QList<QByteArray>{bytes}, limits);
}

QList<QByteArray> byteByByte(const QByteArray &bytes)
{
    QList<QByteArray> pieces;
    for (const char ch : bytes)
        pieces.append(QByteArray(1, ch));
    return pieces;
}

} // namespace

class TestRequestParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void simpleGet()
    {
        const Parsed p = parse("GET /v1/models?limit=2 HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\n\r\n");
        QVERIFY(!p.failed);
        QCOMPARE(p.requests.size(), 1);
        const HttpRequest &r = p.requests.first();
        QCOMPARE(r.method, QByteArray("GET"));
        QCOMPARE(r.target, QByteArray("/v1/models?limit=2"));
        QCOMPARE(r.path, QByteArray("/v1/models"));
        QCOMPARE(r.query, QByteArray("limit=2"));
        QCOMPARE(r.httpMinor, 1);
        QCOMPARE(r.headers.size(), 2);
        QCOMPARE(r.header("host"), QByteArray("localhost"));
        QCOMPARE(r.header("X-A"), QByteArray("b"));
        QVERIFY(r.body.isEmpty());
        QCOMPARE(p.keepAlive, QList<bool>{true});
    }

    void incompleteNeedsMore()
    {
        RequestParser parser;
        const RequestParser::Result result = parser.feed("GET / HTTP/1.1\r\nHost: local");
        QCOMPARE(result.status, Status::NeedMore);
        QCOMPARE(result.consumed, qsizetype(27));
        QVERIFY(result.progress.began);
        QVERIFY(!result.progress.headersEnded);
        QCOMPARE(parser.feed({}).status, Status::NeedMore);   // not the end of the stream
        QCOMPARE(parser.takeRequest().target, QByteArray("/"));
    }

    void connectionClose()
    {
        const Parsed p = parse("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        QCOMPARE(p.keepAlive, QList<bool>{false});
        const Parsed old = parse("GET / HTTP/1.0\r\n\r\n");
        QCOMPARE(old.requests.first().httpMinor, 0);
        QCOMPARE(old.keepAlive, QList<bool>{false});
    }

    void postSplitAtEveryByte()
    {
        const QByteArray body = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";
        const QByteArray bytes = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                                 "Content-Type: application/json\r\nContent-Length: "
                                 + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        for (qsizetype cut = 0; cut <= bytes.size(); ++cut) {
            const Parsed p = parse(QList<QByteArray>{bytes.first(cut), bytes.sliced(cut)});
            QVERIFY2(!p.failed, qPrintable(QString::number(cut)));
            QCOMPARE(p.requests.size(), 1);
            QCOMPARE(p.requests.first().method, QByteArray("POST"));
            QCOMPARE(p.requests.first().body, body);
            QCOMPARE(p.requests.first().header("Content-Type"), QByteArray("application/json"));
            QCOMPARE(p.bodyBytes, qint64(body.size()));
            QCOMPARE(p.headersEnded, 1);
        }
        const Parsed slowly = parse(byteByByte(bytes));
        QCOMPARE(slowly.requests.size(), 1);
        QCOMPARE(slowly.requests.first().body, body);
    }

    void chunkedBody()
    {
        const QByteArray bytes = "POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n"
                                 "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
        for (const QList<QByteArray> &pieces : {QList<QByteArray>{bytes}, byteByByte(bytes)}) {
            const Parsed p = parse(pieces);
            QVERIFY(!p.failed);
            QCOMPARE(p.requests.size(), 1);
            QCOMPARE(p.requests.first().body, QByteArray("hello, world"));
            QCOMPARE(p.bodyBytes, qint64(12));
        }
    }

    void expectContinue()
    {
        const Parsed p = parse("POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\n"
                               "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}");
        QVERIFY(p.expectsContinue);
        QVERIFY(!parse("POST / HTTP/1.1\r\nHost: l\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
                     .expectsContinue);   // no body to wait for
    }

    void pipelinedTwo()
    {
        const QByteArray bytes = "POST /a HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc"
                                 "GET /b HTTP/1.1\r\nHost: localhost\r\n\r\n";
        RequestParser parser;
        const RequestParser::Result first = parser.feed(bytes);
        QCOMPARE(first.status, Status::Complete);
        QCOMPARE(first.request.path, QByteArray("/a"));
        QCOMPARE(first.request.body, QByteArray("abc"));
        QVERIFY(first.consumed < bytes.size());
        const RequestParser::Result second = parser.feed(QByteArrayView(bytes).sliced(first.consumed));
        QCOMPARE(second.status, Status::Complete);
        QCOMPARE(second.request.path, QByteArray("/b"));
        QVERIFY(second.request.body.isEmpty());
        QCOMPARE(first.consumed + second.consumed, bytes.size());

        const Parsed slowly = parse(byteByByte(bytes));
        QCOMPARE(slowly.requests.size(), 2);
        QCOMPARE(slowly.requests.at(1).path, QByteArray("/b"));
    }

    void refused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("code");
        QTest::addColumn<QString>("message");
        const QByteArray host = "Host: localhost\r\n";
        const QByteArray get = "GET /v1/models HTTP/1.1\r\n";
        QTest::newRow("space before colon")
            << QByteArray(get + "Host : localhost\r\n\r\n") << 400 << QByteArray("malformed_request")
            << "Malformed HTTP request: white space in a header name or before its colon.";
        QTest::newRow("obs-fold")
            << QByteArray(get + host + "X-A: a\r\n b\r\n\r\n") << 400 << QByteArray("malformed_request")
            << "Malformed HTTP request: a folded header line (obs-fold).";
        QTest::newRow("obs-fold tab")
            << QByteArray(get + host + "X-A: a\r\n\tb\r\n\r\n") << 400 << QByteArray("malformed_request")
            << "Malformed HTTP request: a folded header line (obs-fold).";
        QTest::newRow("bare LF")
            << QByteArray("GET /v1/models HTTP/1.1\nHost: localhost\n\n") << 400
            << QByteArray("malformed_request")
            << "Malformed HTTP request: a line ends in a bare LF (CRLF is required).";
        QTest::newRow("bare LF inside")
            << QByteArray(get + host + "X-A: a\nX-B: b\r\n\r\n") << 400 << QByteArray("malformed_request")
            << "Malformed HTTP request: a line ends in a bare LF (CRLF is required).";
        QTest::newRow("bare LF at the end")
            << QByteArray(get + host + "\n") << 400 << QByteArray("malformed_request")
            << "Malformed HTTP request: a line ends in a bare LF (CRLF is required).";
        QTest::newRow("fragment in target")
            << QByteArray("GET /v1/models#x HTTP/1.1\r\n" + host + "\r\n") << 400
            << QByteArray("malformed_request")
            << "Malformed HTTP request: the target contains white space, a control or non-ASCII "
               "byte, or a fragment (#).";
        QTest::newRow("dot segment")
            << QByteArray("GET /v1/../x HTTP/1.1\r\n" + host + "\r\n") << 400 << QByteArray("invalid_path")
            << QString();   // the sentence names the problem (TestHttpStrict)
        QTest::newRow("version digits")
            << QByteArray("GET / HTTP/1.10\r\n" + host + "\r\n") << 400 << QByteArray("malformed_request")
            << QString();   // by libhttp-parser or our own check, depending on its version
        QTest::newRow("HTTP/2")
            << QByteArray("GET / HTTP/2.0\r\n" + host + "\r\n") << 505
            << QByteArray("http_version_not_supported") << "Only HTTP/1.0 and HTTP/1.1 are supported.";
        QTest::newRow("not HTTP")
            << QByteArray("HELLO\r\n\r\n") << 400 << QByteArray("malformed_request")
            << "Malformed HTTP request: invalid HTTP method.";
        QTest::newRow("body too large")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: 101\r\n\r\n") << 413
            << QByteArray("request_too_large") << "The request body is larger than 100 bytes.";
        QTest::newRow("chunk too large")
            << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n"
                          "50\r\n" + QByteArray(80, 'a') + "\r\n50\r\n")
            << 413 << QByteArray("request_too_large") << "The request body is larger than 100 bytes.";
        QTest::newRow("headers too large")
            << QByteArray(get + host + "X-Big: " + QByteArray(300, 'b') + "\r\n\r\n") << 431
            << QByteArray("headers_too_large") << "The request headers are too large.";
        QTest::newRow("request line too long")
            << QByteArray("GET /" + QByteArray(300, 'a') + " HTTP/1.1\r\n" + host + "\r\n") << 431
            << QByteArray("headers_too_large") << "The request line is too long.";
    }

    void refused()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        QFETCH(QByteArray, code);
        QFETCH(QString, message);
        const RequestParser::Limits limits{256, 100};
        for (const bool slowly : {false, true}) {
            const Parsed p = slowly ? parse(byteByByte(bytes), limits) : parse(bytes, limits);
            QVERIFY2(p.failed, slowly ? "byte by byte" : "at once");
            QVERIFY(p.requests.isEmpty());
            QCOMPARE(p.rejection.status, status);
            QCOMPARE(QByteArray(p.rejection.code), code);
            if (!message.isEmpty())
                QCOMPARE(p.rejection.message, message);
        }
    }

    void errorIsFinal()
    {
        RequestParser parser;
        QCOMPARE(parser.feed("GET / HTTP/1.1\r\nHost : x\r\n\r\n").status, Status::Error);
        const RequestParser::Result again = parser.feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(again.status, Status::Error);
        QCOMPARE(again.rejection.status, 400);
    }

    void ordinaryRequestsPass()
    {
        // What the strict checks must not refuse: a tab inside a value, leading empty lines,
        // a percent-encoded slash in the query.
        const Parsed p = parse("GET /v1/models?q=a%2Fb HTTP/1.1\r\nHost: localhost\r\n"
                               "User-Agent: a\tb\r\n\r\n"
                               "\r\nGET /v1/models HTTP/1.1\r\nHost: localhost\r\n\r\n");
        QVERIFY2(!p.failed, qPrintable(p.rejection.message));
        QCOMPARE(p.requests.size(), 2);
        QCOMPARE(p.requests.first().header("User-Agent"), QByteArray("a\tb"));
    }
};

QTEST_GUILESS_MAIN(TestRequestParser)
#include "TestRequestParser.moc"
