#pragma once

#include "cache/cachecontrol.h"
#include "cache/cachekey.h"
#include "store/outcome.h"

#include <QByteArray>
#include <QString>

namespace cachette::proxy {

// What the proxy knows about one request to a cached endpoint once it has been parsed.
struct CachedRequest
{
    QString endpoint;                  // "chat/completions", "completions", "embeddings", "messages"
    cache::CanonicalRequest canonical;
    cache::CacheDirectives directives;
    QString cacheNamespace;
    QString route;                     // the provider route ("" = the default /v1)
    QByteArray key;
    qint64 receivedUs = 0;             // monotonic clock, for latency
    qint64 receivedMs = 0;             // wall clock
    double similarity = -1;            // best similarity the semantic lookup saw (-1: none ran)
    QString semanticGuard;             // the guard that refused a candidate above the threshold

    bool streams() const { return canonical.stream; }
    // The outcome of a request that went to the upstream.
    store::Outcome missOutcome() const
    {
        return directives.noCache ? store::Outcome::Refresh : store::Outcome::Miss;
    }
};

// Monotonic microseconds, for latency figures.
qint64 monotonicUs();

} // namespace cachette::proxy
