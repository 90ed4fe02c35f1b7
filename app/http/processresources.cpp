#include "processresources.h"

#include <QDebug>

#include <algorithm>

#ifdef Q_OS_UNIX
#include <sys/resource.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cachette::http {

bool raiseOpenFileLimit(qint64 wanted)
{
#ifdef Q_OS_UNIX
    static bool warned = false;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return false;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    // Beyond the sockets, the process holds the database, logs and Qt's own descriptors.
    const bool enough = limit.rlim_cur == RLIM_INFINITY || qint64(limit.rlim_cur) >= wanted + 64;
    if (!enough && !warned) {
        warned = true;
        qWarning("cachette: the open file limit (%lld) is below the %lld connections allowed; "
                 "raise it (ulimit -n) to serve them all",
                 static_cast<long long>(limit.rlim_cur), static_cast<long long>(wanted));
    }
    return enough;
#else
    Q_UNUSED(wanted);
    return true;
#endif
}

HeapTrimmer::HeapTrimmer()
{
    m_timer.setSingleShot(true);
    QObject::connect(&m_timer, &QTimer::timeout, [this] { trim(); });
}

void HeapTrimmer::connectionCountChanged(int count)
{
    m_peak = std::max(m_peak, count);
    if (m_peak < kBurst || count > kDrained || m_timer.isActive())
        return;
    const qint64 sinceLast = m_lastTrim.isValid() ? m_lastTrim.elapsed() : kMinIntervalMs;
    m_timer.start(int(std::max<qint64>(kDelayMs, kMinIntervalMs - sinceLast)));
}

void HeapTrimmer::trim()
{
    m_peak = 0;
    m_lastTrim.start();
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

} // namespace cachette::http
