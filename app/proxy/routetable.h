#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QUrl>

namespace cachette::proxy {

// Provider routes side by side: besides the default /v1 (the --upstream), a request to
// /NAME/v1/… is relayed to route NAME's base URL, so one Cachette serves Claude Code on
// /anthropic, Codex and opencode on /openai, at once. The route is part of the cache key:
// the same body asked of two providers is two questions.
struct Route
{
    QString name;   // "" = the default route (/v1)
    QUrl baseUrl;   // https://api.anthropic.com/v1
};

// Where a client target lands: the route it names and the path the rest of the proxy sees.
struct RoutedPath
{
    bool found = false;
    QString route;      // "" = the default route
    QByteArray path;    // "/v1/chat/completions", with the route prefix taken off
};

class RouteTable
{
public:
    // openai, anthropic, openrouter and ollama with their public base URLs.
    static const QMap<QString, QUrl> &builtIns();

    // The built-ins with the user's routes on top (a user route of a built-in's name wins).
    static RouteTable withOverrides(const QMap<QString, QUrl> &userRoutes);

    // "/anthropic/v1/messages" → {anthropic, "/v1/messages"}; "/v1/…" → the default route.
    // A first segment that names no route, or no /v1 after it: not found.
    RoutedPath resolve(const QByteArray &path) const;

    bool contains(const QString &name) const { return m_routes.contains(name); }
    QUrl baseUrl(const QString &name) const { return m_routes.value(name); }
    QStringList names() const { return m_routes.keys(); }
    const QMap<QString, QUrl> &routes() const { return m_routes; }

private:
    QMap<QString, QUrl> m_routes;
};

// A route name a person typed: 1 to 32 lowercase letters, digits, '-' or '_', starting with a
// letter or digit, and not one of the paths Cachette answers itself (v1, api, healthz).
bool validateRouteName(const QString &name, QString *error);

} // namespace cachette::proxy
