// Fuzzes the Anthropic Messages stream assembler (anthropicstream.cpp) with arbitrary SSE
// streams: the assembled Message, replayed as a synthesized stream and assembled again, must
// be a fixed point.
//
// The first assembly may drop what a Message cannot hold (deltas for blocks never started,
// fields of the wrong type), so the check starts from its result: M1 = assemble(input);
// M2 = assemble(synthesize(M1)); assemble(synthesize(M2)) must equal M2. A difference means a
// cached Message would change each time it is served as a stream and stored again.
// fuzz_responses_stream.cpp checks the same of the OpenAI Responses assembler.

#include "fuzzsupport.h"

#include "cache/anthropicstream.h"
#include "cache/sseparser.h"

#include <QJsonDocument>

using namespace cachette::cache;

namespace {

// The data objects of a stream and the usage merged as StreamRecorder merges it.
QJsonObject assemble(const QList<QByteArrayView> &pieces)
{
    SseParser parser;
    QList<SseEvent> events;
    for (QByteArrayView piece : pieces)
        events += parser.feed(piece.toByteArray());
    events += parser.finish();

    QList<QJsonObject> objects;
    QJsonObject usage;
    for (const SseEvent &event : events) {
        const QJsonObject object = QJsonDocument::fromJson(event.data).object();
        if (object.isEmpty())
            continue;
        (void)anthropic::isStop(object);
        const QJsonObject fragment = anthropic::usageIn(object);
        for (auto it = fragment.begin(); it != fragment.end(); ++it)
            usage.insert(it.key(), it.value());
        objects.append(object);
    }
    return anthropic::assembleMessage(objects, usage);
}

QJsonObject replayed(const QJsonObject &message)
{
    QByteArray stream;
    for (const QByteArray &event : anthropic::synthesizeStream(message))
        stream += event;
    return assemble({QByteArrayView(stream)});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool quiet = (fuzzsupport::silenceQt(), true);
    Q_UNUSED(quiet);
    const QJsonObject first = assemble({QByteArrayView(reinterpret_cast<const char *>(data),
                                                       qsizetype(size))});
    const QJsonObject second = replayed(first);
    FUZZ_CHECK(replayed(second) == second);
    return 0;
}
