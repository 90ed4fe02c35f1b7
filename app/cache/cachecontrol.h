#pragma once

#include <QByteArray>

#include <optional>

namespace cachette::cache {

// Per-request cache control with HTTP conventions.
//   Cache-Control: no-cache        skip the lookup, call upstream, store the answer ("refresh")
//   Cache-Control: no-store        do not store the answer
//   Cache-Control: max-age=N       accept only entries at most N seconds old
//   Cache-Control: only-if-cached  answer 504 on a miss instead of calling upstream
//   X-Cachette-TTL: N              the stored entry expires after N seconds
// Unknown directives are ignored, as HTTP caches do; a malformed number ignores that directive.
struct CacheDirectives
{
    bool noCache = false;
    bool noStore = false;
    bool onlyIfCached = false;
    std::optional<qint64> maxAgeSeconds;
    std::optional<qint64> ttlSeconds;

    static CacheDirectives parse(const QByteArray &cacheControl, const QByteArray &ttlHeader);
};

} // namespace cachette::cache
