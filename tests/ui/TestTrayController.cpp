// TrayController: the tray menu drives the proxy; works (and is tested) without a real tray.

#include "common/proxystate.h"
#include "host/enginehost.h"
#include "fakeupstream.h"
#include "shell/traycontroller.h"
#include "uitest.h"

#include <QAction>
#include <QClipboard>
#include <QMenu>
#include <QSignalSpy>
#include <QSystemTrayIcon>

using namespace cachette;
using namespace cachette::test;
using cachette::ui::EngineHost;
using cachette::ui::TrayController;

class TestTrayController : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void menuExistsWithoutATray()
    {
        EngineHost host;
        TrayController tray(&host);
        // Offscreen has no status area: no icon, but the same menu and actions.
        QCOMPARE(tray.available(), QSystemTrayIcon::isSystemTrayAvailable());
        QStringList texts;
        for (QAction *action : tray.menu()->actions()) {
            if (!action->isSeparator())
                texts << action->text();
        }
        QCOMPARE(texts, (QStringList{QStringLiteral("Proxy enabled"), QStringLiteral("Copy base URL"),
                                     QStringLiteral("Open Cachette"), QStringLiteral("Quit")}));
        QVERIFY(tray.proxyEnabledAction()->isCheckable());
    }

    void iconsExistForEveryState()
    {
        EngineHost host;
        TrayController tray(&host, nullptr, false);   // registers the icons
        for (Engine::State state : {Engine::State::Running, Engine::State::Stopped, Engine::State::Error})
            QVERIFY2(!ui::trayIcon(state).pixmap(22, 22).isNull(), qPrintable(ui::stateName(state)));
    }

    void toggleStopsAndStartsTheProxy()
    {
        QTemporaryDir data;
        EngineHost host;
        const quint16 port = freePort();
        QVERIFY(host.configure(testConfig(data.path(), port)));
        TrayController tray(&host, nullptr, false);
        host.start();
        QTRY_COMPARE(host.state(), Engine::State::Running);
        QTRY_VERIFY(tray.proxyEnabledAction()->isChecked());
        QCOMPARE(tray.shownState(), Engine::State::Running);

        tray.proxyEnabledAction()->trigger();   // off
        QTRY_COMPARE(host.state(), Engine::State::Stopped);
        QVERIFY(!tray.proxyEnabledAction()->isChecked());
        QCOMPARE(tray.shownState(), Engine::State::Stopped);
        QVERIFY(!accepts(port));

        tray.proxyEnabledAction()->trigger();   // on again
        QTRY_COMPARE(host.state(), Engine::State::Running);
        QVERIFY(tray.proxyEnabledAction()->isChecked());
        QVERIFY(healthy(host.baseUrl()));
    }

    void copiesTheBaseUrlAndAsksForTheWindow()
    {
        EngineHost host;
        TrayController tray(&host, nullptr, false);
        tray.copyUrlAction()->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), host.baseUrl());

        QSignalSpy show(&tray, &TrayController::showWindowRequested);
        QSignalSpy quit(&tray, &TrayController::quitRequested);
        tray.openAction()->trigger();
        tray.quitAction()->trigger();
        QCOMPARE(show.count(), 1);
        QCOMPARE(quit.count(), 1);
    }

    void toolTipCountsTodaysHits()
    {
        QTemporaryDir data;
        FakeUpstream upstream;
        QVERIFY(upstream.start());
        EngineHost host;
        QVERIFY(host.configure(testConfig(data.path(), 0, upstream.baseUrl())));
        TrayController tray(&host, nullptr, false);
        host.start();
        QTRY_COMPARE(host.state(), Engine::State::Running);
        QVERIFY(tray.toolTip().contains(host.baseUrl()));
        QVERIFY(tray.toolTip().contains(QStringLiteral("Today: 0 hits, saved —")));

        ProxyClient client(rootOf(host.baseUrl()));
        for (int i = 0; i < 3; ++i)   // a miss, then two hits
            QCOMPARE(client.post(QStringLiteral("/v1/chat/completions"),
                                 chatRequest(QStringLiteral("tray"))).status, 200);
        QTRY_COMPARE(tray.hitsToday(), 2);
        QVERIFY2(tray.toolTip().contains(QStringLiteral("Today: 2 hits")), qPrintable(tray.toolTip()));

        // A new controller (the next launch) starts from the log, not from zero.
        host.flush();
        TrayController again(&host, nullptr, false);
        QCOMPARE(again.hitsToday(), 2);
    }
};

CACHETTE_UI_TEST_MAIN(TestTrayController)
#include "TestTrayController.moc"
