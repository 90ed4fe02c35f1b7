#pragma once

#include "http/httpexchange.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

class QNetworkReply;

namespace cachette::proxy {

// Relays an uncached request's answer byte for byte as it arrives (any method, any endpoint,
// streams included), marked X-Cachette: bypass. Deletes itself when done.
class PassthroughCall : public QObject
{
    Q_OBJECT
public:
    using DoneCallback = std::function<void(int status, qint64 upstreamUs)>;

    PassthroughCall(http::HttpExchange *exchange, QNetworkReply *reply, int idleTimeoutMs,
                    DoneCallback onDone, QObject *parent = nullptr);
    ~PassthroughCall() override;

private:
    void onMetaData();
    void onReadyRead();
    void onFinished();
    void complete(int status);

    QPointer<http::HttpExchange> m_exchange;
    QNetworkReply *m_reply;
    DoneCallback m_onDone;
    QTimer m_idle;
    qint64 m_startUs;
    int m_status = 0;
    bool m_timedOut = false;
    bool m_done = false;
};

} // namespace cachette::proxy
