// Fuzzes the HTTP request parser (libhttp-parser plus the strict checks in httpconnection.cpp and
// targetpath.cpp) with the bytes a client could send, delivered in one read and again in several.
//
// HttpConnection reads a QTcpSocket; a real socket would cost a round trip per input, so a
// ScriptedSocket hands it the bytes through readData() and keeps what it writes. The handler
// answers every request at once with what the parser made of it (method, target, headers,
// body), so comparing the two deliveries compares the parse, not just the status lines.
// Invariants: no crash or sanitizer report; what is written starts with an "HTTP/1.1 " status
// line; the same bytes in one read or in many give the same answers (the checks for bare LF
// and obs-fold look across reads, so they must not depend on the cuts).

#include "fuzzsupport.h"

#include "http/httpconnection.h"
#include "http/httpexchange.h"
#include "http/httpserver.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QRegularExpression>
#include <QPointer>
#include <QTcpSocket>

using namespace cachette::http;

namespace {

// A QTcpSocket that is never connected: reads come from deliver(), writes go to written.
class ScriptedSocket : public QTcpSocket
{
public:
    ScriptedSocket() { setOpenMode(QIODevice::ReadWrite | QIODevice::Unbuffered); }

    void deliver(QByteArrayView bytes)
    {
        m_input.append(bytes);
        Q_EMIT readyRead();
    }
    qint64 bytesAvailable() const override { return m_input.size() - m_readPos; }
    qint64 bytesToWrite() const override { return 0; }   // every write "leaves" at once

    QByteArray written;

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const qint64 n = qMin(maxSize, bytesAvailable());
        memcpy(data, m_input.constData() + m_readPos, size_t(n));
        m_readPos += n;
        return n;
    }
    qint64 writeData(const char *data, qint64 size) override
    {
        written.append(data, size);
        return size;
    }

private:
    QByteArray m_input;
    qsizetype m_readPos = 0;
};

// What the parser made of a request, as the response body.
void echoParse(HttpExchange *exchange)
{
    const HttpRequest &r = exchange->request();
    QByteArray description = r.method + ' ' + r.target + " path=" + r.path + " query=" + r.query
                             + " minor=" + QByteArray::number(r.httpMinor) + '\n';
    for (const auto &[name, value] : r.headers)
        description += name + ": " + value + '\n';
    description += "body " + QByteArray::number(r.body.size()) + ' '
                   + QCryptographicHash::hash(r.body, QCryptographicHash::Sha1).toHex();
    // A HEAD answer carries no body, so the description's digest goes into a header as well.
    const QByteArray digest = QCryptographicHash::hash(description, QCryptographicHash::Sha1).toHex();
    exchange->respond(200, {{"Content-Type", "text/plain"}, {"X-Parse", digest}}, description);
}

// Runs the posted events (deferred deletes, queued resumes) until none are left.
void drainEvents()
{
    for (int i = 0; i < 2; ++i) {   // a deferred delete may post one more event
        QCoreApplication::processEvents(QEventLoop::AllEvents);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
}

QByteArray serve(HttpServer &server, const QList<QByteArrayView> &reads)
{
    auto *socket = new ScriptedSocket;
    QPointer<HttpConnection> connection = new HttpConnection(&server, socket);
    const QPointer<ScriptedSocket> socketAlive = socket;   // a dropped connection deletes it
    QByteArray written;
    for (QByteArrayView piece : reads) {
        if (!socketAlive)
            break;
        socket->deliver(piece);
        drainEvents();
        if (socketAlive)
            written = socket->written;
    }
    if (connection) {
        connection->detach();
        delete connection.data();
    }
    drainEvents();
    return written;
}

// The answers with what may depend on the cuts blanked out. Interim "100 Continue" lines depend
// on whether an earlier answer was pending when a body's headers arrived; an error's wording
// (and so its Content-Length) on whether libhttp-parser or our own check, which sees a header
// name the parser hands over in pieces, spots a bad byte first. The status and error code stay.
QByteArray comparable(QByteArray written)
{
    static const QRegularExpression message(QStringLiteral(R"re("message":"(?:[^"\\]|\\.)*")re"));
    static const QRegularExpression length(QStringLiteral("Content-Length: [0-9]+"));
    QString text = QString::fromLatin1(written.replace("HTTP/1.1 100 Continue\r\n\r\n", ""));
    text.replace(message, QStringLiteral(R"("message":"")"));
    text.replace(length, QStringLiteral("Content-Length: N"));
    return text.toLatin1();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int argc = 1;
    static char name[] = "fuzz_http_request";
    static char *argv[] = {name, nullptr};
    static QCoreApplication *app = [] {
        fuzzsupport::silenceQt();
        return new QCoreApplication(argc, argv);
    }();
    Q_UNUSED(app);
    static HttpServer server;   // never listens: only hands out limits and dispatches
    static bool configured = [] {
        ServerLimits limits;
        limits.maxBodyBytes = 64 * 1024;   // small, so that the 413 path is reachable
        limits.maxHeaderBytes = 8 * 1024;
        server.setLimits(limits);
        server.setHandler(echoParse);
        return true;
    }();
    Q_UNUSED(configured);

    const QByteArrayView whole(reinterpret_cast<const char *>(data), qsizetype(size));
    const QByteArray atOnce = serve(server, {whole});
    const QByteArray inPieces = serve(server, fuzzsupport::splitDeterministically(data, size));

    FUZZ_CHECK(atOnce.isEmpty() || atOnce.startsWith("HTTP/1.1 "));
    if (comparable(atOnce) != comparable(inPieces)) {
        std::fprintf(stderr, "--- one read:\n%s\n--- in pieces:\n%s\n", atOnce.constData(),
                     inPieces.constData());
        FUZZ_CHECK(!"the same bytes in one read or in pieces give the same answers");
    }
    return 0;
}
