#include "rawupstream.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTimer>

namespace cachette::test {
namespace {

QByteArray chunk(const QByteArray &data)
{
    return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
}

QByteArray streamEvent(int callNumber, const QJsonObject &delta, const QJsonValue &finish)
{
    const QJsonObject choice{{"index", 0}, {"delta", delta}, {"finish_reason", finish}};
    const QJsonObject event{{"id", QStringLiteral("raw-%1").arg(callNumber)},
                            {"object", "chat.completion.chunk"},
                            {"model", "gpt-4o-mini"},
                            {"choices", QJsonArray{choice}}};
    return "data: " + QJsonDocument(event).toJson(QJsonDocument::Compact) + "\n\n";
}

QByteArray headerValue(const QByteArray &head, const QByteArray &name)
{
    for (const QByteArray &line : head.split('\n')) {
        const int colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

} // namespace

RawUpstream::RawUpstream(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &RawUpstream::onNewConnection);
}

RawUpstream::~RawUpstream()
{
    // The sockets are the server's children and would report their close to this half-destroyed
    // object.
    for (QTcpSocket *socket : m_server.findChildren<QTcpSocket *>()) {
        socket->disconnect(this);
        delete socket;
    }
}

bool RawUpstream::start(QString *error)
{
    if (m_server.listen(QHostAddress::LocalHost, 0))
        return true;
    if (error)
        *error = m_server.errorString();
    return false;
}

QString RawUpstream::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1/v1").arg(m_server.serverPort());
}

int RawUpstream::requestCount(const QByteArray &marker) const
{
    int count = 0;
    for (int i = 0; i < m_bodies.size(); ++i)
        count += (m_bodies[i].contains(marker) || m_targets[i].contains(marker)) ? 1 : 0;
    return count;
}

QString RawUpstream::answerText(int callNumber)
{
    return QStringLiteral("raw answer #%1").arg(callNumber);
}

QByteArray RawUpstream::answerBody(int callNumber)
{
    const QJsonObject message{{"role", "assistant"}, {"content", answerText(callNumber)}};
    const QJsonObject choice{{"index", 0}, {"message", message}, {"finish_reason", "stop"}};
    const QJsonObject usage{{"prompt_tokens", 10}, {"completion_tokens", 5}, {"total_tokens", 15}};
    const QJsonObject body{{"id", QStringLiteral("raw-%1").arg(callNumber)},
                           {"object", "chat.completion"},
                           {"model", "gpt-4o-mini"},
                           {"choices", QJsonArray{choice}},
                           {"usage", usage}};
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

void RawUpstream::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        ++m_connections;
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_pending.remove(socket);
            socket->deleteLater();
        });
    }
}

void RawUpstream::onReadyRead(QTcpSocket *socket)
{
    QByteArray &buffer = m_pending[socket];
    buffer += socket->readAll();
    Request request;
    while (socket->state() == QAbstractSocket::ConnectedState && takeRequest(buffer, &request)) {
        m_bodies.append(request.body);
        m_targets.append(request.target);
        answer(socket, request, int(m_bodies.size()));
    }
}

// One request off the front of the buffer: the head up to the blank line, then Content-Length
// bytes of body (the proxy always sends a length, never a chunked request).
bool RawUpstream::takeRequest(QByteArray &buffer, Request *request) const
{
    const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return false;
    const QByteArray head = buffer.left(headEnd);
    const qsizetype length = headerValue(head, "Content-Length").toLongLong();
    if (buffer.size() < headEnd + 4 + length)
        return false;
    const QList<QByteArray> requestLine = head.left(head.indexOf("\r\n")).split(' ');
    request->target = requestLine.value(1);
    request->body = buffer.mid(headEnd + 4, length);
    buffer.remove(0, headEnd + 4 + length);
    return true;
}

void RawUpstream::answer(QTcpSocket *socket, const Request &request, int callNumber)
{
    const auto has = [&request](const char *marker) {
        return request.body.contains(marker) || request.target.contains(marker);
    };
    if (has("[stall]"))
        return;
    if (has("[close]")) {
        socket->disconnectFromHost();
        return;
    }
    const bool stream = QJsonDocument::fromJson(request.body).object().value("stream").toBool();
    if (stream) {
        answerStream(socket, callNumber, has("[drop]"));
        return;
    }
    const QByteArray body = answerBody(callNumber);
    if (has("[nolastchunk]")) {
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"
                      + chunk(body.left(body.size() / 2)) + chunk(body.mid(body.size() / 2)));
        socket->disconnectFromHost();
        return;
    }
    const bool truncate = has("[truncate]");
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\n\r\n"
                  + (truncate ? body.left(body.size() / 2) : body));
    if (truncate)
        socket->disconnectFromHost();
}

void RawUpstream::answerStream(QTcpSocket *socket, int callNumber, bool drop)
{
    QByteArray out = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n";
    const QStringList words = answerText(callNumber).split(u' ');
    QList<QByteArray> events;
    events.append(streamEvent(callNumber, {{"role", "assistant"}, {"content", ""}}, QJsonValue()));
    for (int i = 0; i < words.size(); ++i) {
        const QString piece = i == 0 ? words[i] : u' ' + words[i];
        events.append(streamEvent(callNumber, {{"content", piece}}, QJsonValue()));
    }
    events.append(streamEvent(callNumber, QJsonObject(), QStringLiteral("stop")));
    Q_ASSERT(events.size() == kStreamEvents);
    const int sent = drop ? kStreamEvents - 1 : kStreamEvents;
    for (int i = 0; i < sent; ++i)
        out += chunk(events[i]);
    if (drop) {
        socket->write(out);
        socket->disconnectFromHost();
        return;
    }
    out += chunk("data: [DONE]\n\n") + "0\r\n\r\n";
    socket->write(out);
}

} // namespace cachette::test
