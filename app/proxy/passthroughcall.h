#pragma once

#include "http/httpexchange.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

namespace cachette::upstream {
class UpstreamReply;
}

namespace cachette::proxy {

// Relays an uncached request's answer byte for byte as it arrives (any method, any endpoint,
// streams included), marked X-Cachette: bypass. An answer cut short is cut short for the client
// too (no clean end); a failure before the head is a JSON error. Deletes itself when done.
class PassthroughCall : public QObject
{
    Q_OBJECT
public:
    using DoneCallback = std::function<void(int status, qint64 upstreamUs)>;

    PassthroughCall(http::HttpExchange *exchange, upstream::UpstreamReply *reply, int idleTimeoutMs,
                    DoneCallback onDone, QObject *parent = nullptr);
    ~PassthroughCall() override;

private:
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void complete(int status);

    QPointer<http::HttpExchange> m_exchange;
    upstream::UpstreamReply *m_reply;
    DoneCallback m_onDone;
    QTimer m_idle;
    qint64 m_startUs;
    int m_status = 0;
    bool m_timedOut = false;
    bool m_done = false;
};

} // namespace cachette::proxy
