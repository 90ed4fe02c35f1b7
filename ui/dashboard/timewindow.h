#pragma once

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace cachette::ui {

// The ranges the dashboard offers and how each is cut into chart buckets.
enum class RangeKind { Today, Week, Month, All, Custom };
enum class BucketUnit { Hour, Day, Week };

// A range [fromMs, toMs) in ms since the epoch, cut into bucketCount buckets: hours from
// fromMs, or whole local days (daysPerBucket of them) from firstDay's midnight. Day buckets
// follow the calendar, so on the days the clocks change a bucket is 23 or 25 hours long;
// runs() says which series() calls read them.
struct TimeWindow
{
    qint64 fromMs = 0;
    qint64 toMs = 0;
    BucketUnit unit = BucketUnit::Day;
    int bucketCount = 0;
    QDate firstDay;                  // the local day fromMs starts
    int daysPerBucket = 1;           // day and week buckets

    // A stretch of buckets of one length, read by one UsageStats::series() call.
    struct Run
    {
        qint64 fromMs = 0;
        qint64 toMs = 0;
        qint64 bucketMs = 0;
    };

    qint64 bucketStart(int index) const;
    qint64 bucketEnd(int index) const { return qMin(toMs, bucketStart(index + 1)); }
    int bucketOf(qint64 ms) const;   // clamped to the window
    QList<Run> runs() const;         // one, unless the window spans a clock change
    QString axisLabel(int index) const;   // "14:00", "26 Nov"
    QString title(int index) const;       // "26 Nov 14:00", "Tue 26 Nov", "Week of 25 Nov 2024"
};

// The window for a range seen at now. Custom takes customFrom..customTo (whole days, in
// either order); All starts at the day of firstLineMs (today when the log is empty).
// Today is cut into hours; 7 and 30 days into days; All and Custom by their length: hours up
// to 2 days, days up to 92, then weeks (several per bucket beyond two years).
TimeWindow timeWindow(RangeKind kind, const QDateTime &now, QDate customFrom = {},
                      QDate customTo = {}, std::optional<qint64> firstLineMs = std::nullopt);

} // namespace cachette::ui
