#pragma once

#include "cachedrequest.h"
#include "http/httpexchange.h"
#include "store/cacheentry.h"

namespace cachette::proxy {

// Whether a hit answers request as an event stream (embeddings never stream).
bool repliesAsStream(const CachedRequest &request);

// The events a stream hit sends for entry: the recorded stream (minus the usage chunk unless
// asked), or a stream synthesized from a stored JSON answer.
QByteArray streamEventsFor(const CachedRequest &request, const store::CacheEntry &entry);

// Answers a request from a stored entry in the mode the client asked for: streamEvents (from
// streamEventsFor(), when repliesAsStream()), or the JSON answer (assembled at record time when
// the original was streamed). cacheHeaders say how it was found (X-Cachette and friends); Age
// is added here.
void replayHit(http::HttpExchange *exchange, const CachedRequest &request,
               const store::CacheEntry &entry, qint64 nowMs, http::HeaderList cacheHeaders,
               const QByteArray &streamEvents);

// The recorded events to send: all of them, or all but the usage-only chunk.
QByteArray recordedEventsFor(const QByteArray &recorded, bool includeUsage);

} // namespace cachette::proxy
