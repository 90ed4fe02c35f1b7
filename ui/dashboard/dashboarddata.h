#pragma once

#include "store/usagestats.h"
#include "timewindow.h"

#include <QList>
#include <QString>

namespace cachette::ui {

// One line of the charts: a model, or "Other" for the models past the top few.
struct ModelSeries
{
    QString name;                          // as logged; "Other" for the rest
    bool isOther = false;
    int otherModels = 0;                   // how many models "Other" stands for
    store::UsageTotals totals;             // over the whole window
    QList<store::UsageTotals> buckets;     // one per bucket of the window

    qint64 tokens() const { return totals.promptTokens + totals.completionTokens + totals.tokensSaved; }
    bool hasPrice() const { return totals.costUsd || totals.savedUsd; }
    QString displayName() const;           // "(no model)" for an empty name, "Other (5 models)"
};

// What the dashboard shows for one window: the tiles' totals, the models' series and the
// overall buckets for the hit-rate line. Built from UsageStats' SQL sums; at most
// maxModels + 1 series, so charts stay small whatever the log holds.
struct DashboardData
{
    TimeWindow window;
    store::UsageTotals totals;
    QList<ModelSeries> models;             // by spend, biggest first; "Other" last
    QList<store::UsageTotals> buckets;     // every model shown, per bucket

    double maxStacked(double (*value)(const store::UsageTotals &)) const;
};

// report covers the window (every model); rows are series() of the window, already
// restricted to modelFilter when one is set (then only that model is shown).
DashboardData buildDashboardData(const TimeWindow &window, const store::UsageReport &report,
                                 const QList<store::BucketRow> &rows, const QString &modelFilter,
                                 int maxModels);

// The models ranked as the charts stack them: by money spent, then saved, then requests.
QStringList rankModels(const QList<store::ModelUsage> &models);

double spentOf(const store::UsageTotals &totals);   // 0 when there is no price
double savedOf(const store::UsageTotals &totals);

} // namespace cachette::ui
