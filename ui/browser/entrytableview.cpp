#include "entrytableview.h"

#include "entrytablemodel.h"

#include <QEvent>
#include <QHeaderView>

namespace cachette::ui {

EntryTableView::EntryTableView(EntryTableModel *model, QWidget *parent)
    : QTableView(parent)
{
    setObjectName(QStringLiteral("cacheTable"));
    setModel(model);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setAlternatingRowColors(true);
    setShowGrid(false);
    setWordWrap(false);
    setTextElideMode(Qt::ElideRight);
    setCornerButtonEnabled(false);
    setUpRows();
    setUpColumns();
    setSortingEnabled(true);
    viewport()->installEventFilter(this);   // resizes: fitColumns()
}

void EntryTableView::setUpRows()
{
    // One scroll step per row: the scroll bar value is the top row, which is what keeping the
    // place across a refresh needs, and what a million rows need (pixels would overflow).
    setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    QHeaderView *rows = verticalHeader();
    rows->hide();
    rows->setSectionResizeMode(QHeaderView::Fixed);   // never measure a million rows
    rows->setDefaultSectionSize(fontMetrics().height() + 10);
}

void EntryTableView::setUpColumns()
{
    QHeaderView *header = horizontalHeader();
    header->setHighlightSections(false);
    header->setSectionsMovable(true);
    header->setMinimumSectionSize(28);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(EntryTableModel::Prompt, QHeaderView::Stretch);
    header->setSectionResizeMode(EntryTableModel::Pinned, QHeaderView::Fixed);
    // Sized for their usual longest text, so nothing is cut at 800 px wide.
    const QFontMetrics fm = fontMetrics();
    const auto fit = [&](int column, const char *sample, int extra = 24) {
        header->resizeSection(column, fm.horizontalAdvance(QString::fromLatin1(sample)) + extra);
    };
    fit(EntryTableModel::Created, "30 Sep 00:00");
    fit(EntryTableModel::Model, "gpt-4o-mini-2024");
    fit(EntryTableModel::Tokens, "Tokens", 30);
    fit(EntryTableModel::Hits, "Hits", 30);
    fit(EntryTableModel::LastHit, "12 min ago");
    fit(EntryTableModel::Expires, "Expires", 30);
    fit(EntryTableModel::Size, "12.3 KB");
    header->resizeSection(EntryTableModel::Pinned, 34);
    header->setSortIndicator(EntryTableModel::Created, Qt::DescendingOrder);
}

bool EntryTableView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == viewport() && event->type() == QEvent::Resize)
        fitColumns();
    return QTableView::eventFilter(watched, event);
}

// The prompt is what people read: on a narrow window the least useful columns make way for it
// (all of them are back once there is room).
void EntryTableView::fitColumns()
{
    static constexpr int kHideFirst[] = { EntryTableModel::Expires, EntryTableModel::LastHit,
                                          EntryTableModel::Size, EntryTableModel::Tokens };
    QHeaderView *header = horizontalHeader();
    // A hidden section reports size 0: remember what it had, to know when it fits again.
    const auto width = [&](int column) {
        return header->isSectionHidden(column) ? m_hiddenWidths.value(column, 60)
                                               : header->sectionSize(column);
    };
    const int available = viewport()->width();
    const int promptWanted = qMax(260, available * 35 / 100);
    int others = 0;
    for (int column = 0; column < EntryTableModel::ColumnCount; ++column) {
        if (column != EntryTableModel::Prompt)
            others += width(column);
    }
    for (int column : kHideFirst) {
        const bool hide = available - others < promptWanted;
        if (hide && !header->isSectionHidden(column))
            m_hiddenWidths.insert(column, header->sectionSize(column));
        if (hide)
            others -= width(column);
        header->setSectionHidden(column, hide);
    }
}

} // namespace cachette::ui
