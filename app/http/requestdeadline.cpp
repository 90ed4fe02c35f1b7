#include "requestdeadline.h"

#include <algorithm>
#include <utility>

namespace cachette::http {

RequestDeadline::RequestDeadline(const Limits &limits, std::function<void(Expiry)> onExpired)
    : m_limits(limits)
    , m_onExpired(std::move(onExpired))
{
    m_timer.setSingleShot(true);
    QObject::connect(&m_timer, &QTimer::timeout, [this] { onTimer(); });
}

void RequestDeadline::startConnection()
{
    m_phase = Phase::Headers;
    m_started.start();
    if (m_limits.headerTimeoutMs > 0)
        m_timer.start(m_limits.headerTimeoutMs);
}

void RequestDeadline::requestBegun()
{
    if (m_phase != Phase::Between)
        return;
    startConnection();
}

void RequestDeadline::headersComplete()
{
    m_phase = Phase::Body;
    m_bodyBytes = 0;
    m_bodyStarted.start();
    m_timer.stop();
    // Most requests complete in the same read; the timer is only a guard for those that do not.
    if (m_limits.minBodyBytesPerSecond > 0)
        m_timer.start(int(std::max<qint64>(m_limits.bodyGraceMs, 1)));
}

void RequestDeadline::requestComplete()
{
    m_phase = Phase::Between;
    m_timer.stop();
    // A keep-alive connection between requests is ranked by how long it has been idle.
    m_started.start();
}

void RequestDeadline::stop()
{
    m_phase = Phase::Between;
    m_timer.stop();
}

qint64 RequestDeadline::allowedBodyMs() const
{
    const qint64 byRate = m_bodyBytes * 1000 / m_limits.minBodyBytesPerSecond;
    return std::max<qint64>(m_limits.bodyGraceMs, byRate);
}

void RequestDeadline::onTimer()
{
    switch (m_phase) {
    case Phase::Between:
        return;
    case Phase::Headers:
        m_phase = Phase::Between;
        m_onExpired(Expiry::Headers);
        return;
    case Phase::Body: {
        const qint64 left = allowedBodyMs() - m_bodyStarted.elapsed();
        if (left > 0) {   // the body kept up so far: look again when it would fall behind
            m_timer.start(int(std::min<qint64>(left, 0x7fffffff)));
            return;
        }
        m_phase = Phase::Between;
        m_onExpired(Expiry::Body);
        return;
    }
    }
}

} // namespace cachette::http
