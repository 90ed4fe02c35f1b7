// SettingsView: wrong fields are explained in words under them; a valid change applies at once.

#include "host/enginehost.h"
#include "pricing/pricebook.h"
#include "semantic/modelcheck.h"
#include "common/appsettings.h"
#include "settings/settingsview.h"
#include "uitest.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QTableWidget>
#include <QPushButton>
#include <QScopeGuard>
#include <QSpinBox>
#include <QTableWidget>

using namespace cachette;
using namespace cachette::test;
using cachette::ui::AppSettings;
using cachette::ui::EngineHost;
using cachette::ui::SettingsView;

class TestSettingsView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        ui::openSettings()->clear();   // every test starts from the defaults
        QFile::remove(pricing::PriceBook::overridesPath(m_data.path()));   // and no overrides
        m_host = std::make_unique<EngineHost>();
        QVERIFY(m_host->configure(testConfig(m_data.path(), freePort())));
        m_view = std::make_unique<SettingsView>(m_host.get());
        m_view->resize(800, 600);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    }

    void cleanup()
    {
        m_view.reset();
        m_host.reset();
    }

    void defaultsAreValid()
    {
        QVERIFY(!label("listenError")->isVisible());
        QVERIFY(!label("upstreamError")->isVisible());
        QCOMPARE(edit("listenEdit")->text(), QStringLiteral("127.0.0.1:8787"));
        QCOMPARE(combo("presetCombo")->currentText(), QStringLiteral("OpenAI"));
        QVERIFY(!button("applyButton")->isEnabled());   // nothing changed yet
    }

    void badPortIsExplained()
    {
        type("listenEdit", QStringLiteral("127.0.0.1:99999"));
        QLabel *error = label("listenError");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("must be a number from 0 to 65535")),
                 qPrintable(error->text()));
        QVERIFY(error->text().at(0).isUpper());   // a sentence, not a fragment
        QVERIFY(!button("applyButton")->isEnabled());
        QVERIFY(!m_view->apply());
        QVERIFY(label("formError")->isVisible());

        type("listenEdit", QStringLiteral("8787"));
        QVERIFY2(label("listenError")->text().contains(QStringLiteral("HOST:PORT")),
                 qPrintable(label("listenError")->text()));

        type("listenEdit", QStringLiteral("127.0.0.1:8788"));
        QVERIFY(!label("listenError")->isVisible());
        QVERIFY(button("applyButton")->isEnabled());
    }

    void badUrlIsExplained()
    {
        type("upstreamEdit", QStringLiteral("ftp://api.example.com/v1"));
        QLabel *error = label("upstreamError");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("must start with http:// or https://")),
                 qPrintable(error->text()));
        QCOMPARE(combo("presetCombo")->currentText(), QStringLiteral("Custom"));
        QVERIFY(!m_view->apply());

        type("upstreamEdit", QString());
        QVERIFY2(error->text().contains(QStringLiteral("base URL")), qPrintable(error->text()));

        type("upstreamEdit", QStringLiteral("https://api.example.com/v1?x=1"));
        QVERIFY2(error->text().contains(QStringLiteral("without ? or #")), qPrintable(error->text()));
    }

    void badOriginIsExplained()
    {
        type("originsEdit", QStringLiteral("http://localhost:3000 example.com"));
        QLabel *error = label("originsError");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("\"example.com\" is not an origin")),
                 qPrintable(error->text()));
    }

    void presetFillsTheUrl()
    {
        QComboBox *presets = combo("presetCombo");
        const int openRouter = presets->findText(QStringLiteral("OpenRouter"));
        presets->setCurrentIndex(openRouter);
        Q_EMIT presets->activated(openRouter);
        QCOMPARE(edit("upstreamEdit")->text(), QStringLiteral("https://openrouter.ai/api/v1"));
    }

    void validPortChangeRestartsTheListener()
    {
        m_host->start();
        QTRY_COMPARE(m_host->state(), Engine::State::Running);
        const quint16 before = QUrl(m_host->baseUrl()).port();
        const quint16 after = freePort();

        type("listenEdit", QStringLiteral("127.0.0.1:%1").arg(after));
        QVERIFY(button("applyButton")->isEnabled());
        QTest::mouseClick(button("applyButton"), Qt::LeftButton);

        QCOMPARE(m_host->baseUrl(), QStringLiteral("http://127.0.0.1:%1/v1").arg(after));
        QCOMPARE(m_host->state(), Engine::State::Running);
        QVERIFY(healthy(m_host->baseUrl()));
        QVERIFY(!accepts(before));
        QVERIFY(!label("formError")->isVisible());
        QVERIFY(label("appliedNote")->isVisible());
        QVERIFY(!button("applyButton")->isEnabled());
        // Saved for the next launch.
        QCOMPARE(AppSettings::load(*ui::openSettings()).listen,
                 QStringLiteral("127.0.0.1:%1").arg(after));
        // What settings do not hold (the data directory) is kept.
        QCOMPARE(m_host->config().dataDir, m_data.path());
    }

    void settingsSurviveARestart()
    {
        AppSettings wanted;
        wanted.listen = QStringLiteral("127.0.0.1:9999");
        wanted.upstream = QUrl(QStringLiteral("http://127.0.0.1:11434/v1"));
        wanted.startProxyAtLaunch = false;
        wanted.sizeCapBytes = 512LL * 1024 * 1024;
        wanted.defaultTtlSeconds = 7200;
        wanted.isolateByApiKey = true;
        wanted.allowedOrigins = {QStringLiteral("http://localhost:3000"),
                                 QStringLiteral("https://example.com")};
        wanted.save(*ui::openSettings());
        QCOMPARE(AppSettings::load(*ui::openSettings()), wanted);

        wanted.allowedOrigins.clear();
        wanted.save(*ui::openSettings());
        QCOMPARE(AppSettings::load(*ui::openSettings()).allowedOrigins, QStringList());

        // The view shows them, the TTL in the largest exact unit.
        SettingsView view(m_host.get());
        QCOMPARE(view.findChild<QSpinBox *>(QStringLiteral("ttlSpin"))->value(), 2);
        QCOMPARE(view.findChild<QLineEdit *>(QStringLiteral("upstreamEdit"))->text(),
                 QStringLiteral("http://127.0.0.1:11434/v1"));
        QCOMPARE(view.findChild<QComboBox *>(QStringLiteral("presetCombo"))->currentText(),
                 QStringLiteral("Ollama"));

        const EngineConfig config = wanted.toEngineConfig(m_host->config());
        QCOMPARE(config.port, quint16(9999));
        QCOMPARE(config.defaultTtlSeconds, 7200);
        QVERIFY(config.isolateByApiKey);
        QCOMPARE(config.dataDir, m_data.path());
    }

    void startAtLoginWritesTheAutostartEntry()
    {
        const QString path = ui::autostartFilePath();
        QVERIFY(path.startsWith(qEnvironmentVariable("XDG_CONFIG_HOME")));
        QVERIFY(!QFile::exists(path));
        auto *startAtLogin = find<QCheckBox>("startAtLoginCheck");

        const QPoint box(8, startAtLogin->height() / 2);   // on the box, not the row's blank end
        QTest::mouseClick(startAtLogin, Qt::LeftButton, {}, box);
        QVERIFY(startAtLogin->isChecked());
        QVERIFY(m_view->apply());
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray entry = file.readAll();
        QVERIFY(entry.contains("[Desktop Entry]"));
        const QByteArray exec = "Exec=\"" + QFile::encodeName(QCoreApplication::applicationFilePath())
                                + "\" --hidden";
        QVERIFY2(entry.contains(exec), entry.constData());

        QTest::mouseClick(startAtLogin, Qt::LeftButton, {}, box);
        QVERIFY(m_view->apply());
        QVERIFY(!QFile::exists(path));
    }

    void priceOverrideReachesTheEngine()
    {
        QVERIFY(m_host->priceOverrides().isEmpty());
        addPrice({QStringLiteral("my-model"), QStringLiteral("1.5"), QStringLiteral("6"),
                  QStringLiteral("0.25")});
        QVERIFY(!label("pricesError")->isVisible());
        QVERIFY(button("applyButton")->isEnabled());
        QVERIFY(m_view->apply());

        pricing::ModelPrice expected;
        expected.model = QStringLiteral("my-model");
        expected.inputPerMillion = 1.5;
        expected.outputPerMillion = 6;
        expected.cachedInputPerMillion = 0.25;
        QCOMPARE(m_host->priceOverrides(), QList<pricing::ModelPrice>{expected});
        QVERIFY(!button("applyButton")->isEnabled());   // the table now equals what is saved

        pricing::PriceBook saved;
        QVERIFY(saved.loadOverrides(pricing::PriceBook::overridesPath(m_data.path())));
        QCOMPARE(saved.overrides(), QList<pricing::ModelPrice>{expected});
    }

    void negativePriceIsExplained()
    {
        addPrice({QStringLiteral("my-model"), QStringLiteral("-1"), QStringLiteral("6"),
                  QString()});
        QLabel *error = label("pricesError");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("0 or more")), qPrintable(error->text()));
        QVERIFY(!button("applyButton")->isEnabled());
        QVERIFY(!m_view->apply());
        QVERIFY(m_host->priceOverrides().isEmpty());
        QVERIFY(!QFile::exists(pricing::PriceBook::overridesPath(m_data.path())));
    }

    void endpointWithoutModelIsExplained()
    {
        combo("embedderCombo")->setCurrentIndex(1);
        type("embeddingsUrlEdit", QStringLiteral("http://127.0.0.1:11434/v1"));
        QLabel *error = label("embeddingsError");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("model")), qPrintable(error->text()));
        QVERIFY(!button("applyButton")->isEnabled());
        QVERIFY(!m_view->apply());
        QVERIFY(m_host->config().semantic.embeddingsUrl.isEmpty());
    }

    void endpointChoiceIsSaved()
    {
        combo("embedderCombo")->setCurrentIndex(1);
        type("embeddingsUrlEdit", QStringLiteral("http://127.0.0.1:11434/v1"));
        type("embeddingsModelEdit", QStringLiteral("nomic-embed-text"));
        QVERIFY(!label("embeddingsError")->isVisible());
        QVERIFY(button("applyButton")->isEnabled());
        QVERIFY(m_view->apply());

        const AppSettings saved = AppSettings::load(*ui::openSettings());
        QVERIFY(saved.semantic.prefs);
        QCOMPARE(saved.semantic.prefs->embeddingsUrl,
                 QUrl(QStringLiteral("http://127.0.0.1:11434/v1")));
        QCOMPARE(saved.semantic.prefs->embeddingsModel, QStringLiteral("nomic-embed-text"));
        QCOMPARE(m_host->config().semantic.embeddingsModel, QStringLiteral("nomic-embed-text"));
        QVERIFY(!button("applyButton")->isEnabled());

        combo("embedderCombo")->setCurrentIndex(0);   // back to the built-in one
        QVERIFY(m_view->apply());
        QVERIFY(AppSettings::load(*ui::openSettings()).semantic.prefs->embeddingsUrl.isEmpty());
        QVERIFY(m_host->config().semantic.embeddingsUrl.isEmpty());
    }

    // The model check: off until asked for, applied and saved like the rest, never its key.
    void modelCheckStartsOff()
    {
        auto *enabled = m_view->findChild<QCheckBox *>(QStringLiteral("modelCheckBox"));
        QVERIFY2(enabled, "no model check group on the page");
        QVERIFY(enabled->isVisible());
        QVERIFY(!enabled->isChecked());
        QVERIFY(!edit("modelCheckUrlEdit")->isEnabled());
        QVERIFY(!edit("modelCheckModelEdit")->isEnabled());
        QVERIFY(!label("modelCheckUrlError")->isVisible());
        QVERIFY(!label("modelCheckModelError")->isVisible());
        // It says what a check costs before anyone turns it on.
        const QString cost = label("modelCheckCost")->text();
        QVERIFY2(cost.contains(QStringLiteral("about %1 tokens").arg(semantic::kModelCheckBaseTokens))
                     && cost.contains(QStringLiteral("remembered")),
                 qPrintable(cost));
        QVERIFY(!m_host->config().semantic.modelCheck.isOn());
        QVERIFY(!button("applyButton")->isEnabled());
    }

    // The built-in routes are listed; a re-pointed built-in and an added route reach the
    // engine and the .ini, and only they (the untouched built-ins stay out of the file).
    void routesAreEditedAppliedAndSaved()
    {
        auto *table = m_view->findChild<QTableWidget *>(QStringLiteral("routesTable"));
        QVERIFY(table);
        QStringList names;
        for (int row = 0; row < table->rowCount(); ++row)
            names << table->item(row, 0)->text();
        QCOMPARE(names, (QStringList{"anthropic", "ollama", "openai", "openrouter"}));
        QVERIFY(!(table->item(0, 0)->flags() & Qt::ItemIsEditable));   // built-ins keep their name
        table->item(names.indexOf(QStringLiteral("ollama")), 1)
            ->setText(QStringLiteral("http://10.0.0.5:11434/v1"));
        QTest::mouseClick(button("addRoute"), Qt::LeftButton);
        const int added = table->rowCount() - 1;
        table->item(added, 0)->setText(QStringLiteral("Work Proxy"));
        table->item(added, 1)->setText(QStringLiteral("https://llm.example.com/v1"));
        QVERIFY(label("routesError")->isVisible());   // upper case and a space
        QVERIFY(!button("applyButton")->isEnabled());
        table->item(added, 0)->setText(QStringLiteral("work"));
        QVERIFY(!label("routesError")->isVisible());
        QVERIFY(button("applyButton")->isEnabled());
        QTest::mouseClick(button("applyButton"), Qt::LeftButton);

        const QMap<QString, QUrl> wanted{{"ollama", QUrl("http://10.0.0.5:11434/v1")},
                                         {"work", QUrl("https://llm.example.com/v1")}};
        QCOMPARE(m_host->config().routes, wanted);
        QCOMPARE(AppSettings::load(*ui::openSettings()).routes, wanted);
        QVERIFY(!button("applyButton")->isEnabled());
    }

    void modelCheckAppliesAndIsSaved()
    {
        const QUrl url(QStringLiteral("http://127.0.0.1:11434/v1"));
        QVERIFY(turnOnModelCheck(url.toString(), QStringLiteral("qwen2.5:0.5b")));
        QVERIFY(!label("modelCheckUrlError")->isVisible());
        QVERIFY(!label("modelCheckModelError")->isVisible());
        QVERIFY(button("applyButton")->isEnabled());
        QTest::mouseClick(button("applyButton"), Qt::LeftButton);
        QVERIFY(label("appliedNote")->isVisible());

        const semantic::ModelCheckConfig running = m_host->config().semantic.modelCheck;
        QVERIFY(running.isOn());
        QCOMPARE(running.baseUrl, url);
        QCOMPARE(running.model, QStringLiteral("qwen2.5:0.5b"));
        QVERIFY(!button("applyButton")->isEnabled());   // the form now equals what is saved

        // The next launch: read back from the .ini, on for the engine and in a new page.
        const AppSettings saved = AppSettings::load(*ui::openSettings());
        QVERIFY(saved.semantic.prefs);
        QCOMPARE(saved.semantic.prefs->modelCheckUrl, url);
        QCOMPARE(saved.semantic.prefs->modelCheckModel, QStringLiteral("qwen2.5:0.5b"));
        QVERIFY(saved.toEngineConfig(m_host->config()).semantic.modelCheck.isOn());
        SettingsView reopened(m_host.get());
        QVERIFY(reopened.findChild<QCheckBox *>(QStringLiteral("modelCheckBox"))->isChecked());
        QCOMPARE(reopened.findChild<QLineEdit *>(QStringLiteral("modelCheckModelEdit"))->text(),
                 QStringLiteral("qwen2.5:0.5b"));

        // Off again: off for the engine and in the file.
        clickBox(find<QCheckBox>("modelCheckBox"));
        QVERIFY(m_view->apply());
        QVERIFY(!m_host->config().semantic.modelCheck.isOn());
        QVERIFY(AppSettings::load(*ui::openSettings()).semantic.prefs->modelCheckUrl.isEmpty());
    }

    void badModelCheckUrlIsExplained()
    {
        QVERIFY(turnOnModelCheck(QStringLiteral("ftp://127.0.0.1:11434/v1"),
                                 QStringLiteral("qwen2.5:0.5b")));
        QLabel *error = label("modelCheckUrlError");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("endpoint URL"))
                     && error->text().contains(QStringLiteral("must start with http:// or https://")),
                 qPrintable(error->text()));
        QVERIFY(!label("modelCheckModelError")->isVisible());   // one thing at a time
        QVERIFY(!button("applyButton")->isEnabled());
        QVERIFY(button("revertButton")->isEnabled());   // a change all the same
        QVERIFY(!m_view->apply());
        QVERIFY(label("formError")->isVisible());
        QVERIFY(!m_host->config().semantic.modelCheck.isOn());
        QVERIFY(AppSettings::load(*ui::openSettings()).semantic.prefs->modelCheckUrl.isEmpty());

        // A key in the URL would be saved with it: refused, with where the key goes instead.
        type("modelCheckUrlEdit", QStringLiteral("http://me:sk-secret@127.0.0.1:11434/v1"));
        QVERIFY2(error->text().contains(QStringLiteral("CACHETTE_MODEL_CHECK_API_KEY")),
                 qPrintable(error->text()));
        QVERIFY(!m_view->apply());

        // A URL without a model is not enough either.
        type("modelCheckUrlEdit", QStringLiteral("http://127.0.0.1:11434/v1"));
        type("modelCheckModelEdit", QString());
        QVERIFY(!error->isVisible());
        QVERIFY(label("modelCheckModelError")->isVisible());
        QVERIFY(!m_view->apply());
        QVERIFY(!m_host->config().semantic.modelCheck.isOn());

        // Revert: off again, nothing red.
        QTest::mouseClick(button("revertButton"), Qt::LeftButton);
        QVERIFY(!find<QCheckBox>("modelCheckBox")->isChecked());
        QVERIFY(!label("modelCheckModelError")->isVisible());
        QVERIFY(!button("revertButton")->isEnabled());
    }

    void modelCheckKeyIsNeverSaved()
    {
        const QByteArray key = "sk-model-check-test-4f1e9a";
        qputenv("CACHETTE_MODEL_CHECK_API_KEY", key);
        const auto unset = qScopeGuard([] { qunsetenv("CACHETTE_MODEL_CHECK_API_KEY"); });
        QVERIFY(turnOnModelCheck(QStringLiteral("https://api.openai.com/v1"),
                                 QStringLiteral("gpt-4o-mini")));
        QVERIFY(m_view->apply());
        QCOMPARE(m_host->config().semantic.modelCheck.apiKey, key);   // the engine has it

        const QString path = ui::openSettings()->fileName();
        QFile ini(path);
        QVERIFY2(ini.open(QIODevice::ReadOnly), qPrintable(path));
        const QByteArray text = ini.readAll();
        QVERIFY2(text.contains("modelCheckModel=gpt-4o-mini"), text.constData());
        QVERIFY2(!text.contains(key), text.constData());
        for (const QString &name : ui::openSettings()->allKeys()) {   // nor an empty slot for one
            QVERIFY2(!name.contains(QLatin1String("key"), Qt::CaseInsensitive)
                         || name == QLatin1String("cache/isolateByApiKey"),
                     qPrintable(name));
        }
    }

private:
    // Ticks the model check box, then types the endpoint and model; false without the group.
    bool turnOnModelCheck(const QString &url, const QString &model)
    {
        auto *enabled = m_view->findChild<QCheckBox *>(QStringLiteral("modelCheckBox"));
        if (!enabled)
            return false;
        if (!enabled->isChecked())
            clickBox(enabled);
        type("modelCheckUrlEdit", url);
        type("modelCheckModelEdit", model);
        return enabled->isChecked();
    }

    static void clickBox(QCheckBox *box)   // on the box, not the row's blank end
    {
        QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(8, box->height() / 2));
    }

    // Add, then the cells typed in: model, input, output, cached input.
    void addPrice(const QStringList &cells)
    {
        QTest::mouseClick(button("addPriceButton"), Qt::LeftButton);
        auto *table = find<QTableWidget>("priceTable");
        const int row = table->rowCount() - 1;
        for (int column = 0; column < cells.size(); ++column)
            table->item(row, column)->setText(cells.at(column));
    }

    QLabel *label(const char *name) { return find<QLabel>(name); }
    QLineEdit *edit(const char *name) { return find<QLineEdit>(name); }
    QComboBox *combo(const char *name) { return find<QComboBox>(name); }
    QPushButton *button(const char *name) { return find<QPushButton>(name); }

    template <typename T>
    T *find(const char *name)
    {
        T *widget = m_view->findChild<T *>(QString::fromLatin1(name));
        if (!widget)
            qFatal("no %s named %s", T::staticMetaObject.className(), name);
        return widget;
    }

    void type(const char *name, const QString &text)   // as a person would: select all, type
    {
        QLineEdit *field = edit(name);
        field->setFocus();
        field->selectAll();
        QTest::keyClick(field, Qt::Key_Backspace);
        QTest::keyClicks(field, text);
    }

    QTemporaryDir m_data;
    std::unique_ptr<EngineHost> m_host;
    std::unique_ptr<SettingsView> m_view;
};

CACHETTE_UI_TEST_MAIN(TestSettingsView)
#include "TestSettingsView.moc"
