#pragma once

#include <QIcon>
#include <QString>

namespace cachette::ui::browserformat {

// How the cache browser writes times, sizes and counts, in one place so the table, the detail
// pane and the tests agree. Times are ms since the epoch, shown in local time.

QString shortTime(qint64 ms, qint64 nowMs);   // "14:02" today, "12 Mar 14:02", "12 Mar 2023"
QString fullTime(qint64 ms);                  // "2024-03-12 14:02:11"
QString ago(qint64 ms, qint64 nowMs);         // "just now", "5 min ago", "3 h ago", "12 Mar"
QString expiry(qint64 ms, qint64 nowMs);      // "never", "in 3 h", "in 2 d", "expired"
QString size(qint64 bytes);                   // "812 B", "1.2 KB", "35 MB"
QString count(qint64 n);                      // "1,234 567" as the locale groups it

// A small push-pin, drawn rather than shipped: it must read at 16 px in light and dark themes.
// Drawn on each call: keep the icon rather than call this per cell.
QIcon pinIcon();

} // namespace cachette::ui::browserformat
