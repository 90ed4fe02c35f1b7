#include "dashboarddata.h"

#include <QHash>

#include <algorithm>

namespace cachette::ui {

using store::UsageTotals;

double spentOf(const UsageTotals &totals)
{
    return totals.costUsd.value_or(0.0);
}

double savedOf(const UsageTotals &totals)
{
    return totals.savedUsd.value_or(0.0);
}

QString ModelSeries::displayName() const
{
    if (isOther)
        return QStringLiteral("Other (%1 models)").arg(otherModels);
    return name.isEmpty() ? QStringLiteral("(no model)") : name;
}

double DashboardData::maxStacked(double (*value)(const UsageTotals &)) const
{
    double best = 0;
    for (int i = 0; i < window.bucketCount; ++i) {
        double sum = 0;
        for (const ModelSeries &model : models)
            sum += value(model.buckets.at(i));
        best = qMax(best, sum);
    }
    return best;
}

QStringList rankModels(const QList<store::ModelUsage> &models)
{
    QList<store::ModelUsage> sorted = models;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
        const auto key = [](const UsageTotals &t) {
            return std::tuple(spentOf(t), savedOf(t), t.requests);
        };
        return key(a.usage) > key(b.usage);
    });
    QStringList names;
    for (const store::ModelUsage &model : sorted)
        names.append(model.model);
    return names;
}

namespace {

ModelSeries emptySeries(const QString &name, int buckets)
{
    ModelSeries series;
    series.name = name;
    series.buckets.resize(buckets);
    return series;
}

// The series to show: the top maxModels and, when more models had lines, "Other".
QList<ModelSeries> chooseSeries(const store::UsageReport &report, const QString &modelFilter,
                                int maxModels, int buckets, QHash<QString, int> *slotOf)
{
    QStringList ranked = rankModels(report.models);
    if (!modelFilter.isEmpty())
        ranked = QStringList{modelFilter};
    QList<ModelSeries> series;
    for (const QString &name : ranked) {
        if (series.size() == maxModels) {
            series.append(emptySeries(QString(), buckets));
            series.last().isOther = true;
            series.last().otherModels = int(ranked.size()) - maxModels;
            break;
        }
        slotOf->insert(name, int(series.size()));
        series.append(emptySeries(name, buckets));
    }
    return series;
}

} // namespace

DashboardData buildDashboardData(const TimeWindow &window, const store::UsageReport &report,
                                 const QList<store::BucketRow> &rows, const QString &modelFilter,
                                 int maxModels)
{
    DashboardData data;
    data.window = window;
    data.buckets.resize(window.bucketCount);
    QHash<QString, int> slotOf;
    data.models = chooseSeries(report, modelFilter, maxModels, window.bucketCount, &slotOf);
    const int other = data.models.isEmpty() || !data.models.last().isOther
                          ? -1 : int(data.models.size()) - 1;
    for (const store::BucketRow &row : rows) {
        const int slot = slotOf.value(row.model, other);
        if (slot < 0)
            continue;   // a line logged after the report was read: the next refresh has it
        const int bucket = window.bucketOf(row.startMs);
        data.models[slot].buckets[bucket].add(row.usage);
        data.models[slot].totals.add(row.usage);
        data.buckets[bucket].add(row.usage);
    }
    if (modelFilter.isEmpty()) {
        data.totals = report.totals;
    } else {
        for (const store::ModelUsage &model : report.models) {
            if (model.model == modelFilter)
                data.totals = model.usage;
        }
    }
    return data;
}

} // namespace cachette::ui
