// Fuzzes the OpenAI Responses stream assembler and synthesizer (responsesstream.cpp) with
// arbitrary SSE streams: the assembled Response, replayed as a synthesized stream and assembled
// again, must be a fixed point, and every synthesized event names its data's type.
//
// As for Anthropic (fuzz_anthropic_stream.cpp) the check starts from the first assembly, which
// may drop what a Response cannot hold: R1 = assemble(input); R2 = assemble(synthesize(R1));
// assemble(synthesize(R2)) must equal R2. A difference means a cached Response would change each
// time it is served as a stream and stored again, and an agent that resends its items (Codex)
// would miss its own next turn.

#include "fuzzsupport.h"

#include "cache/responsesstream.h"
#include "cache/sseparser.h"

#include <QJsonDocument>

using namespace cachette::cache;

namespace {

QJsonObject assemble(const QByteArray &stream)
{
    SseParser parser;
    const QList<SseEvent> events = parser.feed(stream) + parser.finish();
    QList<QJsonObject> objects;
    for (const SseEvent &event : events) {
        const QJsonObject object = QJsonDocument::fromJson(event.data).object();
        if (object.isEmpty())
            continue;
        (void)responses::isCompleted(object);
        if (responses::isFailure(object))
            (void)responses::errorBody(object);
        (void)responses::usageIn(object);
        objects.append(object);
    }
    const QJsonObject response = responses::assembleResponse(objects);
    (void)responses::outputText(response);
    return response;
}

QJsonObject replayed(const QJsonObject &response)
{
    QByteArray stream;
    for (const QByteArray &event : responses::synthesizeStream(response)) {
        SseParser parser;
        const QList<SseEvent> parsed = parser.feed(event) + parser.finish();
        FUZZ_CHECK(parsed.size() == 1);
        const QJsonObject data = QJsonDocument::fromJson(parsed.first().data).object();
        FUZZ_CHECK(data.value(QLatin1String("type")).toString().toUtf8() == parsed.first().eventName);
        stream += event;
    }
    return assemble(stream);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool quiet = (fuzzsupport::silenceQt(), true);
    Q_UNUSED(quiet);
    const QJsonObject first = assemble(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    const QJsonObject second = replayed(first);
    FUZZ_CHECK(replayed(second) == second);
    return 0;
}
