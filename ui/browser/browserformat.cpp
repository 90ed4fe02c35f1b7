#include "browserformat.h"

#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace cachette::ui::browserformat {

namespace {

constexpr qint64 kMinute = 60 * 1000;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kDay = 24 * kHour;

QDateTime local(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::LocalTime);
}

QPixmap drawPin(int side)
{
    QPixmap pixmap(side, side);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(side / 16.0, side / 16.0);
    // Tilted like a pin stuck in a board: a round head, a collar, a needle.
    p.translate(8, 8);
    p.rotate(35);
    const QColor red(0xd9, 0x3b, 0x3b);
    p.setPen(QPen(QColor(0x70, 0x70, 0x70), 1.4, Qt::SolidLine, Qt::RoundCap));
    p.drawLine(QPointF(0, 1.5), QPointF(0, 7.5));
    p.setPen(Qt::NoPen);
    p.setBrush(red.darker(115));
    p.drawRoundedRect(QRectF(-3.6, -0.2, 7.2, 2.2), 1, 1);
    p.setBrush(red);
    p.drawEllipse(QPointF(0, -3.4), 3.6, 3.6);
    p.setBrush(QColor(255, 255, 255, 150));
    p.drawEllipse(QPointF(-1.2, -4.6), 1.1, 1.1);
    return pixmap;
}

} // namespace

QString shortTime(qint64 ms, qint64 nowMs)
{
    if (ms <= 0)
        return QStringLiteral("—");
    const QDateTime when = local(ms);
    const QDateTime now = local(nowMs);
    if (when.date() == now.date())
        return when.toString(QStringLiteral("HH:mm"));
    if (when.date().year() == now.date().year())
        return QLocale().toString(when, QStringLiteral("d MMM HH:mm"));
    return QLocale().toString(when, QStringLiteral("d MMM yyyy"));
}

QString fullTime(qint64 ms)
{
    return ms <= 0 ? QStringLiteral("—") : local(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString ago(qint64 ms, qint64 nowMs)
{
    if (ms <= 0)
        return QStringLiteral("never");
    const qint64 age = nowMs - ms;
    if (age < kMinute)
        return QStringLiteral("just now");
    if (age < kHour)
        return QStringLiteral("%1 min ago").arg(age / kMinute);
    if (age < kDay)
        return QStringLiteral("%1 h ago").arg(age / kHour);
    if (age < 7 * kDay)
        return QStringLiteral("%1 d ago").arg(age / kDay);
    return shortTime(ms, nowMs);
}

QString expiry(qint64 ms, qint64 nowMs)
{
    if (ms <= 0)
        return QStringLiteral("never");
    const qint64 left = ms - nowMs;
    if (left <= 0)
        return QStringLiteral("expired");
    if (left < kHour)
        return QStringLiteral("in %1 min").arg(qMax<qint64>(1, left / kMinute));
    if (left < kDay)
        return QStringLiteral("in %1 h").arg(left / kHour);
    if (left < 60 * kDay)
        return QStringLiteral("in %1 d").arg(left / kDay);
    return shortTime(ms, nowMs);
}

QString size(qint64 bytes)
{
    // Short units: the size column is narrow, and "615 bytes" reads no better than "615 B".
    if (bytes < 1024)
        return QStringLiteral("%1 B").arg(bytes);
    static const char *const units[] = { "KB", "MB", "GB", "TB" };
    double value = bytes / 1024.0;
    int unit = 0;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(QLocale().toString(value, 'f', value < 10 ? 1 : 0),
                                       QLatin1String(units[unit]));
}

QString count(qint64 n)
{
    return QLocale().toString(n);
}

QIcon pinIcon()
{
    QIcon pin;
    for (int side : { 16, 24, 32, 48 })
        pin.addPixmap(drawPin(side));
    return pin;
}

} // namespace cachette::ui::browserformat
