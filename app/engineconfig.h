#pragma once

#include "http/httpserver.h"
#include "semanticlayer.h"

#include <QHostAddress>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace cachette {

// Everything the engine needs to run. The CLI fills it from flags; the GUI from settings.
struct EngineConfig
{
    QHostAddress listenAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 8787;   // 0 = any free port (tests)
    QUrl upstream = QUrl(QStringLiteral("https://api.openai.com/v1"));
    // Provider routes (/NAME/v1) the user added or re-pointed, on top of the built-in ones
    // (proxy::RouteTable::builtIns()): name → base URL.
    QMap<QString, QUrl> routes;
    QString dataDir = defaultDataDir();
    int upstreamTimeoutSeconds = 600;   // no byte from the upstream for this long → 504
    bool isolateByApiKey = false;
    qint64 sizeCapBytes = 1024LL * 1024 * 1024;
    qint64 defaultTtlSeconds = 0;       // 0 = entries never expire
    http::AccessPolicy access;
    http::ServerLimits limits;
    SemanticConfig semantic;

    static QString defaultDataDir();   // $XDG_DATA_HOME/cachette (~/.local/share/cachette)
    bool listensOnLoopback() const { return listenAddress.isLoopback(); }
    QString baseUrl() const;           // http://127.0.0.1:8787/v1

    // A sentence naming the first problem ("the upstream URL must start with http:// or https://").
    bool validate(QString *error) const;
};

// "127.0.0.1:8787", "[::1]:8787", "localhost:0" → address and port.
bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port, QString *error);
// An upstream base URL a person typed: http(s) only, host required, no query or fragment.
bool validateUpstreamUrl(const QUrl &url, QString *error);
// A provider route: its name (proxy::validateRouteName) and a base URL as above.
bool validateRoute(const QString &name, const QUrl &url, QString *error);
// "NAME=URL" (--route): a route name (proxy::validateRouteName) and a base URL as above.
bool parseRouteArgument(const QString &text, QString *name, QUrl *url, QString *error);

} // namespace cachette
