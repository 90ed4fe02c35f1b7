#pragma once

#include "semantic/matchverifier.h"

#include <QGroupBox>
#include <QList>

class QLabel;
class QListWidget;
class QPushButton;

namespace cachette::ui {

class EngineHost;

// A learned refusal as the page shows it: "remove ≠ delete", or "must not be left out: java"
// for a rule with one side.
QString refusalRuleText(const semantic::RefusalRule &rule);

// Learned refusals are not part of the Apply / Revert form: each change reaches the engine and
// the settings file at once (the other saved semantic prefs are left as they are).
void setRefusalRules(EngineHost *host, const QList<semantic::RefusalRule> &rules);
// Adds rule unless it is empty or already known; true when it was added.
bool learnRefusal(EngineHost *host, const semantic::RefusalRule &rule);

// "Learned refusals" on the Thresholds tab: the rules "Wrong hit" taught, one a row, and Remove.
class RefusalRulesPanel : public QGroupBox
{
    Q_OBJECT
public:
    explicit RefusalRulesPanel(EngineHost *host, QWidget *parent = nullptr);

    void reload();   // from the engine's settings
    QListWidget *list() const { return m_list; }
    void removeSelected();

Q_SIGNALS:
    void rulesChanged();

private:
    void updateButtons();

    EngineHost *m_host;
    QList<semantic::RefusalRule> m_rules;   // as listed
    QListWidget *m_list = nullptr;
    QLabel *m_empty = nullptr;
    QPushButton *m_remove = nullptr;
};

} // namespace cachette::ui
