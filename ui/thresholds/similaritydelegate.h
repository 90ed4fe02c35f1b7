#pragma once

#include <QStyledItemDelegate>

namespace cachette::ui {

// Paints a similarity (Qt::UserRole, 0–1) as a bar with its percentage, and a tick where the
// threshold is, so how far a prompt is from matching reads at a glance.
class SimilarityDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void setThreshold(double threshold) { m_threshold = threshold; }
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    double m_threshold = 0.85;
};

} // namespace cachette::ui
