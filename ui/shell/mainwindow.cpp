#include "mainwindow.h"

#include "browser/cachebrowserview.h"
#include "dashboard/dashboardview.h"
#include "host/enginehost.h"
#include "errorbanner.h"
#include "proxystatusbar.h"
#include "requests/requestsview.h"
#include "common/appsettings.h"
#include "settings/settingsview.h"
#include "shellresources.h"
#include "thresholds/thresholdsview.h"

#include <QAction>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QResizeEvent>
#include <QScreen>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace cachette::ui {

namespace {

const QString kGeometry = QStringLiteral("window/geometry");
const QString kSplitter = QStringLiteral("window/splitter");
const QString kPage = QStringLiteral("window/page");

const char *kSidebarStyle = R"(
QListWidget#sidebar { border: none; background: transparent; outline: none; }
QListWidget#sidebar::item { padding: 7px 10px; margin: 1px 8px; border-radius: 6px; }
QListWidget#sidebar::item:selected { background: rgba(59, 125, 216, 0.18); color: palette(window-text); }
QListWidget#sidebar::item:hover:!selected { background: rgba(127, 127, 127, 0.12); }
)";

// A hairline between the sidebar and the page instead of Fusion's dotted grip.
const char *kSplitterStyle = R"(
QSplitter#mainSplitter::handle { background: rgba(127, 127, 127, 0.28); }
QSplitter#mainSplitter::handle:horizontal { width: 1px; }
)";

} // namespace

MainWindow::MainWindow(EngineHost *host, QWidget *parent)
    : QMainWindow(parent)
    , m_host(host)
{
    ensureResources();
    setWindowTitle(QStringLiteral("Cachette"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/cachette.svg")));
    setMinimumSize(720, 480);

    m_banner = new ErrorBanner;
    m_pages = new QStackedWidget;
    buildPages();
    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_banner);
    layout->addWidget(buildSplitter(), 1);
    setCentralWidget(central);

    m_status = new ProxyStatusBar(m_host);
    setStatusBar(m_status);
    buildShortcuts();

    connect(m_host, &EngineHost::stateChanged, this, &MainWindow::onStateChanged);
    connect(m_banner, &ErrorBanner::retryRequested, m_host, &EngineHost::start);
    connect(m_banner, &ErrorBanner::settingsRequested, this, [this] { showPage(Page::Settings); });
    connect(m_requests, &RequestsView::entrySelected, this, &MainWindow::showEntry);
    onStateChanged();
    restoreWindowState();
}

MainWindow::~MainWindow()
{
    saveWindowState();
}

QWidget *MainWindow::buildSplitter()
{
    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->setStyleSheet(QString::fromLatin1(kSplitterStyle));
    m_splitter->setHandleWidth(1);
    m_splitter->addWidget(buildSidebar());
    m_splitter->addWidget(m_pages);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setCollapsible(0, false);
    m_splitter->setCollapsible(1, false);
    m_splitter->setSizes({m_sidebarWidth, 1100});
    connect(m_splitter, &QSplitter::splitterMoved, this, [this] {
        if (!m_compact)
            m_sidebarWidth = m_splitter->sizes().constFirst();
    });
    return m_splitter;
}

QWidget *MainWindow::buildSidebar()
{
    m_sidebar = new QListWidget;
    m_sidebar->setObjectName(QStringLiteral("sidebar"));
    m_sidebar->setStyleSheet(QString::fromLatin1(kSidebarStyle));
    m_sidebar->setIconSize(QSize(20, 20));
    m_sidebar->setFrameShape(QFrame::NoFrame);
    m_sidebar->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    for (int i = 0; i < m_pages->count(); ++i) {
        QWidget *page = m_pages->widget(i);
        auto *item = new QListWidgetItem(page->windowIcon(), page->windowTitle(), m_sidebar);
        item->setToolTip(QStringLiteral("%1 (Ctrl+%2)").arg(page->windowTitle()).arg(i + 1));
    }
    // Wide enough for the longest name and its icon, never so narrow that a name is cut.
    int widest = 0;
    for (int i = 0; i < m_sidebar->count(); ++i)
        widest = qMax(widest, fontMetrics().horizontalAdvance(m_sidebar->item(i)->text()));
    m_sidebarMinWidth = widest + 20 + 60;
    m_sidebar->setMinimumWidth(m_sidebarMinWidth);

    auto *panel = new QWidget;
    m_sidebarPanel = panel;
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 14, 0, 0);
    layout->setSpacing(10);
    layout->addWidget(buildBrand());
    layout->addWidget(m_sidebar);
    connect(m_sidebar, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    m_sidebar->setCurrentRow(0);
    return panel;
}

// The app's name over the pages, as in most sidebars: the window title is often hidden.
QWidget *MainWindow::buildBrand()
{
    auto *icon = new QLabel;
    icon->setPixmap(QIcon(QStringLiteral(":/icons/cachette.svg")).pixmap(24, 24));
    auto *name = new QLabel(QStringLiteral("Cachette"));
    m_brandName = name;
    QFont font = name->font();
    font.setPointSizeF(font.pointSizeF() * 1.15);
    font.setWeight(QFont::DemiBold);
    name->setFont(font);
    auto *brand = new QWidget;
    auto *layout = new QHBoxLayout(brand);
    layout->setContentsMargins(18, 0, 8, 4);
    layout->setSpacing(8);
    layout->addWidget(icon);
    layout->addWidget(name, 1);
    return brand;
}

// Below kCompactWidth the sidebar shows its icons only (names in tooltips), so the pages keep
// room for their columns at 800 px.
void MainWindow::setCompactSidebar(bool compact)
{
    if (compact == m_compact)
        return;
    m_compact = compact;
    for (int i = 0; i < m_sidebar->count(); ++i)
        m_sidebar->item(i)->setText(compact ? QString() : m_pages->widget(i)->windowTitle());
    m_brandName->setVisible(!compact);
    if (compact) {
        m_sidebar->setMinimumWidth(0);
        m_sidebarPanel->setFixedWidth(kCompactSidebarWidth);
        m_splitter->setSizes({kCompactSidebarWidth, width()});   // it does not shrink by itself
        return;
    }
    m_sidebar->setMinimumWidth(m_sidebarMinWidth);
    m_sidebarPanel->setMinimumWidth(0);
    m_sidebarPanel->setMaximumWidth(QWIDGETSIZE_MAX);
    m_splitter->setSizes({m_sidebarWidth, width() - m_sidebarWidth});
}

bool MainWindow::isSidebarCompact() const
{
    return m_compact;
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    setCompactSidebar(width() < kCompactWidth);
}

void MainWindow::buildPages()
{
    addPage(Page::Dashboard, QStringLiteral("Dashboard"), QStringLiteral("dashboard"),
            buildDashboardPage());
    addPage(Page::Cache, QStringLiteral("Cache"), QStringLiteral("cache"), buildCachePage());
    m_requests = new RequestsView(m_host);
    addPage(Page::Requests, QStringLiteral("Requests"), QStringLiteral("requests"), m_requests);
    addPage(Page::Thresholds, QStringLiteral("Thresholds"), QStringLiteral("thresholds"),
            buildThresholdsPage());
    m_settings = new SettingsView(m_host);
    addPage(Page::Settings, QStringLiteral("Settings"), QStringLiteral("settings"), m_settings);
}

void MainWindow::addPage(Page page, const QString &name, const QString &icon, QWidget *widget)
{
    Q_ASSERT(m_pages->count() == int(page));
    widget->setWindowTitle(name);
    widget->setWindowIcon(QIcon(QStringLiteral(":/icons/page-%1.svg").arg(icon)));
    m_pages->addWidget(widget);
}

QWidget *MainWindow::buildDashboardPage()
{
    m_dashboard = new DashboardView(m_host);
    return m_dashboard;
}

QWidget *MainWindow::buildThresholdsPage()
{
    return new ThresholdsView(m_host);
}

QWidget *MainWindow::buildCachePage()
{
    m_cache = new CacheBrowserView(m_host, nullptr);
    return m_cache;
}

void MainWindow::buildShortcuts()
{
    for (int i = 0; i < kPageCount; ++i) {
        auto *action = new QAction(this);
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        action->setShortcutContext(Qt::WindowShortcut);
        connect(action, &QAction::triggered, this, [this, i] { showPage(Page(i)); });
        addAction(action);
    }
}

void MainWindow::showPage(Page page)
{
    m_sidebar->setCurrentRow(int(page));
}

MainWindow::Page MainWindow::currentPage() const
{
    return Page(m_pages->currentIndex());
}

QWidget *MainWindow::page(Page page) const
{
    return m_pages->widget(int(page));
}

void MainWindow::showEntry(const QByteArray &key)
{
    showPage(Page::Cache);
    m_cache->showEntry(key);
}

void MainWindow::onStateChanged()
{
    if (m_host->state() == Engine::State::Error)
        m_banner->showError(m_host->errorString());
    else
        m_banner->hide();
}

void MainWindow::toggleVisible()
{
    if (isVisible() && !isMinimized())
        close();   // through closeEvent, so geometry is saved and the notice shown
    else
        bringToFront();
}

void MainWindow::bringToFront()
{
    show();
    setWindowState((windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
    raise();
    activateWindow();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowState();
    if (m_hidesToTray) {
        hide();
        event->ignore();
        Q_EMIT hiddenToTray();
        return;
    }
    QMainWindow::closeEvent(event);
}

void MainWindow::restoreWindowState()
{
    const auto settings = openSettings();
    if (!restoreGeometry(settings->value(kGeometry).toByteArray())) {
        // First run: 1280×800 or whatever fits, centred.
        const QRect screen = this->screen()->availableGeometry();
        resize(QSize(1280, 800).boundedTo(screen.size() * 0.9));
        move(screen.center() - rect().center());
    }
    if (m_splitter->restoreState(settings->value(kSplitter).toByteArray()))
        m_sidebarWidth = qMax(m_splitter->sizes().constFirst(), m_sidebarMinWidth);
    m_splitter->setHandleWidth(1);   // the saved state carries a handle width: keep the hairline
    const int page = settings->value(kPage, 0).toInt();
    showPage(Page(qBound(0, page, kPageCount - 1)));
}

void MainWindow::saveWindowState() const
{
    const auto settings = openSettings();
    settings->setValue(kGeometry, saveGeometry());
    if (!m_compact)   // the icon-only width is the window's choice, not the person's
        settings->setValue(kSplitter, m_splitter->saveState());
    settings->setValue(kPage, int(currentPage()));
}

} // namespace cachette::ui
