#include "cache/sseparser.h"

#include <QtTest>

using cachette::cache::SseEvent;
using cachette::cache::SseParser;

namespace {

// A realistic mixed stream: OpenRouter keep-alive comments, OpenAI chunks, an Anthropic
// named event, a multi-line data field, a comment inside an event, and [DONE].
const QByteArray kMixedStream =
    ": OPENROUTER PROCESSING\n"
    "\n"
    "data: {\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion.chunk\",\"created\":1727000000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    ": OPENROUTER PROCESSING\n"
    "\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
    "\"text\":\"Hi\"}}\n"
    "\n"
    ": keep this comment with the event\n"
    "data: first line\n"
    "data:second line\n"
    "id: 7\n"
    "\n"
    "data: [DONE]\n"
    "\n";

QByteArray withLineEnds(QByteArray stream, const QByteArray &lineEnd)
{
    return stream.replace("\n", lineEnd);
}

// One comparable line per event, so QCOMPARE shows which event differs.
QList<QByteArray> describe(const QList<SseEvent> &events)
{
    QList<QByteArray> lines;
    for (const SseEvent &event : events) {
        lines.append("raw=" + event.raw.toPercentEncoding() + " event=" + event.eventName
                     + " data=" + event.data.toPercentEncoding()
                     + (event.commentOnly ? " comment" : ""));
    }
    return lines;
}

QList<SseEvent> parseAll(const QList<QByteArray> &pieces)
{
    SseParser parser;
    QList<SseEvent> events;
    for (const QByteArray &piece : pieces)
        events.append(parser.feed(piece));
    events.append(parser.finish());
    return events;
}

QByteArray joinedRaw(const QList<SseEvent> &events)
{
    QByteArray bytes;
    for (const SseEvent &event : events)
        bytes += event.raw;
    return bytes;
}

} // namespace

class TestSseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void singleEvent()
    {
        SseParser parser;
        const QList<SseEvent> events = parser.feed("data: {\"a\":1}\n\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].data, QByteArray("{\"a\":1}"));
        QCOMPARE(events[0].raw, QByteArray("data: {\"a\":1}\n\n"));
        QCOMPARE(events[0].eventName, QByteArray());
        QVERIFY(!events[0].commentOnly);
        QVERIFY(!events[0].isDone());
        QVERIFY(!parser.hasPartialEvent());
    }

    void mixedStream()
    {
        const QList<SseEvent> events = parseAll({kMixedStream});
        QCOMPARE(events.size(), 6);

        QVERIFY(events[0].commentOnly);
        QCOMPARE(events[0].raw, QByteArray(": OPENROUTER PROCESSING\n\n"));
        QCOMPARE(events[0].data, QByteArray());

        QVERIFY(!events[1].commentOnly);
        QVERIFY(events[1].data.startsWith("{\"id\":\"chatcmpl-9x\""));
        QVERIFY(events[1].data.endsWith("\"finish_reason\":null}]}"));

        QVERIFY(events[2].commentOnly);

        QCOMPARE(events[3].eventName, QByteArray("content_block_delta"));
        QVERIFY(events[3].data.startsWith("{\"type\":\"content_block_delta\""));

        // A comment inside an event does not make it comment-only; "data:" without a space
        // keeps its text; id lines are not data.
        QVERIFY(!events[4].commentOnly);
        QCOMPARE(events[4].data, QByteArray("first line\nsecond line"));
        QCOMPARE(events[4].raw, QByteArray(": keep this comment with the event\n"
                                           "data: first line\ndata:second line\nid: 7\n\n"));

        QVERIFY(events[5].isDone());
        QCOMPARE(joinedRaw(events), kMixedStream);
    }

    void onlyOneLeadingSpaceIsStripped()
    {
        const QList<SseEvent> events = parseAll({"data:  two spaces\ndata\n\n"});
        QCOMPARE(events.size(), 1);
        // "data" without a colon is a data field with an empty value: it adds an empty line.
        QCOMPARE(events[0].data, QByteArray(" two spaces\n"));
    }

    void strayBlankLinesAreNoEvents()
    {
        const QList<SseEvent> events = parseAll({"\n\ndata: x\n\n\n\n"});
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].raw, QByteArray("data: x\n\n"));
    }

    void lineEndings_data()
    {
        QTest::addColumn<QByteArray>("lineEnd");
        QTest::newRow("LF") << QByteArray("\n");
        QTest::newRow("CRLF") << QByteArray("\r\n");
        QTest::newRow("CR") << QByteArray("\r");
    }

    void lineEndings()
    {
        QFETCH(QByteArray, lineEnd);
        const QByteArray stream = withLineEnds(kMixedStream, lineEnd);
        const QList<SseEvent> events = parseAll({stream});
        const QList<SseEvent> reference = parseAll({kMixedStream});
        QCOMPARE(events.size(), reference.size());
        for (int i = 0; i < events.size(); ++i) {
            QCOMPARE(events[i].data, reference[i].data);
            QCOMPARE(events[i].eventName, reference[i].eventName);
            QCOMPARE(events[i].commentOnly, reference[i].commentOnly);
            QCOMPARE(events[i].raw, withLineEnds(reference[i].raw, lineEnd));
        }
        QCOMPARE(joinedRaw(events), stream);
    }

    void crlfSplitBetweenFeeds()
    {
        SseParser parser;
        QVERIFY(parser.feed("data: x\r").isEmpty());
        QVERIFY(parser.feed("\n\r").isEmpty());   // the blank line may still get its LF
        QVERIFY(parser.hasPartialEvent());
        const QList<SseEvent> events = parser.feed("\ndata: y\r\n\r\n");
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0].raw, QByteArray("data: x\r\n\r\n"));
        QCOMPARE(events[0].data, QByteArray("x"));
        QCOMPARE(events[1].raw, QByteArray("data: y\r\n\r\n"));
        QVERIFY(!parser.hasPartialEvent());
    }

    void loneCrAtEndWaitsForFinish()
    {
        SseParser parser;
        QVERIFY(parser.feed("data: x\r\r").isEmpty());
        const QList<SseEvent> events = parser.finish();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].raw, QByteArray("data: x\r\r"));
    }

    void partialEvent()
    {
        SseParser parser;
        QVERIFY(!parser.hasPartialEvent());
        QVERIFY(parser.feed("data: {\"choices\":[").isEmpty());
        QVERIFY(parser.hasPartialEvent());
        QVERIFY(parser.feed("]}\n").isEmpty());
        QVERIFY(parser.hasPartialEvent());
        const QList<SseEvent> events = parser.feed("\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events[0].data, QByteArray("{\"choices\":[]}"));
        QVERIFY(!parser.hasPartialEvent());
        // An event cut off by the end of input is dropped.
        parser.feed("data: cut");
        QVERIFY(parser.finish().isEmpty());
        QVERIFY(!parser.hasPartialEvent());
    }

    void everySplit_data() { lineEndings_data(); }

    // The network may cut anywhere: one byte per feed, and every two-piece split, must give
    // exactly what one feed gives.
    void everySplit()
    {
        QFETCH(QByteArray, lineEnd);
        const QByteArray stream = withLineEnds(kMixedStream, lineEnd);
        const QList<QByteArray> expected = describe(parseAll({stream}));
        QCOMPARE(expected.size(), 6);

        QList<QByteArray> bytes;
        for (const char c : stream)
            bytes.append(QByteArray(1, c));
        QCOMPARE(describe(parseAll(bytes)), expected);

        for (qsizetype at = 0; at <= stream.size(); ++at) {
            const QList<QByteArray> split = describe(parseAll({stream.left(at), stream.mid(at)}));
            if (split != expected)
                QFAIL(qPrintable(QStringLiteral("split at byte %1 differs").arg(at)));
        }
    }

    // A large event arriving in small pieces must not be copied over and over (a quadratic
    // parser would take minutes here).
    void largeEventInSmallPieces()
    {
        const QByteArray payload(4 * 1024 * 1024, 'x');
        const QByteArray stream = "data: " + payload + "\n\ndata: [DONE]\n\n";
        SseParser parser;
        QList<SseEvent> events;
        for (qsizetype at = 0; at < stream.size(); at += 16)
            events.append(parser.feed(stream.mid(at, 16)));
        QCOMPARE(events.size(), 2);
        QCOMPARE(events[0].data.size(), payload.size());
        QVERIFY(events[0].data == payload);
        QVERIFY(events[1].isDone());
    }
};

QTEST_GUILESS_MAIN(TestSseParser)
#include "TestSseParser.moc"
