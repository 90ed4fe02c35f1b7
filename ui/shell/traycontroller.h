#pragma once

#include "engine.h"
#include "store/cacheentry.h"

#include <QDate>
#include <QObject>

#include <memory>

class QAction;
class QMenu;
class QSystemTrayIcon;

namespace cachette::ui {

class EngineHost;

// The tray icon and its menu, kept apart from QSystemTrayIcon so it can be tested where no
// tray exists (offscreen, a desktop without a status area): the menu and its actions are
// always there; the icon only when available().
class TrayController : public QObject
{
    Q_OBJECT
public:
    // useSystemTray = false never creates an icon (tests that must not touch a real tray).
    explicit TrayController(EngineHost *host, QObject *parent = nullptr,
                            bool useSystemTray = true);
    ~TrayController() override;

    bool available() const { return m_tray != nullptr; }
    QMenu *menu() const { return m_menu.get(); }
    QAction *proxyEnabledAction() const { return m_proxyEnabled; }
    QAction *copyUrlAction() const { return m_copyUrl; }
    QAction *openAction() const { return m_open; }
    QAction *quitAction() const { return m_quit; }

    QString toolTip() const { return m_toolTip; }
    Engine::State shownState() const { return m_shownState; }
    qint64 hitsToday() const { return m_hitsToday; }

    // Tells the person once, ever, that closing the window left Cachette running.
    void notifyHiddenToTray();

Q_SIGNALS:
    void toggleWindowRequested();   // left click on the icon
    void showWindowRequested();
    void quitRequested();

private:
    void buildMenu();
    void loadHitsToday();
    void onRequestLogged(const store::RequestLogRecord &record);
    void refresh();
    void rollOverDay();

    EngineHost *m_host;
    std::unique_ptr<QMenu> m_menu;   // QMenu is a widget: no QObject parent to own it
    QSystemTrayIcon *m_tray = nullptr;
    QAction *m_proxyEnabled = nullptr;
    QAction *m_copyUrl = nullptr;
    QAction *m_open = nullptr;
    QAction *m_quit = nullptr;
    QString m_toolTip;
    Engine::State m_shownState = Engine::State::Stopped;
    QDate m_day;
    qint64 m_hitsToday = 0;
    bool m_hitsLoaded = false;
};

} // namespace cachette::ui
