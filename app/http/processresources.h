#pragma once

// Private to the http library: what the server asks of the process it runs in.

#include <QElapsedTimer>
#include <QTimer>

namespace cachette::http {

// Raises the soft limit on open files to the hard limit, once per process: Linux starts
// processes at 1024, fewer than the connections the server is sized for. False when it stays
// lower than `wanted` (the limit is then logged once).
bool raiseOpenFileLimit(qint64 wanted);

// Gives freed heap memory back to the system once a burst of connections has drained. Each
// connection's socket buffers, parser state and request copies are freed when it closes, but
// glibc keeps the freed pages mapped, so a process that once held thousands of connections
// would keep their memory for good. Trimming walks the whole heap, so it runs at most every
// kMinIntervalMs and only after the connection count fell to a few from a burst.
class HeapTrimmer
{
public:
    HeapTrimmer();
    void connectionCountChanged(int count);

    static constexpr int kBurst = 64;     // a peak at least this high counts as a burst
    static constexpr int kDrained = 8;    // at most this many left: the burst is over
    static constexpr int kDelayMs = 500;  // lets the closed connections' deleteLater run first
    static constexpr int kMinIntervalMs = 5000;

private:
    void trim();

    QTimer m_timer;
    QElapsedTimer m_lastTrim;
    int m_peak = 0;
};

} // namespace cachette::http
