#include "proxystatusbar.h"

#include "common/proxystate.h"
#include "host/enginehost.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
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
    , m_rebuild(new QLabel)
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
    m_rebuild->setObjectName(QStringLiteral("rebuildNote"));
    m_rebuild->setForegroundRole(QPalette::PlaceholderText);
    m_rebuild->setContentsMargins(0, 0, 8, 0);
    addPermanentWidget(m_rebuild);
    addPermanentWidget(m_toggle);

    connect(m_url, &QToolButton::clicked, this, &ProxyStatusBar::copyUrl);
    connect(m_toggle, &QPushButton::clicked, this, [this] {
        m_host->setEnabled(m_host->state() != Engine::State::Running);
    });
    connect(m_host, &EngineHost::stateChanged, this, &ProxyStatusBar::refresh);
    connect(m_host, &EngineHost::rebuildChanged, this, &ProxyStatusBar::refreshRebuild);
    refresh();
    refreshRebuild();
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

// Only while it runs; the Settings page has the whole story (and any error).
void ProxyStatusBar::refreshRebuild()
{
    const RebuildStatus status = m_host->rebuildStatus();
    m_rebuild->setVisible(status.isRunning());
    if (!status.isRunning())
        return;
    m_rebuild->setText(status.total >= 0
                           ? QStringLiteral("Re-embedding prompts: %1 of %2")
                                 .arg(QLocale().toString(status.done),
                                      QLocale().toString(status.total))
                           : QStringLiteral("Re-embedding prompts…"));
    m_rebuild->setToolTip(QStringLiteral("Cached prompts are being embedded with %1. Exact hits "
                                         "are served meanwhile; see Settings for details.")
                              .arg(status.embedder));
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
