#include "entryactions.h"

#include "common/format.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QToolButton>

#include <algorithm>

namespace cachette::ui {

namespace {

QToolButton *actionButton(QAction *action)
{
    auto *b = new QToolButton;
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    b->setAutoRaise(true);
    return b;
}

QToolButton *menuButton(const QString &text, const QString &name, const QList<QAction *> &actions)
{
    auto *b = new QToolButton;
    b->setObjectName(name);
    b->setText(text);
    b->setPopupMode(QToolButton::InstantPopup);
    b->setAutoRaise(true);
    auto *menu = new QMenu(b);
    menu->addActions(actions);
    b->setMenu(menu);
    return b;
}

// A menu button is usable while one of its actions is.
void enableByMenu(QToolButton *button)
{
    if (!button)
        return;
    const QList<QAction *> actions = button->menu()->actions();
    button->setEnabled(std::any_of(actions.begin(), actions.end(),
                                   [](const QAction *a) { return a->isEnabled(); }));
}

} // namespace

EntryActions::EntryActions(QWidget *table, QObject *parent)
    : QObject(parent)
    , m_table(table)
    , m_pin(make(QStringLiteral("Pin"), QStringLiteral("pinAction")))
    , m_copyCurl(make(QStringLiteral("Copy as curl"), QStringLiteral("copyCurlAction")))
    , m_exportSelected(make(QStringLiteral("Export selected…"), QStringLiteral("exportSelectedAction")))
    , m_exportMatching(make(QStringLiteral("Export all matching…"), QStringLiteral("exportMatchingAction")))
    , m_deleteSelected(make(QStringLiteral("Delete selected…"), QStringLiteral("deleteAction")))
    , m_deleteMatching(make(QStringLiteral("Delete all matching…"), QStringLiteral("deleteMatchingAction")))
{
    m_pin->setIcon(format::pinIcon());
    m_pin->setToolTip(QStringLiteral("Pinned answers are never evicted to make room"));
    const std::pair<QAction *, QKeySequence> shortcuts[] = {
        {m_pin, QKeySequence(Qt::CTRL | Qt::Key_P)},
        {m_copyCurl, QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C)},
        {m_deleteSelected, QKeySequence(QKeySequence::Delete)},
    };
    for (const auto &[action, keys] : shortcuts) {
        action->setShortcut(keys);
        action->setShortcutContext(Qt::WidgetShortcut);   // the table's keys, not the search box's
        m_table->addAction(action);
    }
}

QAction *EntryActions::make(const QString &text, const QString &name)
{
    auto *action = new QAction(text, this);
    action->setObjectName(name);
    return action;
}

QWidget *EntryActions::buildBar(QLabel *count)
{
    m_exportButton = menuButton(QStringLiteral("Export"), QStringLiteral("exportButton"),
                                { m_exportSelected, m_exportMatching });
    m_deleteButton = menuButton(QStringLiteral("Delete"), QStringLiteral("deleteButton"),
                                { m_deleteSelected, m_deleteMatching });
    auto *bar = new QWidget;
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(count, 1);
    layout->addWidget(actionButton(m_pin));
    layout->addWidget(actionButton(m_copyCurl));
    layout->addWidget(m_exportButton);
    layout->addWidget(m_deleteButton);
    return bar;
}

void EntryActions::fillMenu(QMenu *menu) const
{
    menu->addActions({ m_pin, m_copyCurl });
    menu->addSeparator();
    menu->addActions({ m_exportSelected, m_exportMatching });
    menu->addSeparator();
    menu->addActions({ m_deleteSelected, m_deleteMatching });
}

void EntryActions::update(int selected, bool allPinned, qint64 matching, bool hasCurrent)
{
    m_pin->setEnabled(selected > 0);
    m_pin->setText(allPinned ? QStringLiteral("Unpin") : QStringLiteral("Pin"));
    m_deleteSelected->setEnabled(selected > 0);
    m_exportSelected->setEnabled(selected > 0);
    m_deleteMatching->setEnabled(matching > 0);
    m_exportMatching->setEnabled(matching > 0);
    m_copyCurl->setEnabled(hasCurrent);
    enableByMenu(m_exportButton);
    enableByMenu(m_deleteButton);
    m_deleteSelected->setText(selected > 1
                                  ? QStringLiteral("Delete %1 selected…").arg(format::count(selected))
                                  : QStringLiteral("Delete selected…"));
    m_deleteMatching->setText(QStringLiteral("Delete all %1 matching…").arg(format::count(matching)));
}

} // namespace cachette::ui
