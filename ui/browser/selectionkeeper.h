#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>

class QTableView;

namespace cachette::ui {

class EntryTableModel;

// Keeps where the user is in the cache table, by key rather than by row, so the selection, the
// current row and the scroll position survive rows moving: a refresh (new entries above) and
// a model reset (sort, filter), which it follows by itself. Says restored() after each restore.
class SelectionKeeper : public QObject
{
    Q_OBJECT
public:
    // Above this many selected rows the selection is kept by row numbers rather than by keys:
    // reading a key per row would cost more than it is worth for "everything from here down".
    static constexpr int kMaxKeyedSelection = 1000;

    struct Place
    {
        QList<QPair<QByteArray, int>> selected;   // key and row; empty when rows are used
        QList<QPair<int, int>> selectedRows;      // first, last: for selections too big to key
        QByteArray current;
        int currentRow = -1;
        int currentColumn = 0;
        QByteArray top;
        int topRow = -1;
        bool atTop = true;
    };

    SelectionKeeper(QTableView *table, EntryTableModel *model, QObject *parent = nullptr);

    Place capture() const;
    // rowsMoved: after a reset, when rows may be anywhere; else after a refresh.
    void restore(const Place &place, bool rowsMoved);
    void selectRows(QList<int> rows, int currentRow, int currentColumn);
    // True while restoring: the current row changes then are not the user's.
    bool restoring() const { return m_restoring; }

Q_SIGNALS:
    void restored();

private:
    QTableView *m_table;
    EntryTableModel *m_model;
    Place m_resetPlace;   // saved across a model reset
    bool m_restoring = false;
};

} // namespace cachette::ui
