#include "pricetableeditor.h"

#include "formlabels.h"

#include "common/proxystate.h"

#include "pricing/openrouterprices.h"

#include <QHBoxLayout>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <functional>

namespace cachette::ui {

namespace {

enum PriceColumn { ModelColumn, InputColumn, OutputColumn, CachedColumn, PriceColumns };

QString priceText(double value)
{
    return QString::number(value, 'g', 15);
}

} // namespace

PriceTableEditor::PriceTableEditor(QWidget *parent)
    : QGroupBox(QStringLiteral("Prices"), parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(8);
    layout->addWidget(makeHintLabel(QStringLiteral(
        "Your own prices in US dollars per million tokens, used instead of the built-in table "
        "for these models. Leave cached input empty to use the input price.")));

    m_table = new QTableWidget(0, PriceColumns);
    m_table->setObjectName(QStringLiteral("priceTable"));
    m_table->setHorizontalHeaderLabels({QStringLiteral("Model"), QStringLiteral("Input $/1M"),
                                        QStringLiteral("Output $/1M"),
                                        QStringLiteral("Cached input $/1M")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(ModelColumn, QHeaderView::Stretch);
    for (int column = InputColumn; column < PriceColumns; ++column)
        m_table->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setMinimumHeight(160);
    layout->addWidget(m_table);

    m_error = makeErrorLabel(QStringLiteral("pricesError"));
    layout->addWidget(m_error);
    layout->addLayout(buildButtons());

    m_status = makeHintLabel(QString());
    m_status->setObjectName(QStringLiteral("pricesStatus"));
    m_status->hide();
    layout->addWidget(m_status);
    connect(m_table, &QTableWidget::itemChanged, this, &PriceTableEditor::announce);
}

QLayout *PriceTableEditor::buildButtons()
{
    auto *add = new QPushButton(QStringLiteral("Add"));
    add->setObjectName(QStringLiteral("addPriceButton"));
    auto *remove = new QPushButton(QStringLiteral("Remove"));
    remove->setObjectName(QStringLiteral("removePriceButton"));
    m_update = new QPushButton(QStringLiteral("Update from OpenRouter…"));
    m_update->setObjectName(QStringLiteral("updatePricesButton"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    buttons->addWidget(m_update);
    connect(add, &QPushButton::clicked, this, &PriceTableEditor::addEmptyRow);
    connect(remove, &QPushButton::clicked, this, &PriceTableEditor::removeSelectedRows);
    connect(m_update, &QPushButton::clicked, this, &PriceTableEditor::updateFromOpenRouter);
    return buttons;
}

void PriceTableEditor::announce()
{
    if (!m_filling)
        Q_EMIT edited();
}

void PriceTableEditor::addRow(const pricing::ModelPrice &price)
{
    const bool wasFilling = m_filling;
    m_filling = true;   // one edited() for the row, not one per cell
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    const bool empty = price.model.isEmpty();
    m_table->setItem(row, ModelColumn, new QTableWidgetItem(price.model));
    m_table->setItem(row, InputColumn,
                     new QTableWidgetItem(empty ? QString() : priceText(price.inputPerMillion)));
    m_table->setItem(row, OutputColumn,
                     new QTableWidgetItem(empty ? QString() : priceText(price.outputPerMillion)));
    m_table->setItem(row, CachedColumn,
                     new QTableWidgetItem(price.cachedInputPerMillion
                                              ? priceText(*price.cachedInputPerMillion)
                                              : QString()));
    m_filling = wasFilling;
    announce();
}

void PriceTableEditor::addEmptyRow()
{
    addRow(pricing::ModelPrice());
    const int row = m_table->rowCount() - 1;
    m_table->setCurrentCell(row, ModelColumn);
    m_table->editItem(m_table->item(row, ModelColumn));
}

void PriceTableEditor::removeSelectedRows()
{
    QList<int> rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedIndexes()) {
        if (!rows.contains(index.row()))
            rows.append(index.row());
    }
    if (rows.isEmpty() && m_table->currentRow() >= 0)
        rows.append(m_table->currentRow());
    std::sort(rows.begin(), rows.end(), std::greater<int>());
    for (int row : rows)
        m_table->removeRow(row);
    announce();
}

void PriceTableEditor::load(const QList<pricing::ModelPrice> &prices)
{
    m_table->setRowCount(0);
    for (const pricing::ModelPrice &price : prices)
        addRow(price);
}

bool PriceTableEditor::read(QList<pricing::ModelPrice> *prices)
{
    prices->clear();
    QString error;
    const auto cell = [this](int row, int column) {
        const QTableWidgetItem *item = m_table->item(row, column);
        return item ? item->text().trimmed() : QString();
    };
    static const char *const names[] = {"", "input", "output", "cached input"};
    for (int row = 0; row < m_table->rowCount() && error.isEmpty(); ++row) {
        bool blank = true;
        for (int column = 0; column < PriceColumns; ++column)
            blank = blank && cell(row, column).isEmpty();
        if (blank)
            continue;   // a row just added and not filled in yet
        pricing::ModelPrice price;
        price.model = cell(row, ModelColumn);
        if (price.model.isEmpty()) {
            error = QStringLiteral("row %1: enter the model's name").arg(row + 1);
            break;
        }
        for (int column = InputColumn; column < PriceColumns; ++column) {
            const QString text = cell(row, column);
            if (column == CachedColumn && text.isEmpty())
                continue;
            bool ok = false;
            const double value = text.toDouble(&ok);
            if (!ok || value < 0 || !std::isfinite(value)) {
                error = QStringLiteral("%1: the %2 price must be a number of dollars per "
                                       "million tokens, 0 or more")
                            .arg(price.model, QLatin1String(names[column]));
                break;
            }
            if (column == InputColumn)
                price.inputPerMillion = value;
            else if (column == OutputColumn)
                price.outputPerMillion = value;
            else
                price.cachedInputPerMillion = value;
        }
        prices->append(price);
    }
    showFieldError(m_error, error);
    return error.isEmpty();
}

void PriceTableEditor::showStatus(const QString &text)
{
    m_status->setText(text);
    m_status->show();
}

void PriceTableEditor::updateFromOpenRouter()
{
    if (!m_priceUpdate) {
        m_priceUpdate = new pricing::OpenRouterPriceUpdate(new QNetworkAccessManager(this), this);
        connect(m_priceUpdate, &pricing::OpenRouterPriceUpdate::finished, this,
                [this](const QList<pricing::ModelPrice> &prices) {
                    m_update->setEnabled(true);
                    merge(prices);
                });
        connect(m_priceUpdate, &pricing::OpenRouterPriceUpdate::failed, this,
                [this](const QString &message) {
                    m_update->setEnabled(true);
                    showStatus(asSentence(
                        QStringLiteral("could not get prices from OpenRouter: %1").arg(message)));
                });
    }
    m_update->setEnabled(false);
    showStatus(QStringLiteral("Asking OpenRouter for its prices…"));
    m_priceUpdate->start();
}

// Matched by model name, case aside: a model already in the table gets OpenRouter's prices,
// one not in it a row of its own. Rows OpenRouter does not know stay as they are.
void PriceTableEditor::merge(const QList<pricing::ModelPrice> &fetched)
{
    QHash<QString, int> rows;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (const QTableWidgetItem *item = m_table->item(row, ModelColumn))
            rows.insert(item->text().trimmed().toLower(), row);
    }
    int updated = 0;
    int added = 0;
    m_filling = true;
    for (const pricing::ModelPrice &price : fetched) {
        const auto found = rows.constFind(price.model.toLower());
        if (found == rows.constEnd()) {
            addRow(price);
            ++added;
            continue;
        }
        const int row = found.value();
        m_table->item(row, InputColumn)->setText(priceText(price.inputPerMillion));
        m_table->item(row, OutputColumn)->setText(priceText(price.outputPerMillion));
        m_table->item(row, CachedColumn)->setText(
            price.cachedInputPerMillion ? priceText(*price.cachedInputPerMillion) : QString());
        ++updated;
    }
    m_filling = false;
    announce();
    showStatus(QStringLiteral("Prices of %1 models from OpenRouter are in the "
                              "table (%2 added, %3 updated). Apply to use them.")
                   .arg(fetched.size()).arg(added).arg(updated));
}

} // namespace cachette::ui
