#pragma once

#include "dashboarddata.h"
#include "modelpalette.h"
#include "store/usagestats.h"
#include "timewindow.h"

#include <QDate>
#include <QSet>
#include <QTimer>
#include <QWidget>

class QGridLayout;
class QLabel;
class QStackedWidget;

namespace cachette::ui {

class DashboardRangeBar;
class EngineHost;
class HitRateChart;
class MoneyChart;
class StatsTile;
class TokensChart;

// The Dashboard page: what the proxy's requests cost and what the cache saved, over a chosen
// range, as tiles and charts per model. Everything is summed in SQL by its own UsageStats
// (read-only, GUI thread; WAL lets it read while the engine writes), so a log of a million
// lines refreshes in milliseconds; the charts hold at most kMaxModels + 1 series whatever the
// log holds. New requests refresh it at most every kRefreshDelayMs while it is shown.
class DashboardView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kRefreshDelayMs = 500;
    static constexpr int kMaxModels = 7;   // then "Other": eight colours stay distinct

    explicit DashboardView(EngineHost *host, QWidget *parent = nullptr);

    void setRange(RangeKind kind);
    void setCustomRange(QDate from, QDate to);   // and switches to Custom
    void setModelFilter(const QString &model);   // "" = all models
    RangeKind range() const;
    QString modelFilter() const;
    QStringList models() const;                  // offered by the filter, "All models" aside

    const DashboardData &data() const { return m_data; }
    bool isEmptyStateShown() const;
    QString emptyText() const;
    StatsTile *tile(const QString &objectName) const;
    MoneyChart *spentChart() const { return m_spent; }
    MoneyChart *savedChart() const { return m_saved; }
    HitRateChart *hitRateChart() const { return m_hitRate; }
    TokensChart *tokensChart() const { return m_tokens; }

public Q_SLOTS:
    void refresh();   // now, from the database

Q_SIGNALS:
    void refreshed();

protected:
    void showEvent(QShowEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    QWidget *buildEmptyPage();
    QWidget *buildContent();
    QWidget *buildTiles();
    QWidget *buildCharts();
    void arrange();
    void onRequestLogged(const store::RequestLogRecord &record);
    void scheduleRefresh();
    bool ensureOpen(QString *error);
    bool updateModels(QString *error);
    std::optional<qint64> firstLineMs() const;
    TimeWindow currentWindow() const;
    QList<store::BucketRow> readSeries(const TimeWindow &window, QString *error) const;
    void showEmpty(const QString &text);
    void showData();
    void updateTiles();
    void updateLegend();

    EngineHost *m_host;
    store::UsageStats m_stats;
    QString m_statsPath;
    DashboardData m_data;
    ModelPalette m_palette;
    QSet<QString> m_knownModels;     // every model in the log, "" included
    bool m_modelsStale = true;
    bool m_stale = true;             // a refresh is owed for when the page is shown
    QDate m_refreshedOn;
    QTimer m_refreshTimer;
    QTimer m_clock;

    DashboardRangeBar *m_rangeBar = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_empty = nullptr;
    QList<StatsTile *> m_tiles;
    QGridLayout *m_tileGrid = nullptr;
    int m_tileColumns = 0;
    QLabel *m_legend = nullptr;
    QLabel *m_routes = nullptr;   // the window's totals per provider route, when there are several
    QStackedWidget *m_chartStack = nullptr;
    QLabel *m_rangeEmpty = nullptr;
    QGridLayout *m_chartGrid = nullptr;
    int m_chartColumns = 0;
    MoneyChart *m_spent = nullptr;
    MoneyChart *m_saved = nullptr;
    HitRateChart *m_hitRate = nullptr;
    TokensChart *m_tokens = nullptr;
};

} // namespace cachette::ui
