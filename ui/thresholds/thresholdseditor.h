#pragma once

#include "semantic/semanticsettings.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace cachette::ui {

class EngineHost;
class RefusalRulesPanel;
class ThresholdControl;

// The Thresholds tab: the default threshold, the guards, strict matching and per-model
// overrides, applied to the engine with Apply (and saved) or dropped with Revert; and the
// learned refusals, which apply as soon as they change.
class ThresholdsEditor : public QWidget
{
    Q_OBJECT
public:
    explicit ThresholdsEditor(EngineHost *host, QWidget *parent = nullptr);

    bool hasChanges() const;
    bool apply();    // to the engine and the settings file
    void revert();   // back to what the engine runs with
    // One model's threshold, as "Use it" after a wrong hit does: set and applied at once.
    void useModelThreshold(const QString &model, float threshold);
    void setKnownModels(const QStringList &models);
    RefusalRulesPanel *refusalRules() const { return m_rules; }

Q_SIGNALS:
    void applied(const cachette::semantic::SemanticSettings &settings);

private:
    QWidget *buildDefaultGroup();
    QWidget *buildGuardsGroup();
    QWidget *buildStrictGroup();
    QWidget *buildOverridesGroup();
    QWidget *buildOverrideForm();
    QWidget *buildButtons();
    void showSettings(const semantic::SemanticSettings &settings);
    void fillOverrides();
    void readGuards();
    void startOverride(const QString &model);
    bool saveOverride();
    void removeOverride();
    void closeOverrideForm();
    QString selectedModel() const;
    void updateButtons();

    EngineHost *m_host;
    semantic::SemanticSettings m_form;
    bool m_showing = false;
    ThresholdControl *m_threshold = nullptr;
    QCheckBox *m_numbers = nullptr;
    QCheckBox *m_negation = nullptr;
    QCheckBox *m_literals = nullptr;
    QComboBox *m_strict = nullptr;
    QTableWidget *m_overrides = nullptr;
    QPushButton *m_edit = nullptr;
    QPushButton *m_remove = nullptr;
    QWidget *m_overrideForm = nullptr;
    QComboBox *m_overrideModel = nullptr;
    QLineEdit *m_overrideThreshold = nullptr;
    QCheckBox *m_overrideWhole = nullptr;
    QComboBox *m_overrideStrict = nullptr;
    QLabel *m_overrideError = nullptr;
    QString m_editing;   // the model whose override the form edits ("" when adding)
    QPushButton *m_apply = nullptr;
    QPushButton *m_revert = nullptr;
    QLabel *m_status = nullptr;
    RefusalRulesPanel *m_rules = nullptr;
};

} // namespace cachette::ui
