#include "routesgroup.h"

#include "engineconfig.h"
#include "formlabels.h"
#include "proxy/routetable.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <utility>

namespace cachette::ui {
namespace {

enum Column { NameColumn, UrlColumn };
constexpr int kBuiltInRole = Qt::UserRole + 1;

} // namespace

RoutesGroup::RoutesGroup(QWidget *parent)
    : QGroupBox(QStringLiteral("Provider routes"), parent)
{
    setObjectName(QStringLiteral("routesGroup"));
    m_note = new QLabel;
    m_note->setWordWrap(true);
    m_table = new QTableWidget(0, 2);
    m_table->setObjectName(QStringLiteral("routesTable"));
    m_table->setHorizontalHeaderLabels({QStringLiteral("Route"), QStringLiteral("Relayed to")});
    m_table->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(UrlColumn, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setMinimumHeight(m_table->verticalHeader()->defaultSectionSize() * 7);
    m_add = new QPushButton(QStringLiteral("Add route"));
    m_add->setObjectName(QStringLiteral("addRoute"));
    m_remove = new QPushButton(QStringLiteral("Remove"));
    m_remove->setObjectName(QStringLiteral("removeRoute"));
    m_error = makeErrorLabel(QStringLiteral("routesError"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_note);
    layout->addWidget(m_table);
    layout->addLayout(buttons);
    layout->addWidget(m_error);

    connect(m_add, &QPushButton::clicked, this, &RoutesGroup::addRoute);
    connect(m_remove, &QPushButton::clicked, this, &RoutesGroup::removeOrReset);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &RoutesGroup::updateButtons);
    connect(m_table, &QTableWidget::itemChanged, this, [this] {
        if (!m_loading)
            Q_EMIT edited();
    });
    setRootUrl(QStringLiteral("http://127.0.0.1:8787"));
    load({});
}

void RoutesGroup::setRootUrl(const QString &rootUrl)
{
    m_note->setText(QStringLiteral("Besides %1/v1, clients reach each provider at %1/<i>route</i>/v1, "
                                   "so one Cachette serves Claude Code (%1/anthropic) and Codex "
                                   "(%1/openai/v1) at once. Answers are cached per route.")
                        .arg(rootUrl.toHtmlEscaped()));
}

void RoutesGroup::load(const QMap<QString, QUrl> &userRoutes)
{
    m_loading = true;
    m_table->setRowCount(0);
    const auto routes = proxy::RouteTable::withOverrides(userRoutes).routes();
    for (auto it = routes.begin(); it != routes.end(); ++it)
        addRow(it.key(), it.value(), proxy::RouteTable::builtIns().contains(it.key()));
    showFieldError(m_error, QString());
    m_loading = false;
    updateButtons();
}

void RoutesGroup::addRow(const QString &name, const QUrl &url, bool builtIn)
{
    const bool wasLoading = std::exchange(m_loading, true);   // setItem() signals itemChanged
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    auto *nameItem = new QTableWidgetItem(name);
    nameItem->setData(kBuiltInRole, builtIn);
    if (builtIn) {   // a built-in keeps its name: agents' setups (and the README) use it
        nameItem->setFlags(nameItem->flags() & ~Qt::ItemIsEditable);
        nameItem->setToolTip(QStringLiteral("Built in: its URL can be changed, Remove restores it"));
    }
    m_table->setItem(row, NameColumn, nameItem);
    m_table->setItem(row, UrlColumn, new QTableWidgetItem(url.toString()));
    m_loading = wasLoading;
}

void RoutesGroup::addRoute()
{
    addRow(QString(), QUrl(), false);
    const int row = m_table->rowCount() - 1;
    m_table->setCurrentCell(row, NameColumn);
    m_table->editItem(m_table->item(row, NameColumn));
    Q_EMIT edited();
}

void RoutesGroup::removeOrReset()
{
    const int row = m_table->currentRow();
    if (row < 0)
        return;
    if (isBuiltInRow(row)) {
        const QString name = m_table->item(row, NameColumn)->text();
        m_table->item(row, UrlColumn)->setText(proxy::RouteTable::builtIns().value(name).toString());
    } else {
        m_table->removeRow(row);
    }
    Q_EMIT edited();
}

void RoutesGroup::updateButtons()
{
    const int row = m_table->currentRow();
    m_remove->setEnabled(row >= 0 && !m_table->selectedItems().isEmpty());
    m_remove->setText(row >= 0 && isBuiltInRow(row) ? QStringLiteral("Restore URL")
                                                    : QStringLiteral("Remove"));
}

bool RoutesGroup::isBuiltInRow(int row) const
{
    const QTableWidgetItem *item = m_table->item(row, NameColumn);
    return item && item->data(kBuiltInRole).toBool();
}

bool RoutesGroup::read(QMap<QString, QUrl> *userRoutes)
{
    QMap<QString, QUrl> routes;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const QString name = m_table->item(row, NameColumn)->text().trimmed();
        const QUrl url(m_table->item(row, UrlColumn)->text().trimmed());
        QString error;
        if (name.isEmpty() && url.isEmpty())
            continue;   // an added row left blank
        if (!validateRoute(name, url, &error)) {
            showFieldError(m_error, error);
            return false;
        }
        if (routes.contains(name)) {
            showFieldError(m_error, QStringLiteral("the route \"%1\" is listed twice").arg(name));
            return false;
        }
        routes.insert(name, url);
    }
    userRoutes->clear();
    for (auto it = routes.begin(); it != routes.end(); ++it) {
        if (proxy::RouteTable::builtIns().value(it.key()) != it.value())
            userRoutes->insert(it.key(), it.value());
    }
    showFieldError(m_error, QString());
    return true;
}

} // namespace cachette::ui
