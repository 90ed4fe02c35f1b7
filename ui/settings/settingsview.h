#pragma once

#include "common/appsettings.h"
#include "pricing/modelprice.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;

namespace cachette::ui {

class CacheGroup;
class EmbedderGroup;
class EngineHost;
class ModelCheckGroup;
class PriceTableEditor;
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
    QWidget *buildAccessGroup();
    QWidget *buildButtonBar();
    void addRow(QFormLayout *form, const QString &label, QWidget *field);

    void load(const AppSettings &settings);
    bool readForm(SettingsForm *settings);   // validates every field, shows what is wrong
    // The engine's re-embedding and the embedder in use, as EngineHost last reported them.
    SemanticPrefs savedSemantic() const;
    void showFormError(const QString &error);
    void showApplied();
    void onEdited();
    void onPresetChosen(int index);
    void selectPresetFor(const QString &url);

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
    CacheGroup *m_cache;
    QLineEdit *m_origins;
    QLabel *m_originsError;
    PriceTableEditor *m_prices;
    QList<pricing::ModelPrice> m_savedPrices;
    EmbedderGroup *m_embedder;
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
