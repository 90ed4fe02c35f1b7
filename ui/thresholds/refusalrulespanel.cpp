#include "refusalrulespanel.h"

#include "settings/formlabels.h"
#include "host/enginehost.h"
#include "common/appsettings.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace cachette::ui {

namespace {

QString words(const QStringList &side)
{
    return side.join(QStringLiteral(", "));
}

} // namespace

QString refusalRuleText(const semantic::RefusalRule &rule)
{
    if (rule.left.isEmpty() || rule.right.isEmpty())
        return QStringLiteral("must not be left out: %1").arg(words(rule.left + rule.right));
    return QStringLiteral("%1 ≠ %2").arg(words(rule.left), words(rule.right));
}

void setRefusalRules(EngineHost *host, const QList<semantic::RefusalRule> &rules)
{
    semantic::SemanticSettings settings = host->semanticSettings();
    settings.refusalRules = rules;
    host->setSemanticSettings(settings);
    const auto file = openSettings();
    SemanticPrefs prefs = SemanticPrefs::load(*file);
    prefs.refusalRules = rules;
    prefs.save(*file);
}

bool learnRefusal(EngineHost *host, const semantic::RefusalRule &rule)
{
    QList<semantic::RefusalRule> rules = host->semanticSettings().refusalRules;
    if (rule.isEmpty() || rules.contains(rule))
        return false;
    rules.append(rule);
    setRefusalRules(host, rules);
    return true;
}

RefusalRulesPanel::RefusalRulesPanel(EngineHost *host, QWidget *parent)
    : QGroupBox(QStringLiteral("Learned refusals"), parent)
    , m_host(host)
{
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("refusalRules"));
    m_list->setAlternatingRowColors(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setMinimumHeight(80);
    m_empty = makeHintLabel(QStringLiteral("None yet."));
    m_empty->setObjectName(QStringLiteral("refusalRulesEmpty"));
    m_remove = new QPushButton(QStringLiteral("Remove"));
    m_remove->setObjectName(QStringLiteral("removeRefusalRule"));
    m_remove->setToolTip(QStringLiteral("Forget this rule: such pairs may match again at once"));

    auto *buttons = new QHBoxLayout;   // where the overrides' buttons are, above
    buttons->addWidget(m_remove);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(makeHintLabel(QStringLiteral(
        "Taught by \"Wrong hit\" on Recent semantic hits: two prompts that differ only by these "
        "words never share an answer. Removing one takes effect at once.")));
    layout->addWidget(m_empty);
    layout->addWidget(m_list, 1);
    layout->addLayout(buttons);

    connect(m_list, &QListWidget::itemSelectionChanged, this, &RefusalRulesPanel::updateButtons);
    connect(m_remove, &QPushButton::clicked, this, &RefusalRulesPanel::removeSelected);
    reload();
}

void RefusalRulesPanel::reload()
{
    // The selection follows its rule; none after a removal, so Remove never takes the next one.
    const int row = m_list->currentRow();
    const semantic::RefusalRule selected =
        m_list->selectedItems().isEmpty() ? semantic::RefusalRule() : m_rules.value(row);
    m_rules = m_host->semanticSettings().refusalRules;
    m_list->clear();
    for (const semantic::RefusalRule &rule : std::as_const(m_rules)) {
        auto *item = new QListWidgetItem(refusalRuleText(rule));
        item->setSizeHint(QSize(0, m_list->fontMetrics().height() + 12));   // as the tables' rows
        item->setToolTip(rule.left.isEmpty() || rule.right.isEmpty()
            ? QStringLiteral("Refuses a match when one prompt has these words and the other "
                             "does not")
            : QStringLiteral("Refuses a match when one prompt says \"%1\" where the other says "
                             "\"%2\"").arg(words(rule.left), words(rule.right)));
        m_list->addItem(item);
    }
    if (!selected.isEmpty() && m_rules.contains(selected))
        m_list->setCurrentRow(int(m_rules.indexOf(selected)));
    m_empty->setVisible(m_rules.isEmpty());
    m_list->setVisible(!m_rules.isEmpty());
    m_remove->setVisible(!m_rules.isEmpty());
    // Empty, it is two lines: it leaves the column's height to the overrides above.
    setSizePolicy(QSizePolicy::Preferred,
                  m_rules.isEmpty() ? QSizePolicy::Maximum : QSizePolicy::Preferred);
    updateButtons();
}

void RefusalRulesPanel::removeSelected()
{
    const int row = m_list->currentRow();
    if (row < 0 || row >= m_rules.size() || m_list->selectedItems().isEmpty())
        return;
    QList<semantic::RefusalRule> rules = m_host->semanticSettings().refusalRules;
    rules.removeAll(m_rules.at(row));
    setRefusalRules(m_host, rules);
    reload();
    Q_EMIT rulesChanged();
}

void RefusalRulesPanel::updateButtons()
{
    m_remove->setEnabled(!m_list->selectedItems().isEmpty());
}

} // namespace cachette::ui
