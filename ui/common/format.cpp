#include "format.h"

#include "common/routelabel.h"

#include <QDateTime>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

#include <cmath>

namespace cachette::ui::format {

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

QString fixed(double value, int decimals)
{
    return QLocale().toString(value, 'f', decimals);
}

// Drops a trailing ".0" so "12.0 k" reads "12 k".
QString trimmed(double value, int decimals)
{
    QString text = fixed(value, decimals);
    const QString zero = QLocale().decimalPoint() + QString(decimals, QLatin1Char('0'));
    if (decimals > 0 && text.endsWith(zero))
        text.chop(zero.size());
    return text;
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

QIcon pinIcon()
{
    QIcon pin;
    for (int side : { 16, 24, 32, 48 })
        pin.addPixmap(drawPin(side));
    return pin;
}

QString money(double usd)
{
    const double magnitude = std::fabs(usd);
    if (magnitude >= 1 || magnitude == 0)
        return QStringLiteral("$") + fixed(usd, 2);
    // A single short request to a cheap model costs millionths of a dollar: more digits than a
    // tile has room for, and no one reads them.
    if (magnitude < 0.0001)
        return usd < 0 ? QStringLiteral("> −$0.0001") : QStringLiteral("< $0.0001");
    // Below a dollar three significant digits, at least cents: one request to a cheap model
    // costs hundredths of a cent, and "$0.00" would hide it. "$0.0127", "$0.50", "$0.0042".
    const int decimals = qMin(8, 2 - int(std::floor(std::log10(magnitude))));
    QString text = fixed(usd, decimals);
    const QChar zero = QLocale().zeroDigit().at(0);
    while (decimals > 2 && text.endsWith(zero) && text.size() > 1
           && text.at(text.size() - 3) != QLocale().decimalPoint().at(0))
        text.chop(1);
    return QStringLiteral("$") + text;
}

QString money(const std::optional<double> &usd)
{
    return usd ? money(*usd) : QStringLiteral("no price");
}

QString count(qint64 n)
{
    return QLocale().toString(n);
}

QString compactCount(qint64 n)
{
    const double value = double(n);
    if (std::llabs(n) < 10'000)
        return count(n);
    if (std::llabs(n) < 1'000'000)
        return trimmed(value / 1e3, value < 1e5 ? 1 : 0) + QStringLiteral(" k");
    if (std::llabs(n) < 1'000'000'000)
        return trimmed(value / 1e6, value < 1e7 ? 2 : 1) + QStringLiteral(" M");
    return trimmed(value / 1e9, 1) + QStringLiteral(" B");
}

QString percent(double fraction)
{
    const double value = fraction * 100.0;
    // Whole numbers at the ends, so 100 % is never "100.0 %" and nothing rounds up to 100.
    if (value <= 0 || value >= 100)
        return fixed(value, 0) + QStringLiteral(" %");
    return fixed(qMin(value, 99.9), 1) + QStringLiteral(" %");
}

QString duration(qint64 ms)
{
    if (ms <= 0)
        return QStringLiteral("0 s");
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    const qint64 s = (ms + 500) / 1000;
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return s % 60 == 0 ? QStringLiteral("%1 min").arg(s / 60)
                           : QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    const qint64 minutes = (s + 30) / 60;
    if (minutes < 24 * 60)
        return QStringLiteral("%1 h %2 min").arg(minutes / 60).arg(minutes % 60, 2, 10, QLatin1Char('0'));
    const qint64 hours = (minutes + 30) / 60;
    return QStringLiteral("%1 d %2 h").arg(hours / 24).arg(hours % 24);
}

QString plural(qint64 n, const QString &one, const QString &many)
{
    return QStringLiteral("%1 %2").arg(count(n), n == 1 ? one : many);
}

QString routeSummaryText(const QList<store::RouteUsage> &routes)
{
    QStringList parts;
    for (const store::RouteUsage &r : routes) {
        const QString name = routeLabel(r.route);
        parts << QStringLiteral("<b>%1</b> %2, %3 hits, %4 saved")
                     .arg(name.toHtmlEscaped(), plural(r.usage.requests, QStringLiteral("request"),
                                                       QStringLiteral("requests")),
                          percent(r.usage.hitRate()), money(r.usage.savedUsd));
    }
    return QStringLiteral("By route: ") + parts.join(QStringLiteral(" &nbsp;·&nbsp; "));
}

QString moneyAxisFormat(double step)
{
    int decimals = 0;
    if (step > 0 && step < 1)
        decimals = qMin(6, int(std::ceil(-std::log10(step) - 1e-9)));
    // A step of 0.25 needs two decimals, not one: add one while the step is not a multiple.
    const double scale = std::pow(10.0, decimals);
    if (step > 0 && std::fabs(step * scale - std::round(step * scale)) > 1e-6 && decimals < 6)
        ++decimals;
    return QStringLiteral("$%.%1f").arg(decimals);
}

} // namespace cachette::ui::format
