#pragma once

#include "dashboarddata.h"

#include <QColor>
#include <QFrame>

class QChartView;
class QLabel;
class QPieSeries;

namespace cachette::ui {

class ModelPalette;

// Tokens per model over the window: a donut beside a small table of the figures. Spent (sent
// upstream) and saved (served from the cache) count together, since both are tokens the
// model's answers took. The table is a label rather than the chart's legend, which QtCharts
// caps at 40 % of the chart's width and would cut long model names.
class TokensChart : public QFrame
{
    Q_OBJECT
public:
    explicit TokensChart(QWidget *parent = nullptr);

    void setData(const DashboardData &data, const ModelPalette &palette);
    QPieSeries *series() const { return m_pie; }
    QChartView *view() const { return m_view; }
    QString hoverText(int model) const;   // "gpt-4o: 12,345 tokens (42.5 %)" and the split
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateTable();
    qint64 allTokens() const;

    QPieSeries *m_pie;
    QChartView *m_view;
    QLabel *m_table;
    DashboardData m_data;
    QList<QColor> m_colors;   // per model, as the slices
};

} // namespace cachette::ui
