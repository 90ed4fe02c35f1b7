#include "chartstyle.h"

#include <QCursor>
#include <QGraphicsLayout>
#include <QLabel>
#include <QToolTip>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>

namespace cachette::ui::chartstyle {

namespace {

const QColor kText(0x3c, 0x41, 0x48);
const QColor kMuted(0x6b, 0x72, 0x7b);
const QColor kGrid(0xe6, 0xe8, 0xeb);
const QColor kBorder(0, 0, 0, 28);

} // namespace

void styleView(QChartView *view, const QString &title)
{
    QChart *chart = view->chart();
    chart->setTheme(QChart::ChartThemeLight);   // before anything else: it resets fonts and pens
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->setBackgroundRoundness(8);
    chart->setBackgroundPen(QPen(kBorder, 1));
    chart->setMargins(QMargins(6, 2, 8, 4));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    QFont titleFont = view->font();
    titleFont.setWeight(QFont::DemiBold);
    chart->setTitleFont(titleFont);
    chart->setTitleBrush(kText);
    chart->setTitle(title);
    chart->legend()->hide();
    view->setRenderHint(QPainter::Antialiasing);
    // Whole repaints: a line's markers reach past its item's bounds, and partial updates left
    // old markers behind after replace(). A chart is cheap to paint.
    view->setViewportUpdateMode(QGraphicsView::FullViewportUpdate);
    view->setFrameShape(QFrame::NoFrame);
    // The page's colour around the card's rounded corners, not the view's white.
    view->setBackgroundBrush(view->palette().window());
    view->setMinimumSize(260, 200);
}

void styleAxis(QAbstractAxis *axis)
{
    QFont font = axis->labelsFont();
    font.setPointSizeF(qMax(7.0, QFont().pointSizeF() * 0.85));
    axis->setLabelsFont(font);
    axis->setLabelsBrush(kMuted);
    axis->setLinePen(QPen(kGrid, 1));
    axis->setGridLinePen(QPen(kGrid, 1));
    axis->setShadesVisible(false);
    axis->setMinorGridLineVisible(false);
}

void makeTransparent(QChartView *view)
{
    view->chart()->setBackgroundVisible(false);
    view->chart()->setMargins(QMargins(0, 0, 0, 0));
    view->setBackgroundBrush(Qt::NoBrush);
    view->setStyleSheet(QStringLiteral("background: transparent"));
}

QWidget *titleLabel(const QString &text)
{
    auto *label = new QLabel(text);
    QFont font = label->font();
    font.setWeight(QFont::DemiBold);
    label->setFont(font);
    label->setAlignment(Qt::AlignCenter);
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, kText);
    label->setPalette(palette);
    return label;
}

void showHoverText(QWidget *view, const QString &text)
{
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(QCursor::pos(), text, view);
}

} // namespace cachette::ui::chartstyle
