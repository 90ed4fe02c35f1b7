#pragma once

#include <QString>

class QAbstractAxis;
class QChart;
class QChartView;
class QWidget;

namespace cachette::ui::chartstyle {

// What every chart card asks of the grid. A graphics view's own size hint is its scene's
// size, which follows the view's: honoured, whichever chart started wider would stay wider.
constexpr int kHintWidth = 420;
constexpr int kHintHeight = 280;

// The look every dashboard chart shares: the light theme on a white card with rounded
// corners, small margins, a small bold title, quiet axes, no animation (a refresh every half
// second while requests arrive would keep the charts moving) and antialiasing.
void styleView(QChartView *view, const QString &title);
void styleAxis(QAbstractAxis *axis);
// For a chart inside a card of its own: no background, the card's white shows through.
void makeTransparent(QChartView *view);
// A chart title as a label, for cards that put more than a chart under it.
QWidget *titleLabel(const QString &text);

// The tooltip for a hovered bar, point or slice, next to the mouse; an empty text hides it.
void showHoverText(QWidget *view, const QString &text);

} // namespace cachette::ui::chartstyle
