#include "upstreamreply.h"

#include "curlmulti.h"

#include <cstring>
#include <utility>

namespace cachette::upstream {
namespace {

bool hasHeader(const http::HeaderList &headers, const char *name)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// A request may be repeated only when HTTP says repeating it is harmless.
bool isSafeToRepeat(const QByteArray &method)
{
    return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

} // namespace

bool isLoopbackHost(const QString &host)
{
    return host == QLatin1String("localhost") || host.startsWith(QLatin1String("127."))
           || host == QLatin1String("::1");
}

UpstreamReply::UpstreamReply(CurlMulti *multi, const UpstreamRequest &request)
    : m_multi(multi)
    , m_easy(curl_easy_init())
    , m_url(request.url)
    , m_method(request.method)
    , m_requestBody(request.body)
    , m_refuseResend(!isSafeToRepeat(request.method))
{
}

UpstreamReply::~UpstreamReply()
{
    if (m_multi)
        m_multi->remove(this);
    if (m_easy)
        curl_easy_cleanup(m_easy);
    curl_slist_free_all(m_headerList);
}

bool UpstreamReply::configure(const UpstreamRequest &request)
{
    CURL *easy = m_easy;
    if (!easy)
        return false;
    curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, m_errorBuffer);
    curl_easy_setopt(easy, CURLOPT_URL, m_url.constData());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 30'000L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    // HTTPS providers speak HTTP/2: calls that start together wait for one connection and
    // share it (multiplexing) rather than each opening its own.
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, long(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);   // a proxy's CONNECT answer
    // The answer is parsed (SSE, JSON) before it is relayed, so it must arrive decoded: advertise
    // what libcurl can decode rather than what the client can (the client's header is dropped).
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    if (request.bypassProxy)
        curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");

    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &UpstreamReply::onHeaderLine);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &UpstreamReply::onBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &UpstreamReply::onBeforeRequest);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, this);

    if (m_method == "HEAD") {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (m_method == "GET" && m_requestBody.isEmpty()) {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
        // The body goes through a read callback with no seek callback: should libcurl ever try
        // to send it again, it cannot rewind and fails instead (a second guard beside
        // onBeforeRequest).
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(m_requestBody.size()));
        curl_easy_setopt(easy, CURLOPT_READFUNCTION, &UpstreamReply::onReadBody);
        curl_easy_setopt(easy, CURLOPT_READDATA, this);
        if (m_method != "POST")
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m_method.constData());
    }

    for (const auto &h : request.headers) {
        // "Name;" is libcurl's spelling of a header with an empty value.
        const QByteArray line = h.second.isEmpty() ? QByteArray(h.first + ';')
                                                   : QByteArray(h.first + ": " + h.second);
        m_headerList = curl_slist_append(m_headerList, line.constData());
    }
    // libcurl adds headers of its own; the provider gets the client's, not ours.
    m_headerList = curl_slist_append(m_headerList, "Expect:");
    if (!hasHeader(request.headers, "accept"))
        m_headerList = curl_slist_append(m_headerList, "Accept:");
    if (!hasHeader(request.headers, "content-type"))
        m_headerList = curl_slist_append(m_headerList, "Content-Type:");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, m_headerList);
    return true;
}

QByteArray UpstreamReply::urlWithoutQuery() const
{
    const qsizetype query = m_url.indexOf('?');
    return query < 0 ? m_url : m_url.left(query);
}

QByteArray UpstreamReply::header(const QByteArray &name) const
{
    for (const auto &h : m_headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

qint64 UpstreamReply::declaredLength() const
{
    bool ok = false;
    const qint64 length = header("content-length").toLongLong(&ok);
    return ok ? length : -1;
}

QByteArray UpstreamReply::readAll()
{
    return std::exchange(m_body, {});
}

void UpstreamReply::abort()
{
    if (m_finished)
        return;
    if (m_multi)
        m_multi->remove(this);
    m_finished = true;
    m_aborted = true;
    m_failure = Failure::Aborted;
    m_error = QStringLiteral("the call was stopped");
    Q_EMIT finished();
}

void UpstreamReply::complete(CURLcode code)
{
    m_finished = true;
    m_failure = classify(code);
    if (code != CURLE_OK)
        m_error = QString::fromUtf8(m_errorBuffer[0] ? m_errorBuffer : curl_easy_strerror(code));
    curl_off_t wire = 0;
    if (m_easy && curl_easy_getinfo(m_easy, CURLINFO_SIZE_DOWNLOAD_T, &wire) == CURLE_OK)
        m_wireBytes = wire;
    m_finishPending = true;
    if (m_multi)
        m_multi->markPending(this);
}

UpstreamReply::Failure UpstreamReply::classify(CURLcode code) const
{
    if (code == CURLE_OK)
        return Failure::None;
    if (m_resendRefused)
        return Failure::ClosedBeforeAnswer;
    // libcurl calls onBeforeRequest once a connection is up, just before writing the request:
    // without it, the provider cannot have seen anything.
    if (m_attempts == 0)
        return Failure::NotConnected;
    return m_headReceived ? Failure::Truncated : Failure::ClosedBeforeAnswer;
}

void UpstreamReply::emitPending()
{
    m_queued = false;
    const QPointer<UpstreamReply> alive(this);
    if (std::exchange(m_headPending, false) && !m_aborted)
        Q_EMIT headReady();
    if (alive && std::exchange(m_dataPending, false) && !m_aborted)
        Q_EMIT readyRead();
    if (alive && std::exchange(m_finishPending, false) && !m_aborted)
        Q_EMIT finished();
}

size_t UpstreamReply::onHeaderLine(char *data, size_t size, size_t count, void *self)
{
    auto *reply = static_cast<UpstreamReply *>(self);
    const size_t length = size * count;
    if (reply->m_headReceived)
        return length;   // trailers after a chunked body: not relayed
    QByteArray line(data, qsizetype(length));
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    if (line.startsWith("HTTP/")) {   // a new head (after a 100 Continue, say)
        reply->m_headers.clear();
        reply->m_status = line.split(' ').value(1).toInt();
    } else if (line.isEmpty()) {
        if (reply->m_status >= 200) {
            reply->m_headReceived = true;
            reply->m_headPending = true;
            reply->m_multi->markPending(reply);
        }
    } else if (const qsizetype colon = line.indexOf(':'); colon > 0) {
        reply->m_headers.emplaceBack(line.left(colon).trimmed(), line.mid(colon + 1).trimmed());
    }
    return length;
}

size_t UpstreamReply::onBody(char *data, size_t size, size_t count, void *self)
{
    auto *reply = static_cast<UpstreamReply *>(self);
    const size_t length = size * count;
    reply->m_body.append(data, qsizetype(length));
    reply->m_bodyBytes += qint64(length);
    reply->m_dataPending = true;
    reply->m_multi->markPending(reply);
    return length;
}

size_t UpstreamReply::onReadBody(char *buffer, size_t size, size_t count, void *self)
{
    auto *reply = static_cast<UpstreamReply *>(self);
    const size_t room = size * count;
    const size_t left = size_t(reply->m_requestBody.size() - reply->m_sent);
    const size_t n = std::min(room, left);
    std::memcpy(buffer, reply->m_requestBody.constData() + reply->m_sent, n);
    reply->m_sent += qsizetype(n);
    return n;
}

// Called each time libcurl is about to write the request: a second time means it is resending
// it on a fresh connection because a reused one died before answering. The provider may
// already be working on the first copy, so for anything but a safe method the call fails.
int UpstreamReply::onBeforeRequest(void *self, char *, char *, int, int)
{
    auto *reply = static_cast<UpstreamReply *>(self);
    ++reply->m_attempts;
    if (reply->m_attempts > 1 && reply->m_refuseResend) {
        reply->m_resendRefused = true;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

} // namespace cachette::upstream
