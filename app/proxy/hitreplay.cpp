#include "hitreplay.h"

#include "cache/sseparser.h"
#include "cache/streamrecorder.h"

namespace cachette::proxy {

QByteArray recordedEventsFor(const QByteArray &recorded, bool includeUsage)
{
    if (includeUsage)
        return recorded;
    cache::SseParser parser;
    QByteArray out;
    out.reserve(recorded.size());
    const QList<cache::SseEvent> events = parser.feed(recorded) + parser.finish();
    for (const cache::SseEvent &event : events) {
        if (!cache::StreamRecorder::isUsageOnlyChunk(event))
            out += event.raw;
    }
    return out;
}

bool repliesAsStream(const CachedRequest &request)
{
    return request.streams() && request.endpoint != QLatin1String("embeddings");
}

QByteArray streamEventsFor(const CachedRequest &request, const store::CacheEntry &entry)
{
    const bool usage = request.canonical.wantsUsage;
    return entry.isStreamed()
               ? recordedEventsFor(entry.streamEvents, usage)
               : cache::synthesizeStream(request.endpoint, entry.responseBody, usage).join();
}

void replayHit(http::HttpExchange *exchange, const CachedRequest &request,
               const store::CacheEntry &entry, qint64 nowMs, http::HeaderList cacheHeaders,
               const QByteArray &streamEvents)
{
    http::HeaderList headers = std::move(cacheHeaders);
    headers.emplaceBack(QByteArrayLiteral("Age"),
                        QByteArray::number(qMax<qint64>(0, (nowMs - entry.createdAt) / 1000)));
    if (!repliesAsStream(request)) {
        headers.emplaceBack(QByteArrayLiteral("Content-Type"), "application/json");
        exchange->respond(entry.status, headers, entry.responseBody);
        return;
    }
    headers.emplaceBack(QByteArrayLiteral("Content-Type"), "text/event-stream");
    headers.emplaceBack(QByteArrayLiteral("Cache-Control"), "no-cache");
    exchange->writeHead(entry.status, headers);
    exchange->writeChunk(streamEvents);
    exchange->finish();
}

} // namespace cachette::proxy
