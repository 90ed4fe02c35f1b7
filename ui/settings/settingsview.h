#pragma once

#include "appsettings.h"
#include "pricing/modelprice.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace cachette::pricing {
class OpenRouterPriceUpdate;
}

namespace cachette::ui {

class EngineHost;
class ModelCheckGroup;
class RoutesGroup;

// The Settings page: every field says what is wrong with it, in words, right under it.
// Apply saves the settings and hands them to the engine at once (a new port restarts the
// listener); nothing needs a restart.
class SettingsView : public QWidget
{
    Q_OBJECT
public:
    explicit SettingsView(EngineHost *host, QWidget *parent = nullptr);

    // Flags given on the command line override the saved settings for this run; say so.
    void setCommandLineOverrides(const QStringList &flags);

    AppSettings savedSettings() const { return m_saved; }
    bool apply();    // false when a field is invalid or the engine refused the configuration
    void revert();   // back to the saved settings

Q_SIGNALS:
    void applied(const cachette::ui::AppSettings &settings);

private:
    struct Upstream
    {
        QString name;
        QString url;
    };
    static QList<Upstream> presets();

    QWidget *buildProxyGroup();
    QWidget *buildCacheGroup();
    QWidget *buildAccessGroup();
    QWidget *buildPricesGroup();
    QWidget *buildEmbeddingsGroup();
    QWidget *buildButtonBar();
    void addRow(QFormLayout *form, const QString &label, QWidget *field);

    void load(const AppSettings &settings);
    bool readForm(AppSettings *settings);   // validates every field, shows what is wrong
    // The price table, validated (non-negative numbers, a model name); false shows why.
    bool readPrices(QList<pricing::ModelPrice> *prices);
    void loadPrices(const QList<pricing::ModelPrice> &prices);
    void addPriceRow(const pricing::ModelPrice &price);
    void updatePricesFromOpenRouter();
    void mergePrices(const QList<pricing::ModelPrice> &fetched);
    // The embedder choice, validated; *url empty for the built-in embedder.
    bool readEmbeddings(QUrl *url, QString *model);
    void loadEmbeddings(const QUrl &url, const QString &model);
    // The engine's re-embedding and the embedder in use, as EngineHost last reported them.
    SemanticPrefs savedSemantic() const;
    void showFormError(const QString &error);
    void showApplied();
    void onEdited();
    void onPresetChosen(int index);
    void selectPresetFor(const QString &url);
    void setTtl(qint64 seconds);
    qint64 ttlSeconds() const;

    EngineHost *m_host;
    AppSettings m_saved;
    QLabel *m_overrideNote;
    QLineEdit *m_listen;
    QLabel *m_listenError;
    QLabel *m_listenHint;
    QComboBox *m_preset;
    QLineEdit *m_upstream;
    QLabel *m_upstreamError;
    QCheckBox *m_startProxy;
    QCheckBox *m_startAtLogin;
    QSpinBox *m_sizeCap;        // MiB
    QSpinBox *m_ttl;
    QComboBox *m_ttlUnit;       // seconds per unit in itemData
    QCheckBox *m_isolate;
    QLineEdit *m_origins;
    QLabel *m_originsError;
    QTableWidget *m_prices;
    QLabel *m_pricesError;
    QLabel *m_pricesStatus;
    QPushButton *m_updatePrices;
    pricing::OpenRouterPriceUpdate *m_priceUpdate = nullptr;   // made on first use
    QList<pricing::ModelPrice> m_savedPrices;
    QComboBox *m_embedder;
    QLineEdit *m_embeddingsUrl;
    QLineEdit *m_embeddingsModel;
    QLabel *m_embeddingsError;
    ModelCheckGroup *m_modelCheck;
    RoutesGroup *m_routes;
    QLabel *m_formError;
    QLabel *m_appliedNote;
    QPushButton *m_revert;
    QPushButton *m_apply;
    int m_labelWidth = 0;
    bool m_loading = false;
};

} // namespace cachette::ui
