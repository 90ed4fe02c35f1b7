// ThresholdsView: editing and applying thresholds, the tuner against real traffic through the
// proxy, the what-if replay of the log and "Wrong hit".

#include "host/enginehost.h"
#include "fakeupstream.h"
#include "common/appsettings.h"
#include "store/entrycatalog.h"
#include "thresholds/logpanels.h"
#include "thresholds/refusalrulespanel.h"
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
#include <QListWidget>
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
using semantic::RefusalRule;
using semantic::StrictMatching;

class TestThresholdsView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        QVERIFY(m_upstream.start());
        m_data = std::make_unique<QTemporaryDir>();
        m_host = std::make_unique<EngineHost>();
        UI_START_HOST(m_host, testConfig(m_data->path(), 0, m_upstream.baseUrl()));
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
        QVERIFY2(table->item(0, ui::TunerPanel::GuardColumn)->text().startsWith(QLatin1String("numbers")),
                 qPrintable(table->item(0, ui::TunerPanel::GuardColumn)->text()));
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

    void semanticPrefsRoundTripStrictMatchingAndRefusals()
    {
        semantic::SemanticSettings settings;
        settings.strict = StrictMatching::Never;
        settings.modelStrict.insert(QStringLiteral("gpt-4o"), StrictMatching::Always);
        settings.refusalRules = {RefusalRule{{QStringLiteral("remove")}, {QStringLiteral("delete")}},
                                 RefusalRule{{QStringLiteral("java")}, {}},
                                 RefusalRule{{QStringLiteral("old"), QStringLiteral("big")},
                                             {QStringLiteral("new")}}};
        ui::SemanticPrefs prefs;
        prefs.setSettings(settings);
        prefs.save(*openSettings());
        const ui::SemanticPrefs loaded = ui::SemanticPrefs::load(*openSettings());
        QVERIFY(loaded == prefs);
        QCOMPARE(loaded.strict, StrictMatching::Never);
        QCOMPARE(loaded.modelStrict.value(QStringLiteral("gpt-4o")), StrictMatching::Always);
        QCOMPARE(loaded.refusalRules, settings.refusalRules);
        // Readable in the .ini: the rules as their text.
        QVERIFY2(openSettings()->value(QStringLiteral("semantic/refusalRules")).toString()
                     .contains(QLatin1String("remove | delete")),
                 qPrintable(openSettings()->value(QStringLiteral("semantic/refusalRules")).toString()));
        // What the engine starts with.
        const EngineConfig next = ui::AppSettings::load(*openSettings()).toEngineConfig();
        QCOMPARE(next.semantic.settings.strict, StrictMatching::Never);
        QCOMPARE(next.semantic.settings.modelStrict, settings.modelStrict);
        QCOMPARE(next.semantic.settings.refusalRules, settings.refusalRules);
    }

    void strictMatchingAppliesToTheEngineAndPersists()
    {
        ThresholdsView view(m_host.get());
        view.show();
        auto *strict = view.findChild<QComboBox *>(QStringLiteral("strictMatching"));
        QVERIFY(strict);
        QCOMPARE(strict->count(), 3);
        QCOMPARE(strict->currentText(), QStringLiteral("For requests with tools (recommended)"));
        auto *apply = view.findChild<QPushButton *>(QStringLiteral("applyThresholds"));
        QVERIFY(!apply->isEnabled());
        QVERIFY(!m_host->explain(QStringLiteral("delete the temp files"),
                                 QStringLiteral("gpt-4o-mini")).strict);   // no tools

        strict->setCurrentIndex(strict->findText(QStringLiteral("Always")));
        QVERIFY(view.editor()->hasChanges());
        QVERIFY(apply->isEnabled());
        QCOMPARE(m_host->semanticSettings().strict, StrictMatching::WithTools);   // not yet
        apply->click();
        QCOMPARE(m_host->semanticSettings().strict, StrictMatching::Always);
        QVERIFY(!apply->isEnabled());
        QVERIFY(m_host->explain(QStringLiteral("delete the temp files"),
                                QStringLiteral("gpt-4o-mini")).strict);
        QCOMPARE(ui::SemanticPrefs::load(*openSettings()).strict, StrictMatching::Always);
        QCOMPARE(ui::AppSettings::load(*openSettings()).toEngineConfig().semantic.settings.strict,
                 StrictMatching::Always);

        // Revert drops an unapplied choice.
        strict->setCurrentIndex(strict->findText(QStringLiteral("Never")));
        QVERIFY(apply->isEnabled());
        view.findChild<QPushButton *>(QStringLiteral("revertThresholds"))->click();
        QCOMPARE(strict->currentText(), QStringLiteral("Always"));
        QCOMPARE(m_host->semanticSettings().strict, StrictMatching::Always);

        // A new page shows what the engine runs with.
        ThresholdsView again(m_host.get());
        QCOMPARE(again.findChild<QComboBox *>(QStringLiteral("strictMatching"))->currentText(),
                 QStringLiteral("Always"));
    }

    void perModelStrictMatching()
    {
        ThresholdsView view(m_host.get());
        view.show();
        auto *model = view.findChild<QComboBox *>(QStringLiteral("overrideModel"));
        auto *strict = view.findChild<QComboBox *>(QStringLiteral("overrideStrict"));
        auto *save = view.findChild<QPushButton *>(QStringLiteral("saveOverride"));
        auto *error = view.findChild<QLabel *>(QStringLiteral("overrideError"));
        auto *table = view.findChild<QTableWidget *>(QStringLiteral("overridesTable"));
        QVERIFY(strict);
        QVERIFY(strict->findText(QStringLiteral("As the default")) >= 0);

        view.findChild<QPushButton *>(QStringLiteral("addOverride"))->click();
        QCOMPARE(strict->currentText(), QStringLiteral("As the default"));
        model->setCurrentText(QStringLiteral("gpt-4o"));
        save->click();   // nothing set: refused
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QLatin1String("changes nothing")), qPrintable(error->text()));
        strict->setCurrentIndex(strict->findText(QStringLiteral("Never")));
        save->click();   // strict alone is an override
        QVERIFY(!error->isVisible());
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("gpt-4o"));
        QCOMPARE(table->item(0, 3)->text(), QStringLiteral("never"));
        QVERIFY(table->item(0, 1)->text().startsWith(QLatin1String("default")));
        QVERIFY(m_host->semanticSettings().modelStrict.isEmpty());   // only after Apply

        view.findChild<QPushButton *>(QStringLiteral("applyThresholds"))->click();
        const semantic::SemanticSettings running = m_host->semanticSettings();
        QCOMPARE(running.modelStrict.value(QStringLiteral("gpt-4o")), StrictMatching::Never);
        QVERIFY(!running.isStrictFor(QStringLiteral("gpt-4o"), true));
        QVERIFY(running.isStrictFor(QStringLiteral("gpt-4o-mini"), true));
        QCOMPARE(ui::SemanticPrefs::load(*openSettings()).modelStrict.value(QStringLiteral("gpt-4o")),
                 StrictMatching::Never);

        // Edit shows the model's choice; back to the default with a threshold of its own.
        table->selectRow(0);
        view.findChild<QPushButton *>(QStringLiteral("editOverride"))->click();
        QCOMPARE(strict->currentText(), QStringLiteral("Never"));
        strict->setCurrentIndex(strict->findText(QStringLiteral("As the default")));
        view.findChild<QLineEdit *>(QStringLiteral("overrideThreshold"))->setText(QStringLiteral("0.9"));
        save->click();
        QCOMPARE(table->item(0, 3)->text(), QStringLiteral("default"));
        view.findChild<QPushButton *>(QStringLiteral("applyThresholds"))->click();
        QVERIFY(m_host->semanticSettings().modelStrict.isEmpty());
        QVERIFY(ui::SemanticPrefs::load(*openSettings()).modelStrict.isEmpty());
    }

    // "delete the temp files" answered "remove the temp files": synonyms, so the verifier
    // accepts them unless strict. Marking the hit wrong deletes the answer and teaches the
    // verifier remove ≠ delete (no threshold is offered: the rule tells them apart).
    void wrongHitDeletesTheEntryAndTeachesARefusal()
    {
        semantic::SemanticSettings loose = m_host->semanticSettings();
        loose.threshold = 0.6f;
        m_host->setSemanticSettings(loose);
        chat(QStringLiteral("delete the temp files"));
        QCOMPARE(chat(QStringLiteral("remove the temp files")), QByteArray("semantic-hit"));
        m_host->flush();

        ThresholdsView view(m_host.get());
        view.show();
        // An unapplied change: the form then holds the settings from before the rule.
        view.findChild<QDoubleSpinBox *>(QStringLiteral("globalThresholdSpin"))->setValue(0.7);
        view.tabs()->setCurrentIndex(ThresholdsView::HitsTab);
        auto *table = view.hits()->table();
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 3)->text(), QStringLiteral("remove the temp files"));
        QCOMPARE(table->item(0, 4)->text(), QStringLiteral("delete the temp files"));
        QSignalSpy removed(m_host.get(), &EngineHost::entriesRemoved);
        table->selectRow(0);
        view.findChild<QPushButton *>(QStringLiteral("wrongHit"))->click();
        QTRY_COMPARE(removed.count(), 1);
        store::EntryCatalog catalog;
        QVERIFY(catalog.open(m_host->databasePath()));
        QCOMPARE(catalog.count({}), 0);

        const RefusalRule rule{{QStringLiteral("remove")}, {QStringLiteral("delete")}};
        QCOMPARE(m_host->semanticSettings().refusalRules, QList<RefusalRule>{rule});
        QCOMPARE(ui::SemanticPrefs::load(*openSettings()).refusalRules, QList<RefusalRule>{rule});
        auto *suggestion = view.findChild<QLabel *>(QStringLiteral("wrongHitSuggestion"));
        QTRY_VERIFY(suggestion->isVisible());
        QVERIFY2(suggestion->text().contains(QStringLiteral("learned: remove ≠ delete")),
                 qPrintable(suggestion->text()));
        QVERIFY(!view.findChild<QPushButton *>(QStringLiteral("useSuggestedThreshold"))->isVisible());

        auto *list = view.findChild<QListWidget *>(QStringLiteral("refusalRules"));
        QVERIFY(list);
        QCOMPARE(list->count(), 1);
        QCOMPARE(list->item(0)->text(), QStringLiteral("remove ≠ delete"));

        // The engine refuses the same pair now, though the threshold would let it through.
        chat(QStringLiteral("delete the temp files"));   // the deleted answer, asked again
        m_host->flush();
        const semantic::Decision decision = m_host->explain(QStringLiteral("remove the temp files"),
                                                            QStringLiteral("gpt-4o-mini"));
        QCOMPARE(decision.outcome, semantic::Decision::Outcome::Refused);
        QCOMPARE(decision.guard, semantic::Guard::Learned);
        QCOMPARE(chat(QStringLiteral("remove the temp files")), QByteArray("miss"));

        // Applying that form keeps the rule learned meanwhile.
        view.tabs()->setCurrentIndex(ThresholdsView::EditorTab);
        QCOMPARE(list->count(), 1);
        QVERIFY(view.editor()->hasChanges());
        view.findChild<QPushButton *>(QStringLiteral("applyThresholds"))->click();
        QVERIFY(qAbs(m_host->semanticSettings().threshold - 0.7f) < 1e-4);
        QCOMPARE(m_host->semanticSettings().refusalRules, QList<RefusalRule>{rule});
        QCOMPARE(ui::SemanticPrefs::load(*openSettings()).refusalRules, QList<RefusalRule>{rule});
    }

    void removingALearnedRefusalLetsThePairMatchAgain()
    {
        const RefusalRule rule{{QStringLiteral("remove")}, {QStringLiteral("delete")}};
        const RefusalRule java{{QStringLiteral("java")}, {}};
        semantic::SemanticSettings settings = m_host->semanticSettings();
        settings.threshold = 0.6f;
        settings.refusalRules = {rule, java};
        m_host->setSemanticSettings(settings);
        ui::SemanticPrefs prefs;
        prefs.setSettings(settings);
        prefs.save(*openSettings());
        chat(QStringLiteral("delete the temp files"));
        m_host->flush();
        QCOMPARE(m_host->explain(QStringLiteral("remove the temp files"),
                                 QStringLiteral("gpt-4o-mini")).guard, semantic::Guard::Learned);

        ThresholdsView view(m_host.get());
        view.show();
        auto *list = view.findChild<QListWidget *>(QStringLiteral("refusalRules"));
        auto *remove = view.findChild<QPushButton *>(QStringLiteral("removeRefusalRule"));
        QVERIFY(list);
        QVERIFY(remove);
        QCOMPARE(list->count(), 2);
        QCOMPARE(list->item(0)->text(), QStringLiteral("remove ≠ delete"));
        QCOMPARE(list->item(1)->text(), QStringLiteral("must not be left out: java"));
        QVERIFY(!remove->isEnabled());   // nothing selected
        list->setCurrentRow(0);
        QVERIFY(remove->isEnabled());
        remove->click();

        QCOMPARE(list->count(), 1);
        QCOMPARE(list->item(0)->text(), QStringLiteral("must not be left out: java"));
        QVERIFY(!remove->isEnabled());   // the next rule is not selected for another click
        QCOMPARE(m_host->semanticSettings().refusalRules, QList<RefusalRule>{java});
        QCOMPARE(ui::SemanticPrefs::load(*openSettings()).refusalRules, QList<RefusalRule>{java});
        QVERIFY(!view.editor()->hasChanges());   // applied at once, not an unapplied form change
        QCOMPARE(m_host->explain(QStringLiteral("remove the temp files"),
                                 QStringLiteral("gpt-4o-mini")).outcome,
                 semantic::Decision::Outcome::Hit);
        QCOMPARE(chat(QStringLiteral("remove the temp files")), QByteArray("semantic-hit"));
    }

private:
    // Sends prompt through the proxy; returns its X-Cachette ("miss", "hit", "semantic-hit").
    QByteArray chat(const QString &prompt)
    {
        ProxyClient client(rootOf(m_host->baseUrl()));
        const HttpResult result = client.post(QStringLiteral("/v1/chat/completions"),
                                              chatRequest(prompt));
        if (result.status != 200)   // fails the test, which then stops at the next check
            QTest::qFail(qPrintable(result.describe()), __FILE__, __LINE__);
        return result.status == 200 ? result.header("X-Cachette") : QByteArray();
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
