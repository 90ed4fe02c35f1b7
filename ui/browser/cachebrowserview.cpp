#include "cachebrowserview.h"

#include "chunkedremover.h"
#include "entryactions.h"
#include "common/format.h"
#include "entrydetailview.h"
#include "entryexport.h"
#include "entryfilterbar.h"
#include "entryrenderer.h"
#include "entrytablemodel.h"
#include "entrytableview.h"
#include "host/enginehost.h"
#include "selectionkeeper.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFileInfo>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace cachette::ui {

namespace {

namespace fmt = format;

constexpr int kRefreshDelayMs = 200;     // engine notifications within this are one refresh

QString plural(qint64 n, const char *one, const char *many)
{
    return n == 1 ? QString::fromLatin1(one) : QString::fromLatin1(many).arg(fmt::count(n));
}

} // namespace

CacheBrowserView::CacheBrowserView(EngineHost *host, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
    , m_model(new EntryTableModel(this))
    , m_remover(new ChunkedRemover(host, this))
{
    setObjectName(QStringLiteral("cacheBrowser"));
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(kRefreshDelayMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &CacheBrowserView::refresh);
    connect(m_remover, &ChunkedRemover::progressed, this, &CacheBrowserView::updateState);

    m_filterBar = new EntryFilterBar;
    connect(m_filterBar, &EntryFilterBar::changed, this, &CacheBrowserView::applyFilter);
    buildTable();
    buildActions();
    buildPages();

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 12, 16, 12);
    layout->setSpacing(8);
    layout->addWidget(m_filterBar);
    layout->addWidget(buildActionBar());
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_stack, 1);

    connectEngine();
    m_model->setCatalog(&m_catalog);
    ensureCatalog();
    updateState();
}

QTableView *CacheBrowserView::table() const
{
    return m_table;
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
    connect(m_emptyLabel, &QLabel::linkActivated, m_filterBar, &EntryFilterBar::clear);
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
    m_table = new EntryTableView(m_model);
    m_keeper = new SelectionKeeper(m_table, m_model, this);
    connect(m_keeper, &SelectionKeeper::restored, this, &CacheBrowserView::showCurrentEntry);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QMenu menu;
        m_actions->fillMenu(&menu);
        menu.exec(m_table->viewport()->mapToGlobal(pos));
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &CacheBrowserView::showCurrentEntry);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &CacheBrowserView::updateActions);
}

void CacheBrowserView::buildActions()
{
    m_actions = new EntryActions(m_table, this);
    connect(m_actions->pin(), &QAction::triggered, this, &CacheBrowserView::togglePin);
    connect(m_actions->copyCurl(), &QAction::triggered, this, &CacheBrowserView::copyAsCurl);
    connect(m_actions->exportSelected(), &QAction::triggered, this, [this] {
        exportEntries(this, m_catalog, selectedKeys(), QStringLiteral("selected"));
    });
    connect(m_actions->exportMatching(), &QAction::triggered, this, [this] {
        exportEntries(this, m_catalog, m_catalog.keysMatching(m_model->filter()),
                      QStringLiteral("matching"));
    });
    connect(m_actions->deleteSelected(), &QAction::triggered, this, &CacheBrowserView::deleteSelected);
    connect(m_actions->deleteMatching(), &QAction::triggered, this, &CacheBrowserView::deleteMatching);
}

QWidget *CacheBrowserView::buildActionBar()
{
    m_countLabel = new QLabel;
    m_countLabel->setObjectName(QStringLiteral("cacheCount"));
    m_countLabel->setForegroundRole(QPalette::PlaceholderText);
    return m_actions->buildBar(m_countLabel);
}

void CacheBrowserView::connectEngine()
{
    connect(m_host, &EngineHost::entryStored, this, &CacheBrowserView::scheduleRefresh);
    connect(m_host, &EngineHost::entriesRemoved, this, [this](const QList<QByteArray> &keys) {
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
    const SelectionKeeper::Place place = m_keeper->capture();
    m_model->refresh();
    m_keeper->restore(place, false);
    updateModels();
    updateState();
}

// ---- filters ----

void CacheBrowserView::applyFilter()
{
    ensureCatalog();
    m_model->setFilter(m_filterBar->filter());
    updateState();
}

// The filters offer what the cache holds.
void CacheBrowserView::updateModels()
{
    const QStringList models = m_catalog.models();
    const QStringList routes = m_catalog.routes();
    m_filterBar->setChoices(models, routes, m_catalog.oldestCreatedAt());
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
    m_filterBar->setFiltered(filtered);

    if (filtered)
        m_countLabel->setText(QStringLiteral("%1 of %2 %3")
                                  .arg(fmt::count(matching), fmt::count(m_totalEntries),
                                       matching == 1 ? QStringLiteral("entries matches")
                                                     : QStringLiteral("entries match")));
    else
        m_countLabel->setText(plural(matching, "1 entry", "%1 entries"));

    if (m_remover->pending() > 0)
        m_countLabel->setText(m_countLabel->text() + QStringLiteral("  ·  deleting, %1 to go")
                                                         .arg(fmt::count(m_remover->pending())));

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
        for (int row = range.top(); allPinned && row <= range.bottom() && selected + row - range.top() < SelectionKeeper::kMaxKeyedSelection;
             ++row)
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
    m_actions->update(selected, allPinned, m_model->totalCount(),
                      m_table->selectionModel()->currentIndex().isValid());
}

void CacheBrowserView::showCurrentEntry()
{
    if (m_keeper->restoring())
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
        m_filterBar->clear();
        row = m_model->rowOfKey(key);
    }
    if (row < 0)
        return;
    m_keeper->selectRows({ row }, row, EntryTableModel::Prompt);
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
    m_remover->remove(keys);   // the rows go when the engine says they are gone
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
    m_remover->remove(m_catalog.keysMatching(m_model->filter()));
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

void CacheBrowserView::copyAsCurl()
{
    const std::optional<store::CacheEntry> entry = m_detail->entry();
    if (!entry)
        return;
    QApplication::clipboard()->setText(entryrenderer::curlCommand(*entry, m_host->baseUrl()));
}

} // namespace cachette::ui
