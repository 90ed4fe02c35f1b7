#include "cachebrowserview.h"

#include "browserformat.h"
#include "host/enginehost.h"
#include "entrydetailview.h"
#include "entryrenderer.h"
#include "entrytablemodel.h"
#include "routefilterbox.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateEdit>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QSet>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace cachette::ui {

namespace {

namespace fmt = browserformat;

// Above this many selected rows the selection is kept by row numbers rather than by keys:
// reading a key per row would cost more than it is worth for "everything from here down".
constexpr int kMaxKeyedSelection = 1000;
// At most this many keys are looked up by position in the whole list (a count each) when
// the rows moved too far to find them among the pages already read.
constexpr int kMaxCatalogLookups = 50;
constexpr int kRefreshDelayMs = 200;     // engine notifications within this are one refresh
constexpr int kSearchDelayMs = 250;      // typing pause before the search runs
// Deletions go to the engine this many keys at a time (about half a second of its writer).
constexpr int kDeleteChunk = 5000;
// A chunk whose removal was never announced (its keys were already gone) holds the next one
// back no longer than this.
constexpr int kDeleteChunkTimeoutMs = 3000;

QString plural(qint64 n, const char *one, const char *many)
{
    return n == 1 ? QString::fromLatin1(one) : QString::fromLatin1(many).arg(fmt::count(n));
}

} // namespace

CacheBrowserView::CacheBrowserView(EngineHost *host, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
    , m_model(new EntryTableModel(this))
{
    setObjectName(QStringLiteral("cacheBrowser"));
    m_filterTimer.setSingleShot(true);
    m_filterTimer.setInterval(kSearchDelayMs);
    connect(&m_filterTimer, &QTimer::timeout, this, &CacheBrowserView::applyFilter);
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(kRefreshDelayMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &CacheBrowserView::refresh);
    m_deleteTimer.setSingleShot(true);
    m_deleteTimer.setInterval(kDeleteChunkTimeoutMs);
    connect(&m_deleteTimer, &QTimer::timeout, this, &CacheBrowserView::sendDeleteChunk);

    buildTable();
    buildActions();
    buildPages();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 12, 16, 12);
    layout->setSpacing(8);
    layout->addWidget(buildFilterBar());
    layout->addWidget(buildActionBar());
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_stack, 1);

    connectEngine();
    m_model->setCatalog(&m_catalog);
    ensureCatalog();
    updateState();
}

CacheBrowserView::~CacheBrowserView()
{
    m_table->setModel(nullptr);   // the model reads the catalog, which goes first otherwise
    m_model->setCatalog(nullptr);
}

// The table over the detail pane; or, in its place, a page saying why there is no table
// (no entries yet, nothing matches, the file cannot be read).
void CacheBrowserView::buildPages()
{
    m_detail = new EntryDetailView;
    m_splitter = new QSplitter(Qt::Vertical);
    m_splitter->setObjectName(QStringLiteral("browserSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_detail);

    m_emptyLabel = new QLabel;
    m_emptyLabel->setObjectName(QStringLiteral("cacheEmpty"));
    m_emptyLabel->setAlignment(Qt::AlignCenter);
    m_emptyLabel->setWordWrap(true);
    m_emptyLabel->setMargin(32);
    m_emptyLabel->setTextInteractionFlags(Qt::TextBrowserInteraction);   // copy the URL
    connect(m_emptyLabel, &QLabel::linkActivated, this, &CacheBrowserView::clearFilters);
    m_stack = new QStackedWidget;
    m_stack->addWidget(m_splitter);
    m_stack->addWidget(m_emptyLabel);

    // Reads that fail once the file is open (a disk error): said above the table.
    m_errorLabel = new QLabel;
    m_errorLabel->setObjectName(QStringLiteral("cacheError"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(QStringLiteral(
        "QLabel { background: #fdecea; color: #8a1c12; border-radius: 4px; padding: 6px 10px; }"));
    m_errorLabel->hide();
}

void CacheBrowserView::buildTable()
{
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("cacheTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setCornerButtonEnabled(false);
    // One scroll step per row: the scroll bar value is the top row, which is what keeping the
    // place across a refresh needs, and what a million rows need (pixels would overflow).
    m_table->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    QHeaderView *rows = m_table->verticalHeader();
    rows->hide();
    rows->setSectionResizeMode(QHeaderView::Fixed);   // never measure a million rows
    rows->setDefaultSectionSize(fontMetrics().height() + 10);

    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setSectionsMovable(true);
    header->setMinimumSectionSize(28);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(EntryTableModel::Prompt, QHeaderView::Stretch);
    header->setSectionResizeMode(EntryTableModel::Pinned, QHeaderView::Fixed);
    // Sized for their usual longest text, so nothing is cut at 800 px wide.
    const QFontMetrics fm = fontMetrics();
    const auto fit = [&](int column, const char *sample, int extra = 24) {
        header->resizeSection(column, fm.horizontalAdvance(QString::fromLatin1(sample)) + extra);
    };
    fit(EntryTableModel::Created, "30 Sep 00:00");
    fit(EntryTableModel::Model, "gpt-4o-mini-2024");
    fit(EntryTableModel::Tokens, "Tokens", 30);
    fit(EntryTableModel::Hits, "Hits", 30);
    fit(EntryTableModel::LastHit, "12 min ago");
    fit(EntryTableModel::Expires, "Expires", 30);
    fit(EntryTableModel::Size, "12.3 KB");
    header->resizeSection(EntryTableModel::Pinned, 34);
    header->setSortIndicator(EntryTableModel::Created, Qt::DescendingOrder);
    m_table->setSortingEnabled(true);

    m_table->viewport()->installEventFilter(this);   // resizes: fitColumns()
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu;
        menu.addActions({ m_pinAction, m_copyCurlAction });
        menu.addSeparator();
        menu.addActions({ m_exportSelectedAction, m_exportMatchingAction });
        menu.addSeparator();
        menu.addActions({ m_deleteAction, m_deleteMatchingAction });
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &CacheBrowserView::showCurrentEntry);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CacheBrowserView::updateActions);
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this,
            [this] { m_resetPlace = capturePlace(); });
    connect(m_model, &QAbstractItemModel::modelReset, this,
            [this] { restorePlace(m_resetPlace, true); });
}

void CacheBrowserView::buildActions()
{
    const auto make = [this](const QString &text, const QString &name, const QKeySequence &keys = {}) {
        auto *action = new QAction(text, this);
        action->setObjectName(name);
        if (!keys.isEmpty()) {
            action->setShortcut(keys);
            action->setShortcutContext(Qt::WidgetShortcut);   // the table's keys, not the search box's
            m_table->addAction(action);
        }
        return action;
    };
    m_pinAction = make(QStringLiteral("Pin"), QStringLiteral("pinAction"), QKeySequence(Qt::CTRL | Qt::Key_P));
    m_pinAction->setIcon(fmt::pinIcon());
    m_pinAction->setToolTip(QStringLiteral("Pinned answers are never evicted to make room"));
    m_copyCurlAction = make(QStringLiteral("Copy as curl"), QStringLiteral("copyCurlAction"),
                            QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    m_exportSelectedAction = make(QStringLiteral("Export selected…"), QStringLiteral("exportSelectedAction"));
    m_exportMatchingAction = make(QStringLiteral("Export all matching…"), QStringLiteral("exportMatchingAction"));
    m_deleteAction = make(QStringLiteral("Delete selected…"), QStringLiteral("deleteAction"),
                          QKeySequence(QKeySequence::Delete));
    m_deleteMatchingAction = make(QStringLiteral("Delete all matching…"), QStringLiteral("deleteMatchingAction"));

    connect(m_pinAction, &QAction::triggered, this, &CacheBrowserView::togglePin);
    connect(m_copyCurlAction, &QAction::triggered, this, &CacheBrowserView::copyAsCurl);
    connect(m_exportSelectedAction, &QAction::triggered, this,
            [this] { exportKeys(selectedKeys(), QStringLiteral("selected")); });
    connect(m_exportMatchingAction, &QAction::triggered, this,
            [this] { exportKeys(m_catalog.keysMatching(m_model->filter()), QStringLiteral("matching")); });
    connect(m_deleteAction, &QAction::triggered, this, &CacheBrowserView::deleteSelected);
    connect(m_deleteMatchingAction, &QAction::triggered, this, &CacheBrowserView::deleteMatching);
}

QWidget *CacheBrowserView::buildFilterBar()
{
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("cacheSearch"));
    m_search->setPlaceholderText(QStringLiteral("Search prompts and answers"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, &m_filterTimer, qOverload<>(&QTimer::start));
    connect(m_search, &QLineEdit::returnPressed, this, &CacheBrowserView::applyFilter);

    m_modelFilter = new QComboBox;
    m_modelFilter->setObjectName(QStringLiteral("modelFilter"));
    m_modelFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_modelFilter->setMinimumContentsLength(10);
    m_modelFilter->addItem(QStringLiteral("All models"), QString());
    connect(m_modelFilter, &QComboBox::currentIndexChanged, this, &CacheBrowserView::applyFilter);
    m_routeFilter = new RouteFilterBox;
    connect(m_routeFilter, &QComboBox::currentIndexChanged, this, &CacheBrowserView::applyFilter);

    // "any" is the minimum date (the day before the oldest entry, so the calendar opens near
    // the entries rather than in the year 2000).
    const auto dateEdit = [this](const QString &name) {
        auto *edit = new QDateEdit;
        edit->setObjectName(name);
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("d MMM yyyy"));
        edit->setSpecialValueText(QStringLiteral("any"));
        edit->setMinimumDate(QDate::currentDate().addDays(-1));
        edit->setDate(edit->minimumDate());
        connect(edit, &QDateEdit::dateChanged, this, &CacheBrowserView::applyFilter);
        return edit;
    };
    m_from = dateEdit(QStringLiteral("fromDate"));
    m_to = dateEdit(QStringLiteral("toDate"));

    m_clearFilters = new QToolButton;
    m_clearFilters->setObjectName(QStringLiteral("clearFilters"));
    m_clearFilters->setText(QStringLiteral("Clear"));
    m_clearFilters->setToolTip(QStringLiteral("Show every entry again"));
    m_clearFilters->setEnabled(false);
    connect(m_clearFilters, &QToolButton::clicked, this, &CacheBrowserView::clearFilters);

    auto *bar = new QWidget;
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_search, 1);
    layout->addWidget(m_modelFilter);
    layout->addWidget(m_routeFilter);
    layout->addSpacing(6);
    layout->addWidget(new QLabel(QStringLiteral("From")));
    layout->addWidget(m_from);
    layout->addWidget(new QLabel(QStringLiteral("to")));
    layout->addWidget(m_to);
    layout->addWidget(m_clearFilters);
    return bar;
}

QWidget *CacheBrowserView::buildActionBar()
{
    m_countLabel = new QLabel;
    m_countLabel->setObjectName(QStringLiteral("cacheCount"));
    m_countLabel->setForegroundRole(QPalette::PlaceholderText);

    const auto button = [](QAction *action) {
        auto *b = new QToolButton;
        b->setDefaultAction(action);
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        b->setAutoRaise(true);
        return b;
    };
    const auto menuButton = [](const QString &text, const QString &name, QList<QAction *> actions) {
        auto *b = new QToolButton;
        b->setObjectName(name);
        b->setText(text);
        b->setPopupMode(QToolButton::InstantPopup);
        b->setAutoRaise(true);
        auto *menu = new QMenu(b);
        menu->addActions(actions);
        b->setMenu(menu);
        return b;
    };

    auto *bar = new QWidget;
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(m_countLabel, 1);
    layout->addWidget(button(m_pinAction));
    layout->addWidget(button(m_copyCurlAction));
    layout->addWidget(menuButton(QStringLiteral("Export"), QStringLiteral("exportButton"),
                                 { m_exportSelectedAction, m_exportMatchingAction }));
    layout->addWidget(menuButton(QStringLiteral("Delete"), QStringLiteral("deleteButton"),
                                 { m_deleteAction, m_deleteMatchingAction }));
    return bar;
}

void CacheBrowserView::connectEngine()
{
    connect(m_host, &EngineHost::entryStored, this, &CacheBrowserView::scheduleRefresh);
    connect(m_host, &EngineHost::entriesRemoved, this, [this](const QList<QByteArray> &keys) {
        if (!m_deleteQueue.isEmpty())
            sendDeleteChunk();
        const std::optional<store::CacheEntry> shown = m_detail->entry();
        if (shown && keys.contains(shown->key))
            m_detail->showMessage(QStringLiteral("This entry was deleted."));
        scheduleRefresh();
    });
    // The database appears at the first start, and moves when the data directory changes.
    connect(m_host, &EngineHost::stateChanged, this, [this] {
        if (!m_catalog.isOpen() || m_catalog.databasePath() != m_host->databasePath())
            refresh();
        else
            updateState();   // the empty page names the base URL and the proxy's state
    });
}

bool CacheBrowserView::ensureCatalog()
{
    const QString path = m_host->databasePath();
    if (m_catalog.isOpen() && m_catalog.databasePath() == path)
        return true;
    QString error;
    const bool opened = m_catalog.open(path, &error);
    // No file yet is not an error: the engine creates it when it first starts.
    m_catalogError = opened || !QFileInfo::exists(path) ? QString() : error;
    m_model->reload();
    if (opened)
        updateModels();
    return opened;
}

bool CacheBrowserView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_table->viewport() && event->type() == QEvent::Resize)
        fitColumns();
    return QWidget::eventFilter(watched, event);
}

// The prompt is what people read: on a narrow window the least useful columns make way for it
// (all of them are back once there is room).
void CacheBrowserView::fitColumns()
{
    static constexpr int kHideFirst[] = { EntryTableModel::Expires, EntryTableModel::LastHit,
                                          EntryTableModel::Size, EntryTableModel::Tokens };
    QHeaderView *header = m_table->horizontalHeader();
    // A hidden section reports size 0: remember what it had, to know when it fits again.
    const auto width = [&](int column) {
        return header->isSectionHidden(column) ? m_hiddenWidths.value(column, 60)
                                               : header->sectionSize(column);
    };
    const int available = m_table->viewport()->width();
    const int promptWanted = qMax(260, available * 35 / 100);
    int others = 0;
    for (int column = 0; column < EntryTableModel::ColumnCount; ++column) {
        if (column != EntryTableModel::Prompt)
            others += width(column);
    }
    for (int column : kHideFirst) {
        const bool hide = available - others < promptWanted;
        if (hide && !header->isSectionHidden(column))
            m_hiddenWidths.insert(column, header->sectionSize(column));
        if (hide)
            others -= width(column);
        header->setSectionHidden(column, hide);
    }
}

void CacheBrowserView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (!m_splitterSized) {
        // Half and half: the table's size hint would otherwise leave the conversation a strip.
        const int height = qMax(m_splitter->height(), 400);
        m_splitter->setSizes({ height / 2, height - height / 2 });
        m_splitterSized = true;
    }
    if (m_dirty || !m_catalog.isOpen())
        refresh();
}

void CacheBrowserView::scheduleRefresh()
{
    // Not restarted by every notification: under a steady stream of new entries the view
    // still refreshes every kRefreshDelayMs rather than never.
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void CacheBrowserView::refresh()
{
    m_refreshTimer.stop();
    if (!isVisible()) {
        m_dirty = true;   // nobody is looking: read once, when the page is shown
        return;
    }
    m_dirty = false;
    if (!ensureCatalog()) {
        updateState();
        return;
    }
    const Place place = capturePlace();
    m_model->refresh();
    restorePlace(place, false);
    updateModels();
    updateState();
}

// ---- filters ----

store::EntryFilter CacheBrowserView::filterFromWidgets() const
{
    store::EntryFilter filter;
    if (!m_search->text().trimmed().isEmpty())
        filter.search = m_search->text();
    filter.model = m_modelFilter->currentData().toString();
    filter.route = m_routeFilter->selectedRoute();
    if (m_from->date() > m_from->minimumDate())
        filter.fromMs = m_from->date().startOfDay().toMSecsSinceEpoch();
    if (m_to->date() > m_to->minimumDate())
        filter.toMs = m_to->date().addDays(1).startOfDay().toMSecsSinceEpoch();   // whole day
    return filter;
}

void CacheBrowserView::applyFilter()
{
    m_filterTimer.stop();
    ensureCatalog();
    m_model->setFilter(filterFromWidgets());
    updateState();
}

void CacheBrowserView::clearFilters()
{
    const std::initializer_list<QWidget *> filters{m_search, m_modelFilter, m_routeFilter, m_from,
                                                   m_to};
    for (QWidget *w : filters)
        w->blockSignals(true);
    m_search->clear();
    m_modelFilter->setCurrentIndex(0);
    m_routeFilter->selectAll();
    m_from->setDate(m_from->minimumDate());
    m_to->setDate(m_to->minimumDate());
    for (QWidget *w : filters)
        w->blockSignals(false);
    applyFilter();
}

void CacheBrowserView::updateModels()
{
    const QStringList models = m_catalog.models();
    QStringList shown;
    for (int i = 1; i < m_modelFilter->count(); ++i)
        shown.append(m_modelFilter->itemData(i).toString());
    const QString selected = m_modelFilter->currentData().toString();
    if (models != shown) {
        const QSignalBlocker blocker(m_modelFilter);
        while (m_modelFilter->count() > 1)
            m_modelFilter->removeItem(1);
        for (const QString &model : models)
            m_modelFilter->addItem(model, model);
        // A filtered model stays chosen even once its last entry is gone.
        if (!selected.isEmpty() && !models.contains(selected))
            m_modelFilter->addItem(selected, selected);
        m_modelFilter->setCurrentIndex(qMax(0, m_modelFilter->findData(selected)));
    }
    m_routeFilter->setRoutes(m_catalog.routes());
    const qint64 oldest = m_catalog.oldestCreatedAt();
    const QDate anyDate = (oldest > 0 ? QDateTime::fromMSecsSinceEpoch(oldest).date()
                                      : QDate::currentDate()).addDays(-1);
    for (QDateEdit *edit : { m_from, m_to }) {
        if (edit->minimumDate() == anyDate)
            continue;
        const QSignalBlocker blocker(edit);
        const bool any = edit->date() <= edit->minimumDate();
        edit->setMinimumDate(anyDate);
        if (any)
            edit->setDate(anyDate);
    }
}

// ---- state ----

QString CacheBrowserView::emptyStateText() const
{
    const QString url = m_host->baseUrl().toHtmlEscaped();
    const QString shade = palette().color(QPalette::AlternateBase).name();
    const auto code = [&shade](const QString &text) {
        return QStringLiteral("<tr><td bgcolor=\"%1\" style=\"padding:4px 12px\"><code>%2</code></td></tr>")
            .arg(shade, text);
    };
    QString html = QStringLiteral(
        "<h2>No cached answers yet</h2>"
        "<p>Point an OpenAI-compatible client at the proxy and its answers appear here:</p>"
        "<table align=\"center\" cellspacing=\"2\">%1%2%3</table>"
        "<p>Asked again, the same request is answered from the cache: at once, and for free.</p>")
        .arg(code(QStringLiteral("export OPENAI_BASE_URL=%1").arg(url)),
             code(QStringLiteral("interpreter --api_base %1 --model openai/gpt-4o").arg(url)),
             code(QStringLiteral("new OpenAI({ baseURL: '%1' })").arg(url)));
    if (m_host->state() != Engine::State::Running)
        html += QStringLiteral("<p><b>The proxy is not running.</b> Start it from the status bar "
                               "or the tray icon.</p>");
    return html;
}

void CacheBrowserView::updateState()
{
    const qint64 matching = m_model->totalCount();
    const bool filtered = !(m_model->filter() == store::EntryFilter {});
    m_totalEntries = !m_catalog.isOpen() ? 0 : filtered ? m_catalog.count({}) : matching;
    m_clearFilters->setEnabled(filtered);

    if (filtered)
        m_countLabel->setText(QStringLiteral("%1 of %2 %3")
                                  .arg(fmt::count(matching), fmt::count(m_totalEntries),
                                       matching == 1 ? QStringLiteral("entries matches")
                                                     : QStringLiteral("entries match")));
    else
        m_countLabel->setText(plural(matching, "1 entry", "%1 entries"));

    if (!m_deleteQueue.isEmpty())
        m_countLabel->setText(m_countLabel->text() + QStringLiteral("  ·  deleting, %1 to go")
                                                         .arg(fmt::count(m_deleteQueue.size())));

    if (!m_catalogError.isEmpty()) {
        m_emptyLabel->setText(QStringLiteral("<h3>The cache cannot be read</h3><p>%1</p>")
                                  .arg(m_catalogError.toHtmlEscaped()));
        m_stack->setCurrentWidget(m_emptyLabel);
    } else if (m_totalEntries == 0) {
        m_emptyLabel->setText(emptyStateText());
        m_stack->setCurrentWidget(m_emptyLabel);
    } else if (matching == 0) {
        m_emptyLabel->setText(QStringLiteral("<h3>Nothing matches</h3><p>No cached answer matches "
                                             "these filters. <a href=\"clear\">Clear the filters</a></p>"));
        m_stack->setCurrentWidget(m_emptyLabel);
    } else {
        m_stack->setCurrentWidget(m_splitter);
    }
    const QString error = m_catalog.lastError();
    m_errorLabel->setText(error);
    m_errorLabel->setVisible(m_catalog.isOpen() && !error.isEmpty());
    updateActions();
}

// Pinned when every selected row is (judged on the first kMaxKeyedSelection rows).
bool CacheBrowserView::selectionPinned(int *selectedRows) const
{
    int selected = 0;
    bool allPinned = true;
    for (const QItemSelectionRange &range : m_table->selectionModel()->selection()) {
        for (int row = range.top(); allPinned && row <= range.bottom() && selected + row - range.top() < kMaxKeyedSelection; ++row)
            allPinned = m_model->index(row, 0).data(EntryTableModel::PinnedRole).toBool();
        selected += range.height();
    }
    if (selectedRows)
        *selectedRows = selected;
    return selected > 0 && allPinned;
}

void CacheBrowserView::updateActions()
{
    int selected = 0;
    const bool allPinned = selectionPinned(&selected);
    const qint64 matching = m_model->totalCount();
    m_pinAction->setEnabled(selected > 0);
    m_pinAction->setText(allPinned ? QStringLiteral("Unpin") : QStringLiteral("Pin"));
    m_deleteAction->setEnabled(selected > 0);
    m_exportSelectedAction->setEnabled(selected > 0);
    m_deleteMatchingAction->setEnabled(matching > 0);
    m_exportMatchingAction->setEnabled(matching > 0);
    m_copyCurlAction->setEnabled(m_table->selectionModel()->currentIndex().isValid());
    for (const char *name : { "exportButton", "deleteButton" }) {
        auto *button = findChild<QToolButton *>(QLatin1String(name));
        if (!button)
            continue;
        const QList<QAction *> actions = button->menu()->actions();
        button->setEnabled(std::any_of(actions.begin(), actions.end(),
                                       [](const QAction *a) { return a->isEnabled(); }));
    }
    m_deleteAction->setText(selected > 1 ? QStringLiteral("Delete %1 selected…").arg(fmt::count(selected))
                                         : QStringLiteral("Delete selected…"));
    m_deleteMatchingAction->setText(QStringLiteral("Delete all %1 matching…").arg(fmt::count(matching)));
}

void CacheBrowserView::showCurrentEntry()
{
    if (m_restoring)
        return;
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const QByteArray key = current.isValid() ? m_model->keyAt(current.row()) : QByteArray();
    if (key.isEmpty()) {
        if (!m_detail->entry())
            return;   // keep a "deleted" note
        m_detail->showMessage(QStringLiteral("Select an entry to see its conversation and answer."));
        return;
    }
    if (const std::optional<store::CacheEntry> entry = m_catalog.entry(key))
        m_detail->showEntry(*entry);
    else
        m_detail->showMessage(QStringLiteral("This entry is no longer in the cache."));
    updateActions();
}

// ---- keeping the place ----

CacheBrowserView::Place CacheBrowserView::capturePlace() const
{
    Place place;
    const QItemSelectionModel *selection = m_table->selectionModel();
    if (const QModelIndex current = selection->currentIndex(); current.isValid()) {
        place.currentRow = current.row();
        place.currentColumn = current.column();
        place.current = m_model->keyAt(current.row());
    }
    const QItemSelection ranges = selection->selection();
    int selected = 0;
    for (const QItemSelectionRange &range : ranges)
        selected += range.height();
    for (const QItemSelectionRange &range : ranges) {
        if (selected > kMaxKeyedSelection) {
            place.selectedRows.append({ range.top(), range.bottom() });
            continue;
        }
        for (int row = range.top(); row <= range.bottom(); ++row)
            place.selected.append({ m_model->keyAt(row), row });
    }
    place.atTop = m_table->verticalScrollBar()->value() == 0;
    place.topRow = m_table->rowAt(0);
    if (place.topRow >= 0)
        place.top = m_model->keyAt(place.topRow);
    return place;
}

// After a refresh (rowsMoved false) rows are near where they were: look there first. After a
// reset (sort, filter) they may be anywhere: ask the catalog, for a few keys only.
void CacheBrowserView::restorePlace(const Place &place, bool rowsMoved)
{
    m_restoring = true;
    int lookups = 0;
    const auto find = [&](const QByteArray &key, int hint) {
        if (key.isEmpty())
            return -1;
        return m_model->rowOfKey(key, rowsMoved ? -1 : hint, lookups++ < kMaxCatalogLookups);
    };
    const int currentRow = find(place.current, place.currentRow);
    QList<int> rows;
    for (const auto &[key, hint] : place.selected) {
        const int row = key == place.current ? currentRow : find(key, hint);
        if (row >= 0)
            rows.append(row);
    }
    const int count = m_model->rowCount();
    for (const auto &[first, last] : place.selectedRows) {
        for (int row = first; row <= qMin(last, count - 1); ++row)
            rows.append(row);
    }
    selectRows(rows, currentRow, place.currentColumn);

    m_table->doItemsLayout();   // the scroll range must know the new row count first
    if (rowsMoved) {
        if (currentRow >= 0)
            m_table->scrollTo(m_model->index(currentRow, 0), QAbstractItemView::PositionAtCenter);
        else
            m_table->scrollToTop();
    } else if (place.atTop) {
        m_table->scrollToTop();   // at the very top, stay there to see what is new
    } else {
        // Stay with the rows being read (restoring the current row scrolled to it).
        const int top = find(place.top, place.topRow);
        m_table->verticalScrollBar()->setValue(top >= 0 ? top : place.topRow);
    }
    m_restoring = false;
    showCurrentEntry();
}

void CacheBrowserView::selectRows(QList<int> rows, int currentRow, int currentColumn)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    QItemSelection selection;
    const int lastColumn = EntryTableModel::ColumnCount - 1;
    for (int i = 0; i < rows.size();) {
        int j = i;
        while (j + 1 < rows.size() && rows.at(j + 1) == rows.at(j) + 1)
            ++j;
        selection.append(QItemSelectionRange(m_model->index(rows.at(i), 0),
                                             m_model->index(rows.at(j), lastColumn)));
        i = j + 1;
    }
    QItemSelectionModel *model = m_table->selectionModel();
    model->select(selection, QItemSelectionModel::ClearAndSelect);
    model->setCurrentIndex(currentRow >= 0 ? m_model->index(currentRow, currentColumn) : QModelIndex(),
                           QItemSelectionModel::NoUpdate);
}

QList<QByteArray> CacheBrowserView::selectedKeys() const
{
    QList<QByteArray> keys;
    QSet<QByteArray> seen;
    const auto add = [&](const QByteArray &key) {
        if (!key.isEmpty() && !seen.contains(key)) {
            seen.insert(key);
            keys.append(key);
        }
    };
    for (const QItemSelectionRange &range : m_table->selectionModel()->selection()) {
        if (range.height() > 4 * EntryTableModel::kPageSize) {
            for (const QByteArray &key : m_model->keysInRows(range.top(), range.bottom()))
                add(key);
            continue;
        }
        for (int row = range.top(); row <= range.bottom(); ++row)
            add(m_model->keyAt(row));
    }
    return keys;
}

void CacheBrowserView::showEntry(const QByteArray &key)
{
    ensureCatalog();
    if (!m_catalog.entry(key)) {
        m_table->selectionModel()->clearSelection();
        m_detail->showMessage(QStringLiteral("This entry is no longer in the cache."));
        return;
    }
    int row = m_model->rowOfKey(key);
    if (row < 0) {   // hidden by the filters: show everything
        clearFilters();
        row = m_model->rowOfKey(key);
    }
    if (row < 0)
        return;
    selectRows({ row }, row, EntryTableModel::Prompt);
    m_table->scrollTo(m_model->index(row, 0), QAbstractItemView::PositionAtCenter);
    showCurrentEntry();
}

// ---- actions ----

bool CacheBrowserView::confirm(const QString &title, const QString &text, const QString &action)
{
    QMessageBox box(QMessageBox::Warning, title, text, QMessageBox::Cancel, this);
    box.setObjectName(QStringLiteral("confirmDialog"));
    box.setInformativeText(QStringLiteral("Clients asking the same again get a fresh answer from "
                                          "the upstream, and pay for it."));
    QPushButton *accept = box.addButton(action, QMessageBox::DestructiveRole);
    accept->setObjectName(QStringLiteral("confirmButton"));
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    return box.clickedButton() == accept;
}

void CacheBrowserView::deleteSelected()
{
    const QList<QByteArray> keys = selectedKeys();
    if (keys.isEmpty())
        return;
    if (!confirm(QStringLiteral("Delete cached answers"),
                 plural(keys.size(), "Delete 1 cached answer?", "Delete %1 cached answers?"),
                 QStringLiteral("Delete")))
        return;
    removeKeys(keys);   // the rows go when the engine says they are gone
}

void CacheBrowserView::deleteMatching()
{
    const qint64 matching = m_model->totalCount();
    if (matching <= 0)
        return;
    const bool filtered = !(m_model->filter() == store::EntryFilter {});
    const QString text = filtered
        ? plural(matching, "Delete the 1 cached answer matching the filters?",
                 "Delete all %1 cached answers matching the filters?")
        : plural(matching, "Delete the only cached answer?", "Delete all %1 cached answers?");
    if (!confirm(QStringLiteral("Delete cached answers"), text, QStringLiteral("Delete all")))
        return;
    removeKeys(m_catalog.keysMatching(m_model->filter()));
}

// The engine's writer commits everything queued in one transaction: a million keys at once
// would hold every other write (new answers, hit counts) for a minute or more. Chunks go one
// at a time, the next when the engine reports the previous one gone.
void CacheBrowserView::removeKeys(const QList<QByteArray> &keys)
{
    const bool idle = m_deleteQueue.isEmpty();
    m_deleteQueue += keys;
    if (idle)
        sendDeleteChunk();
}

void CacheBrowserView::sendDeleteChunk()
{
    m_deleteTimer.stop();
    if (m_deleteQueue.isEmpty()) {
        updateState();
        return;
    }
    const qsizetype n = qMin<qsizetype>(kDeleteChunk, m_deleteQueue.size());
    m_host->removeEntries(m_deleteQueue.mid(0, n));
    m_deleteQueue.remove(0, n);
    if (!m_deleteQueue.isEmpty())
        m_deleteTimer.start();
    updateState();
}

void CacheBrowserView::togglePin()
{
    const QList<QByteArray> keys = selectedKeys();
    if (keys.isEmpty())
        return;
    const bool pin = !selectionPinned();
    for (const QByteArray &key : keys) {
        m_host->setPinned(key, pin);
        m_model->setPinnedLocally(key, pin);   // shown now; written by the engine in a moment
    }
    if (std::optional<store::CacheEntry> shown = m_detail->entry(); shown && keys.contains(shown->key)) {
        shown->pinned = pin;
        m_detail->showEntry(*shown);
    }
    updateActions();
    // Pins raise no notification: read them back once the engine has written them (the order
    // changes when sorted by the pin column).
    QTimer::singleShot(500, this, &CacheBrowserView::scheduleRefresh);
}

void CacheBrowserView::exportKeys(const QList<QByteArray> &keys, const QString &what)
{
    if (keys.isEmpty())
        return;
    const QString suggested = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                                  .filePath(QStringLiteral("cachette-%1.jsonl").arg(what));
    const QString path = QFileDialog::getSaveFileName(
        this, QStringLiteral("Export %1 cached answers").arg(fmt::count(keys.size())), suggested,
        QStringLiteral("JSON Lines (*.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    QSaveFile file(path);
    QString error;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const bool ok = file.open(QIODevice::WriteOnly) && m_catalog.exportJsonl(keys, &file, &error)
                    && file.commit();
    QApplication::restoreOverrideCursor();
    if (!ok)
        QMessageBox::warning(this, QStringLiteral("Export failed"),
                             QStringLiteral("Could not write %1: %2")
                                 .arg(QDir::toNativeSeparators(path),
                                      error.isEmpty() ? file.errorString() : error));
}

void CacheBrowserView::copyAsCurl()
{
    const std::optional<store::CacheEntry> entry = m_detail->entry();
    if (!entry)
        return;
    QApplication::clipboard()->setText(entryrenderer::curlCommand(*entry, m_host->baseUrl()));
}

} // namespace cachette::ui
