#pragma once

#include "upstreamreply.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <curl/curl.h>

namespace cachette::upstream {

// libcurl's multi interface driven by the Qt event loop of the thread it lives in: libcurl says
// which sockets to watch and when to wake it (CURLMOPT_SOCKETFUNCTION / TIMERFUNCTION); a
// QSocketNotifier per socket and one QTimer feed curl_multi_socket_action. All calls share one
// connection cache, so keep-alive connections and HTTP/2 multiplexing carry across calls.
// libcurl checks a cached connection is still alive before it reuses it.
class CurlMulti : public QObject
{
    Q_OBJECT
public:
    explicit CurlMulti(QObject *parent = nullptr);
    ~CurlMulti() override;   // calls still running finish as Aborted

    // Starts a call; the caller owns the reply (deleteLater() it). A reply that libcurl refuses
    // at once (a malformed URL) is finished with NotConnected on the next event-loop pass.
    UpstreamReply *start(const UpstreamRequest &request);

    int runningCalls() const { return int(m_replies.size()); }

private:
    friend class UpstreamReply;
    struct SocketWatch;

    void remove(UpstreamReply *reply);
    void markPending(UpstreamReply *reply);
    void act(curl_socket_t socket, int events);
    void readMessages();
    void emitPending();

    static int onSocket(CURL *easy, curl_socket_t socket, int what, void *self, void *watch);
    static int onTimer(CURLM *multi, long timeoutMs, void *self);
    void watch(curl_socket_t socket, int what, SocketWatch *existing);

    CURLM *m_multi = nullptr;
    QTimer m_timer;
    QSet<UpstreamReply *> m_replies;              // added to the multi handle
    QSet<SocketWatch *> m_watches;
    QList<QPointer<UpstreamReply>> m_pending;     // owe signals
    bool m_emitScheduled = false;
};

} // namespace cachette::upstream
