#include "timewindow.h"

#include <QLocale>

namespace cachette::ui {

namespace {

constexpr qint64 kHourMs = 3'600'000;
constexpr int kMaxHourDays = 2;
constexpr int kMaxDayDays = 92;
constexpr int kMaxWeekBuckets = 104;

qint64 midnight(QDate date)
{
    return QDateTime(date, QTime(0, 0)).toMSecsSinceEpoch();
}

QDateTime local(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::LocalTime);
}

// Whole days first..last (inclusive), cut by their length.
TimeWindow daysWindow(QDate first, QDate last, bool alignWeeks)
{
    const qint64 days = first.daysTo(last) + 1;
    TimeWindow window;
    if (days <= kMaxHourDays) {
        window.unit = BucketUnit::Hour;
        window.daysPerBucket = 0;
    } else if (days <= kMaxDayDays) {
        window.unit = BucketUnit::Day;
        window.daysPerBucket = 1;
    } else {
        window.unit = BucketUnit::Week;
        if (alignWeeks)
            first = first.addDays(1 - first.dayOfWeek());   // from a Monday
        const qint64 weeks = (first.daysTo(last) + 7) / 7;
        window.daysPerBucket = int(7 * ((weeks + kMaxWeekBuckets - 1) / kMaxWeekBuckets));
    }
    window.firstDay = first;
    window.fromMs = midnight(first);
    window.toMs = midnight(last.addDays(1));
    if (window.unit == BucketUnit::Hour) {   // 23 or 25 of them on a day the clocks change
        window.bucketCount = int((window.toMs - window.fromMs + kHourMs - 1) / kHourMs);
    } else {
        const qint64 spanDays = first.daysTo(last) + 1;
        window.bucketCount = int((spanDays + window.daysPerBucket - 1) / window.daysPerBucket);
    }
    return window;
}

} // namespace

qint64 TimeWindow::bucketStart(int index) const
{
    if (unit == BucketUnit::Hour)
        return fromMs + index * kHourMs;
    return midnight(firstDay.addDays(qint64(index) * daysPerBucket));
}

int TimeWindow::bucketOf(qint64 ms) const
{
    if (bucketCount <= 0)
        return 0;
    const qint64 index = unit == BucketUnit::Hour
                             ? (ms - fromMs) / kHourMs
                             : firstDay.daysTo(local(ms).date()) / daysPerBucket;
    return int(qBound(qint64(0), index, qint64(bucketCount - 1)));
}

// Consecutive buckets of equal length share a run: a window without a clock change is one
// run, each change adds at most two (the odd bucket, then the rest).
QList<TimeWindow::Run> TimeWindow::runs() const
{
    if (unit == BucketUnit::Hour)
        return {Run{fromMs, toMs, kHourMs}};
    QList<Run> result;
    for (int i = 0; i < bucketCount; ++i) {
        const qint64 start = bucketStart(i);
        const qint64 length = bucketStart(i + 1) - start;   // the last may end past toMs
        if (!result.isEmpty() && result.last().bucketMs == length && result.last().toMs == start)
            result.last().toMs = bucketEnd(i);
        else
            result.append(Run{start, bucketEnd(i), length});
    }
    return result;
}

QString TimeWindow::axisLabel(int index) const
{
    const QDateTime start = local(bucketStart(index));
    if (unit == BucketUnit::Hour)
        return start.toString(QStringLiteral("HH:mm"));
    return QLocale().toString(start.date(), QStringLiteral("d MMM"));
}

QString TimeWindow::title(int index) const
{
    const QLocale locale;
    const QDateTime start = local(bucketStart(index));
    switch (unit) {
    case BucketUnit::Hour:
        return locale.toString(start, QStringLiteral("d MMM HH:mm"));
    case BucketUnit::Day:
        return locale.toString(start.date(), QStringLiteral("ddd d MMM"));
    case BucketUnit::Week:
        break;
    }
    if (daysPerBucket == 7)
        return QStringLiteral("Week of %1").arg(locale.toString(start.date(), QStringLiteral("d MMM yyyy")));
    const QDate last = start.date().addDays(daysPerBucket - 1);
    return QStringLiteral("%1 – %2").arg(locale.toString(start.date(), QStringLiteral("d MMM")),
                                         locale.toString(last, QStringLiteral("d MMM yyyy")));
}

TimeWindow timeWindow(RangeKind kind, const QDateTime &now, QDate customFrom, QDate customTo,
                      std::optional<qint64> firstLineMs)
{
    const QDate today = now.toLocalTime().date();
    switch (kind) {
    case RangeKind::Today:
        return daysWindow(today, today, false);
    case RangeKind::Week:
        return daysWindow(today.addDays(-6), today, false);
    case RangeKind::Month:
        return daysWindow(today.addDays(-29), today, false);
    case RangeKind::All: {
        const QDate first = firstLineMs ? local(*firstLineMs).date() : today;
        return daysWindow(qMin(first, today), today, true);
    }
    case RangeKind::Custom:
        break;
    }
    if (!customFrom.isValid() || !customTo.isValid())
        return daysWindow(today, today, false);
    return daysWindow(qMin(customFrom, customTo), qMax(customFrom, customTo), false);
}

} // namespace cachette::ui
