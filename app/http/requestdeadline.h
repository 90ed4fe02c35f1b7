#pragma once

// Private to the http library: how long one request may take to arrive.

#include <QElapsedTimer>
#include <QTimer>

#include <functional>

namespace cachette::http {

// Deadlines for reading one request that the client's reads do not push back. An idle timer
// restarted by every byte lets a client that trickles a byte every few seconds (slowloris) hold
// a connection for ever; these count from the start of the request instead:
//  - its headers must be complete within headerTimeoutMs of its first byte (of the connect, for
//    a connection's first request);
//  - after bodyGraceMs its body must have arrived at minBodyBytesPerSecond on average.
// One timer per connection, re-armed only when it fires, so a read costs an addition.
class RequestDeadline
{
public:
    enum class Expiry { Headers, Body };
    struct Limits
    {
        int headerTimeoutMs = 0;            // 0 = no header deadline
        int bodyGraceMs = 0;
        qint64 minBodyBytesPerSecond = 0;   // 0 = no body rate
    };

    RequestDeadline(const Limits &limits, std::function<void(Expiry)> onExpired);

    // The connection is waiting for its first request: the header deadline runs from now.
    void startConnection();
    // A request's first byte arrived. Starts the header deadline unless one already runs (the
    // first request's, which started at the connect).
    void requestBegun();
    void headersComplete();   // the body's rate is measured from here
    void addBodyBytes(qint64 count) { m_bodyBytes += count; }
    void requestComplete();   // nothing is being read until the next request begins
    void stop();              // the connection is closing

    bool isReading() const { return m_phase != Phase::Between; }
    // Since the request (or, before the first one, the connection) started; for picking whom to
    // evict when the server is full.
    qint64 readingForNs() const { return m_started.nsecsElapsed(); }

private:
    enum class Phase { Between, Headers, Body };
    void onTimer();
    qint64 allowedBodyMs() const;   // how long the bytes received so far may take

    const Limits m_limits;
    const std::function<void(Expiry)> m_onExpired;
    QTimer m_timer;
    QElapsedTimer m_started;
    QElapsedTimer m_bodyStarted;
    qint64 m_bodyBytes = 0;
    Phase m_phase = Phase::Between;
};

} // namespace cachette::http
