#include "traycontroller.h"

#include "clock.h"
#include "common/appsettings.h"
#include "common/proxystate.h"
#include "host/enginehost.h"
#include "shellresources.h"
#include "store/requestlog.h"

#include <QAction>
#include <QClipboard>
#include <QDateTime>
#include <QGuiApplication>
#include <QLocale>
#include <QMenu>
#include <QSystemTrayIcon>

namespace cachette::ui {

namespace {

const QString kNoticeShown = QStringLiteral("tray/hideNoticeShown");

qint64 startOfToday()
{
    return clock::now().date().startOfDay().toMSecsSinceEpoch();
}

} // namespace

TrayController::TrayController(EngineHost *host, QObject *parent, bool useSystemTray)
    : QObject(parent)
    , m_host(host)
    , m_menu(std::make_unique<QMenu>())
    , m_day(clock::now().date())
{
    ensureResources();
    buildMenu();
    if (useSystemTray && QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(this);
        m_tray->setContextMenu(m_menu.get());
        connect(m_tray, &QSystemTrayIcon::activated, this,
                [this](QSystemTrayIcon::ActivationReason reason) {
                    if (reason == QSystemTrayIcon::Trigger)
                        Q_EMIT toggleWindowRequested();
                });
    }
    connect(m_host, &EngineHost::stateChanged, this, &TrayController::refresh);
    connect(m_host, &EngineHost::requestLogged, this, &TrayController::onRequestLogged);
    loadHitsToday();
    refresh();
    if (m_tray)
        m_tray->show();
}

TrayController::~TrayController() = default;

void TrayController::buildMenu()
{
    m_proxyEnabled = m_menu->addAction(QStringLiteral("Proxy enabled"));
    m_proxyEnabled->setCheckable(true);
    // triggered, not toggled: only a person's click starts or stops the proxy; refresh()
    // setting the check mark from the state must not.
    connect(m_proxyEnabled, &QAction::triggered, m_host, &EngineHost::setEnabled);
    m_copyUrl = m_menu->addAction(QStringLiteral("Copy base URL"));
    connect(m_copyUrl, &QAction::triggered, this, [this] {
        QGuiApplication::clipboard()->setText(m_host->baseUrl());
    });
    m_menu->addSeparator();
    m_open = m_menu->addAction(QStringLiteral("Open Cachette"));
    connect(m_open, &QAction::triggered, this, &TrayController::showWindowRequested);
    m_quit = m_menu->addAction(QStringLiteral("Quit"));
    connect(m_quit, &QAction::triggered, this, &TrayController::quitRequested);
}

// Today's hits so far, from the log: the count must not restart at 0 with the app.
void TrayController::loadHitsToday()
{
    store::RequestLog reader;
    if (!reader.open(m_host->databasePath()))
        return;   // no database yet: the engine has never run here
    m_hitsToday = reader.countHitsSince(startOfToday());
    m_hitsLoaded = true;
}

void TrayController::onRequestLogged(const store::RequestLogRecord &record)
{
    rollOverDay();
    if (!m_hitsLoaded) {
        loadHitsToday();   // the first request of a fresh database: it is committed already
        if (m_hitsLoaded) {
            refresh();
            return;
        }
    }
    if (store::isHit(record.outcome) && record.timestamp >= startOfToday()) {
        ++m_hitsToday;
        refresh();
    }
}

void TrayController::rollOverDay()
{
    if (clock::now().date() == m_day)
        return;
    m_day = clock::now().date();
    m_hitsToday = 0;
}

void TrayController::refresh()
{
    rollOverDay();
    m_shownState = m_host->state();
    m_proxyEnabled->setChecked(m_shownState == Engine::State::Running);
    QString status = stateName(m_shownState);
    if (m_shownState == Engine::State::Error && !m_host->errorString().isEmpty())
        status = asSentence(m_host->errorString());
    // Savings need the price table (pricing feature); until then say nothing rather than $0.
    m_toolTip = QStringLiteral("Cachette — %1\n%2\nToday: %3 %4, saved —")
                    .arg(status, m_host->baseUrl(), QLocale().toString(m_hitsToday),
                         m_hitsToday == 1 ? QStringLiteral("hit") : QStringLiteral("hits"));
    if (!m_tray)
        return;
    m_tray->setIcon(trayIcon(m_shownState));
    m_tray->setToolTip(m_toolTip);
}

void TrayController::notifyHiddenToTray()
{
    const auto settings = openSettings();
    if (!m_tray || settings->value(kNoticeShown, false).toBool())
        return;
    settings->setValue(kNoticeShown, true);
    m_tray->showMessage(QStringLiteral("Cachette is still running"),
                        QStringLiteral("The proxy keeps answering in the background. Open the "
                                       "window or quit from this icon."),
                        QIcon(QStringLiteral(":/icons/cachette.svg")), 6000);
}

} // namespace cachette::ui
