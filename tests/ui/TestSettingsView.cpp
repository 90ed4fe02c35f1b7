// SettingsView: wrong fields are explained in words under them; a valid change applies at once.

#include "engine/enginehost.h"
#include "pricing/pricebook.h"
#include "settings/appsettings.h"
#include "settings/settingsview.h"
#include "uitest.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
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

private:
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
