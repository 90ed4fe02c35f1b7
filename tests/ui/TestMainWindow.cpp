// MainWindow: pages by shortcut, the proxy's state in the status bar, the error banner,
// closing to the tray, and a layout that fits 800×600.

#include "host/enginehost.h"
#include "requests/requestsview.h"
#include "shell/errorbanner.h"
#include "shell/mainwindow.h"
#include "shell/proxystatusbar.h"
#include "uitest.h"

#include <QClipboard>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QToolButton>

using namespace cachette;
using namespace cachette::test;
using cachette::ui::EngineHost;
using cachette::ui::MainWindow;
using Page = cachette::ui::MainWindow::Page;

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_host = std::make_unique<EngineHost>();
        QVERIFY(m_host->configure(testConfig(m_data.path(), freePort())));
        m_window = std::make_unique<MainWindow>(m_host.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    }

    void cleanup()
    {
        m_window.reset();
        m_host.reset();
    }

    void ctrlDigitsSwitchPages()
    {
        const Page pages[] = {Page::Dashboard, Page::Cache, Page::Requests, Page::Thresholds,
                              Page::Settings};
        for (int i = MainWindow::kPageCount - 1; i >= 0; --i) {
            QTest::keyClick(m_window.get(), Qt::Key(Qt::Key_1 + i), Qt::ControlModifier);
            QCOMPARE(m_window->currentPage(), pages[i]);
            QVERIFY(m_window->page(pages[i])->isVisible());
        }
    }

    void statusBarShowsStateAndCopiesTheUrl()
    {
        ui::ProxyStatusBar *status = m_window->proxyStatusBar();
        QCOMPARE(status->stateText(), QStringLiteral("Stopped"));
        QCOMPARE(status->toggleButton()->text(), QStringLiteral("Start proxy"));

        QTest::mouseClick(status->toggleButton(), Qt::LeftButton);
        QTRY_COMPARE(status->stateText(), QStringLiteral("Running"));
        QCOMPARE(status->toggleButton()->text(), QStringLiteral("Stop proxy"));
        QCOMPARE(status->urlButton()->text(), m_host->baseUrl());

        QTest::mouseClick(status->urlButton(), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(), m_host->baseUrl());
        QVERIFY(status->urlButton()->text().startsWith(QStringLiteral("Copied")));
        QTRY_COMPARE_WITH_TIMEOUT(status->urlButton()->text(), m_host->baseUrl(), 3000);

        QTest::mouseClick(status->toggleButton(), Qt::LeftButton);
        QTRY_COMPARE(status->stateText(), QStringLiteral("Stopped"));
    }

    void errorBannerSaysWhy()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        QVERIFY(m_host->configure(testConfig(m_data.path(), squatter.serverPort())));
        ui::ErrorBanner *banner = m_window->errorBanner();
        QVERIFY(!banner->isVisible());

        m_host->start();
        QTRY_VERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(QStringLiteral("Port %1 on 127.0.0.1 is already in use")
                                             .arg(squatter.serverPort())),
                 qPrintable(banner->text()));
        QCOMPARE(m_window->proxyStatusBar()->stateText(), QStringLiteral("Error"));

        squatter.close();
        QSignalSpy retry(banner, &ui::ErrorBanner::retryRequested);
        banner->findChild<QPushButton *>()->click();   // "Try again"
        QCOMPARE(retry.count(), 1);
        QTRY_COMPARE(m_host->state(), Engine::State::Running);
        QVERIFY(!banner->isVisible());
    }

    void closingHidesToTheTrayWhenThereIsOne()
    {
        QSignalSpy hidden(m_window.get(), &MainWindow::hiddenToTray);
        m_window->setHidesToTray(true);
        m_window->close();
        QVERIFY(!m_window->isVisible());
        QCOMPARE(hidden.count(), 1);

        m_window->toggleVisible();
        QVERIFY(m_window->isVisible());

        m_window->setHidesToTray(false);
        QVERIFY(m_window->close());   // accepted: the app would quit
        QCOMPARE(hidden.count(), 1);
    }

    void requestEntrySwitchesToTheCache()
    {
        m_window->showPage(Page::Requests);
        Q_EMIT m_window->requestsView()->entrySelected("0123abcd");
        QCOMPARE(m_window->currentPage(), Page::Cache);
    }

    void remembersGeometryAndPage()
    {
        m_window->resize(900, 640);
        m_window->showPage(Page::Settings);
        m_window.reset();   // saves
        MainWindow again(m_host.get());
        QCOMPARE(again.size(), QSize(900, 640));
        QCOMPARE(again.currentPage(), Page::Settings);
    }

    void sidebarKeepsOnlyIconsWhenNarrow()
    {
        m_window->resize(1280, 800);
        QVERIFY(!m_window->isSidebarCompact());
        auto *sidebar = m_window->findChild<QListWidget *>(QStringLiteral("sidebar"));
        QCOMPARE(sidebar->item(2)->text(), QStringLiteral("Requests"));

        m_window->showPage(Page::Requests);
        m_window->resize(800, 600);
        QVERIFY(m_window->isSidebarCompact());
        QVERIFY(sidebar->item(2)->text().isEmpty());
        QVERIFY(sidebar->item(2)->toolTip().startsWith(QStringLiteral("Requests")));
        QTRY_VERIFY2(m_window->page(Page::Requests)->width() >= 700,
                     qPrintable(QString::number(m_window->page(Page::Requests)->width())));

        m_window->resize(1280, 800);
        QCOMPARE(sidebar->item(2)->text(), QStringLiteral("Requests"));
        QVERIFY(sidebar->width() >= sidebar->minimumWidth());
    }

    void fitsIn800By600()
    {
        const QSize smallest = m_window->minimumSizeHint().expandedTo(m_window->minimumSize());
        QVERIFY2(smallest.width() <= 800 && smallest.height() <= 600,
                 qPrintable(QStringLiteral("%1×%2").arg(smallest.width()).arg(smallest.height())));
        for (int i = 0; i < MainWindow::kPageCount; ++i) {
            QWidget *page = m_window->page(Page(i));
            QVERIFY2(page->minimumSizeHint().width() <= 800 - 200,
                     qPrintable(page->windowTitle()));
        }
    }

private:
    QTemporaryDir m_data;
    std::unique_ptr<EngineHost> m_host;
    std::unique_ptr<MainWindow> m_window;
};

CACHETTE_UI_TEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
