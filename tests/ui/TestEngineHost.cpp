// EngineHost: the engine on its own thread, driven from the GUI thread.

#include "host/enginehost.h"
#include "fakeupstream.h"
#include "uitest.h"

#include <QSignalSpy>

using namespace cachette;
using namespace cachette::test;
using cachette::ui::EngineHost;

class TestEngineHost : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { QVERIFY(m_data.isValid()); }

    void startAndStopReportStates()
    {
        EngineHost host;
        const quint16 port = freePort();
        QVERIFY(host.configure(testConfig(m_data.path(), port)));
        QCOMPARE(host.state(), Engine::State::Stopped);
        QSignalSpy spy(&host, &EngineHost::stateChanged);

        host.start();
        QTRY_COMPARE(host.state(), Engine::State::Running);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).value<Engine::State>(), Engine::State::Running);
        QCOMPARE(host.baseUrl(), QStringLiteral("http://127.0.0.1:%1/v1").arg(port));
        QVERIFY(healthy(host.baseUrl()));

        host.stop();
        QTRY_COMPARE(host.state(), Engine::State::Stopped);
        QCOMPARE(spy.count(), 2);
        QVERIFY(!accepts(port));
    }

    void invalidConfigurationIsRefusedInWords()
    {
        EngineHost host;
        EngineConfig config = testConfig(m_data.path(), 0);
        config.upstream = QUrl(QStringLiteral("ftp://example.com"));
        QString error;
        QVERIFY(!host.configure(config, &error));
        QVERIFY2(error.contains(QStringLiteral("http:// or https://")), qPrintable(error));
    }

    void portInUseIsAnErrorWithTheReason()
    {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        EngineHost host;
        QVERIFY(host.configure(testConfig(m_data.path(), squatter.serverPort())));
        host.start();
        QTRY_COMPARE(host.state(), Engine::State::Error);
        QVERIFY2(host.errorString().contains(QStringLiteral("already in use")),
                 qPrintable(host.errorString()));
    }

    void newPortRestartsTheListener()
    {
        EngineHost host;
        const quint16 first = freePort();
        QVERIFY(host.configure(testConfig(m_data.path(), first)));
        host.start();
        QTRY_COMPARE(host.state(), Engine::State::Running);

        const quint16 second = freePort();
        QVERIFY(host.configure(testConfig(m_data.path(), second)));
        // configure() is synchronous: the new address is mirrored on return.
        QCOMPARE(host.baseUrl(), QStringLiteral("http://127.0.0.1:%1/v1").arg(second));
        QVERIFY(healthy(host.baseUrl()));
        QVERIFY(!accepts(first));
    }

    void forwardsStoreSignals()
    {
        FakeUpstream upstream;
        QVERIFY(upstream.start());
        EngineHost host;
        QVERIFY(host.configure(testConfig(m_data.path(), 0, upstream.baseUrl())));
        QSignalSpy stored(&host, &EngineHost::entryStored);
        QSignalSpy logged(&host, &EngineHost::requestLogged);
        QSignalSpy removed(&host, &EngineHost::entriesRemoved);
        host.start();
        QTRY_COMPARE(host.state(), Engine::State::Running);

        ProxyClient client(rootOf(host.baseUrl()));
        const HttpResult result = client.post(QStringLiteral("/v1/chat/completions"),
                                              chatRequest(QStringLiteral("signals")));
        QCOMPARE(result.status, 200);
        QTRY_COMPARE(stored.count(), 1);
        QTRY_COMPARE(logged.count(), 1);
        const auto record = logged.at(0).at(0).value<store::RequestLogRecord>();
        QCOMPARE(record.outcome, store::Outcome::Miss);
        QVERIFY(record.id > 0);
        const QByteArray key = stored.at(0).at(0).toByteArray();
        QCOMPARE(record.entryKey, key);

        host.removeEntries({key});
        QTRY_COMPARE(removed.count(), 1);
        QCOMPARE(removed.at(0).at(0).value<QList<QByteArray>>(), QList<QByteArray>{key});
    }

    void destructorStopsTheProxy()
    {
        const quint16 port = freePort();
        {
            EngineHost host;
            QVERIFY(host.configure(testConfig(m_data.path(), port)));
            host.start();
            QTRY_COMPARE(host.state(), Engine::State::Running);
        }
        QVERIFY(!accepts(port));
    }

private:
    QTemporaryDir m_data;
};

CACHETTE_UI_TEST_MAIN(TestEngineHost)
#include "TestEngineHost.moc"
