#pragma once

#include "cachedrequest.h"
#include "http/httpexchange.h"
#include "store/cacheentry.h"

namespace cachette::proxy {

// Answers a request from a stored entry in the mode the client asked for: the recorded stream
// (minus the usage chunk unless asked), a stream synthesized from a stored JSON answer, or the
// JSON answer (assembled at record time when the original was streamed). cacheHeaders say how
// it was found (X-Cachette and friends); Age is added here.
void replayHit(http::HttpExchange *exchange, const CachedRequest &request,
               const store::CacheEntry &entry, qint64 nowMs, http::HeaderList cacheHeaders);

// The recorded events to send: all of them, or all but the usage-only chunk.
QByteArray recordedEventsFor(const QByteArray &recorded, bool includeUsage);

} // namespace cachette::proxy
