#include "proxystate.h"

#include <QPainter>
#include <QPixmap>

namespace cachette::ui {

QString stateName(Engine::State state)
{
    switch (state) {
    case Engine::State::Running:
        return QStringLiteral("Running");
    case Engine::State::Stopped:
        return QStringLiteral("Stopped");
    case Engine::State::Error:
        return QStringLiteral("Error");
    }
    return {};
}

QColor stateColor(Engine::State state)
{
    switch (state) {
    case Engine::State::Running:
        return QColor(0x2e, 0xa0, 0x43);
    case Engine::State::Stopped:
        return QColor(0x8a, 0x93, 0x9e);
    case Engine::State::Error:
        return QColor(0xd1, 0x3b, 0x3b);
    }
    return {};
}

QIcon stateDotIcon(Engine::State state, int size)
{
    // Drawn at twice the size so it stays round on high-DPI screens.
    QPixmap pixmap(size * 2, size * 2);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(stateColor(state));
    const qreal margin = size * 0.4;
    painter.drawEllipse(QRectF(margin, margin, size * 2 - 2 * margin, size * 2 - 2 * margin));
    painter.end();
    pixmap.setDevicePixelRatio(2);
    return QIcon(pixmap);
}

QIcon trayIcon(Engine::State state)
{
    switch (state) {
    case Engine::State::Running:
        return QIcon(QStringLiteral(":/icons/tray-running.svg"));
    case Engine::State::Stopped:
        return QIcon(QStringLiteral(":/icons/tray-stopped.svg"));
    case Engine::State::Error:
        return QIcon(QStringLiteral(":/icons/tray-error.svg"));
    }
    return {};
}

QString asSentence(const QString &fragment)
{
    QString text = fragment.trimmed();
    if (text.isEmpty())
        return text;
    text[0] = text[0].toUpper();
    if (!text.endsWith(QLatin1Char('.')) && !text.endsWith(QLatin1Char('?'))
        && !text.endsWith(QLatin1Char('!')))
        text += QLatin1Char('.');
    return text;
}

QColor outcomeColor(store::Outcome outcome)
{
    switch (outcome) {
    case store::Outcome::Hit: return QColor(0x2e, 0x9e, 0x44);
    case store::Outcome::SemanticHit:   // a hit, told apart: it matched by similarity
        return QColor(0x1f, 0x8a, 0x7a);
    case store::Outcome::Miss: return QColor(0x3b, 0x7d, 0xd8);
    case store::Outcome::Refresh: return QColor(0xc9, 0x86, 0x10);
    case store::Outcome::Error: return QColor(0xd1, 0x3b, 0x3b);
    case store::Outcome::Bypass: break;
    }
    return QColor(0x80, 0x88, 0x92);
}

} // namespace cachette::ui
