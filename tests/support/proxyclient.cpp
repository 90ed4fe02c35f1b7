#include "proxyclient.h"
#include "fakeupstream.h"   // monotonicMs()

#include <QJsonDocument>
#include <QMap>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QTest>
#include <QUrl>

namespace cachette::test {

namespace {

QByteArray findHeader(const RawHeaders &headers, const QByteArray &name, bool *found = nullptr)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            if (found)
                *found = true;
            return h.second;
        }
    }
    if (found)
        *found = false;
    return {};
}

bool isUsageOnly(const QByteArray &data)
{
    const QJsonObject o = QJsonDocument::fromJson(data).object();
    return o.contains(QLatin1String("usage")) && o.value(QLatin1String("usage")).isObject()
           && o.value(QLatin1String("choices")).isArray()
           && o.value(QLatin1String("choices")).toArray().isEmpty();
}

} // namespace

// --- HttpResult ---------------------------------------------------------------------------

QByteArray HttpResult::header(const QByteArray &name) const { return findHeader(headers, name); }

bool HttpResult::hasHeader(const QByteArray &name) const
{
    bool found = false;
    findHeader(headers, name, &found);
    return found;
}

QJsonObject HttpResult::json() const { return QJsonDocument::fromJson(body).object(); }

QList<QByteArray> HttpResult::dataEvents() const
{
    QList<QByteArray> out;
    for (const cache::SseEvent &e : events) {
        if (!e.commentOnly)
            out << e.data;
    }
    return out;
}

QList<QByteArray> HttpResult::commentEvents() const
{
    QList<QByteArray> out;
    for (const cache::SseEvent &e : events) {
        if (e.commentOnly)
            out << e.raw;
    }
    return out;
}

bool HttpResult::sawDone() const
{
    for (const cache::SseEvent &e : events) {
        if (e.isDone())
            return true;
    }
    return false;
}

QList<QJsonObject> HttpResult::usageChunks() const
{
    QList<QJsonObject> out;
    for (const QByteArray &d : dataEvents()) {
        if (isUsageOnly(d))
            out << QJsonDocument::fromJson(d).object();
    }
    return out;
}

QList<QByteArray> HttpResult::dataEventsWithoutUsage() const
{
    QList<QByteArray> out;
    for (const QByteArray &d : dataEvents()) {
        if (!isUsageOnly(d))
            out << d;
    }
    return out;
}

QString HttpResult::describe() const
{
    QString text = QStringLiteral("status %1").arg(status);
    for (const QByteArray &name : {QByteArrayLiteral("X-Cachette"), QByteArrayLiteral("Content-Type"),
                                   QByteArrayLiteral("Age"), QByteArrayLiteral("X-Cachette-Key")}) {
        if (hasHeader(name))
            text += QStringLiteral(", %1: %2").arg(QString::fromLatin1(name), QString::fromUtf8(header(name)));
    }
    if (networkError != QNetworkReply::NoError)
        text += QStringLiteral(", network error %1 (%2)").arg(int(networkError)).arg(errorString);
    if (timedOut)
        text += QStringLiteral(", TIMED OUT");
    if (!events.isEmpty())
        text += QStringLiteral(", %1 SSE events").arg(events.size());
    text += QStringLiteral(", body: ") + QString::fromUtf8(body.left(600));
    return text;
}

// --- ProxyCall ----------------------------------------------------------------------------

ProxyCall::ProxyCall(QNetworkReply *reply, bool stream, int disconnectAfterDataEvents, QObject *parent)
    : QObject(parent)
    , m_reply(reply)
    , m_stream(stream)
    , m_disconnectAfter(disconnectAfterDataEvents)
{
    m_result.startedAtMs = monotonicMs();
    connect(reply, &QNetworkReply::metaDataChanged, this, &ProxyCall::captureHead);
    connect(reply, &QNetworkReply::readyRead, this, &ProxyCall::onReadyRead);
    connect(reply, &QNetworkReply::finished, this, &ProxyCall::onFinished);
}

ProxyCall::~ProxyCall()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void ProxyCall::captureHead()
{
    if (!m_reply)
        return;
    const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (status.isValid()) {
        m_result.status = status.toInt();
        m_result.headers = m_reply->rawHeaderPairs();
        m_headCaptured = true;
    }
}

void ProxyCall::onReadyRead()
{
    if (!m_reply)
        return;
    if (!m_headCaptured)
        captureHead();
    const QByteArray bytes = m_reply->readAll();
    m_result.body += bytes;
    if (!m_stream || bytes.isEmpty())
        return;
    const QList<cache::SseEvent> events = m_parser.feed(bytes);
    const qint64 now = monotonicMs();
    for (const cache::SseEvent &e : events) {
        m_result.events << e;
        m_result.eventTimesMs << now;
    }
    if (m_disconnectAfter >= 0 && m_result.dataEvents().size() >= m_disconnectAfter
        && !m_result.finished) {
        disconnectNow();
    }
}

void ProxyCall::disconnectNow()
{
    if (!m_reply || m_result.finished)
        return;
    m_result.abortedByClient = true;
    m_reply->abort();   // emits finished()
}

void ProxyCall::onFinished()
{
    if (!m_reply || m_result.finished)
        return;
    if (!m_headCaptured)
        captureHead();
    const QByteArray rest = m_reply->isOpen() ? m_reply->readAll() : QByteArray();
    if (!rest.isEmpty()) {
        m_result.body += rest;
        if (m_stream) {
            const qint64 now = monotonicMs();
            for (const cache::SseEvent &e : m_parser.feed(rest)) {
                m_result.events << e;
                m_result.eventTimesMs << now;
            }
        }
    }
    m_result.networkError = m_reply->error();
    // An HTTP error status is an answer, not a transport failure.
    if (m_result.networkError != QNetworkReply::NoError)
        m_result.errorString = m_reply->errorString();
    m_result.finished = true;
    m_result.finishedAtMs = monotonicMs();
    m_reply->deleteLater();
    m_reply = nullptr;
    Q_EMIT finished();
}

bool ProxyCall::wait(int timeoutMs)
{
    if (QTest::qWaitFor([this] { return m_result.finished; }, timeoutMs))
        return true;
    m_result.timedOut = true;
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
        m_reply = nullptr;
    }
    m_result.finished = true;
    m_result.finishedAtMs = monotonicMs();
    return false;
}

// --- ProxyClient --------------------------------------------------------------------------

ProxyClient::ProxyClient(const QString &rootUrl, QObject *parent)
    : QObject(parent)
    , m_root(rootUrl)
{
}

ProxyCall *ProxyClient::start(const QByteArray &method, const QString &path, const QByteArray &body,
                              const RawHeaders &headers, bool stream, int disconnectAfterDataEvents)
{
    QNetworkRequest request(QUrl(m_root + path));
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    bool hasContentType = false;
    for (const auto &h : headers) {
        request.setRawHeader(h.first, h.second);
        if (h.first.compare("Content-Type", Qt::CaseInsensitive) == 0)
            hasContentType = true;
    }
    if (!hasContentType && (method == "POST" || !body.isEmpty()))
        request.setRawHeader("Content-Type", "application/json");

    QNetworkReply *reply = nullptr;
    if (method == "GET" && body.isEmpty())
        reply = m_manager.get(request);
    else if (method == "POST")
        reply = m_manager.post(request, body);
    else
        reply = m_manager.sendCustomRequest(request, method, body);
    return new ProxyCall(reply, stream, disconnectAfterDataEvents, this);
}

HttpResult ProxyClient::send(const QByteArray &method, const QString &path, const QByteArray &body,
                             const RawHeaders &headers, int timeoutMs)
{
    ProxyCall *call = start(method, path, body, headers);
    call->wait(timeoutMs);
    const HttpResult result = call->result();
    delete call;
    return result;
}

HttpResult ProxyClient::get(const QString &path, const RawHeaders &headers, int timeoutMs)
{
    return send("GET", path, {}, headers, timeoutMs);
}

HttpResult ProxyClient::post(const QString &path, const QByteArray &body, const RawHeaders &headers,
                             int timeoutMs)
{
    return send("POST", path, body, headers, timeoutMs);
}

HttpResult ProxyClient::post(const QString &path, const QJsonObject &body, const RawHeaders &headers,
                             int timeoutMs)
{
    return post(path, QJsonDocument(body).toJson(QJsonDocument::Compact), headers, timeoutMs);
}

HttpResult ProxyClient::postStream(const QString &path, const QByteArray &body, const RawHeaders &headers,
                                   int disconnectAfterDataEvents, int timeoutMs)
{
    ProxyCall *call = start("POST", path, body, headers, true, disconnectAfterDataEvents);
    call->wait(timeoutMs);
    const HttpResult result = call->result();
    delete call;
    return result;
}

HttpResult ProxyClient::postStream(const QString &path, const QJsonObject &body, const RawHeaders &headers,
                                   int disconnectAfterDataEvents, int timeoutMs)
{
    return postStream(path, QJsonDocument(body).toJson(QJsonDocument::Compact), headers,
                      disconnectAfterDataEvents, timeoutMs);
}

bool ProxyClient::waitAll(const QList<ProxyCall *> &calls, int timeoutMs)
{
    const bool ok = QTest::qWaitFor([&] {
        for (ProxyCall *c : calls) {
            if (!c->isFinished())
                return false;
        }
        return true;
    }, timeoutMs);
    if (!ok) {
        for (ProxyCall *c : calls) {
            if (!c->isFinished())
                c->wait(0);
        }
    }
    return ok;
}

// --- Raw sockets --------------------------------------------------------------------------

QByteArray RawResponse::header(const QByteArray &name) const { return findHeader(headers, name); }

QJsonObject RawResponse::json() const { return QJsonDocument::fromJson(body).object(); }

bool RawResponseParser::take(RawResponse *out, bool closed)
{
    const qsizetype headEnd = m_buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return false;
    const QList<QByteArray> lines = m_buffer.left(headEnd).split('\n');
    RawResponse response;
    const QList<QByteArray> statusParts = lines.value(0).trimmed().split(' ');
    response.status = statusParts.value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            response.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    qsizetype pos = headEnd + 4;
    const bool noBody = (response.status >= 100 && response.status < 200) || response.status == 204
                        || response.status == 304;
    if (noBody) {
        // nothing
    } else if (response.header("Transfer-Encoding").toLower().contains("chunked")) {
        QByteArray body;
        for (;;) {
            const qsizetype lineEnd = m_buffer.indexOf("\r\n", pos);
            if (lineEnd < 0)
                return false;
            bool ok = false;
            const qsizetype size = m_buffer.mid(pos, lineEnd - pos).split(';').value(0).trimmed().toLongLong(&ok, 16);
            if (!ok)
                return false;
            pos = lineEnd + 2;
            if (size == 0) {
                // trailers until an empty line
                for (;;) {
                    const qsizetype end = m_buffer.indexOf("\r\n", pos);
                    if (end < 0)
                        return false;
                    const bool empty = end == pos;
                    pos = end + 2;
                    if (empty)
                        break;
                }
                break;
            }
            if (m_buffer.size() < pos + size + 2)
                return false;
            body += m_buffer.mid(pos, size);
            pos += size + 2;
        }
        response.body = body;
    } else if (!response.header("Content-Length").isEmpty()) {
        const qsizetype length = response.header("Content-Length").toLongLong();
        if (m_buffer.size() < pos + length)
            return false;
        response.body = m_buffer.mid(pos, length);
        pos += length;
    } else {
        if (!closed)
            return false;
        response.body = m_buffer.mid(pos);
        pos = m_buffer.size();
    }
    response.complete = true;
    m_buffer.remove(0, pos);
    *out = response;
    return true;
}

RawExchangeResult rawExchange(quint16 port, const QByteArray &bytes, int expected, int timeoutMs)
{
    RawExchangeResult result;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState
                                      || socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs)
        || socket.state() != QAbstractSocket::ConnectedState) {
        return result;
    }
    result.connected = true;
    socket.write(bytes);
    RawResponseParser parser;
    (void)QTest::qWaitFor([&] {
        parser.feed(socket.readAll());
        const bool closed = socket.state() == QAbstractSocket::UnconnectedState;
        RawResponse r;
        while (int(result.responses.size()) < expected && parser.take(&r, closed))
            result.responses << r;
        if (closed) {
            result.closedByServer = true;
            return true;
        }
        return int(result.responses.size()) >= expected;
    }, timeoutMs);
    result.leftover = parser.pending();
    socket.abort();
    return result;
}

// --- AssembledAnswer ----------------------------------------------------------------------

AssembledAnswer AssembledAnswer::fromEvents(const QList<cache::SseEvent> &events)
{
    AssembledAnswer answer;
    QMap<int, QJsonObject> calls;
    for (const cache::SseEvent &e : events) {
        if (e.commentOnly)
            continue;
        if (e.isDone()) {
            answer.sawDone = true;
            continue;
        }
        const QJsonObject chunk = QJsonDocument::fromJson(e.data).object();
        if (chunk.contains(QLatin1String("error")))
            answer.sawError = true;
        if (chunk.value(QLatin1String("usage")).isObject())
            answer.usage = chunk.value(QLatin1String("usage")).toObject();
        const QJsonArray choices = chunk.value(QLatin1String("choices")).toArray();
        for (const QJsonValue &c : choices) {
            const QJsonObject choice = c.toObject();
            if (choice.value(QLatin1String("index")).toInt() != 0)
                continue;
            if (choice.value(QLatin1String("finish_reason")).isString())
                answer.finishReason = choice.value(QLatin1String("finish_reason")).toString();
            if (choice.contains(QLatin1String("text"))) {   // completions
                const QString text = choice.value(QLatin1String("text")).toString();
                if (!text.isEmpty()) {
                    answer.content += text;
                    ++answer.contentDeltas;
                }
                continue;
            }
            const QJsonObject delta = choice.value(QLatin1String("delta")).toObject();
            if (delta.value(QLatin1String("role")).isString())
                answer.role = delta.value(QLatin1String("role")).toString();
            const QString content = delta.value(QLatin1String("content")).toString();
            if (!content.isEmpty()) {
                answer.content += content;
                ++answer.contentDeltas;
            }
            const QJsonArray toolDeltas = delta.value(QLatin1String("tool_calls")).toArray();
            for (const QJsonValue &t : toolDeltas) {
                const QJsonObject td = t.toObject();
                const int index = td.value(QLatin1String("index")).toInt();
                QJsonObject call = calls.value(index);
                QJsonObject function = call.value(QLatin1String("function")).toObject();
                if (td.value(QLatin1String("id")).isString())
                    call.insert(QStringLiteral("id"), td.value(QLatin1String("id")));
                if (td.value(QLatin1String("type")).isString())
                    call.insert(QStringLiteral("type"), td.value(QLatin1String("type")));
                const QJsonObject fd = td.value(QLatin1String("function")).toObject();
                if (fd.value(QLatin1String("name")).isString())
                    function.insert(QStringLiteral("name"),
                                    QString(function.value(QLatin1String("name")).toString()
                                            + fd.value(QLatin1String("name")).toString()));
                function.insert(QStringLiteral("arguments"),
                                QString(function.value(QLatin1String("arguments")).toString()
                                        + fd.value(QLatin1String("arguments")).toString()));
                call.insert(QStringLiteral("function"), function);
                calls.insert(index, call);
            }
        }
    }
    for (const QJsonObject &call : std::as_const(calls))
        answer.toolCalls.append(call);
    return answer;
}

AssembledAnswer AssembledAnswer::fromResponse(const QJsonObject &response)
{
    AssembledAnswer answer;
    answer.usage = response.value(QLatin1String("usage")).toObject();
    const QJsonObject choice = response.value(QLatin1String("choices")).toArray().at(0).toObject();
    answer.finishReason = choice.value(QLatin1String("finish_reason")).toString();
    if (choice.contains(QLatin1String("text"))) {
        answer.content = choice.value(QLatin1String("text")).toString();
        return answer;
    }
    const QJsonObject message = choice.value(QLatin1String("message")).toObject();
    answer.role = message.value(QLatin1String("role")).toString();
    answer.content = message.value(QLatin1String("content")).toString();
    const QJsonArray calls = message.value(QLatin1String("tool_calls")).toArray();
    for (const QJsonValue &c : calls) {
        const QJsonObject call = c.toObject();
        const QJsonObject function = call.value(QLatin1String("function")).toObject();
        // Keep only what a stream carries, so both forms compare equal.
        answer.toolCalls.append(QJsonObject{
            {"id", call.value(QLatin1String("id"))},
            {"type", call.value(QLatin1String("type"))},
            {"function", QJsonObject{{"name", function.value(QLatin1String("name"))},
                                     {"arguments", function.value(QLatin1String("arguments"))}}}});
    }
    return answer;
}

QString AssembledAnswer::describe() const
{
    return QStringLiteral("role=%1 content=\"%2\" finish=%3 tool_calls=%4 usage=%5 done=%6 error=%7")
        .arg(role, content, finishReason,
             QString::fromUtf8(QJsonDocument(toolCalls).toJson(QJsonDocument::Compact)),
             QString::fromUtf8(QJsonDocument(usage).toJson(QJsonDocument::Compact)))
        .arg(sawDone)
        .arg(sawError);
}

} // namespace cachette::test
