#pragma once

#include "store/entrycatalog.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>
#include <QList>

#include <optional>

namespace cachette::ui {

// The cache browser's table: every entry matching a filter, paged from an EntryCatalog.
//
// rowCount() is the catalog's count, so the scroll bar is right for a million rows, but only
// the pages the view asks for are read, kPageSize rows at a time, and a few dozen are kept.
// A page next to one already read continues from it (keyset); a jump reads by offset.
// Sorting is the catalog's ORDER BY, never a proxy model over the rows read so far.
class EntryTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Created, Model, Prompt, Tokens, Hits, LastHit, Expires, Size, Pinned, ColumnCount };
    enum Role { KeyRole = Qt::UserRole + 1, PinnedRole };

    static constexpr int kPageSize = 128;
    static constexpr int kMaxPages = 48;
    // A page this many pages or fewer from one already read is read from that one (keyset),
    // skipping the rows between; further away, by offset.
    static constexpr int kMaxKeysetGap = 64;

    explicit EntryTableModel(QObject *parent = nullptr);

    // Not owned; nullptr shows nothing. Reloads.
    void setCatalog(const store::EntryCatalog *catalog);
    void setFilter(const store::EntryFilter &filter);   // reloads when it changed
    const store::EntryFilter &filter() const { return m_filter; }
    store::SortColumn sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_order; }
    qint64 totalCount() const { return m_count; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    // The database changed: re-count and forget the pages read, but keep the rows in place
    // (rows are added or taken at the end, never reset) so the view keeps its scroll position
    // and selection ranges; the view then moves them to follow the keys.
    void refresh();
    // Everything changed (filter, sort, catalog): a model reset.
    void reload();

    std::optional<store::EntrySummary> summaryAt(int row) const;
    QByteArray keyAt(int row) const;
    // Where an entry is now. Looks in the pages around hintRow first (where it most likely
    // is after a refresh), then (if askCatalog) the catalog; -1 when it is not in the list.
    int rowOfKey(const QByteArray &key, int hintRow = -1, bool askCatalog = true) const;
    // Keys of rows first … last, read in one query (large selections).
    QList<QByteArray> keysInRows(int first, int last) const;
    // Shows a pin change at once, before the engine has written it.
    void setPinnedLocally(const QByteArray &key, bool pinned);

    static store::SortColumn sortColumnOf(int column);

Q_SIGNALS:
    void countChanged(qint64 count);

private:
    struct Page
    {
        QList<store::EntrySummary> rows;
        quint64 lastUse = 0;
    };

    template <typename Change>
    void resetWith(Change change);
    const Page *page(int number) const;
    QList<store::EntrySummary> readPage(int number) const;
    void forgetOldPages() const;
    qint64 readCount() const;
    QVariant display(const store::EntrySummary &row, int column) const;
    QVariant toolTip(const store::EntrySummary &row, int column) const;

    const store::EntryCatalog *m_catalog = nullptr;
    store::EntryFilter m_filter;
    store::SortColumn m_sortColumn = store::SortColumn::Created;
    Qt::SortOrder m_order = Qt::DescendingOrder;
    qint64 m_count = 0;
    mutable QHash<int, Page> m_pages;
    mutable quint64 m_useClock = 0;
    mutable QIcon m_pinIcon;   // drawn on first use
};

} // namespace cachette::ui
