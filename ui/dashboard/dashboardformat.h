#pragma once

#include "store/usagestats.h"

#include <QList>
#include <QString>

#include <optional>

namespace cachette::ui::dashboardformat {

// How the dashboard writes money, counts and durations, in one place so the tiles, the
// tooltips and the tests agree. Numbers follow the default QLocale's separators.

QString money(double usd);                          // "$0.00", "$0.0042", "$0.12", "$1,234.50"
QString money(const std::optional<double> &usd);    // nullopt: "no price"
QString count(qint64 n);                            // "1,234,567"
QString compactCount(qint64 n);                     // "9,999", "12.3 k", "1.23 M", "4.5 B"
QString percent(double fraction);                   // 0.425 → "42.5 %", 1 → "100 %"
QString duration(qint64 ms);                        // "0 s", "850 ms", "45 s", "3 min 20 s", "2 h 05 min"
QString plural(qint64 n, const QString &one, const QString &many);   // "1 hit", "3 hits"
// "By route: <b>/anthropic</b> 30 requests, 40 % hits, $0.42 saved · <b>Default (/v1)</b> …"
QString routeSummaryText(const QList<store::RouteUsage> &routes);

// printf-style format for a money axis whose ticks are step apart: "$%.0f", "$%.2f", "$%.4f".
QString moneyAxisFormat(double step);

} // namespace cachette::ui::dashboardformat
