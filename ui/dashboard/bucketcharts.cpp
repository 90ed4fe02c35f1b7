#include "bucketcharts.h"

#include "chartstyle.h"
#include "common/format.h"
#include "modelpalette.h"

#include <QtCharts/QBarSet>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>

#include <cmath>

namespace cachette::ui {

namespace fmt = format;

namespace {

const QColor kHitColor(0x2e, 0x9e, 0x44);   // outcomeColor("hit"), as on the Requests page
constexpr int kMaxPointsShown = 60;          // beyond this the markers crowd the line
constexpr int kLabelGap = 18;                // px between two time labels

// Label every step-th bucket; steps that fall on round hours, days and weeks.
int roundStep(BucketUnit unit, int minimum)
{
    static const QList<int> hours{1, 2, 3, 4, 6, 12, 24};
    static const QList<int> days{1, 2, 3, 4, 7, 14, 28};
    for (const int step : unit == BucketUnit::Hour ? hours : unit == BucketUnit::Day ? days
                                                                                     : QList<int>{1, 2, 4, 13, 26})
        if (step >= minimum)
            return step;
    return minimum;
}

// Range 0..max with round ticks, and labels with as many decimals as the ticks need.
void fitMoneyAxis(QValueAxis *axis, double max)
{
    axis->setRange(0, max > 0 ? max * 1.05 : 1.0);
    axis->setTickCount(5);
    axis->applyNiceNumbers();
    const double step = (axis->max() - axis->min()) / qMax(1, axis->tickCount() - 1);
    axis->setLabelFormat(fmt::moneyAxisFormat(step));
}

} // namespace

BucketChartView::BucketChartView(const QString &objectName, const QString &title, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_timeAxis(new QCategoryAxis)
    , m_valueAxis(new QValueAxis)
{
    setObjectName(objectName);
    chartstyle::styleView(this, title);
    m_timeAxis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    m_timeAxis->setGridLineVisible(false);
    chartstyle::styleAxis(m_timeAxis);
    chartstyle::styleAxis(m_valueAxis);
    chart()->addAxis(m_timeAxis, Qt::AlignBottom);
    chart()->addAxis(m_valueAxis, Qt::AlignLeft);
    connect(chart(), &QChart::plotAreaChanged, this, &BucketChartView::relabel);
}

QStringList BucketChartView::timeLabels() const
{
    return m_timeAxis->categoriesLabels();
}

QSize BucketChartView::sizeHint() const
{
    return QSize(chartstyle::kHintWidth, chartstyle::kHintHeight);
}

void BucketChartView::setWindow(const TimeWindow &window)
{
    m_timeAxis->setRange(-0.5, window.bucketCount - 0.5);
    m_labelledWidth = -1;
    relabel();
}

void BucketChartView::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    relabel();   // again once the chart's layout has placed the plot (plotAreaChanged)
}

int BucketChartView::labelStep() const
{
    const QFontMetrics metrics(m_timeAxis->labelsFont());
    const int label = metrics.horizontalAdvance(QStringLiteral("30 Sep")) + kLabelGap;
    // The plot once laid out; before that the view less a value axis' usual width.
    const qreal plot = chart()->plotArea().width();
    const int room = qMax(1, plot > 1 ? int(plot) : width() - 80);
    const int fitting = qMax(1, room / label);
    const int needed = (m_data.window.bucketCount + fitting - 1) / fitting;
    return roundStep(m_data.window.unit, qMax(1, needed));
}

void BucketChartView::relabel()
{
    const int width = int(chart()->plotArea().width());
    if (m_labelledWidth == width)
        return;
    m_labelledWidth = width;
    for (const QString &label : m_timeAxis->categoriesLabels())
        m_timeAxis->remove(label);
    m_timeAxis->setStartValue(-0.5);
    const int step = labelStep();
    for (int i = 0; i < m_data.window.bucketCount; i += step)
        m_timeAxis->append(m_data.window.axisLabel(i), i);
}

MoneyChart::MoneyChart(Kind kind, QWidget *parent)
    : BucketChartView(kind == Kind::Spent ? QStringLiteral("spentChart") : QStringLiteral("savedChart"),
                      kind == Kind::Spent ? QStringLiteral("Spent per model")
                                          : QStringLiteral("Saved by the cache, per model"),
                      parent)
    , m_kind(kind)
    , m_series(new QStackedBarSeries)
{
    m_series->setBarWidth(0.72);
    chart()->addSeries(m_series);
    m_series->attachAxis(timeAxis());
    m_series->attachAxis(valueAxis());
}

double MoneyChart::valueOf(const store::UsageTotals &totals) const
{
    return m_kind == Kind::Spent ? spentOf(totals) : savedOf(totals);
}

void MoneyChart::setData(const DashboardData &data, const ModelPalette &palette)
{
    m_data = data;
    m_series->clear();
    for (int m = 0; m < data.models.size(); ++m) {
        const ModelSeries &model = data.models.at(m);
        auto *set = new QBarSet(model.displayName());
        QList<qreal> values;
        values.reserve(model.buckets.size());
        for (const store::UsageTotals &bucket : model.buckets)
            values.append(valueOf(bucket));
        set->append(values);
        const QColor color = model.isOther ? ModelPalette::otherColor() : palette.color(model.name);
        set->setColor(color);
        set->setBorderColor(color);
        connect(set, &QBarSet::hovered, this, [this, m](bool status, int bucket) {
            chartstyle::showHoverText(this, status ? hoverText(m, bucket) : QString());
        });
        m_series->append(set);
    }
    fitMoneyAxis(valueAxis(), data.maxStacked(m_kind == Kind::Spent ? spentOf : savedOf));
    setWindow(data.window);
}

QString MoneyChart::hoverText(int model, int bucket) const
{
    if (model < 0 || model >= m_data.models.size() || bucket < 0 || bucket >= m_data.window.bucketCount)
        return {};
    const ModelSeries &series = m_data.models.at(model);
    const store::UsageTotals &t = series.buckets.at(bucket);
    QString text = QStringLiteral("%1 · %2: %3 %4")
                       .arg(series.displayName(), m_data.window.title(bucket),
                            fmt::money(valueOf(t)),
                            m_kind == Kind::Spent ? QStringLiteral("spent") : QStringLiteral("saved"));
    if (m_kind == Kind::Spent)
        text += QLatin1Char('\n') + fmt::plural(t.requests - t.hits, QStringLiteral("request upstream"),
                                               QStringLiteral("requests upstream"));
    else
        text += QLatin1Char('\n') + fmt::plural(t.hits, QStringLiteral("hit"), QStringLiteral("hits"));
    if (t.unpricedRequests > 0)
        text += QStringLiteral(", %1 without a price").arg(fmt::count(t.unpricedRequests));
    return text;
}

HitRateChart::HitRateChart(QWidget *parent)
    : BucketChartView(QStringLiteral("hitRateChart"), QStringLiteral("Hit rate"), parent)
    , m_line(new QLineSeries)
{
    QPen pen(kHitColor, 2.2);
    pen.setCapStyle(Qt::RoundCap);
    pen.setJoinStyle(Qt::RoundJoin);
    m_line->setPen(pen);
    m_line->setColor(kHitColor);
    m_line->setMarkerSize(5);
    chart()->addSeries(m_line);
    m_line->attachAxis(timeAxis());
    m_line->attachAxis(valueAxis());
    // A little room past 0 % and 100 %, so markers there are not cut in half, with the ticks
    // still on the round numbers.
    valueAxis()->setRange(-4, 104);
    valueAxis()->setTickType(QValueAxis::TicksDynamic);
    valueAxis()->setTickAnchor(0);
    valueAxis()->setTickInterval(25);
    valueAxis()->setLabelFormat(QStringLiteral("%.0f %%"));
    connect(m_line, &QLineSeries::hovered, this, [this](const QPointF &point, bool state) {
        chartstyle::showHoverText(this, state ? hoverText(qRound(point.x())) : QString());
    });
}

void HitRateChart::setData(const DashboardData &data)
{
    m_data = data;
    QList<QPointF> points;
    for (int i = 0; i < data.buckets.size(); ++i) {
        const store::UsageTotals &t = data.buckets.at(i);
        if (t.requests > 0)
            points.append(QPointF(i, 100.0 * t.hitRate()));
    }
    m_line->replace(points);
    m_line->setPointsVisible(points.size() <= kMaxPointsShown);
    setWindow(data.window);
}

QString HitRateChart::hoverText(int bucket) const
{
    if (bucket < 0 || bucket >= m_data.buckets.size() || m_data.buckets.at(bucket).requests == 0)
        return {};
    const store::UsageTotals &t = m_data.buckets.at(bucket);
    return QStringLiteral("%1: %2 hit rate\n%3 of %4")
        .arg(m_data.window.title(bucket), fmt::percent(t.hitRate()),
             fmt::plural(t.hits, QStringLiteral("hit"), QStringLiteral("hits")),
             fmt::plural(t.requests, QStringLiteral("request"), QStringLiteral("requests")));
}

} // namespace cachette::ui
