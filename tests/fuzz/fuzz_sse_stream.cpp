// Fuzzes the SSE parser and the stream recorders of the three streaming dialects
// (chat/completions, completions, Anthropic messages) with arbitrary upstream bytes.
//
// Invariants: no crash or sanitizer report; the parser yields the same events whether the
// bytes come in one piece or cut anywhere (upstreams and proxies re-chunk streams freely);
// every event's raw bytes end with a line end; and for every dialect, the answer assembled
// from the stream, replayed as a synthesized stream (a stream request hitting that entry),
// records as a complete stream again.

#include "fuzzsupport.h"

#include "cache/sseparser.h"
#include "cache/streamrecorder.h"

#include <QJsonDocument>

using namespace cachette::cache;

namespace {

QList<SseEvent> parseAll(const QList<QByteArrayView> &pieces)
{
    SseParser parser;
    QList<SseEvent> events;
    for (QByteArrayView piece : pieces)
        events += parser.feed(piece.toByteArray());
    events += parser.finish();
    return events;
}

bool sameEvents(const QList<SseEvent> &a, const QList<SseEvent> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (a[i].raw != b[i].raw || a[i].eventName != b[i].eventName || a[i].data != b[i].data
            || a[i].commentOnly != b[i].commentOnly)
            return false;
    }
    return true;
}

void checkRecorder(const QString &endpoint, const QList<SseEvent> &events)
{
    StreamRecorder recorder(endpoint);
    for (const SseEvent &event : events)
        recorder.add(event);
    (void)recorder.usage();
    (void)recorder.costUsd();
    const QByteArray assembled = recorder.assembledResponse();
    FUZZ_CHECK(QJsonDocument::fromJson(assembled).isObject());

    // The assembled answer served to a stream request: it must replay as a whole stream.
    SseParser replayParser;
    StreamRecorder replay(endpoint);
    for (const QByteArray &chunk : synthesizeStream(endpoint, assembled, true)) {
        for (const SseEvent &event : replayParser.feed(chunk))
            replay.add(event);
    }
    FUZZ_CHECK(!replayParser.hasPartialEvent());
    FUZZ_CHECK(replay.isComplete());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool quiet = (fuzzsupport::silenceQt(), true);
    Q_UNUSED(quiet);
    const QByteArrayView whole(reinterpret_cast<const char *>(data), qsizetype(size));
    const QList<SseEvent> events = parseAll({whole});
    FUZZ_CHECK(sameEvents(events, parseAll(fuzzsupport::splitDeterministically(data, size))));
    for (const SseEvent &event : events) {
        FUZZ_CHECK(event.raw.endsWith('\n') || event.raw.endsWith('\r'));
        FUZZ_CHECK(whole.indexOf(QByteArrayView(event.raw)) >= 0);
    }

    for (const char *endpoint : {"chat/completions", "completions", "messages"})
        checkRecorder(QString::fromLatin1(endpoint), events);
    return 0;
}
