#pragma once

#include "dashboarddata.h"

#include <QtCharts/QChartView>

class QCategoryAxis;
class QLineSeries;
class QStackedBarSeries;
class QValueAxis;

namespace cachette::ui {

class ModelPalette;

// A chart over a window's buckets. x is the bucket's index (so bars and the line share one
// axis); the time axis labels only as many buckets as fit the width, on whole hours or days,
// instead of a label per bar that would overlap at 800 px.
class BucketChartView : public QChartView
{
    Q_OBJECT
public:
    BucketChartView(const QString &objectName, const QString &title, QWidget *parent = nullptr);

    QValueAxis *valueAxis() const { return m_valueAxis; }
    QCategoryAxis *timeAxis() const { return m_timeAxis; }
    QStringList timeLabels() const;   // the labels shown now
    QSize sizeHint() const override;

protected:
    void setWindow(const TimeWindow &window);
    void resizeEvent(QResizeEvent *event) override;

    DashboardData m_data;

private:
    void relabel();
    int labelStep() const;

    QCategoryAxis *m_timeAxis;
    QValueAxis *m_valueAxis;
    int m_labelledWidth = -1;
};

// Money per model over time, stacked: what was spent upstream, or what the cache saved.
class MoneyChart : public BucketChartView
{
    Q_OBJECT
public:
    enum class Kind { Spent, Saved };

    MoneyChart(Kind kind, QWidget *parent = nullptr);

    void setData(const DashboardData &data, const ModelPalette &palette);
    QStackedBarSeries *series() const { return m_series; }
    // "gpt-4o · 26 Nov: $0.0123 spent", with the bucket's unpriced lines or hits under it.
    QString hoverText(int model, int bucket) const;

private:
    double valueOf(const store::UsageTotals &totals) const;

    Kind m_kind;
    QStackedBarSeries *m_series;
};

// The share of requests served from the cache, per bucket; buckets without requests have
// no point (a rate of nothing is not 0 %).
class HitRateChart : public BucketChartView
{
    Q_OBJECT
public:
    explicit HitRateChart(QWidget *parent = nullptr);

    void setData(const DashboardData &data);
    QLineSeries *series() const { return m_line; }
    QString hoverText(int bucket) const;   // "26 Nov: 42.5 % hit rate" and the counts

private:
    QLineSeries *m_line;
};

} // namespace cachette::ui
