#pragma once

#include <QString>

namespace cachette::ui {

// How the GUI names a provider route: "Default (/v1)" for the default one, else "/anthropic".
inline QString routeLabel(const QString &route)
{
    return route.isEmpty() ? QStringLiteral("Default (/v1)") : QLatin1Char('/') + route;
}

} // namespace cachette::ui
