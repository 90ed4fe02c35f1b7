#include "similaritydelegate.h"

#include "thresholdmath.h"

#include <QApplication>
#include <QPainter>

namespace cachette::ui {

namespace {

// The bar spans 0.50–1.00: below 0.50 nothing matches, and the interesting part gets the room.
constexpr double kFloor = 0.5;

double position(double similarity)
{
    return qBound(0.0, (similarity - kFloor) / (1.0 - kFloor), 1.0);
}

} // namespace

void SimilarityDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const double similarity = index.data(Qt::UserRole).toDouble();
    const QString text = percent(similarity);
    const int textWidth = option.fontMetrics.horizontalAdvance(QStringLiteral("100.0 %")) + 8;
    const QRect area = option.rect.adjusted(6, 0, -6, 0);
    QRect bar(area.left(), area.center().y() - 4, qMax(20, area.width() - textWidth - 8), 8);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(QColor(127, 127, 127, 50));
    painter->drawRoundedRect(bar, 4, 4);
    const bool above = similarity >= m_threshold && m_threshold < 1.0;
    QRect fill = bar;
    fill.setWidth(qMax(4, int(bar.width() * position(similarity))));
    painter->setBrush(above ? QColor(46, 160, 90) : QColor(59, 125, 216));
    painter->drawRoundedRect(fill, 4, 4);
    const int tick = bar.left() + int(bar.width() * position(m_threshold));
    painter->setPen(QPen(option.palette.color(QPalette::WindowText), 2));
    painter->drawLine(tick, bar.top() - 3, tick, bar.bottom() + 3);
    painter->setPen(option.palette.color(option.state & QStyle::State_Selected
                                             ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(QRect(bar.right() + 8, option.rect.top(), area.right() - bar.right() - 8,
                            option.rect.height()),
                      Qt::AlignVCenter | Qt::AlignRight, text);
    painter->restore();
}

QSize SimilarityDelegate::sizeHint(const QStyleOptionViewItem &option,
                                   const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.setWidth(option.fontMetrics.horizontalAdvance(QStringLiteral("100.0 %")) + 140);
    return size;
}

} // namespace cachette::ui
