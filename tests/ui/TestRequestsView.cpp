// RequestsView: the recent log from the database, then live rows from the proxy.

#include "common/proxystate.h"
#include "host/enginehost.h"
#include "fakeupstream.h"
#include "requests/requestlogmodel.h"
#include "requests/requestsview.h"
#include "uitest.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>

using namespace cachette;
using namespace cachette::test;
using cachette::ui::EngineHost;
using cachette::ui::RequestLogModel;
using cachette::ui::RequestsView;

namespace {

// The log model and the filter over it stay consistent (QAbstractItemModelTester, fatal on the
// first violation) for as long as they live.
void testModels(RequestsView &view)
{
    for (QAbstractItemModel *model : {static_cast<QAbstractItemModel *>(view.model()), view.table()->model()})
        new QAbstractItemModelTester(model, QAbstractItemModelTester::FailureReportingMode::Fatal, model);
}

} // namespace

class TestRequestsView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        QVERIFY(m_upstream.start());
        m_data = std::make_unique<QTemporaryDir>();
        m_host = std::make_unique<EngineHost>();
        UI_START_HOST(m_host, testConfig(m_data->path(), 0, m_upstream.baseUrl()));
    }

    void cleanup()
    {
        m_host.reset();
        m_data.reset();
    }

    void showsARowAfterARequest()
    {
        RequestsView view(m_host.get());
        testModels(view);
        view.show();
        QCOMPARE(view.model()->rowCount(), 0);
        QVERIFY(view.findChild<QLabel *>(QStringLiteral("requestsEmpty"))->isVisible());

        chat(QStringLiteral("first"));
        QTRY_COMPARE(view.model()->rowCount(), 1);
        QCOMPARE(cell(view, 0, RequestLogModel::Outcome), QStringLiteral("miss"));
        QCOMPARE(cell(view, 0, RequestLogModel::Endpoint), QStringLiteral("chat/completions"));
        QCOMPARE(cell(view, 0, RequestLogModel::Model), QStringLiteral("gpt-4o-mini"));
        QCOMPARE(cell(view, 0, RequestLogModel::Status), QStringLiteral("200"));
        QVERIFY(view.table()->isVisible());

        chat(QStringLiteral("first"));
        QTRY_COMPARE(view.model()->rowCount(), 2);
        QCOMPARE(cell(view, 0, RequestLogModel::Outcome), QStringLiteral("hit"));   // newest on top
        QCOMPARE(view.model()->index(0, RequestLogModel::Outcome).data(Qt::ForegroundRole)
                     .value<QColor>(), ui::outcomeColor(store::Outcome::Hit));

        m_host->flush();
        view.reload();   // under the model testers: a reset from the database
        QTRY_COMPARE(view.model()->rowCount(), 2);
    }

    // A request on a provider route names it; the default /v1 shows a dash.
    void showsTheRouteOfARequest()
    {
        EngineConfig config = testConfig(m_data->path(), 0, m_upstream.baseUrl());
        config.routes.insert(QStringLiteral("team"), QUrl(m_upstream.baseUrl()));
        QVERIFY(m_host->configure(config));
        RequestsView view(m_host.get());
        testModels(view);
        ProxyClient client(rootOf(m_host->baseUrl()));
        QCOMPARE(client.post(QStringLiteral("/team/v1/chat/completions"),
                             chatRequest(QStringLiteral("routed"))).status, 200);
        QTRY_COMPARE(view.model()->rowCount(), 1);
        QCOMPARE(cell(view, 0, RequestLogModel::Route), QStringLiteral("team"));
        chat(QStringLiteral("default"));
        QTRY_COMPARE(view.model()->rowCount(), 2);
        QCOMPARE(cell(view, 0, RequestLogModel::Route), QStringLiteral("—"));
        QCOMPARE(cell(view, 1, RequestLogModel::Route), QStringLiteral("team"));
    }

    void startsFromTheDatabaseWithoutDuplicates()
    {
        chat(QStringLiteral("a"));
        chat(QStringLiteral("b"));
        m_host->flush();   // both committed; their signals may still be queued

        RequestsView view(m_host.get());
        testModels(view);
        QCOMPARE(view.model()->rowCount(), 2);
        QCoreApplication::processEvents();   // late signals for those two must not add rows
        QCOMPARE(view.model()->rowCount(), 2);
        chat(QStringLiteral("c"));
        QTRY_COMPARE(view.model()->rowCount(), 3);
    }

    void filtersByOutcomeAndText()
    {
        RequestsView view(m_host.get());
        testModels(view);
        chat(QStringLiteral("x"));
        chat(QStringLiteral("x"));
        chat(QStringLiteral("y"));
        QTRY_COMPARE(view.model()->rowCount(), 3);

        auto *outcome = view.findChild<QComboBox *>(QStringLiteral("outcomeFilter"));
        outcome->setCurrentIndex(outcome->findData(QStringLiteral("hit")));
        QCOMPARE(view.visibleRowCount(), 1);
        outcome->setCurrentIndex(outcome->findData(QStringLiteral("miss")));
        QCOMPARE(view.visibleRowCount(), 2);
        outcome->setCurrentIndex(0);

        auto *search = view.findChild<QLineEdit *>(QStringLiteral("requestSearch"));
        QTest::keyClicks(search, QStringLiteral("no-such-model"));
        QCOMPARE(view.visibleRowCount(), 0);
        search->clear();
        QTest::keyClicks(search, QStringLiteral("GPT-4O"));
        QCOMPARE(view.visibleRowCount(), 3);
    }

    void activatingARowAsksForItsEntry()
    {
        RequestsView view(m_host.get());
        testModels(view);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy stored(m_host.get(), &EngineHost::entryStored);
        chat(QStringLiteral("entry"));
        QTRY_COMPARE(view.model()->rowCount(), 1);
        QTRY_COMPARE(stored.count(), 1);

        QSignalSpy selected(&view, &RequestsView::entrySelected);
        const QModelIndex first = view.table()->model()->index(0, 0);
        view.table()->setCurrentIndex(first);
        QCOMPARE(selected.count(), 0);   // selection alone does not leave the page
        QTest::keyClick(view.table(), Qt::Key_Return);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toByteArray(), stored.at(0).at(0).toByteArray());
    }

private:
    void chat(const QString &prompt)
    {
        ProxyClient client(rootOf(m_host->baseUrl()));
        QCOMPARE(client.post(QStringLiteral("/v1/chat/completions"), chatRequest(prompt)).status, 200);
    }

    static QString cell(const RequestsView &view, int row, int column)
    {
        return view.model()->index(row, column).data().toString();
    }

    FakeUpstream m_upstream;
    std::unique_ptr<QTemporaryDir> m_data;
    std::unique_ptr<EngineHost> m_host;
};

CACHETTE_UI_TEST_MAIN(TestRequestsView)
#include "TestRequestsView.moc"
