#include "httpserver.h"

#include "httpconnection.h"
#include "httpwire.h"
#include "processresources.h"
#include "requestparser.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <algorithm>

namespace cachette::http {

namespace {

const char kTokenHeader[] = "X-Cachette-Token";

const QByteArray *findHeader(const HttpRequest &request, const char *name)
{
    for (const auto &header : request.headers) {
        if (wire::equalsIgnoreCase(header.first, name))
            return &header.second;
    }
    return nullptr;
}

// Dotted quad whose first number is 127, without going through QString.
bool isIpv4Loopback(QByteArrayView name)
{
    int part = 0;
    int digits = 0;
    int value = 0;
    for (const char ch : name) {
        if (ch >= '0' && ch <= '9') {
            value = value * 10 + (ch - '0');
            if (++digits > 3 || value > 255)
                return false;
        } else if (ch == '.') {
            if (digits == 0 || (part == 0 && value != 127) || ++part > 3)
                return false;
            digits = 0;
            value = 0;
        } else {
            return false;
        }
    }
    return part == 3 && digits > 0;
}

bool isPort(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 5)
        return false;
    for (const char ch : text) {
        if (ch < '0' || ch > '9')
            return false;
    }
    return true;
}

// A browser reaches a loopback proxy under any name that resolves there, including an
// attacker's domain re-pointed to 127.0.0.1 (DNS rebinding). Only loopback names are accepted.
bool isLoopbackHost(const QByteArray &hostHeader)
{
    const QByteArray trimmed = hostHeader.trimmed();
    const QByteArrayView host(trimmed);
    QByteArrayView name = host;
    if (host.startsWith('[')) {   // [v6]:port
        const qsizetype end = host.indexOf(']');
        if (end < 0)
            return false;
        name = host.first(end + 1);
        const QByteArrayView rest = host.sliced(end + 1);
        if (!rest.isEmpty() && !(rest.startsWith(':') && isPort(rest.sliced(1))))
            return false;
        return name == "[::1]";
    }
    if (host.count(':') > 1)   // a bare IPv6 address cannot carry a port
        return host == "::1";
    const qsizetype colon = host.indexOf(':');
    if (colon >= 0) {
        if (!isPort(host.sliced(colon + 1)))
            return false;
        name = host.first(colon);
    }
    return qstrnicmp(name.data(), name.size(), "localhost", 9) == 0 || isIpv4Loopback(name);
}

// Time independent of where the first differing byte is, so the token cannot be guessed byte
// by byte from response times.
bool constantTimeEquals(const QByteArray &given, const QByteArray &secret)
{
    unsigned char difference = given.size() == secret.size() ? 0 : 1;
    for (qsizetype i = 0; i < secret.size(); ++i) {
        const char mine = i < given.size() ? given.at(i) : '\0';
        difference |= static_cast<unsigned char>(mine ^ secret.at(i));
    }
    return difference == 0;
}

QString describeListenError(const QTcpServer &server, const QHostAddress &address, quint16 port)
{
    const QString where = address.toString();
    switch (server.serverError()) {
    case QAbstractSocket::AddressInUseError:
        return QStringLiteral("port %1 on %2 is already in use by another program").arg(port).arg(where);
    case QAbstractSocket::SocketAccessError:
        if (port < 1024) {
            return QStringLiteral("not allowed to listen on port %1 on %2: ports below 1024 need "
                                  "administrator rights; choose a higher port (%3)")
                .arg(port).arg(where, server.errorString());
        }
        return QStringLiteral("not allowed to listen on port %1 on %2 (%3)")
            .arg(port).arg(where, server.errorString());
    case QAbstractSocket::SocketAddressNotAvailableError:
        return QStringLiteral("cannot listen on %1: it is not an address of this computer (%2)")
            .arg(where, server.errorString());
    default:
        return QStringLiteral("cannot listen on port %1 on %2: %3")
            .arg(port).arg(where, server.errorString());
    }
}

} // namespace

HttpServer::HttpServer(QObject *parent)
    : QObject(parent)
    , m_heapTrimmer(std::make_unique<HeapTrimmer>())
{
    connect(&m_server, &QTcpServer::newConnection, this, &HttpServer::onNewConnection);
}

HttpServer::~HttpServer()
{
    m_server.close();
    // Silently: handlers connected to clientGone() may belong to objects already destroyed.
    const auto connections = findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly);
    for (HttpConnection *connection : connections)
        connection->detach();
    m_connections.clear();
    // ~QObject deletes the connections, their sockets and their exchanges.
}

bool HttpServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    close();
    RequestParser::raiseLibraryHeaderLimit(m_limits.maxHeaderBytes);
    raiseOpenFileLimit(m_limits.maxConnections);
    // Qt's default backlog of 50 drops the SYNs of a burst of clients connecting at once; they
    // retry after 1, 3, 7 s. The kernel caps it at net.core.somaxconn.
    m_server.setListenBacklogSize(std::clamp(m_limits.maxConnections, 50, 1024));
    if (!m_server.listen(address, port)) {
        if (error)
            *error = describeListenError(m_server, address, port);
        return false;
    }
    m_loopbackOnly = address.isLoopback();
    return true;
}

void HttpServer::close()
{
    m_server.close();
    // Refused connections still lingering are children too, so ask QObject rather than the set.
    const auto connections = findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly);
    m_connections.clear();
    for (HttpConnection *connection : connections)
        connection->drop();
}

bool HttpServer::isListening() const
{
    return m_server.isListening();
}

QHostAddress HttpServer::serverAddress() const
{
    return m_server.serverAddress();
}

quint16 HttpServer::serverPort() const
{
    return m_server.serverPort();
}

int HttpServer::connectionCount() const
{
    return int(m_connections.size());
}

void HttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        auto *connection = new HttpConnection(this, socket);
        connect(connection, &HttpConnection::requestReady, this, &HttpServer::dispatch);
        connect(connection, &HttpConnection::closed, this, &HttpServer::connectionClosed);
        if (m_connections.size() >= m_limits.maxConnections && !makeRoom()) {
            // Not counted: it only says no and goes away.
            const QByteArray body = errorBody(
                QStringLiteral("Too many open connections (limit %1); try again later.")
                    .arg(m_limits.maxConnections),
                QStringLiteral("server_error"), QStringLiteral("too_many_connections"));
            connection->refuse(wire::closingResponse(503, "application/json", body));
            continue;
        }
        m_connections.insert(connection);
    }
    m_heapTrimmer->connectionCountChanged(int(m_connections.size()));
}

bool HttpServer::makeRoom()
{
    // Refusing the newcomer instead would let a few hundred sockets that never finish a request
    // (slowloris) or that merely stay open lock out every client, health checks included.
    HttpConnection *victim = nullptr;
    HttpConnection::EvictionRank victimRank;
    for (HttpConnection *connection : std::as_const(m_connections)) {
        const std::optional<HttpConnection::EvictionRank> rank = connection->evictionRank();
        if (rank && (!victim || rank->goesBefore(victimRank))) {
            victim = connection;
            victimRank = *rank;
        }
    }
    if (!victim)
        return false;
    victim->drop();   // connectionClosed() takes it out of m_connections
    return true;
}

void HttpServer::connectionClosed(HttpConnection *connection)
{
    m_connections.remove(connection);   // it deletes itself
    m_heapTrimmer->connectionCountChanged(int(m_connections.size()));
}

void HttpServer::dispatch(HttpExchange *exchange)
{
    if (!checkHost(exchange) || !checkOrigin(exchange) || !checkToken(exchange))
        return;
    if (!m_handler) {
        respondError(exchange, 503, QStringLiteral("The proxy is not ready yet."),
                     QStringLiteral("server_error"), QStringLiteral("not_ready"));
        return;
    }
    m_handler(exchange);
}

bool HttpServer::checkHost(HttpExchange *exchange)
{
    const HttpRequest &request = exchange->request();
    const QByteArray *host = findHeader(request, "Host");
    const auto hostCount = std::count_if(request.headers.cbegin(), request.headers.cend(),
                                         [](const auto &h) { return wire::equalsIgnoreCase(h.first, "Host"); });
    if (hostCount > 1) {   // we and the provider might each read a different one (RFC 9112 §3.2)
        respondError(exchange, 400, QStringLiteral("The request carries more than one Host header."),
                     QStringLiteral("invalid_request_error"), QStringLiteral("duplicate_host"));
        return false;
    }
    if (!host) {
        if (request.httpMinor == 0)
            return true;   // HTTP/1.0 predates Host
        respondError(exchange, 400, QStringLiteral("HTTP/1.1 requests must carry a Host header."),
                     QStringLiteral("invalid_request_error"), QStringLiteral("missing_host"));
        return false;
    }
    if (!m_loopbackOnly || isLoopbackHost(*host))
        return true;
    respondError(exchange, 403,
                 QStringLiteral("Cachette listens on this computer only and answers requests "
                                "addressed to localhost or 127.0.0.1, not to \"%1\". This protects "
                                "it from web pages that re-point their own domain to your computer.")
                     .arg(QString::fromUtf8(*host)),
                 QStringLiteral("permission_error"), QStringLiteral("forbidden_host"));
    return false;
}

bool HttpServer::checkOrigin(HttpExchange *exchange)
{
    const HttpRequest &request = exchange->request();
    const QByteArray *origin = findHeader(request, "Origin");
    if (!origin)
        return true;   // not a browser request (browsers always send Origin cross-site)
    const QString originText = QString::fromUtf8(*origin);
    if (!m_access.allowedOrigins.contains(originText)) {
        respondError(exchange, 403,
                     QStringLiteral("Requests from web pages are refused, and this one came from "
                                    "%1. If you trust that page, add %1 to the allowed origins "
                                    "in Cachette's settings.")
                         .arg(originText),
                     QStringLiteral("permission_error"), QStringLiteral("forbidden_origin"));
        return false;
    }
    // Allowed: responses carry Access-Control-Allow-Origin, or the browser would hide them.
    exchange->m_corsOrigin = *origin;
    if (request.method == "OPTIONS" && findHeader(request, "Access-Control-Request-Method")) {
        answerPreflight(exchange);
        return false;
    }
    return true;
}

void HttpServer::answerPreflight(HttpExchange *exchange)
{
    // Browsers send the preflight without credentials or custom headers, so it must be answered
    // before the token check; the real request that follows is checked as usual.
    HeaderList headers{{"Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"},
                       {"Access-Control-Max-Age", "600"}};
    if (const QByteArray *asked = findHeader(exchange->request(), "Access-Control-Request-Headers"))
        headers.append({"Access-Control-Allow-Headers", *asked});
    exchange->respond(204, headers, {});
}

bool HttpServer::checkToken(HttpExchange *exchange)
{
    const QByteArray *given = findHeader(exchange->request(), kTokenHeader);
    if (!m_loopbackOnly && !m_access.accessToken.isEmpty()
        && !(given && constantTimeEquals(*given, m_access.accessToken))) {
        respondError(exchange, 401,
                     given ? QStringLiteral("The access token in the X-Cachette-Token header is wrong.")
                           : QStringLiteral("This Cachette proxy requires its access token in the "
                                            "X-Cachette-Token header."),
                     QStringLiteral("authentication_error"), QStringLiteral("missing_access_token"));
        return false;
    }
    // The token is ours: a handler forwarding headers upstream must never pass it on.
    if (given) {
        exchange->m_request.headers.removeIf(
            [](const auto &header) { return wire::equalsIgnoreCase(header.first, kTokenHeader); });
    }
    return true;
}

QByteArray errorBody(const QString &message, const QString &type, const QString &code)
{
    const QJsonObject error{{QStringLiteral("message"), message},
                            {QStringLiteral("type"), type},
                            {QStringLiteral("param"), QJsonValue::Null},
                            {QStringLiteral("code"), code}};
    return QJsonDocument(QJsonObject{{QStringLiteral("error"), error}}).toJson(QJsonDocument::Compact);
}

QByteArray HttpServer::errorBodyFor(const HttpRequest &request, int status,
                                    const QString &message, const QString &type,
                                    const QString &code) const
{
    if (m_errorFormatter)
        return m_errorFormatter(request, status, message, type, code);
    return errorBody(message, type, code);
}

void respondError(HttpExchange *exchange, int status, const QString &message, const QString &type,
                  const QString &code)
{
    if (!exchange)
        return;
    static const HeaderList headers{{"Content-Type", "application/json"}};
    const HttpServer *server = exchange->server();
    exchange->respond(status, headers,
                      server ? server->errorBodyFor(exchange->request(), status, message, type, code)
                             : errorBody(message, type, code));
}

} // namespace cachette::http
