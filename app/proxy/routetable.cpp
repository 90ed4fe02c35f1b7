#include "routetable.h"

#include <QRegularExpression>

namespace cachette::proxy {

const QMap<QString, QUrl> &RouteTable::builtIns()
{
    static const QMap<QString, QUrl> routes{
        {QStringLiteral("openai"), QUrl(QStringLiteral("https://api.openai.com/v1"))},
        {QStringLiteral("anthropic"), QUrl(QStringLiteral("https://api.anthropic.com/v1"))},
        {QStringLiteral("openrouter"), QUrl(QStringLiteral("https://openrouter.ai/api/v1"))},
        {QStringLiteral("ollama"), QUrl(QStringLiteral("http://127.0.0.1:11434/v1"))},
    };
    return routes;
}

RouteTable RouteTable::withOverrides(const QMap<QString, QUrl> &userRoutes)
{
    RouteTable table;
    table.m_routes = builtIns();
    for (auto it = userRoutes.begin(); it != userRoutes.end(); ++it)
        table.m_routes.insert(it.key(), it.value());
    return table;
}

RoutedPath RouteTable::resolve(const QByteArray &path) const
{
    if (path.startsWith("/v1/") || path == "/v1")
        return {true, QString(), path};
    const qsizetype slash = path.indexOf('/', 1);
    if (!path.startsWith('/') || slash < 0)
        return {};
    const QString name = QString::fromLatin1(path.mid(1, slash - 1));
    const QByteArray rest = path.mid(slash);
    if (!m_routes.contains(name) || !(rest.startsWith("/v1/") || rest == "/v1"))
        return {};
    return {true, name, rest};
}

bool validateRouteName(const QString &name, QString *error)
{
    static const QRegularExpression valid(QStringLiteral("^[a-z0-9][a-z0-9_-]{0,31}$"));
    static const QStringList reserved{QStringLiteral("v1"), QStringLiteral("api"),
                                      QStringLiteral("healthz")};
    if (!valid.match(name).hasMatch()) {
        *error = QStringLiteral("the route name \"%1\" must be 1 to 32 lowercase letters, digits, "
                                "'-' or '_'")
                     .arg(name);
        return false;
    }
    if (reserved.contains(name)) {
        *error = QStringLiteral("\"%1\" cannot name a route: Cachette answers /%1 itself")
                     .arg(name);
        return false;
    }
    return true;
}

} // namespace cachette::proxy
