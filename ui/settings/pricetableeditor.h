#pragma once

#include "pricing/modelprice.h"

#include <QGroupBox>
#include <QList>

class QLabel;
class QPushButton;
class QTableWidget;

namespace cachette::pricing {
class OpenRouterPriceUpdate;
}

namespace cachette::ui {

// The Settings page's "Prices" group: the user's own prices per model, edited in a table, and
// OpenRouter's current prices merged into it on request (added or updated by model name, never
// applied until the page is). It only edits and validates; SettingsView saves and applies.
class PriceTableEditor : public QGroupBox
{
    Q_OBJECT
public:
    explicit PriceTableEditor(QWidget *parent = nullptr);

    void load(const QList<pricing::ModelPrice> &prices);
    // The table, validated (non-negative numbers, a model name); false shows why under it.
    bool read(QList<pricing::ModelPrice> *prices);

Q_SIGNALS:
    void edited();   // once per change the user sees: a row added is one edit, not four

private:
    QLayout *buildButtons();
    void addRow(const pricing::ModelPrice &price);
    void addEmptyRow();
    void removeSelectedRows();
    void updateFromOpenRouter();
    void merge(const QList<pricing::ModelPrice> &fetched);
    void showStatus(const QString &text);
    void announce();

    QTableWidget *m_table;
    QLabel *m_error;
    QLabel *m_status;
    QPushButton *m_update = nullptr;
    pricing::OpenRouterPriceUpdate *m_priceUpdate = nullptr;   // made on first use
    bool m_filling = false;   // cells being written by code, not edited
};

} // namespace cachette::ui
