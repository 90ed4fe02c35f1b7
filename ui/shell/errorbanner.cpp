#include "errorbanner.h"

#include "common/proxystate.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

namespace cachette::ui {

ErrorBanner::ErrorBanner(QWidget *parent)
    : QFrame(parent)
    , m_text(new QLabel)
{
    setObjectName(QStringLiteral("errorBanner"));
    // Fixed light colours with dark text: readable under light and dark themes alike.
    setStyleSheet(QStringLiteral(
        "#errorBanner { background: #fdecea; border-bottom: 1px solid #f0b8b4; }"
        "#errorBanner QLabel { color: #7a1c1c; background: transparent; }"));

    auto *icon = new QLabel;
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(22, 22));
    m_text->setObjectName(QStringLiteral("errorBannerText"));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *retry = new QPushButton(QStringLiteral("Try again"));
    auto *settings = new QPushButton(QStringLiteral("Settings…"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(16, 10, 16, 10);
    layout->setSpacing(12);
    layout->addWidget(icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addWidget(retry, 0, Qt::AlignVCenter);
    layout->addWidget(settings, 0, Qt::AlignVCenter);

    connect(retry, &QPushButton::clicked, this, &ErrorBanner::retryRequested);
    connect(settings, &QPushButton::clicked, this, &ErrorBanner::settingsRequested);
    hide();
}

void ErrorBanner::showError(const QString &reason)
{
    m_text->setText(QStringLiteral("The proxy is not running. %1")
                        .arg(asSentence(reason.isEmpty() ? QStringLiteral("it stopped on an error")
                                                         : reason)));
    show();
}

QString ErrorBanner::text() const
{
    return m_text->text();
}

} // namespace cachette::ui
