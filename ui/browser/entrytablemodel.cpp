#include "entrytablemodel.h"

#include "clock.h"
#include "common/format.h"

#include <QIcon>

#include <limits>

namespace cachette::ui {

using store::EntrySummary;
using store::SortColumn;

namespace fmt = format;

EntryTableModel::EntryTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

store::SortColumn EntryTableModel::sortColumnOf(int column)
{
    switch (column) {
    case Created: return SortColumn::Created;
    case Model: return SortColumn::Model;
    case Prompt: return SortColumn::Prompt;
    case Tokens: return SortColumn::Tokens;
    case Hits: return SortColumn::Hits;
    case LastHit: return SortColumn::LastHit;
    case Expires: return SortColumn::Expires;
    case Size: return SortColumn::Size;
    case Pinned: return SortColumn::Pinned;
    }
    return SortColumn::Created;
}

// The change happens inside the reset, so that views saving their place on
// modelAboutToBeReset still read the rows they are showing.
template <typename Change>
void EntryTableModel::resetWith(Change change)
{
    beginResetModel();
    change();
    m_pages.clear();
    m_count = readCount();
    endResetModel();
    Q_EMIT countChanged(m_count);
}

void EntryTableModel::setCatalog(const store::EntryCatalog *catalog)
{
    m_catalog = catalog;
    reload();
}

void EntryTableModel::setFilter(const store::EntryFilter &filter)
{
    if (filter == m_filter)
        return;
    resetWith([&] { m_filter = filter; });
}

void EntryTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= ColumnCount)
        return;
    const SortColumn sortColumn = sortColumnOf(column);
    if (sortColumn == m_sortColumn && order == m_order)
        return;
    resetWith([&] {
        m_sortColumn = sortColumn;
        m_order = order;
    });
}

qint64 EntryTableModel::readCount() const
{
    return m_catalog && m_catalog->isOpen() ? m_catalog->count(m_filter) : 0;
}

void EntryTableModel::reload()
{
    resetWith([] {});
}

void EntryTableModel::refresh()
{
    const qint64 count = readCount();
    m_pages.clear();
    const int before = rowCount();
    const int after = int(qMin<qint64>(count, std::numeric_limits<int>::max()));
    if (after > before) {
        beginInsertRows({}, before, after - 1);
        m_count = count;
        endInsertRows();
    } else if (after < before) {
        beginRemoveRows({}, after, before - 1);
        m_count = count;
        endRemoveRows();
    }
    m_count = count;
    if (after > 0)
        Q_EMIT dataChanged(index(0, 0), index(after - 1, ColumnCount - 1));
    Q_EMIT countChanged(m_count);
}

int EntryTableModel::rowCount(const QModelIndex &parent) const
{
    // A QTableView addresses rows by int: two billion entries is more than any cache holds.
    return parent.isValid() ? 0 : int(qMin<qint64>(m_count, std::numeric_limits<int>::max()));
}

int EntryTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QList<EntrySummary> EntryTableModel::readPage(int number) const
{
    // Continue from the nearest page already read (keyset), skipping the rows in between:
    // scrolling reads the very next page, which costs the same at row 900,000 as at row 0,
    // and dragging the scroll bar lands near pages read a moment ago. Only a full page has a
    // usable last row. Far from every page read, read by offset.
    int below = -1;
    int above = -1;
    for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it) {
        if (it.key() < number && it->rows.size() == kPageSize && it.key() > below)
            below = it.key();
        if (it.key() > number && !it->rows.isEmpty() && (above < 0 || it.key() < above))
            above = it.key();
    }
    const int belowGap = below >= 0 ? number - below - 1 : kMaxKeysetGap + 1;
    const int aboveGap = above >= 0 ? above - number - 1 : kMaxKeysetGap + 1;
    if (belowGap <= aboveGap && belowGap <= kMaxKeysetGap)
        return m_catalog->pageAfter(m_filter, m_sortColumn, m_order, m_pages.value(below).rows.last(),
                                    kPageSize, qint64(belowGap) * kPageSize);
    if (aboveGap <= kMaxKeysetGap)
        return m_catalog->pageBefore(m_filter, m_sortColumn, m_order, m_pages.value(above).rows.first(),
                                     kPageSize, qint64(aboveGap) * kPageSize);
    return m_catalog->page(m_filter, m_sortColumn, m_order, qint64(number) * kPageSize, kPageSize,
                           m_count);
}

const EntryTableModel::Page *EntryTableModel::page(int number) const
{
    auto it = m_pages.find(number);
    if (it == m_pages.end()) {
        if (!m_catalog || !m_catalog->isOpen())
            return nullptr;
        forgetOldPages();
        Page loaded { readPage(number), 0 };
        for (EntrySummary &row : loaded.rows)
            row.promptPreview = row.promptPreview.simplified();   // one line in the table
        it = m_pages.insert(number, std::move(loaded));
    }
    it->lastUse = ++m_useClock;
    return &*it;
}

void EntryTableModel::forgetOldPages() const
{
    while (m_pages.size() >= kMaxPages) {
        auto oldest = m_pages.begin();
        for (auto it = m_pages.begin(); it != m_pages.end(); ++it) {
            if (it->lastUse < oldest->lastUse)
                oldest = it;
        }
        m_pages.erase(oldest);
    }
}

std::optional<EntrySummary> EntryTableModel::summaryAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return std::nullopt;
    const Page *p = page(row / kPageSize);
    const int at = row % kPageSize;
    if (!p || at >= p->rows.size())
        return std::nullopt;   // the table shrank since the count (another process deleted)
    return p->rows.at(at);
}

QByteArray EntryTableModel::keyAt(int row) const
{
    const std::optional<EntrySummary> summary = summaryAt(row);
    return summary ? summary->key : QByteArray();
}

int EntryTableModel::rowOfKey(const QByteArray &key, int hintRow, bool askCatalog) const
{
    if (key.isEmpty() || !m_catalog || !m_catalog->isOpen())
        return -1;
    if (hintRow >= 0 && hintRow < rowCount()) {
        const int hintPage = hintRow / kPageSize;
        for (int number : { hintPage, hintPage + 1, hintPage - 1 }) {
            if (number < 0 || qint64(number) * kPageSize >= m_count)
                continue;
            const Page *p = page(number);
            for (int i = 0; p && i < p->rows.size(); ++i) {
                if (p->rows.at(i).key == key)
                    return number * kPageSize + i;
            }
        }
    }
    for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it) {
        for (int i = 0; i < it->rows.size(); ++i) {
            if (it->rows.at(i).key == key)
                return it.key() * kPageSize + i;
        }
    }
    if (!askCatalog)
        return -1;
    const qint64 row = m_catalog->rowOf(m_filter, m_sortColumn, m_order, key);
    return row < rowCount() ? int(row) : -1;
}

QList<QByteArray> EntryTableModel::keysInRows(int first, int last) const
{
    if (!m_catalog || first > last || first < 0)
        return {};
    return m_catalog->keysAt(m_filter, m_sortColumn, m_order, first, qint64(last) - first + 1);
}

void EntryTableModel::setPinnedLocally(const QByteArray &key, bool pinned)
{
    for (auto it = m_pages.begin(); it != m_pages.end(); ++it) {
        for (int i = 0; i < it->rows.size(); ++i) {
            if (it->rows.at(i).key != key)
                continue;
            it->rows[i].pinned = pinned;
            const int row = it.key() * kPageSize + i;
            Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    }
}

QVariant EntryTableModel::display(const EntrySummary &row, int column) const
{
    const qint64 now = clock::nowMs();
    switch (column) {
    case Created: return fmt::shortTime(row.createdAt, now);
    case Model: return row.model;
    case Prompt: return row.promptPreview;
    case Tokens: return fmt::count(row.promptTokens + row.completionTokens);
    case Hits: return fmt::count(row.hitCount);
    case LastHit: return row.lastHitAt > 0 ? fmt::ago(row.lastHitAt, now) : QStringLiteral("—");
    case Expires: return fmt::expiry(row.expiresAt, now);
    case Size: return fmt::size(row.sizeBytes);
    case Pinned: return QVariant();   // the icon says it
    }
    return {};
}

QVariant EntryTableModel::toolTip(const EntrySummary &row, int column) const
{
    switch (column) {
    case Created: return fmt::fullTime(row.createdAt);
    case Prompt: return row.promptPreview;
    case Tokens:
        return QStringLiteral("%1 prompt + %2 completion tokens")
            .arg(fmt::count(row.promptTokens), fmt::count(row.completionTokens));
    case LastHit: return row.lastHitAt > 0 ? fmt::fullTime(row.lastHitAt) : QStringLiteral("Never served from the cache");
    case Expires: return row.expiresAt > 0 ? fmt::fullTime(row.expiresAt) : QStringLiteral("Kept until evicted or deleted");
    case Size: return QStringLiteral("%1 bytes").arg(fmt::count(row.sizeBytes));
    case Pinned:
        return row.pinned ? QStringLiteral("Pinned: never evicted") : QStringLiteral("Not pinned");
    }
    return {};
}

QVariant EntryTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
    case Qt::DecorationRole:
    case Qt::TextAlignmentRole:
    case KeyRole:
    case PinnedRole:
        break;
    default:
        return {};   // the view asks for many roles per cell; only these need a page
    }
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case Tokens: case Hits: case Size:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        case Pinned:
            return int(Qt::AlignCenter);
        default:
            return int(Qt::AlignLeft | Qt::AlignVCenter);
        }
    }
    const std::optional<EntrySummary> row = summaryAt(index.row());
    if (!row)
        return role == Qt::DisplayRole && index.column() == Prompt ? QStringLiteral("…") : QVariant();
    switch (role) {
    case Qt::DisplayRole: return display(*row, index.column());
    case Qt::ToolTipRole: return toolTip(*row, index.column());
    case KeyRole: return row->key;
    case PinnedRole: return row->pinned;
    case Qt::DecorationRole:
        if (index.column() == Pinned && row->pinned) {
            if (m_pinIcon.isNull())
                m_pinIcon = fmt::pinIcon();
            return m_pinIcon;
        }
        return {};
    }
    return {};
}

QVariant EntryTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    static const char *const names[ColumnCount] = { "Created", "Model", "Prompt", "Tokens", "Hits",
                                                    "Last hit", "Expires", "Size", "Pinned" };
    if (section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::InitialSortOrderRole) {   // the first click: biggest and newest first
        const bool text = section == Model || section == Prompt || section == Expires;
        return int(text ? Qt::AscendingOrder : Qt::DescendingOrder);
    }
    if (section == Pinned) {   // a narrow column: the pin says it, the tooltip names it
        if (role == Qt::DecorationRole) {
            if (m_pinIcon.isNull())
                m_pinIcon = fmt::pinIcon();
            return m_pinIcon;
        }
        if (role == Qt::ToolTipRole || role == Qt::AccessibleTextRole)
            return QString::fromLatin1(names[section]);
        return {};
    }
    if (role == Qt::DisplayRole)
        return QString::fromLatin1(names[section]);
    if (role == Qt::TextAlignmentRole) {
        switch (section) {
        case Tokens: case Hits: case Size:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return int(Qt::AlignLeft | Qt::AlignVCenter);
        }
    }
    return {};
}

} // namespace cachette::ui
