#pragma once

#include "store/usagestats.h"

#include <QIcon>
#include <QList>
#include <QString>

#include <optional>

namespace cachette::ui::format {

// How the GUI writes times, sizes, money and counts, in one place so the cache table, the
// detail pane, the dashboard's tiles and tooltips and the tests agree. Numbers follow the
// default QLocale's separators; times are ms since the epoch, shown in local time.

QString shortTime(qint64 ms, qint64 nowMs);   // "14:02" today, "12 Mar 14:02", "12 Mar 2023"
QString fullTime(qint64 ms);                  // "2024-03-12 14:02:11"
QString ago(qint64 ms, qint64 nowMs);         // "just now", "5 min ago", "3 h ago", "12 Mar"
QString expiry(qint64 ms, qint64 nowMs);      // "never", "in 3 h", "in 2 d", "expired"
QString size(qint64 bytes);                   // "812 B", "1.2 KB", "35 MB"

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

// A small push-pin, drawn rather than shipped: it must read at 16 px in light and dark themes.
// Drawn on each call: keep the icon rather than call this per cell.
QIcon pinIcon();

} // namespace cachette::ui::format
