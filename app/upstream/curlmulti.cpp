#include "curlmulti.h"

#include <QSocketNotifier>

#include <mutex>
#include <utility>

namespace cachette::upstream {

struct CurlMulti::SocketWatch
{
    QSocketNotifier *read = nullptr;
    QSocketNotifier *write = nullptr;
};

namespace {

void initCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

} // namespace

CurlMulti::CurlMulti(QObject *parent)
    : QObject(parent)
{
    initCurlOnce();
    m_multi = curl_multi_init();
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETFUNCTION, &CurlMulti::onSocket);
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERFUNCTION, &CurlMulti::onTimer);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERDATA, this);
    // Coding agents fire bursts of calls at one provider: keep enough idle connections for the
    // next burst (libcurl's default keeps four per added handle, then shrinks).
    curl_multi_setopt(m_multi, CURLMOPT_MAXCONNECTS, 64L);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] { act(CURL_SOCKET_TIMEOUT, 0); });
}

CurlMulti::~CurlMulti()
{
    // Whoever holds a reply may be half destroyed by now (this goes down with the engine), so
    // running calls are cut silently: no signal, the reply just reads as finished and aborted.
    for (UpstreamReply *reply : std::as_const(m_replies)) {
        curl_multi_remove_handle(m_multi, reply->m_easy);
        reply->m_finished = true;
        reply->m_aborted = true;
        reply->m_failure = UpstreamReply::Failure::Aborted;
    }
    m_replies.clear();
    curl_multi_cleanup(m_multi);
    qDeleteAll(m_watches);
}

UpstreamReply *CurlMulti::start(const UpstreamRequest &request)
{
    auto *reply = new UpstreamReply(this, request);
    if (!reply->configure(request)) {
        reply->complete(CURLE_URL_MALFORMAT);
        return reply;
    }
    const CURLMcode added = curl_multi_add_handle(m_multi, reply->m_easy);
    if (added != CURLM_OK) {
        reply->complete(CURLE_FAILED_INIT);
        return reply;
    }
    m_replies.insert(reply);
    return reply;
}

void CurlMulti::remove(UpstreamReply *reply)
{
    if (m_replies.remove(reply))
        curl_multi_remove_handle(m_multi, reply->m_easy);
}

// Signals are owed rather than emitted inside libcurl's callbacks: a slot that aborts or
// deletes a reply there would pull a handle out from under curl_multi_socket_action.
void CurlMulti::markPending(UpstreamReply *reply)
{
    if (!reply->m_queued) {
        reply->m_queued = true;
        m_pending.append(reply);
    }
    if (!m_emitScheduled) {
        m_emitScheduled = true;
        QMetaObject::invokeMethod(this, &CurlMulti::emitPending, Qt::QueuedConnection);
    }
}

void CurlMulti::act(curl_socket_t socket, int events)
{
    int running = 0;
    curl_multi_socket_action(m_multi, socket, events, &running);
    readMessages();
    emitPending();
}

void CurlMulti::readMessages()
{
    int left = 0;
    while (CURLMsg *message = curl_multi_info_read(m_multi, &left)) {
        if (message->msg != CURLMSG_DONE)
            continue;
        UpstreamReply *reply = nullptr;
        curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &reply);
        const CURLcode result = message->data.result;   // message dies with the handle's removal
        remove(reply);
        reply->complete(result);
    }
}

void CurlMulti::emitPending()
{
    m_emitScheduled = false;
    const QList<QPointer<UpstreamReply>> pending = std::exchange(m_pending, {});
    for (const QPointer<UpstreamReply> &reply : pending) {
        if (reply)
            reply->emitPending();
    }
}

int CurlMulti::onSocket(CURL *, curl_socket_t socket, int what, void *self, void *watch)
{
    static_cast<CurlMulti *>(self)->watch(socket, what, static_cast<SocketWatch *>(watch));
    return 0;
}

int CurlMulti::onTimer(CURLM *, long timeoutMs, void *self)
{
    auto *multi = static_cast<CurlMulti *>(self);
    if (timeoutMs < 0)
        multi->m_timer.stop();
    else
        multi->m_timer.start(int(timeoutMs));   // 0: act on the next event-loop pass, not here
    return 0;
}

void CurlMulti::watch(curl_socket_t socket, int what, SocketWatch *existing)
{
    if (what == CURL_POLL_REMOVE) {
        if (existing) {
            // The notifier may be the one whose signal is running right now: disable, delete later.
            for (QSocketNotifier *notifier : {existing->read, existing->write}) {
                notifier->setEnabled(false);
                notifier->deleteLater();
            }
            m_watches.remove(existing);
            delete existing;
        }
        curl_multi_assign(m_multi, socket, nullptr);
        return;
    }
    SocketWatch *w = existing;
    if (!w) {
        w = new SocketWatch;
        m_watches.insert(w);
        w->read = new QSocketNotifier(socket, QSocketNotifier::Read, this);
        w->write = new QSocketNotifier(socket, QSocketNotifier::Write, this);
        connect(w->read, &QSocketNotifier::activated, this,
                [this, socket] { act(socket, CURL_CSELECT_IN); });
        connect(w->write, &QSocketNotifier::activated, this,
                [this, socket] { act(socket, CURL_CSELECT_OUT); });
        curl_multi_assign(m_multi, socket, w);
    }
    w->read->setEnabled(what == CURL_POLL_IN || what == CURL_POLL_INOUT);
    w->write->setEnabled(what == CURL_POLL_OUT || what == CURL_POLL_INOUT);
}

} // namespace cachette::upstream
