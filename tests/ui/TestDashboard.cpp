// DashboardView: tiles and charts from a request log with known lines (spent and saved per
// model and bucket, "no price" kept apart), range and model switching, top models + "Other",
// hover texts, the empty state, and live refresh as the proxy logs requests.

#include "dashboard/bucketcharts.h"
#include "common/format.h"
#include "dashboard/dashboardview.h"
#include "dashboard/statstile.h"
#include "dashboard/timewindow.h"
#include "dashboard/tokenschart.h"
#include "host/enginehost.h"
#include "fakeupstream.h"
#include "manualclock.h"
#include "store/store.h"
#include "uitest.h"

#include <QComboBox>
#include <QScopeGuard>
#include <QLabel>
#include <QSignalSpy>
#include <QToolTip>
#include <QtCharts/QBarSet>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QLineSeries>
#include <QtCharts/QPieSeries>
#include <QtCharts/QPieSlice>
#include <QtCharts/QStackedBarSeries>

#include <cmath>

using namespace cachette;
using namespace cachette::test;
using cachette::ui::BucketUnit;
using cachette::ui::DashboardView;
using cachette::ui::EngineHost;
using cachette::ui::RangeKind;
namespace fmt = cachette::ui::format;

namespace {

constexpr qint64 kHourMs = 3'600'000;

qint64 at(int daysAgo, int hour, int minute = 0)
{
    return QDateTime(clock::now().date().addDays(-daysAgo), QTime(hour, minute)).toMSecsSinceEpoch();
}

store::RequestLogRecord line(qint64 ts, const QString &model, const QString &outcome,
                             qint64 prompt, qint64 completion, std::optional<double> usd,
                             qint64 savedMs = 0)
{
    store::RequestLogRecord r;
    r.timestamp = ts;
    r.endpoint = QStringLiteral("chat/completions");
    r.model = model;
    r.outcome = store::parseOutcome(outcome).value();
    r.status = 200;
    r.usage = {prompt, completion, 0, true};
    const bool hit = outcome == QLatin1String("hit");
    r.costUsd = hit ? std::optional<double>(0.0) : usd;
    r.savedUsd = hit ? usd : std::optional<double>(0.0);
    r.savedMs = savedMs;
    r.priceKnown = usd.has_value();
    return r;
}

const QString k4o = QStringLiteral("gpt-4o");
const QString kMini = QStringLiteral("gpt-4o-mini");
const QString kLlama = QStringLiteral("llama3");
const QString kClaude = QStringLiteral("claude-3-5-sonnet");

// Today: gpt-4o pays once at 10:05 and is hit at 10:20; gpt-4o-mini pays at 14:10; llama3
// (no price) at 14:40. Earlier days fall into 7 days, 30 days or only All.
QList<store::RequestLogRecord> fixture()
{
    return {
        line(at(0, 10, 5), k4o, QStringLiteral("miss"), 1000, 200, 0.0123),
        line(at(0, 10, 20), k4o, QStringLiteral("hit"), 1000, 200, 0.0123, 200'000),
        line(at(0, 14, 10), kMini, QStringLiteral("miss"), 500, 100, 0.0004),
        line(at(0, 14, 40), kLlama, QStringLiteral("miss"), 300, 30, std::nullopt),
        line(at(1, 12), k4o, QStringLiteral("miss"), 2000, 500, 0.02),
        line(at(1, 12, 30), kMini, QStringLiteral("hit"), 500, 100, 0.0004, 800),
        line(at(3, 12), kClaude, QStringLiteral("miss"), 1000, 1000, 0.05),
        line(at(10, 12), k4o, QStringLiteral("miss"), 100, 100, 0.1),
        line(at(40, 12), kMini, QStringLiteral("miss"), 100, 100, 1.0),
    };
}

bool near(double a, double b)
{
    return std::fabs(a - b) <= 1e-9;
}

QBarSet *barSet(ui::MoneyChart *chart, const QString &model)
{
    for (QBarSet *set : chart->series()->barSets()) {
        if (set->label() == model)
            return set;
    }
    return nullptr;
}

QStringList setLabels(ui::MoneyChart *chart)
{
    QStringList labels;
    for (QBarSet *set : chart->series()->barSets())
        labels.append(set->label());
    return labels;
}

// Every value of a bar set but those at the given buckets is 0.
bool zeroElsewhere(const QBarSet *set, const QList<int> &buckets)
{
    for (int i = 0; i < set->count(); ++i) {
        if (!buckets.contains(i) && set->at(i) != 0)
            return false;
    }
    return true;
}

} // namespace

class TestDashboard : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    void init()
    {
        m_data = std::make_unique<QTemporaryDir>();
        m_host = std::make_unique<EngineHost>();
        QVERIFY(m_host->configure(testConfig(m_data->path(), 0)));
    }

    void cleanup()
    {
        m_host.reset();
        m_data.reset();
    }

    void formatsMoneyCountsAndDurations()
    {
        QCOMPARE(fmt::money(0.0), QStringLiteral("$0.00"));
        QCOMPARE(fmt::money(0.0042), QStringLiteral("$0.0042"));
        QCOMPARE(fmt::money(0.0000019), QStringLiteral("< $0.0001"));
        QCOMPARE(fmt::money(0.0127), QStringLiteral("$0.0127"));
        QCOMPARE(fmt::money(0.5), QStringLiteral("$0.50"));
        QCOMPARE(fmt::money(12.3), QStringLiteral("$12.30"));
        QCOMPARE(fmt::money(1234.5), QStringLiteral("$1,234.50"));
        QCOMPARE(fmt::money(std::nullopt), QStringLiteral("no price"));
        QCOMPARE(fmt::duration(200'000), QStringLiteral("3 min 20 s"));
        QCOMPARE(fmt::duration(850), QStringLiteral("850 ms"));
        QCOMPARE(fmt::duration(0), QStringLiteral("0 s"));
        QCOMPARE(fmt::duration(45'000), QStringLiteral("45 s"));
        QCOMPARE(fmt::duration(2 * kHourMs + 5 * 60'000), QStringLiteral("2 h 05 min"));
        QCOMPARE(fmt::compactCount(9'999), QStringLiteral("9,999"));
        QCOMPARE(fmt::compactCount(12'345), QStringLiteral("12.3 k"));
        QCOMPARE(fmt::compactCount(1'234'567), QStringLiteral("1.23 M"));
        QCOMPARE(fmt::percent(0.25), QStringLiteral("25.0 %"));
        QCOMPARE(fmt::percent(0.9999), QStringLiteral("99.9 %"));
        QCOMPARE(fmt::percent(1.0), QStringLiteral("100 %"));
        QCOMPARE(fmt::moneyAxisFormat(0.25), QStringLiteral("$%.2f"));
        QCOMPARE(fmt::moneyAxisFormat(5), QStringLiteral("$%.0f"));
        QCOMPARE(fmt::moneyAxisFormat(0.002), QStringLiteral("$%.3f"));
    }

    void windowsCutRangesIntoBuckets()
    {
        const QDateTime now = clock::now();
        const QDate today = now.date();
        const ui::TimeWindow todayWindow = ui::timeWindow(RangeKind::Today, now);
        QCOMPARE(todayWindow.unit, BucketUnit::Hour);
        QCOMPARE(todayWindow.fromMs, QDateTime(today, QTime(0, 0)).toMSecsSinceEpoch());
        QVERIFY(todayWindow.bucketCount >= 23 && todayWindow.bucketCount <= 25);   // clock changes
        const ui::TimeWindow week = ui::timeWindow(RangeKind::Week, now);
        QCOMPARE(week.unit, BucketUnit::Day);
        QCOMPARE(week.bucketCount, 7);
        QCOMPARE(ui::timeWindow(RangeKind::Month, now).bucketCount, 30);
        const ui::TimeWindow twoDays = ui::timeWindow(RangeKind::Custom, now, today, today.addDays(-1));
        QCOMPARE(twoDays.unit, BucketUnit::Hour);   // dates in either order
        QCOMPARE(twoDays.fromMs, QDateTime(today.addDays(-1), QTime(0, 0)).toMSecsSinceEpoch());
        const ui::TimeWindow year = ui::timeWindow(RangeKind::Custom, now, today.addDays(-363), today);   // 52 weeks
        QCOMPARE(year.unit, BucketUnit::Week);
        QCOMPARE(year.bucketCount, 52);
        const ui::TimeWindow all = ui::timeWindow(RangeKind::All, now, {}, {}, at(200, 9));
        QCOMPARE(all.unit, BucketUnit::Week);
        QCOMPARE(QDateTime::fromMSecsSinceEpoch(all.fromMs).date().dayOfWeek(), 1);   // a Monday
        const ui::TimeWindow decade = ui::timeWindow(RangeKind::Custom, now, today.addYears(-10), today);
        QVERIFY(decade.bucketCount <= 104);   // several weeks a bucket, not 520 bars
    }

    // New York's clocks went back an hour on 1 Nov 2026: that day has 25 hours, and a line at
    // 23:30 on 3 Nov still belongs to 3 Nov, not to the day after.
    void dayBucketsFollowClockChanges()
    {
        const QByteArray savedTz = qgetenv("TZ");
        qputenv("TZ", "America/New_York");
        const auto restore = qScopeGuard([&] {
            savedTz.isNull() ? qunsetenv("TZ") : qputenv("TZ", savedTz);
        });
        const QDate first(2026, 10, 25);
        const QDate late(2026, 11, 3);
        const ui::TimeWindow window = ui::timeWindow(RangeKind::Custom, clock::now(),
                                                     first, QDate(2026, 11, 5));
        QCOMPARE(window.unit, BucketUnit::Day);
        QCOMPARE(window.bucketCount, 12);
        QCOMPARE(window.runs().size(), 3);   // 24 h days, the 25 h day, 24 h days
        QCOMPARE(window.runs().at(1).bucketMs, 25 * kHourMs);
        const qint64 lateNight = QDateTime(late, QTime(23, 30)).toMSecsSinceEpoch();
        QCOMPARE(window.bucketOf(lateNight), 9);
        QCOMPARE(window.axisLabel(9), QStringLiteral("3 Nov"));

        logLines({line(lateNight, k4o, QStringLiteral("miss"), 10, 10, 0.25)});
        DashboardView view(m_host.get());
        view.show();
        view.setCustomRange(first, QDate(2026, 11, 5));
        QBarSet *spent = barSet(view.spentChart(), k4o);
        QVERIFY(near(spent->at(9), 0.25));
        QVERIFY(zeroElsewhere(spent, {9}));
    }

    void showsAFriendlyEmptyStateUntilRequestsArrive()
    {
        DashboardView view(m_host.get());
        view.show();
        QVERIFY(view.isEmptyStateShown());   // no database file yet
        QVERIFY2(view.emptyText().startsWith(QStringLiteral("No requests yet — point a client at %1")
                                                 .arg(m_host->baseUrl())),
                 qPrintable(view.emptyText()));
        logLines({});   // the file exists now, with an empty log
        view.refresh();
        QVERIFY(view.isEmptyStateShown());
        logLines(fixture());
        view.refresh();
        QVERIFY(!view.isEmptyStateShown());
    }

    void tilesSumTheRange()
    {
        logLines(fixture());
        DashboardView view(m_host.get());
        view.show();
        view.setRange(RangeKind::Today);
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("4"));
        QCOMPARE(tileNote(view, "requestsTile"), QStringLiteral("3 models"));
        QCOMPARE(tileValue(view, "hitRateTile"), QStringLiteral("25.0 %"));
        QCOMPARE(tileNote(view, "hitRateTile"), QStringLiteral("1 hit of 4"));
        QCOMPARE(tileValue(view, "spentTile"), QStringLiteral("$0.0127"));
        QCOMPARE(tileNote(view, "spentTile"), QStringLiteral("excl. 1 unpriced"));
        QCOMPARE(tileValue(view, "savedTile"), QStringLiteral("$0.0123"));
        QCOMPARE(tileValue(view, "tokensSavedTile"), QStringLiteral("1,200"));
        QCOMPARE(tileNote(view, "tokensSavedTile"), QStringLiteral("2,130 spent"));
        QCOMPARE(tileValue(view, "timeSavedTile"), QStringLiteral("3 min 20 s"));

        view.setRange(RangeKind::Week);
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("7"));
        QCOMPARE(tileValue(view, "spentTile"), QStringLiteral("$0.0827"));
        QCOMPARE(tileValue(view, "savedTile"), QStringLiteral("$0.0127"));
        view.setRange(RangeKind::Month);
        QCOMPARE(tileValue(view, "spentTile"), QStringLiteral("$0.183"));
        view.setRange(RangeKind::All);
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("9"));
        QCOMPARE(tileValue(view, "spentTile"), QStringLiteral("$1.18"));
    }

    // One line per provider route under the tiles, once there is more than the default /v1.
    void routesAreSummedWhenThereAreSeveral()
    {
        logLines(fixture());
        DashboardView view(m_host.get());
        view.show();
        view.setRange(RangeKind::Today);
        auto *routes = view.findChild<QLabel *>(QStringLiteral("routeSummary"));
        QVERIFY(routes && !routes->isVisible());   // every line on the default route

        QList<store::RequestLogRecord> routed{
            line(at(0, 15), kClaude, QStringLiteral("miss"), 100, 10, 0.01),
            line(at(0, 15, 5), kClaude, QStringLiteral("hit"), 100, 10, 0.01, 900)};
        for (store::RequestLogRecord &r : routed)
            r.route = QStringLiteral("anthropic");
        logLines(routed);
        view.refresh();
        QTRY_VERIFY(routes->isVisible());
        const QString text = routes->text();
        QVERIFY2(text.contains(QStringLiteral("<b>/anthropic</b> 2 requests, 50.0 % hits, $0.01 saved")),
                 qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("<b>Default (/v1)</b> 4 requests, 25.0 % hits")),
                 qPrintable(text));
    }

    void aRangeWithoutAnyPriceSaysSo()
    {
        logLines({line(at(0, 9), kLlama, QStringLiteral("miss"), 10, 10, std::nullopt),
                  line(at(1, 9), k4o, QStringLiteral("miss"), 10, 10, 0.5)});
        DashboardView view(m_host.get());
        view.show();
        view.setRange(RangeKind::Today);
        QCOMPARE(tileValue(view, "spentTile"), QStringLiteral("no price"));
        QCOMPARE(tileNote(view, "spentTile"), QStringLiteral("excl. 1 unpriced"));
        QVERIFY(view.findChild<QLabel *>(QStringLiteral("modelLegend"))->text().contains(
            QStringLiteral("(no&nbsp;price)")));
    }

    void todayIsCutIntoHours()
    {
        logLines(fixture());
        DashboardView view(m_host.get());
        view.show();
        view.setRange(RangeKind::Today);
        const ui::TimeWindow &window = view.data().window;
        QCOMPARE(window.unit, BucketUnit::Hour);
        const int ten = window.bucketOf(at(0, 10, 5));
        const int two = window.bucketOf(at(0, 14, 10));
        QCOMPARE(window.bucketOf(at(0, 10, 20)), ten);
        QCOMPARE(two - ten, 4);

        // Stacked by spend: gpt-4o, gpt-4o-mini, then llama3 (no price, nothing to stack).
        QCOMPARE(setLabels(view.spentChart()), (QStringList{k4o, kMini, kLlama}));
        QBarSet *spent4o = barSet(view.spentChart(), k4o);
        QCOMPARE(spent4o->count(), window.bucketCount);
        QVERIFY(near(spent4o->at(ten), 0.0123));
        QVERIFY(zeroElsewhere(spent4o, {ten}));
        QVERIFY(near(barSet(view.spentChart(), kMini)->at(two), 0.0004));
        QVERIFY(zeroElsewhere(barSet(view.spentChart(), kLlama), {}));
        QBarSet *saved4o = barSet(view.savedChart(), k4o);
        QVERIFY(near(saved4o->at(ten), 0.0123));
        QVERIFY(zeroElsewhere(saved4o, {ten}));

        // The hit rate has a point per bucket with requests: 1 of 2 at ten, 0 of 2 at two.
        QCOMPARE(view.hitRateChart()->series()->points(),
                 (QList<QPointF>{QPointF(ten, 50.0), QPointF(two, 0.0)}));

        // Tokens per model, spent and saved together, in the same colours as the bars.
        const QList<QPieSlice *> slices = view.tokensChart()->series()->slices();
        QCOMPARE(slices.size(), 3);
        QCOMPARE(slices.at(0)->value(), 2400.0);
        QCOMPARE(slices.at(1)->value(), 600.0);
        QCOMPARE(slices.at(2)->value(), 330.0);
        QCOMPARE(slices.at(0)->color(), spent4o->color());
        QCOMPARE(barSet(view.savedChart(), k4o)->color(), spent4o->color());
        QVERIFY(spent4o->color() != barSet(view.spentChart(), kMini)->color());
    }

    void weekIsCutIntoDays()
    {
        logLines(fixture());
        DashboardView view(m_host.get());
        view.show();
        view.setRange(RangeKind::Week);
        QCOMPARE(view.data().window.unit, BucketUnit::Day);
        QCOMPARE(view.data().window.bucketCount, 7);
        QCOMPARE(setLabels(view.spentChart()), (QStringList{kClaude, k4o, kMini, kLlama}));
        QBarSet *spent4o = barSet(view.spentChart(), k4o);
        QCOMPARE(spent4o->count(), 7);
        QVERIFY(near(spent4o->at(6), 0.0123));   // today
        QVERIFY(near(spent4o->at(5), 0.02));     // yesterday
        QVERIFY(zeroElsewhere(spent4o, {5, 6}));
        QVERIFY(near(barSet(view.spentChart(), kClaude)->at(3), 0.05));
        QBarSet *savedMini = barSet(view.savedChart(), kMini);
        QVERIFY(near(savedMini->at(5), 0.0004));
        QVERIFY(zeroElsewhere(savedMini, {5}));
        // 1 hit of 2 yesterday, 1 of 4 today, claude's miss three days ago.
        QCOMPARE(view.hitRateChart()->series()->points(),
                 (QList<QPointF>{QPointF(3, 0.0), QPointF(5, 50.0), QPointF(6, 25.0)}));
        // Labels fit the width: every day at 1280 px, fewer at a narrow width, never overlapping.
        view.resize(1280, 800);
        QCOMPARE(view.spentChart()->timeLabels().size(), 7);
        QCOMPARE(view.spentChart()->timeLabels().constLast(),
                 QLocale().toString(clock::now().date(), QStringLiteral("d MMM")));

        view.setRange(RangeKind::Month);
        QCOMPARE(view.data().window.bucketCount, 30);
        QVERIFY(near(barSet(view.spentChart(), k4o)->at(19), 0.1));   // ten days ago
        view.resize(800, 600);
        QVERIFY(view.spentChart()->timeLabels().size() < 30);
    }

    void customRangeAndAllPickTheirBuckets()
    {
        logLines(fixture());
        DashboardView view(m_host.get());
        view.show();
        view.setCustomRange(clock::now().date().addDays(-1), clock::now().date());
        QCOMPARE(view.range(), RangeKind::Custom);
        QCOMPARE(view.data().window.unit, BucketUnit::Hour);
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("6"));
        QVERIFY(view.findChild<QWidget *>(QStringLiteral("customFrom"))->isVisible());

        view.setCustomRange(clock::now().date().addDays(-3), clock::now().date().addDays(-3));
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("1"));
        QCOMPARE(setLabels(view.spentChart()), QStringList{kClaude});

        view.setRange(RangeKind::All);   // from the oldest line, 40 days ago
        QVERIFY(!view.findChild<QWidget *>(QStringLiteral("customFrom"))->isVisible());
        QCOMPARE(view.data().window.unit, BucketUnit::Day);
        QCOMPARE(view.data().window.bucketCount, 41);
        QVERIFY(near(barSet(view.spentChart(), kMini)->at(0), 1.0));
    }

    void modelFilterRestrictsEverything()
    {
        logLines(fixture());
        DashboardView view(m_host.get());
        view.show();
        QCOMPARE(view.models(), (QStringList{kClaude, k4o, kMini, kLlama}));
        auto *combo = view.findChild<QComboBox *>(QStringLiteral("modelFilter"));
        QCOMPARE(combo->itemText(0), QStringLiteral("All models"));

        view.setRange(RangeKind::Week);
        view.setModelFilter(kMini);
        QCOMPARE(setLabels(view.spentChart()), QStringList{kMini});
        QCOMPARE(setLabels(view.savedChart()), QStringList{kMini});
        QCOMPARE(view.tokensChart()->series()->count(), 1);
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("2"));
        QCOMPARE(tileValue(view, "hitRateTile"), QStringLiteral("50.0 %"));
        QCOMPARE(tileValue(view, "spentTile"), QStringLiteral("$0.0004"));
        QCOMPARE(view.hitRateChart()->series()->points(),
                 (QList<QPointF>{QPointF(5, 100.0), QPointF(6, 0.0)}));

        view.setRange(RangeKind::Today);   // the filter stays
        QCOMPARE(view.modelFilter(), kMini);
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("1"));
        view.setModelFilter(QString());
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("4"));
    }

    void topModelsAndOtherKeepTheChartsSmall()
    {
        QList<store::RequestLogRecord> lines;
        for (int m = 0; m < 10; ++m)   // model-9 spends most, model-0 least
            lines.append(line(at(0, 9), QStringLiteral("model-%1").arg(m), QStringLiteral("miss"),
                              10, 10, 0.01 * (m + 1)));
        logLines(lines);
        DashboardView view(m_host.get());
        view.show();
        view.setRange(RangeKind::Today);
        const QStringList labels = setLabels(view.spentChart());
        QCOMPARE(labels.size(), DashboardView::kMaxModels + 1);
        QCOMPARE(labels.constFirst(), QStringLiteral("model-9"));
        QCOMPARE(labels.constLast(), QStringLiteral("Other (3 models)"));
        const int nine = view.data().window.bucketOf(at(0, 9));
        QVERIFY(near(view.spentChart()->series()->barSets().constLast()->at(nine), 0.01 + 0.02 + 0.03));
        QCOMPARE(view.tokensChart()->series()->count(), DashboardView::kMaxModels + 1);
        // Eight distinct colours.
        QSet<QRgb> colors;
        for (QBarSet *set : view.spentChart()->series()->barSets())
            colors.insert(set->color().rgb());
        QCOMPARE(colors.size(), DashboardView::kMaxModels + 1);
    }

    void hoverShowsExactValues()
    {
        logLines(fixture());
        DashboardView view(m_host.get());
        view.resize(1280, 800);   // every chart in sight, none scrolled away
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setRange(RangeKind::Week);
        const QString yesterday = view.data().window.title(5);
        QCOMPARE(yesterday, QLocale().toString(clock::now().date().addDays(-1), QStringLiteral("ddd d MMM")));

        Q_EMIT barSet(view.spentChart(), k4o)->hovered(true, 5);
        QCOMPARE(QToolTip::text(), QStringLiteral("gpt-4o · %1: $0.02 spent\n1 request upstream").arg(yesterday));
        Q_EMIT barSet(view.savedChart(), kMini)->hovered(true, 5);
        QCOMPARE(QToolTip::text(), QStringLiteral("gpt-4o-mini · %1: $0.0004 saved\n1 hit").arg(yesterday));
        QCOMPARE(view.spentChart()->hoverText(3, 6),   // llama3 today: nothing known
                 QStringLiteral("llama3 · %1: $0.00 spent\n1 request upstream, 1 without a price")
                     .arg(view.data().window.title(6)));
        Q_EMIT view.hitRateChart()->series()->hovered(QPointF(5.2, 48), true);
        QCOMPARE(QToolTip::text(), QStringLiteral("%1: 50.0 % hit rate\n1 hit of 2 requests").arg(yesterday));
        Q_EMIT view.tokensChart()->series()->slices().at(1)->hovered(true);   // gpt-4o
        QCOMPARE(QToolTip::text(), QStringLiteral("gpt-4o: 4,900 tokens (58.1 %)\n3,700 spent, 1,200 saved by the cache"));
        Q_EMIT barSet(view.spentChart(), k4o)->hovered(false, 5);
        QTRY_VERIFY(!QToolTip::isVisible());

        // The real thing: the mouse over yesterday's gpt-4o bar.
        ui::MoneyChart *chart = view.spentChart();
        const QPointF middle = chart->chart()->mapToPosition(QPointF(5, 0.01), chart->series());
        // Through the window: QTest::mouseMove(QWidget *) only moves the cursor, which
        // produces no event on the offscreen platform.
        const QPoint inWindow = chart->viewport()->mapTo(&view, chart->mapFromScene(middle));
        QTest::mouseMove(view.windowHandle(), inWindow - QPoint(0, 40));   // above the bars first
        QTest::mouseMove(view.windowHandle(), inWindow);
        QTRY_COMPARE(QToolTip::text(), QStringLiteral("gpt-4o · %1: $0.02 spent\n1 request upstream").arg(yesterday));
    }

    void refreshesLiveAsTheProxyLogsRequests()
    {
        FakeUpstream upstream;
        QVERIFY(upstream.start());
        logLines(fixture());
        UI_START_HOST(m_host, testConfig(m_data->path(), 0, upstream.baseUrl()));

        DashboardView view(m_host.get());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setRange(RangeKind::Today);
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("4"));
        QSignalSpy refreshed(&view, &DashboardView::refreshed);

        chat(QStringLiteral("live"));      // gpt-4o-mini: a miss…
        chat(QStringLiteral("live"));      // …and a hit
        QTRY_COMPARE(tileValue(view, "requestsTile"), QStringLiteral("6"));
        QCOMPARE(tileValue(view, "hitRateTile"), QStringLiteral("33.3 %"));
        QVERIFY2(refreshed.count() <= 2, "requests in a burst are one refresh");
        QCOMPARE(view.hitRateChart()->series()->count() > 0, true);

        // A model seen for the first time joins the filter.
        ProxyClient client(rootOf(m_host->baseUrl()));
        QJsonObject request = chatRequest(QStringLiteral("new model"));
        request[QStringLiteral("model")] = QStringLiteral("gpt-4.1-nano");
        QCOMPARE(client.post(QStringLiteral("/v1/chat/completions"), request).status, 200);
        QTRY_VERIFY(view.models().contains(QStringLiteral("gpt-4.1-nano")));
    }

    void aHiddenPageCatchesUpWhenShown()
    {
        logLines(fixture());
        DashboardView view(m_host.get());
        view.setRange(RangeKind::Today);
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("4"));
        logLines({line(at(0, 8), k4o, QStringLiteral("miss"), 1, 1, 0.001)});
        Q_EMIT m_host->requestLogged(store::RequestLogRecord());   // as the engine would
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("4"));   // hidden: no work
        view.show();
        QCOMPARE(tileValue(view, "requestsTile"), QStringLiteral("5"));
    }

private:
    // "Now" is a fixed afternoon: the ranges (Today, 7 days) and the day labels do not depend on
    // when the suite runs, nor break when it runs across midnight.
    ManualClock m_clock { QDateTime(QDate(2026, 12, 2), QTime(15, 0)).toMSecsSinceEpoch() };

    // Writes lines into the data dir's database the way the engine does, through a Store.
    void logLines(const QList<store::RequestLogRecord> &lines)
    {
        store::Store store;
        QString error;
        QVERIFY2(store.open(m_data->path(), &error), qPrintable(error));
        for (const store::RequestLogRecord &record : lines)
            store.logRequest(record);
        store.flush();
    }

    void chat(const QString &prompt)
    {
        ProxyClient client(rootOf(m_host->baseUrl()));
        QCOMPARE(client.post(QStringLiteral("/v1/chat/completions"), chatRequest(prompt)).status, 200);
    }

    static QString tileValue(const DashboardView &view, const char *name)
    {
        return view.tile(QString::fromLatin1(name))->value();
    }

    static QString tileNote(const DashboardView &view, const char *name)
    {
        return view.tile(QString::fromLatin1(name))->note();
    }

    std::unique_ptr<QTemporaryDir> m_data;
    std::unique_ptr<EngineHost> m_host;
};

CACHETTE_UI_TEST_MAIN(TestDashboard)
#include "TestDashboard.moc"
