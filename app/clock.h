#pragma once

#include <QDateTime>

#include <atomic>

namespace cachette::clock {

// The wall clock that expiry, "created" and "last hit" stamps, the writer's purge and the
// dashboard's ranges read: one seam, so that a test sets the time (test::ManualClock) instead
// of sleeping through a TTL or depending on today's date. The app never sets it. Durations
// (latencies, deadlines) read a monotonic clock instead and do not go through here.
inline std::atomic<qint64> &fixedNowMs()   // 0: the real clock
{
    static std::atomic<qint64> ms { 0 };
    return ms;
}

inline qint64 nowMs()
{
    const qint64 fixed = fixedNowMs().load(std::memory_order_relaxed);
    return fixed != 0 ? fixed : QDateTime::currentMSecsSinceEpoch();
}

inline QDateTime now()
{
    return QDateTime::fromMSecsSinceEpoch(nowMs());
}

} // namespace cachette::clock
