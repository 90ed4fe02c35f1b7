#include "proxystatusbar.h"

#include "common/proxystate.h"
#include "engine/enginehost.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QToolButton>

namespace cachette::ui {

ProxyStatusBar::ProxyStatusBar(EngineHost *host, QWidget *parent)
    : QStatusBar(parent)
    , m_host(host)
    , m_dot(new QLabel)
    , m_state(new QLabel)
    , m_url(new QToolButton)
    , m_toggle(new QPushButton)
{
    setSizeGripEnabled(false);
    m_state->setObjectName(QStringLiteral("proxyState"));
    m_url->setObjectName(QStringLiteral("baseUrlButton"));
    m_url->setAutoRaise(true);
    // Looks like a link, because it acts like one: a click copies it.
    m_url->setStyleSheet(QStringLiteral("QToolButton { color: palette(link); border: none; padding: 2px 4px; }"
                                        "QToolButton:hover { text-decoration: underline; }"));
    m_url->setCursor(Qt::PointingHandCursor);
    m_url->setToolTip(QStringLiteral("Copy the base URL to give to your client"));
    m_toggle->setObjectName(QStringLiteral("proxyToggle"));

    auto *state = new QWidget;
    auto *layout = new QHBoxLayout(state);
    layout->setContentsMargins(8, 0, 4, 0);
    layout->setSpacing(6);
    layout->addWidget(m_dot);
    layout->addWidget(m_state);
    addWidget(state);
    addWidget(m_url);
    addPermanentWidget(m_toggle);

    connect(m_url, &QToolButton::clicked, this, &ProxyStatusBar::copyUrl);
    connect(m_toggle, &QPushButton::clicked, this, [this] {
        m_host->setEnabled(m_host->state() != Engine::State::Running);
    });
    connect(m_host, &EngineHost::stateChanged, this, &ProxyStatusBar::refresh);
    refresh();
}

QString ProxyStatusBar::stateText() const
{
    return m_state->text();
}

void ProxyStatusBar::refresh()
{
    const Engine::State state = m_host->state();
    m_dot->setPixmap(stateDotIcon(state).pixmap(12, 12));
    m_state->setText(stateName(state));
    m_url->setText(m_host->baseUrl());
    m_toggle->setText(state == Engine::State::Running ? QStringLiteral("Stop proxy")
                                                      : QStringLiteral("Start proxy"));
}

void ProxyStatusBar::copyUrl()
{
    QGuiApplication::clipboard()->setText(m_host->baseUrl());
    // Keep the width while the label says "Copied", so the status bar does not jump.
    m_url->setMinimumWidth(m_url->sizeHint().width());
    m_url->setText(QStringLiteral("Copied ✓"));
    QTimer::singleShot(1500, m_url, [this] {
        m_url->setText(m_host->baseUrl());
        m_url->setMinimumWidth(0);
    });
}

} // namespace cachette::ui
