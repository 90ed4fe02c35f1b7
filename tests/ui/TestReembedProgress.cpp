// Switching embedder: the engine re-embeds the cached prompts in the background. EngineHost
// relays how far it got, and the Settings page and the status bar show it, as a user sees them.
// The fake upstream doubles as the embeddings endpoint; its scenarios by model make one
// embedder slow and another one fail.

#include "host/enginehost.h"
#include "fakeupstream.h"
#include "common/appsettings.h"
#include "settings/settingsview.h"
#include "shell/proxystatusbar.h"
#include "uitest.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QThread>

using namespace cachette;
using namespace cachette::test;
using cachette::ui::EngineHost;
using cachette::ui::ProxyStatusBar;
using cachette::ui::RebuildStatus;
using cachette::ui::SettingsView;
using Phase = cachette::ui::RebuildStatus::Phase;

namespace {

constexpr int kRebuildTimeoutMs = 20000;
const QString kBuiltIn = QStringLiteral("the built-in embedder");

// What the Settings page showed at one moment of a re-embedding.
struct Seen
{
    bool barShown = false;
    int value = 0;
    int maximum = 0;
    QString text;
    bool operator==(const Seen &) const = default;
};

} // namespace

class TestReembedProgress : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));   // "1,240"
        QVERIFY(m_upstream.start());
        // Slow enough that the first batch is still on its way when apply() returns.
        m_upstream.setScenarioForModel(QStringLiteral("embed-slow"), Scenario::slow(150));
        m_upstream.setScenarioForModel(QStringLiteral("embed-slower"), Scenario::slow(1500));
        m_upstream.setScenarioForModel(QStringLiteral("embed-broken"), Scenario::error(503));
    }

    void init()
    {
        ui::openSettings()->clear();
        m_data = std::make_unique<QTemporaryDir>();
        QVERIFY(m_data->isValid());
        m_host = std::make_unique<EngineHost>();
        QVERIFY(m_host->configure(config()));
    }

    void cleanup()
    {
        m_view.reset();
        m_host.reset();
        m_data.reset();
    }

    // --- EngineHost ----------------------------------------------------------------------

    void hostRelaysProgressAndSuccess()
    {
        cacheAnswers(70);   // two batches: 64, then 6
        QCOMPARE(m_host->rebuildStatus().phase, Phase::Idle);
        QCOMPARE(m_host->activeEmbedder(), kBuiltIn);
        QSignalSpy progress(m_host.get(), &EngineHost::rebuildProgress);
        QSignalSpy finished(m_host.get(), &EngineHost::rebuildFinished);
        QSignalSpy active(m_host.get(), &EngineHost::activeEmbedderChanged);
        QList<QThread *> threads;
        connect(m_host.get(), &EngineHost::rebuildProgress, this,
                [&threads] { threads.append(QThread::currentThread()); });

        QVERIFY(m_host->configure(config(QStringLiteral("embed-fast"))));
        // At once, before any batch: running, for the new embedder, the count not known yet.
        RebuildStatus status = m_host->rebuildStatus();
        QCOMPARE(status.phase, Phase::Running);
        QCOMPARE(status.embedder, QStringLiteral("embed-fast"));
        QCOMPARE(status.total, qint64(-1));
        QCOMPARE(m_host->activeEmbedder(), kBuiltIn);   // until the new vectors are all there

        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRebuildTimeoutMs);
        QCOMPARE(finished.at(0).at(0).toBool(), true);
        QCOMPARE(progress.count(), 2);
        QCOMPARE(progress.at(0), (QList<QVariant>{qint64(64), qint64(70)}));
        QCOMPARE(progress.at(1), (QList<QVariant>{qint64(70), qint64(70)}));
        QCOMPARE(threads, (QList<QThread *>{qApp->thread(), qApp->thread()}));
        status = m_host->rebuildStatus();
        QCOMPARE(status.phase, Phase::Succeeded);
        QCOMPARE(status.done, qint64(70));
        QCOMPARE(status.total, qint64(70));
        QCOMPARE(m_host->activeEmbedder(), QStringLiteral("embed-fast"));
        QCOMPARE(active.count(), 1);
    }

    void hostRelaysFailureAndKeepsThePreviousEmbedder()
    {
        cacheAnswers(3);
        QSignalSpy finished(m_host.get(), &EngineHost::rebuildFinished);
        QVERIFY(m_host->configure(config(QStringLiteral("embed-broken"))));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kRebuildTimeoutMs);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        const QString error = finished.at(0).at(1).toString();
        QVERIFY2(error.contains(QStringLiteral("answered 503")), qPrintable(error));
        QCOMPARE(m_host->rebuildStatus().phase, Phase::Failed);
        QCOMPARE(m_host->rebuildStatus().error, error);
        QCOMPARE(m_host->activeEmbedder(), kBuiltIn);
        QCOMPARE(m_host->explain(prompt(1), QStringLiteral("gpt-4o-mini")).outcome,
                 semantic::Decision::Outcome::Hit);   // the built-in embedder still matches
    }

    void switchingBackDropsTheRunningRebuild()
    {
        cacheAnswers(3);
        QSignalSpy finished(m_host.get(), &EngineHost::rebuildFinished);
        QVERIFY(m_host->configure(config(QStringLiteral("embed-slower"))));
        QCOMPARE(m_host->rebuildStatus().phase, Phase::Running);
        QVERIFY(m_host->configure(config()));   // back to the embedder in use: nothing to do
        QCOMPARE(m_host->rebuildStatus().phase, Phase::Idle);
        QCOMPARE(m_host->activeEmbedder(), kBuiltIn);
        QTRY_COMPARE(m_upstream.openExchanges(), 0);   // the dropped batch's answer came back
        m_host->flush();
        QCoreApplication::processEvents();
        QCOMPARE(m_host->rebuildStatus().phase, Phase::Idle);
        QCOMPARE(finished.count(), 0);
    }

    // Answers stored while the endpoint failed have no vector: one error (not one per answer),
    // cleared when it works again, and at the next start they are embedded.
    void failingEmbedderIsReportedOnceAndCaughtUpAtStart()
    {
        const QString model = QStringLiteral("embed-flaky");
        m_upstream.setScenarioForModel(model, Scenario::error(503));
        QVERIFY(m_host->configure(config(model)));
        // Nothing cached yet: the switch is done as soon as the engine has looked.
        QTRY_COMPARE(m_host->activeEmbedder(), model);
        QCOMPARE(m_host->rebuildStatus().phase, Phase::Succeeded);
        QCOMPARE(m_host->rebuildStatus().done, qint64(0));
        m_view = makeView();
        QCOMPARE(statusLine()->text(), QStringLiteral("Similarity matching uses embed-flaky now; "
                                                      "no cached prompt needed embedding."));
        QSignalSpy errors(m_host.get(), &EngineHost::embedderErrorChanged);

        const int before = m_upstream.requestCount("/v1/embeddings");
        cacheAnswers(3);
        QTRY_VERIFY(m_upstream.requestCount("/v1/embeddings") >= before + 3);
        QTRY_COMPARE(m_upstream.openExchanges(), 0);
        m_host->flush();
        QCoreApplication::processEvents();
        QCOMPARE(errors.count(), 1);
        QVERIFY2(m_host->embedderError().contains(QStringLiteral("answered 503")),
                 qPrintable(m_host->embedderError()));
        QLabel *shown = label("embedderError");
        QVERIFY(shown->isVisible());
        QVERIFY2(shown->text().startsWith(QStringLiteral("Could not embed the last new answer "
                                                         "with embed-flaky: embeddings endpoint")),
                 qPrintable(shown->text()));
        QVERIFY2(shown->text().contains(QStringLiteral("Exact hits are still served")),
                 qPrintable(shown->text()));

        m_upstream.setScenarioForModel(model, Scenario::normal());
        post(QStringLiteral("a question while the endpoint works"));
        QTRY_COMPARE(m_host->embedderError(), QString());
        QTRY_VERIFY(!shown->isVisible());

        // The next start: the three prompts without a vector are embedded in the background.
        m_view.reset();
        m_host = std::make_unique<EngineHost>();
        QVERIFY(m_host->configure(config(model)));
        RebuildStatus status = m_host->rebuildStatus();
        QCOMPARE(status.phase, Phase::Running);
        QCOMPARE(status.embedder, model);
        m_view = std::make_unique<SettingsView>(m_host.get());   // not shown: no events yet
        QVERIFY(bar()->isVisibleTo(m_view.get()));
        QCOMPARE(statusLine()->text(),
                 QStringLiteral("Embedding cached prompts that have no vector yet with "
                                "embed-flaky — exact hits are served meanwhile, and each prompt "
                                "is matched by similarity as soon as it is embedded."));
        QTRY_COMPARE_WITH_TIMEOUT(m_host->rebuildStatus().phase, Phase::Succeeded,
                                  kRebuildTimeoutMs);
        QCOMPARE(m_host->rebuildStatus().done, qint64(3));
        QCOMPARE(statusLine()->text(),
                 QStringLiteral("All 3 cached prompts are embedded with embed-flaky; similarity "
                                "matching uses it now."));
    }

    // --- The Settings page, driven like a user -------------------------------------------

    void settingsShowProgressUntilDone()
    {
        cacheAnswers(70);
        m_view = makeView();
        QVERIFY(!bar()->isVisible());
        QVERIFY(!statusLine()->isVisible());
        QList<Seen> seen;   // each state the page went through, as the user saw it
        connect(m_host.get(), &EngineHost::rebuildChanged, this,
                [this, &seen] { seen.append(shownNow()); });

        chooseEndpoint(m_upstream.baseUrl(), QStringLiteral("embed-slow"));
        QVERIFY(m_view->apply());
        const QString rest = QStringLiteral(" — exact hits are served meanwhile; similarity "
                                            "matching keeps using the built-in embedder until "
                                            "this finishes.");
        const QString prefix = QStringLiteral("Re-embedding cached prompts for embed-slow");
        QCOMPARE(shownNow(), (Seen{true, 0, 0, prefix + rest}));   // a busy bar: no count yet

        // Exact hits do not wait for it.
        const HttpResult repeat = post(prompt(5));
        QCOMPARE(repeat.header("X-Cachette"), QByteArray("hit"));

        QTRY_COMPARE_WITH_TIMEOUT(m_host->rebuildStatus().phase, Phase::Succeeded,
                                  kRebuildTimeoutMs);
        QVERIFY2(seen.contains(Seen{true, 64, 70, prefix + QStringLiteral(": 64 of 70") + rest}),
                 qPrintable(describe(seen)));
        QVERIFY(!bar()->isVisible());
        QVERIFY(statusLine()->isVisible());
        QCOMPARE(statusLine()->text(),
                 QStringLiteral("All 70 cached prompts are embedded with embed-slow; similarity "
                                "matching uses it now."));
        QVERIFY(!label("rebuildError")->isVisible());
        QCOMPARE(m_host->activeEmbedder(), QStringLiteral("embed-slow"));
    }

    void settingsShowAnUnreachableEndpoint()
    {
        cacheAnswers(3);
        m_view = makeView();
        const QString dead = QStringLiteral("http://127.0.0.1:%1/v1").arg(freePort());
        chooseEndpoint(dead, QStringLiteral("nomic-embed-text"));
        QVERIFY(m_view->apply());
        QVERIFY(bar()->isVisible());

        QLabel *error = label("rebuildError");
        QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), kRebuildTimeoutMs);
        QVERIFY2(error->text().startsWith(
                     QStringLiteral("Could not embed the cached prompts with nomic-embed-text: "
                                    "embeddings endpoint %1 is unreachable").arg(dead)),
                 qPrintable(error->text()));
        QVERIFY2(error->text().contains(QStringLiteral("Similarity matching keeps using the "
                                                       "built-in embedder")),
                 qPrintable(error->text()));
        QCOMPARE(error->palette().color(QPalette::WindowText),
                 label("embeddingsError")->palette().color(QPalette::WindowText));
        QVERIFY(!bar()->isVisible());
        QVERIFY(!statusLine()->isVisible());
        QCOMPARE(m_host->activeEmbedder(), kBuiltIn);
        QCOMPARE(m_host->explain(prompt(2), QStringLiteral("gpt-4o-mini")).outcome,
                 semantic::Decision::Outcome::Hit);
    }

    // The endpoint was down when the user switched; once it is up, Try again finishes the switch
    // without a restart.
    void settingsRetryAfterTheEndpointComesBack()
    {
        const QString model = QStringLiteral("embed-flaky");
        m_upstream.setScenarioForModel(model, Scenario::error(503));
        cacheAnswers(5);
        m_view = makeView();
        auto *retry = m_view->findChild<QPushButton *>(QStringLiteral("retryRebuild"));
        QVERIFY(!retry->isVisible());
        chooseEndpoint(m_upstream.baseUrl(), model);
        QVERIFY(m_view->apply());
        QTRY_VERIFY_WITH_TIMEOUT(label("rebuildError")->isVisible(), kRebuildTimeoutMs);
        QVERIFY(retry->isVisible());
        QCOMPARE(m_host->activeEmbedder(), kBuiltIn);

        m_upstream.setScenarioForModel(model, Scenario::normal());
        retry->click();
        QTRY_COMPARE_WITH_TIMEOUT(m_host->rebuildStatus().phase, Phase::Succeeded, kRebuildTimeoutMs);
        QCOMPARE(m_host->rebuildStatus().done, qint64(5));
        QCOMPARE(m_host->activeEmbedder(), model);
        QTRY_VERIFY(!label("rebuildError")->isVisible());
        QVERIFY(!retry->isVisible());
        QVERIFY2(statusLine()->text().startsWith(QStringLiteral("All 5 cached prompts")),
                 qPrintable(statusLine()->text()));
    }

    void pageAndStatusBarOpenedLaterShowTheRunningRebuild()
    {
        cacheAnswers(3);
        QVERIFY(m_host->configure(config(QStringLiteral("embed-slower"))));
        // Made after it started, before any event is processed: they show it all the same.
        m_view = std::make_unique<SettingsView>(m_host.get());
        ProxyStatusBar statusBar(m_host.get());
        QVERIFY(bar()->isVisibleTo(m_view.get()));
        QVERIFY(statusLine()->text().startsWith(
            QStringLiteral("Re-embedding cached prompts for embed-slower — ")));
        QLabel *note = statusBar.rebuildNote();
        QVERIFY(note->isVisibleTo(&statusBar));
        QCOMPARE(note->text(), QStringLiteral("Re-embedding prompts…"));

        QStringList notes;
        connect(m_host.get(), &EngineHost::rebuildChanged, this,
                [&] { notes.append(note->isVisibleTo(&statusBar) ? note->text() : QString()); });
        QTRY_COMPARE_WITH_TIMEOUT(m_host->rebuildStatus().phase, Phase::Succeeded,
                                  kRebuildTimeoutMs);
        QVERIFY2(notes.contains(QStringLiteral("Re-embedding prompts: 3 of 3")),
                 qPrintable(notes.join(QLatin1Char('|'))));
        QVERIFY(!note->isVisibleTo(&statusBar));
    }

private:
    EngineConfig config(const QString &embeddingsModel = {}) const
    {
        EngineConfig config = testConfig(m_data->path(), 0, m_upstream.baseUrl());
        if (!embeddingsModel.isEmpty()) {
            config.semantic.embeddingsUrl = QUrl(m_upstream.baseUrl());
            config.semantic.embeddingsModel = embeddingsModel;
        }
        return config;
    }

    static QString prompt(int n) { return QStringLiteral("cached question number %1").arg(n); }

    HttpResult post(const QString &text)
    {
        if (m_host->state() != Engine::State::Running) {
            m_host->start();
            [&] { QTRY_COMPARE(m_host->state(), Engine::State::Running); }();
        }
        ProxyClient client(rootOf(m_host->baseUrl()));
        return client.post(QStringLiteral("/v1/chat/completions"), chatRequest(text));
    }

    void cacheAnswers(int count)
    {
        for (int i = 0; i < count; ++i) {
            const HttpResult result = post(prompt(i));
            QCOMPARE(result.status, 200);
            QCOMPARE(result.header("X-Cachette"), QByteArray("miss"));
        }
        m_host->flush();
    }

    std::unique_ptr<SettingsView> makeView()
    {
        auto view = std::make_unique<SettingsView>(m_host.get());
        view->resize(800, 900);
        view->show();
        if (!QTest::qWaitForWindowExposed(view.get()))
            qWarning("the settings page was not exposed");
        return view;
    }

    // What a user does: pick the endpoint, type its URL and model. The proxy keeps the port it
    // has (0 in the form: the same "any port" the test configured), so Apply does not move it.
    void chooseEndpoint(const QString &url, const QString &model)
    {
        m_view->findChild<QLineEdit *>(QStringLiteral("listenEdit"))
            ->setText(QStringLiteral("127.0.0.1:0"));
        m_view->findChild<QLineEdit *>(QStringLiteral("upstreamEdit"))->setText(m_upstream.baseUrl());
        m_view->findChild<QComboBox *>(QStringLiteral("embedderCombo"))->setCurrentIndex(1);
        m_view->findChild<QLineEdit *>(QStringLiteral("embeddingsUrlEdit"))->setText(url);
        m_view->findChild<QLineEdit *>(QStringLiteral("embeddingsModelEdit"))->setText(model);
    }

    QLabel *label(const char *name) const
    {
        return m_view->findChild<QLabel *>(QLatin1String(name));
    }
    QLabel *statusLine() const { return label("rebuildStatus"); }
    QProgressBar *bar() const
    {
        return m_view->findChild<QProgressBar *>(QStringLiteral("rebuildProgress"));
    }

    Seen shownNow() const
    {
        return Seen{bar()->isVisible(), bar()->value(), bar()->maximum(),
                    statusLine()->isVisible() ? statusLine()->text() : QString()};
    }

    static QString describe(const QList<Seen> &seen)
    {
        QStringList lines;
        for (const Seen &s : seen)
            lines.append(QStringLiteral("%1 %2/%3 %4").arg(s.barShown).arg(s.value).arg(s.maximum)
                             .arg(s.text));
        return lines.join(QLatin1Char('\n'));
    }

    FakeUpstream m_upstream;
    std::unique_ptr<QTemporaryDir> m_data;
    std::unique_ptr<EngineHost> m_host;
    std::unique_ptr<SettingsView> m_view;
};

CACHETTE_UI_TEST_MAIN(TestReembedProgress)
#include "TestReembedProgress.moc"
