#pragma once

#include <QMainWindow>

class QLabel;
class QListWidget;
class QSplitter;
class QStackedWidget;

namespace cachette::ui {

class CacheBrowserView;
class EngineHost;
class ErrorBanner;
class ProxyStatusBar;
class RequestsView;
class SettingsView;

// The window: a sidebar of pages (Ctrl+1…Ctrl+5), an error banner when the proxy cannot run,
// and the proxy's state in the status bar. Closing it hides it when a tray icon is there to
// bring it back; without one, closing quits.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum class Page { Dashboard, Cache, Requests, Thresholds, Settings };
    static constexpr int kPageCount = 5;

    explicit MainWindow(EngineHost *host, QWidget *parent = nullptr);
    ~MainWindow() override;

    void showPage(Page page);
    Page currentPage() const;
    QWidget *page(Page page) const;
    RequestsView *requestsView() const { return m_requests; }
    SettingsView *settingsView() const { return m_settings; }
    ErrorBanner *errorBanner() const { return m_banner; }
    ProxyStatusBar *proxyStatusBar() const { return m_status; }

    void setHidesToTray(bool hides) { m_hidesToTray = hides; }
    bool isSidebarCompact() const;
    void toggleVisible();
    void bringToFront();

Q_SIGNALS:
    void hiddenToTray();   // the window was closed but the app keeps running

protected:
    void closeEvent(QCloseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QWidget *buildSplitter();
    QWidget *buildSidebar();
    QWidget *buildBrand();
    void setCompactSidebar(bool compact);
    void buildPages();
    void addPage(Page page, const QString &name, const QString &icon, QWidget *widget);
    QWidget *buildDashboardPage();
    QWidget *buildCachePage();
    QWidget *buildThresholdsPage();
    void buildShortcuts();
    void showEntry(const QByteArray &key);
    void onStateChanged();
    void restoreWindowState();
    void saveWindowState() const;

    EngineHost *m_host;
    static constexpr int kCompactWidth = 1000;
    static constexpr int kCompactSidebarWidth = 60;   // 20 px icons with the items' padding

    QListWidget *m_sidebar = nullptr;
    QWidget *m_sidebarPanel = nullptr;
    QLabel *m_brandName = nullptr;
    int m_sidebarMinWidth = 0;
    int m_sidebarWidth = 190;
    bool m_compact = false;
    QStackedWidget *m_pages = nullptr;
    QSplitter *m_splitter = nullptr;
    ErrorBanner *m_banner = nullptr;
    ProxyStatusBar *m_status = nullptr;
    RequestsView *m_requests = nullptr;
    SettingsView *m_settings = nullptr;
    QWidget *m_dashboard = nullptr;
    CacheBrowserView *m_cache = nullptr;
    bool m_hidesToTray = false;
};

} // namespace cachette::ui
