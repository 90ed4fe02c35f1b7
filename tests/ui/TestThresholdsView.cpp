// ThresholdsView: editing and applying thresholds, the tuner against real traffic through the
// proxy, the what-if replay of the log and "Wrong hit".

#include "engine/enginehost.h"
#include "fakeupstream.h"
#include "settings/appsettings.h"
#include "store/entrycatalog.h"
#include "thresholds/logpanels.h"
#include "thresholds/thresholdcontrol.h"
#include "thresholds/thresholdseditor.h"
#include "thresholds/thresholdsview.h"
#include "thresholds/tunerpanel.h"
#include "uitest.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>

#include <cmath>

using namespace cachette;
using namespace cachette::test;
using cachette::ui::EngineHost;
using cachette::ui::openSettings;
using cachette::ui::ThresholdsView;

class TestThresholdsView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        QVERIFY(m_upstream.start());
        m_data = std::make_unique<QTemporaryDir>();
        m_host = std::make_unique<EngineHost>();
        QVERIFY(m_host->configure(testConfig(m_data->path(), 0, m_upstream.baseUrl())));
        m_host->start();
        QTRY_COMPARE(m_host->state(), Engine::State::Running);
        openSettings()->clear();
    }

    void cleanup()
    {
        m_host.reset();
        m_data.reset();
    }

    void applyingTheGlobalThresholdReachesTheEngineAndPersists()
    {
        ThresholdsView view(m_host.get());
        auto *apply = view.findChild<QPushButton *>(QStringLiteral("applyThresholds"));
        QVERIFY(!apply->isEnabled());
        view.findChild<QDoubleSpinBox *>(QStringLiteral("globalThresholdSpin"))->setValue(0.92);
        view.findChild<QCheckBox *>(QStringLiteral("guardNegation"))->setChecked(false);
        QVERIFY(apply->isEnabled());
        QCOMPARE(m_host->semanticSettings().threshold, semantic::kDefaultThreshold);   // not yet
        apply->click();
        QVERIFY(qAbs(m_host->semanticSettings().threshold - 0.92f) < 1e-4);
        QVERIFY(!m_host->semanticSettings().guards.negation);
        QVERIFY(!apply->isEnabled());

        const ui::SemanticPrefs saved = ui::SemanticPrefs::load(*openSettings());
        QVERIFY(qAbs(saved.threshold - 0.92f) < 1e-4);
        QVERIFY(!saved.guards.negation);
        // At the next start the saved values are the engine's defaults.
        const EngineConfig next = ui::AppSettings::load(*openSettings()).toEngineConfig();
        QVERIFY(qAbs(next.semantic.settings.threshold - 0.92f) < 1e-4);
        // The Settings page's form holds no thresholds and must not reset them.
        const EngineConfig fromForm = ui::AppSettings().toEngineConfig(m_host->config());
        QVERIFY(qAbs(fromForm.semantic.settings.threshold - 0.92f) < 1e-4);
    }

    void perModelOverridesAreValidated()
    {
        ThresholdsView view(m_host.get());
        view.show();
        auto *form = view.findChild<QWidget *>(QStringLiteral("overrideForm"));
        auto *model = view.findChild<QComboBox *>(QStringLiteral("overrideModel"));
        auto *threshold = view.findChild<QLineEdit *>(QStringLiteral("overrideThreshold"));
        auto *save = view.findChild<QPushButton *>(QStringLiteral("saveOverride"));
        auto *error = view.findChild<QLabel *>(QStringLiteral("overrideError"));
        auto *table = view.findChild<QTableWidget *>(QStringLiteral("overridesTable"));

        view.findChild<QPushButton *>(QStringLiteral("addOverride"))->click();
        QVERIFY(form->isVisible());
        model->setCurrentText(QStringLiteral("gpt-4o"));
        threshold->setText(QStringLiteral("1.5"));
        save->click();
        QVERIFY(error->isVisible());
        QVERIFY(error->text().contains(QStringLiteral("0 to 1")));
        QCOMPARE(table->rowCount(), 0);

        model->setCurrentText(QString());
        threshold->setText(QStringLiteral("0.9"));
        save->click();
        QVERIFY(error->text().contains(QStringLiteral("Name the model")));

        model->setCurrentText(QStringLiteral("gpt-4o"));
        save->click();
        QVERIFY(!form->isVisible());
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("gpt-4o"));
        QVERIFY(m_host->semanticSettings().modelThresholds.isEmpty());   // only after Apply

        view.findChild<QPushButton *>(QStringLiteral("addOverride"))->click();
        model->setCurrentText(QStringLiteral("gpt-4o"));
        threshold->setText(QStringLiteral("0.8"));
        save->click();
        QVERIFY(error->text().contains(QStringLiteral("already")));
        QCOMPARE(table->rowCount(), 1);

        view.findChild<QPushButton *>(QStringLiteral("applyThresholds"))->click();
        QVERIFY(qAbs(m_host->semanticSettings().thresholdFor(QStringLiteral("gpt-4o")) - 0.9f) < 1e-4);
        QVERIFY(qAbs(ui::SemanticPrefs::load(*openSettings()).modelThresholds.value(
                         QStringLiteral("gpt-4o")) - 0.9f) < 1e-4);
    }

    void tunerShowsTheNearestCachedPrompt()
    {
        chat(QStringLiteral("What is the capital of France?"));
        chat(QStringLiteral("Set the timeout to 30 seconds"));
        m_host->flush();

        ThresholdsView view(m_host.get());
        view.show();
        view.tabs()->setCurrentIndex(ThresholdsView::TunerTab);
        ui::TunerPanel *tuner = view.tuner();
        tuner->setModel(QStringLiteral("gpt-4o-mini"));
        tuner->setPrompt(QStringLiteral("what's the capital of france"));
        tuner->explainNow();
        QVERIFY(!tuner->candidates().isEmpty());
        const ui::TunerCandidate best = tuner->candidates().first();
        QCOMPARE(best.prompt, QStringLiteral("What is the capital of France?"));
        QVERIFY2(best.similarity > 0.8f, qPrintable(QString::number(best.similarity)));
        auto *table = view.findChild<QTableWidget *>(QStringLiteral("tunerCandidates"));
        QCOMPARE(table->item(0, ui::TunerPanel::PromptColumn)->text(), best.prompt);

        // The slider re-judges locally: below the similarity it hits, above it does not.
        tuner->threshold()->setValue(std::floor(best.similarity * 100) / 100 - 0.01);
        QVERIFY(tuner->wouldHit());
        QCOMPARE(table->item(0, ui::TunerPanel::VerdictColumn)->text(), QStringLiteral("hit"));
        tuner->threshold()->setValue(qMin(1.0, std::ceil(best.similarity * 100) / 100 + 0.01));
        QVERIFY(!tuner->wouldHit());
        QCOMPARE(table->item(0, ui::TunerPanel::VerdictColumn)->text(), QStringLiteral("below"));

        // A different question is further away.
        tuner->setPrompt(QStringLiteral("What is the capital of Spain?"));
        tuner->explainNow();
        QVERIFY(tuner->candidates().isEmpty() || tuner->candidates().first().similarity < best.similarity);

        // A changed number: close, but the numbers guard refuses it.
        tuner->setPrompt(QStringLiteral("Set the timeout to 60 seconds"));
        tuner->explainNow();
        QVERIFY(!tuner->candidates().isEmpty());
        QCOMPARE(tuner->candidates().first().prompt, QStringLiteral("Set the timeout to 30 seconds"));
        QCOMPARE(tuner->candidates().first().guard, semantic::Guard::Numbers);
        tuner->threshold()->setValue(0.5);
        QCOMPARE(table->item(0, ui::TunerPanel::GuardColumn)->text(), QStringLiteral("numbers differ"));
        QCOMPARE(table->item(0, ui::TunerPanel::VerdictColumn)->text(), QStringLiteral("refused"));
    }

    void whatIfCountsFollowTheCandidateThreshold()
    {
        chat(QStringLiteral("What is the capital of France?"));
        chat(QStringLiteral("what's the capital of france"));
        m_host->flush();

        ThresholdsView view(m_host.get());
        view.show();
        view.tabs()->setCurrentIndex(ThresholdsView::WhatIfTab);
        ui::WhatIfPanel *whatIf = view.whatIf();
        QVERIFY(whatIf->result().examined >= 1);
        const double similarity = lastSimilarity();
        QVERIFY(similarity > 0.5);
        whatIf->threshold()->setValue(std::floor(similarity * 100) / 100 - 0.01);
        const int hitsLow = whatIf->result().gained - whatIf->result().lost;
        whatIf->threshold()->setValue(qMin(1.0, std::ceil(similarity * 100) / 100 + 0.01));
        const int hitsHigh = whatIf->result().gained - whatIf->result().lost;
        QCOMPARE(hitsLow - hitsHigh, 1);   // that one request is a hit below, a miss above
        QVERIFY(view.findChild<QLabel *>(QStringLiteral("whatIfSummary"))->text().contains(
            QStringLiteral("lookups")));
    }

    void wrongHitDeletesTheEntryAndOffersAStricterThreshold()
    {
        semantic::SemanticSettings loose = m_host->semanticSettings();
        loose.threshold = 0.6f;
        m_host->setSemanticSettings(loose);
        chat(QStringLiteral("What is the capital of France?"));
        chat(QStringLiteral("what's the capital city of france"));
        m_host->flush();

        ThresholdsView view(m_host.get());
        view.show();
        view.tabs()->setCurrentIndex(ThresholdsView::HitsTab);
        auto *table = view.hits()->table();
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 3)->text(), QStringLiteral("what's the capital city of france"));
        QCOMPARE(table->item(0, 4)->text(), QStringLiteral("What is the capital of France?"));
        const double similarity = lastSimilarity();

        QSignalSpy removed(m_host.get(), &EngineHost::entriesRemoved);
        table->selectRow(0);
        view.findChild<QPushButton *>(QStringLiteral("wrongHit"))->click();
        QTRY_COMPARE(removed.count(), 1);
        store::EntryCatalog catalog;
        QVERIFY(catalog.open(m_host->databasePath()));
        QCOMPARE(catalog.count({}), 0);

        auto *suggestion = view.findChild<QLabel *>(QStringLiteral("wrongHitSuggestion"));
        QVERIFY(suggestion->isVisible());
        view.findChild<QPushButton *>(QStringLiteral("useSuggestedThreshold"))->click();
        const float strict = m_host->semanticSettings().thresholdFor(QStringLiteral("gpt-4o-mini"));
        QVERIFY2(strict > similarity && strict <= similarity + 0.011,
                 qPrintable(QStringLiteral("%1 for %2").arg(strict).arg(similarity)));
    }

    // The same words, other case and punctuation: similarity 1, which no threshold below 1.00
    // can refuse. The suggestion must say that only turning matching off would have.
    void wrongHitOfTheSameWordingSuggestsTurningMatchingOff()
    {
        chat(QStringLiteral("What is the capital of France?"));
        chat(QStringLiteral("what is the capital of france"));
        m_host->flush();
        QVERIFY(lastSimilarity() > 0.999);

        ThresholdsView view(m_host.get());
        view.show();
        view.tabs()->setCurrentIndex(ThresholdsView::HitsTab);
        view.hits()->table()->selectRow(0);
        view.findChild<QPushButton *>(QStringLiteral("wrongHit"))->click();
        auto *suggestion = view.findChild<QLabel *>(QStringLiteral("wrongHitSuggestion"));
        QTRY_VERIFY(suggestion->isVisible());
        QVERIFY2(suggestion->text().contains(QLatin1String("only turning similarity matching off")),
                 qPrintable(suggestion->text()));
        view.findChild<QPushButton *>(QStringLiteral("useSuggestedThreshold"))->click();
        QCOMPARE(m_host->semanticSettings().thresholdFor(QStringLiteral("gpt-4o-mini")), 1.0f);
    }

private:
    void chat(const QString &prompt)
    {
        ProxyClient client(rootOf(m_host->baseUrl()));
        QCOMPARE(client.post(QStringLiteral("/v1/chat/completions"), chatRequest(prompt)).status, 200);
    }

    double lastSimilarity()
    {
        ui::SemanticLog log;
        if (!log.openFor(m_host.get()))
            return -1;
        const auto rows = log.withSimilarity(1);
        return rows.isEmpty() ? -1 : rows.first().similarity;
    }

    FakeUpstream m_upstream;
    std::unique_ptr<QTemporaryDir> m_data;
    std::unique_ptr<EngineHost> m_host;
};

CACHETTE_UI_TEST_MAIN(TestThresholdsView)
#include "TestThresholdsView.moc"
