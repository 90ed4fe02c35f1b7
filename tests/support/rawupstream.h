#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTcpServer>

class QTcpSocket;

namespace cachette::test {

// A provider that misbehaves at the byte level, for the fault tests (issue #10). FakeUpstream
// answers through the engine's own HTTP server, which always frames its answers correctly; this
// one writes raw bytes on keep-alive connections, so it can declare a Content-Length and stop
// short, leave out a chunked body's last chunk, or close a warm connection right after reading a
// request. A marker in the request's body or target picks the fault:
//   [close]        read the request, close without a byte of answer
//   [truncate]     Content-Length of the whole JSON answer, half of it, close
//   [nolastchunk]  the JSON answer chunked, without the terminating 0-chunk, close
//   [drop]         a stream: kStreamEvents-1 events of the answer, then close (no last chunk)
//   [stall]        read the request, never answer (the connection stays open)
// Anything else gets a whole chat completion (JSON with Content-Length, or an SSE stream of
// kStreamEvents events and [DONE] when the body asks "stream": true), and the connection stays
// open for the next request. Every request fully read counts, faulty or not.
class RawUpstream : public QObject
{
    Q_OBJECT
public:
    static constexpr int kStreamEvents = 5;   // content deltas + the finish chunk, before [DONE]

    explicit RawUpstream(QObject *parent = nullptr);
    ~RawUpstream() override;

    bool start(QString *error = nullptr);   // listens on 127.0.0.1:0
    QString baseUrl() const;                // http://127.0.0.1:PORT/v1

    int requestCount() const { return int(m_bodies.size()); }
    int requestCount(const QByteArray &marker) const;   // requests whose body or target has it
    int connectionCount() const { return m_connections; }
    const QList<QByteArray> &bodies() const { return m_bodies; }

    // The content of answer #n and its whole JSON body, as this provider sends them.
    static QString answerText(int callNumber);
    static QByteArray answerBody(int callNumber);

private:
    struct Request
    {
        QByteArray target;
        QByteArray body;
    };

    void onNewConnection();
    void onReadyRead(QTcpSocket *socket);
    bool takeRequest(QByteArray &buffer, Request *request) const;
    void answer(QTcpSocket *socket, const Request &request, int callNumber);
    void answerStream(QTcpSocket *socket, int callNumber, bool drop);

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_pending;   // bytes of a request not yet whole
    QList<QByteArray> m_bodies;
    QList<QByteArray> m_targets;
    int m_connections = 0;
};

} // namespace cachette::test
