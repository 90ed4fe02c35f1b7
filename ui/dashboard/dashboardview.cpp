#include "dashboardview.h"

#include "bucketcharts.h"
#include "clock.h"
#include "common/format.h"
#include "common/proxystate.h"
#include "dashboardrangebar.h"
#include "host/enginehost.h"
#include "statstile.h"
#include "tokenschart.h"

#include <QFile>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QScrollArea>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace cachette::ui {

namespace fmt = format;

namespace {

constexpr int kWideTiles = 900;    // px of page width from which six tiles share one row
constexpr int kWideCharts = 700;   // px from which charts sit two abreast
constexpr int kChartHeight = 250;  // minimum: below it axes and bars get cramped

// Tiles and charts are white cards on the window's grey, as in most dashboards.
const char *kStyle = R"(
QFrame[dashboardCard="true"] { background: white; border: 1px solid rgba(0, 0, 0, 0.11); border-radius: 8px; }
QToolButton[rangeButton="true"] { padding: 4px 11px; border: 1px solid rgba(0, 0, 0, 0.18);
    border-left: none; background: palette(base); }
QToolButton[rangeButton="true"][first="true"] { border-left: 1px solid rgba(0, 0, 0, 0.18);
    border-top-left-radius: 5px; border-bottom-left-radius: 5px; }
QToolButton[rangeButton="true"][last="true"] { border-top-right-radius: 5px; border-bottom-right-radius: 5px; }
QToolButton[rangeButton="true"]:checked { background: rgba(59, 125, 216, 0.18); }
QToolButton[rangeButton="true"]:hover:!checked { background: rgba(127, 127, 127, 0.10); }
QScrollArea#dashboardScroll, QWidget#dashboardContent { background: transparent; }
)";

struct TileSpec
{
    const char *name;
    const char *caption;
};

const TileSpec kTiles[] = {
    {"requestsTile", "Requests"},  {"hitRateTile", "Hit rate"},
    {"spentTile", "Spent"},        {"savedTile", "Saved"},
    {"tokensSavedTile", "Tokens saved"}, {"timeSavedTile", "Time saved"},
};

// "no price" when not one line had a figure, and otherwise the sum with what it leaves out:
// lines without a price (a model missing from the price table, no usage) are not zero.
void setMoneyTile(StatsTile *tile, const std::optional<double> &usd, const store::UsageTotals &t,
                  const QString &fallbackNote)
{
    QString toolTip = usd ? QStringLiteral("$%1").arg(*usd, 0, 'f', 6) : QString();
    if (t.unpricedRequests > 0)
        toolTip += QStringLiteral("\nNot counted: %1 without a price (model not in the price table, "
                                  "or no token counts)")
                       .arg(fmt::plural(t.unpricedRequests, QStringLiteral("request"),
                                        QStringLiteral("requests")));
    tile->setValue(t.requests > 0 ? fmt::money(usd) : fmt::money(0.0), toolTip.trimmed());
    tile->setNote(t.unpricedRequests > 0
                      ? QStringLiteral("excl. %1 unpriced").arg(fmt::count(t.unpricedRequests))
                      : fallbackNote);
}

// Widgets to a grid of columns, in reading order; a widget already there is moved, not added twice.
void placeInGrid(QGridLayout *grid, const QList<QWidget *> &widgets, int columns)
{
    for (QWidget *widget : widgets)
        grid->removeWidget(widget);
    for (int i = 0; i < widgets.size(); ++i)
        grid->addWidget(widgets.at(i), i / columns, i % columns);
    for (int c = 0; c < grid->columnCount(); ++c)
        grid->setColumnStretch(c, c < columns ? 1 : 0);
}

} // namespace

DashboardView::DashboardView(EngineHost *host, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
{
    setObjectName(QStringLiteral("dashboard"));
    setStyleSheet(QString::fromLatin1(kStyle));
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(kRefreshDelayMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &DashboardView::refresh);
    // "Today" moves at midnight even when no request arrives.
    m_clock.setInterval(60'000);
    connect(&m_clock, &QTimer::timeout, this, [this] {
        if (m_refreshedOn != clock::now().date())
            scheduleRefresh();
    });
    m_clock.start();

    m_stack = new QStackedWidget;
    m_stack->addWidget(buildContent());
    m_stack->addWidget(buildEmptyPage());
    m_rangeBar = new DashboardRangeBar;
    connect(m_rangeBar, &DashboardRangeBar::changed, this, &DashboardView::refresh);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 12, 16, 8);
    layout->setSpacing(10);
    layout->addWidget(m_rangeBar);
    layout->addWidget(m_stack, 1);

    connect(m_host, &EngineHost::requestLogged, this, &DashboardView::onRequestLogged);
    connect(m_host, &EngineHost::stateChanged, this, &DashboardView::scheduleRefresh);
    refresh();
}

QWidget *DashboardView::buildEmptyPage()
{
    auto *icon = new QLabel;
    const QString iconPath = QStringLiteral(":/icons/page-dashboard.svg");
    if (QFile::exists(iconPath))   // the shell's resources; a view on its own (tests) has none
        icon->setPixmap(QIcon(iconPath).pixmap(56, 56, QIcon::Disabled));
    icon->setAlignment(Qt::AlignCenter);
    m_empty = new QLabel;
    m_empty->setObjectName(QStringLiteral("dashboardEmpty"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(40, 40, 40, 40);
    layout->setSpacing(14);
    layout->addStretch(1);
    layout->addWidget(icon);
    layout->addWidget(m_empty);
    layout->addStretch(1);
    return page;
}

QWidget *DashboardView::buildContent()
{
    auto *content = new QWidget;
    content->setObjectName(QStringLiteral("dashboardContent"));
    auto *layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(10);
    layout->addWidget(buildTiles());
    m_legend = new QLabel;
    m_legend->setObjectName(QStringLiteral("modelLegend"));
    m_legend->setWordWrap(true);
    m_legend->setTextFormat(Qt::RichText);
    layout->addWidget(m_legend);
    m_routes = new QLabel;
    m_routes->setObjectName(QStringLiteral("routeSummary"));
    m_routes->setWordWrap(true);
    m_routes->setTextFormat(Qt::RichText);
    m_routes->hide();
    layout->addWidget(m_routes);
    layout->addWidget(buildCharts(), 1);

    auto *scroll = new QScrollArea;
    scroll->setObjectName(QStringLiteral("dashboardScroll"));
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return scroll;
}

QWidget *DashboardView::buildTiles()
{
    auto *tiles = new QWidget;
    m_tileGrid = new QGridLayout(tiles);
    m_tileGrid->setContentsMargins(0, 0, 0, 0);
    m_tileGrid->setSpacing(10);
    for (const TileSpec &spec : kTiles)
        m_tiles.append(new StatsTile(QString::fromLatin1(spec.name), QString::fromLatin1(spec.caption)));
    return tiles;
}

QWidget *DashboardView::buildCharts()
{
    m_spent = new MoneyChart(MoneyChart::Kind::Spent);
    m_saved = new MoneyChart(MoneyChart::Kind::Saved);
    m_hitRate = new HitRateChart;
    m_tokens = new TokensChart;
    auto *grid = new QWidget;
    m_chartGrid = new QGridLayout(grid);
    m_chartGrid->setContentsMargins(0, 0, 0, 0);
    m_chartGrid->setSpacing(10);
    for (QWidget *chart : std::initializer_list<QWidget *>{m_spent, m_saved, m_hitRate, m_tokens})
        chart->setMinimumHeight(kChartHeight);

    m_rangeEmpty = new QLabel;
    m_rangeEmpty->setObjectName(QStringLiteral("rangeEmpty"));
    m_rangeEmpty->setAlignment(Qt::AlignCenter);
    m_rangeEmpty->setWordWrap(true);
    m_rangeEmpty->setForegroundRole(QPalette::PlaceholderText);
    m_chartStack = new QStackedWidget;
    m_chartStack->addWidget(grid);
    m_chartStack->addWidget(m_rangeEmpty);
    return m_chartStack;
}

// Six tiles in a row when they fit, else two rows of three; charts two abreast or stacked.
void DashboardView::arrange()
{
    const int tileColumns = width() >= kWideTiles ? 6 : 3;
    if (tileColumns != m_tileColumns) {
        m_tileColumns = tileColumns;
        placeInGrid(m_tileGrid, QList<QWidget *>(m_tiles.cbegin(), m_tiles.cend()), tileColumns);
    }
    const int chartColumns = width() >= kWideCharts ? 2 : 1;
    if (chartColumns != m_chartColumns) {
        m_chartColumns = chartColumns;
        placeInGrid(m_chartGrid, {m_spent, m_saved, m_hitRate, m_tokens}, chartColumns);
    }
}

void DashboardView::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    arrange();
}

void DashboardView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    arrange();
    if (m_stale || m_refreshedOn != clock::now().date())
        refresh();
}

void DashboardView::setRange(RangeKind kind)
{
    m_rangeBar->setRange(kind);
    refresh();
}

void DashboardView::setCustomRange(QDate from, QDate to)
{
    m_rangeBar->setCustomDates(from, to);
    setRange(RangeKind::Custom);
}

void DashboardView::setModelFilter(const QString &model)
{
    m_rangeBar->selectModel(model);
    refresh();
}

RangeKind DashboardView::range() const
{
    return m_rangeBar->range();
}

QString DashboardView::modelFilter() const
{
    return m_rangeBar->model();
}

QStringList DashboardView::models() const
{
    return m_rangeBar->models();
}

StatsTile *DashboardView::tile(const QString &objectName) const
{
    for (StatsTile *tile : m_tiles) {
        if (tile->objectName() == objectName)
            return tile;
    }
    return nullptr;
}

bool DashboardView::isEmptyStateShown() const
{
    return m_stack->currentIndex() == 1;
}

QString DashboardView::emptyText() const
{
    return m_empty->text();
}

void DashboardView::onRequestLogged(const store::RequestLogRecord &record)
{
    if (!m_knownModels.contains(record.model))
        m_modelsStale = true;
    scheduleRefresh();
}

// At most one refresh per kRefreshDelayMs however fast requests arrive: the timer is not
// restarted by each one, so a steady stream still shows up twice a second. A hidden page
// only notes that it is behind.
void DashboardView::scheduleRefresh()
{
    if (!isVisible()) {
        m_stale = true;
        return;
    }
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

// The file appears at the engine's first start and moves with the data directory.
bool DashboardView::ensureOpen(QString *error)
{
    const QString path = m_host->databasePath();
    if (m_stats.isOpen() && m_statsPath == path)
        return true;
    m_modelsStale = true;
    m_statsPath.clear();
    if (!m_stats.open(path, error))
        return false;
    m_statsPath = path;
    return true;
}

// The filter offers every model in the log; read again only when a new one shows up.
bool DashboardView::updateModels(QString *error)
{
    if (!m_modelsStale && !m_knownModels.isEmpty())   // an empty log is cheap to read again
        return true;
    const std::optional<store::UsageReport> all = m_stats.report(0, store::UsageStats::kOpenEnd, error);
    if (!all)
        return false;
    m_modelsStale = false;
    m_knownModels.clear();
    QStringList names;
    for (const store::ModelUsage &model : all->models) {
        m_knownModels.insert(model.model);
        if (!model.model.isEmpty())
            names.append(model.model);
    }
    names.sort(Qt::CaseInsensitive);
    m_rangeBar->setModels(names);
    return true;
}

// The oldest line, for All: forEachRequest walks the ts index from the start, and stops at once.
std::optional<qint64> DashboardView::firstLineMs() const
{
    std::optional<qint64> first;
    m_stats.forEachRequest(0, store::UsageStats::kOpenEnd, [&](const store::RequestLogRecord &line) {
        first = line.timestamp;
        return false;
    });
    return first;
}

TimeWindow DashboardView::currentWindow() const
{
    const RangeKind kind = m_rangeBar->range();
    const std::optional<qint64> first = kind == RangeKind::All ? firstLineMs() : std::nullopt;
    return timeWindow(kind, clock::now(), m_rangeBar->customFrom(),
                      m_rangeBar->customTo(), first);
}

void DashboardView::refresh()
{
    m_refreshTimer.stop();
    m_stale = false;
    m_refreshedOn = clock::now().date();
    QString error;
    const bool opened = ensureOpen(&error);
    if (!opened || !updateModels(&error)) {
        // A missing file only means the proxy has not run yet: that is the empty page, not an error.
        const bool missing = !opened && !QFileInfo::exists(m_host->databasePath());
        showEmpty(missing ? QString() : asSentence(error));
        return;
    }
    if (m_knownModels.isEmpty()) {
        showEmpty(QString());
        return;
    }
    const TimeWindow window = currentWindow();
    const std::optional<store::UsageReport> report = m_stats.report(window.fromMs, window.toMs, &error);
    const QList<store::BucketRow> rows = report ? readSeries(window, &error) : QList<store::BucketRow>();
    if (!report || !error.isEmpty()) {
        showEmpty(asSentence(error));
        return;
    }
    m_data = buildDashboardData(window, *report, rows, modelFilter(), kMaxModels);
    showData();
    // Per route only when there is more than the default /v1: most people have just that.
    const auto routes = m_stats.reportByRoute(window.fromMs, window.toMs, &error);
    const bool several = routes && !routes->isEmpty()
                         && !(routes->size() == 1 && routes->first().route.isEmpty());
    m_routes->setText(several ? fmt::routeSummaryText(*routes) : QString());
    m_routes->setVisible(several);
}

// One series() per run of equal buckets: a day the clocks change is 23 or 25 hours long, and
// buckets of a fixed length would drift off midnight after it.
QList<store::BucketRow> DashboardView::readSeries(const TimeWindow &window, QString *error) const
{
    QList<store::BucketRow> rows;
    for (const TimeWindow::Run &run : window.runs()) {
        rows += m_stats.series(run.fromMs, run.toMs, run.bucketMs, modelFilter(), error);
        if (!error->isEmpty())
            break;
    }
    return rows;
}

void DashboardView::showEmpty(const QString &problem)
{
    m_data = DashboardData();
    const QString url = m_host->baseUrl().isEmpty() ? m_host->config().baseUrl() : m_host->baseUrl();
    m_empty->setText(problem.isEmpty()
                         ? QStringLiteral("No requests yet — point a client at %1\n\nWhat each model "
                                          "costs, and what the cache saves you, shows up here as "
                                          "requests arrive.").arg(url)
                         : QStringLiteral("The usage statistics cannot be read.\n%1").arg(problem));
    m_stack->setCurrentIndex(1);
    m_rangeBar->hide();   // nothing to choose from yet
    Q_EMIT refreshed();
}

void DashboardView::showData()
{
    QStringList names;
    for (const ModelSeries &model : std::as_const(m_data.models))
        names.append(model.name);
    m_palette.assign(names);
    updateTiles();
    updateLegend();
    m_spent->setData(m_data, m_palette);
    m_saved->setData(m_data, m_palette);
    m_hitRate->setData(m_data);
    m_tokens->setData(m_data, m_palette);
    m_rangeEmpty->setText(QStringLiteral("No requests in this range."));
    m_chartStack->setCurrentWidget(m_data.totals.requests > 0 ? m_chartStack->widget(0) : m_rangeEmpty);
    m_stack->setCurrentIndex(0);
    m_rangeBar->show();
    Q_EMIT refreshed();
}

void DashboardView::updateTiles()
{
    const store::UsageTotals &t = m_data.totals;
    StatsTile *requests = tile(QStringLiteral("requestsTile"));
    requests->setValue(fmt::count(t.requests));
    int models = 0;
    for (const ModelSeries &model : std::as_const(m_data.models))
        models += model.isOther ? model.otherModels : (model.totals.requests > 0 ? 1 : 0);
    requests->setNote(fmt::plural(models, QStringLiteral("model"), QStringLiteral("models")));

    StatsTile *hitRate = tile(QStringLiteral("hitRateTile"));
    hitRate->setValue(t.requests > 0 ? fmt::percent(t.hitRate()) : QStringLiteral("—"));
    hitRate->setNote(QStringLiteral("%1 of %2").arg(fmt::plural(t.hits, QStringLiteral("hit"), QStringLiteral("hits")),
                                                  fmt::count(t.requests)));

    setMoneyTile(tile(QStringLiteral("spentTile")), t.costUsd, t, QStringLiteral("upstream"));
    setMoneyTile(tile(QStringLiteral("savedTile")), t.savedUsd, t, QStringLiteral("by cache hits"));

    StatsTile *tokens = tile(QStringLiteral("tokensSavedTile"));
    tokens->setValue(fmt::compactCount(t.tokensSaved),
                     fmt::plural(t.tokensSaved, QStringLiteral("token"), QStringLiteral("tokens")));
    tokens->setNote(QStringLiteral("%1 spent").arg(fmt::compactCount(t.promptTokens + t.completionTokens)));

    StatsTile *time = tile(QStringLiteral("timeSavedTile"));
    time->setValue(fmt::duration(t.savedMs));
    time->setNote(QStringLiteral("of waiting upstream"));
}

// One legend for the four charts, since a model has the same colour in each; a model whose
// requests had no price says so, rather than look free in the money charts.
void DashboardView::updateLegend()
{
    QStringList items;
    for (const ModelSeries &model : std::as_const(m_data.models)) {
        const QColor color = model.isOther ? ModelPalette::otherColor() : m_palette.color(model.name);
        QString item = QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;%2")
                           .arg(color.name(), model.displayName().toHtmlEscaped());
        if (!model.hasPrice() && model.totals.requests > 0)
            item += QStringLiteral("&nbsp;<span style=\"color:#8a939e\">(no&nbsp;price)</span>");
        items.append(item);
    }
    m_legend->setText(items.join(QStringLiteral(" &nbsp;&nbsp; ")));
    m_legend->setVisible(!items.isEmpty());
}

} // namespace cachette::ui
