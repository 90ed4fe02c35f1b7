#include "selectionkeeper.h"

#include "entrytablemodel.h"

#include <QScrollBar>
#include <QTableView>

#include <algorithm>

namespace cachette::ui {

namespace {

// At most this many keys are looked up by position in the whole list (a count each) when
// the rows moved too far to find them among the pages already read.
constexpr int kMaxCatalogLookups = 50;

} // namespace

SelectionKeeper::SelectionKeeper(QTableView *table, EntryTableModel *model, QObject *parent)
    : QObject(parent)
    , m_table(table)
    , m_model(model)
{
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this,
            [this] { m_resetPlace = capture(); });
    connect(m_model, &QAbstractItemModel::modelReset, this,
            [this] { restore(m_resetPlace, true); });
}

SelectionKeeper::Place SelectionKeeper::capture() const
{
    Place place;
    const QItemSelectionModel *selection = m_table->selectionModel();
    if (const QModelIndex current = selection->currentIndex(); current.isValid()) {
        place.currentRow = current.row();
        place.currentColumn = current.column();
        place.current = m_model->keyAt(current.row());
    }
    const QItemSelection ranges = selection->selection();
    int selected = 0;
    for (const QItemSelectionRange &range : ranges)
        selected += range.height();
    for (const QItemSelectionRange &range : ranges) {
        if (selected > kMaxKeyedSelection) {
            place.selectedRows.append({ range.top(), range.bottom() });
            continue;
        }
        for (int row = range.top(); row <= range.bottom(); ++row)
            place.selected.append({ m_model->keyAt(row), row });
    }
    place.atTop = m_table->verticalScrollBar()->value() == 0;
    place.topRow = m_table->rowAt(0);
    if (place.topRow >= 0)
        place.top = m_model->keyAt(place.topRow);
    return place;
}

// After a refresh (rowsMoved false) rows are near where they were: look there first. After a
// reset (sort, filter) they may be anywhere: ask the catalog, for a few keys only.
void SelectionKeeper::restore(const Place &place, bool rowsMoved)
{
    m_restoring = true;
    int lookups = 0;
    const auto find = [&](const QByteArray &key, int hint) {
        if (key.isEmpty())
            return -1;
        return m_model->rowOfKey(key, rowsMoved ? -1 : hint, lookups++ < kMaxCatalogLookups);
    };
    const int currentRow = find(place.current, place.currentRow);
    QList<int> rows;
    for (const auto &[key, hint] : place.selected) {
        const int row = key == place.current ? currentRow : find(key, hint);
        if (row >= 0)
            rows.append(row);
    }
    const int count = m_model->rowCount();
    for (const auto &[first, last] : place.selectedRows) {
        for (int row = first; row <= qMin(last, count - 1); ++row)
            rows.append(row);
    }
    selectRows(rows, currentRow, place.currentColumn);

    m_table->doItemsLayout();   // the scroll range must know the new row count first
    if (rowsMoved) {
        if (currentRow >= 0)
            m_table->scrollTo(m_model->index(currentRow, 0), QAbstractItemView::PositionAtCenter);
        else
            m_table->scrollToTop();
    } else if (place.atTop) {
        m_table->scrollToTop();   // at the very top, stay there to see what is new
    } else {
        // Stay with the rows being read (restoring the current row scrolled to it).
        const int top = find(place.top, place.topRow);
        m_table->verticalScrollBar()->setValue(top >= 0 ? top : place.topRow);
    }
    m_restoring = false;
    Q_EMIT restored();
}

void SelectionKeeper::selectRows(QList<int> rows, int currentRow, int currentColumn)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    QItemSelection selection;
    const int lastColumn = EntryTableModel::ColumnCount - 1;
    for (int i = 0; i < rows.size();) {
        int j = i;
        while (j + 1 < rows.size() && rows.at(j + 1) == rows.at(j) + 1)
            ++j;
        selection.append(QItemSelectionRange(m_model->index(rows.at(i), 0),
                                             m_model->index(rows.at(j), lastColumn)));
        i = j + 1;
    }
    QItemSelectionModel *model = m_table->selectionModel();
    model->select(selection, QItemSelectionModel::ClearAndSelect);
    model->setCurrentIndex(currentRow >= 0 ? m_model->index(currentRow, currentColumn) : QModelIndex(),
                           QItemSelectionModel::NoUpdate);
}

} // namespace cachette::ui
