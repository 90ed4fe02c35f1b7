#include "requestsview.h"

#include "host/enginehost.h"
#include "requestfiltermodel.h"
#include "requestlogmodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace cachette::ui {

RequestsView::RequestsView(EngineHost *host, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
    , m_model(new RequestLogModel(this))
    , m_filter(new RequestFilterModel(this))
    , m_stack(new QStackedWidget)
    , m_table(new QTableView)
    , m_empty(new QLabel)
{
    m_filter->setSourceModel(m_model);
    m_table->setModel(m_filter);
    m_table->setObjectName(QStringLiteral("requestsTable"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 10);

    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setSectionResizeMode(RequestLogModel::Model, QHeaderView::Stretch);
    header->setMinimumSectionSize(48);
    // Sized for their longest usual text, so nothing is elided at 800 px wide.
    const QFontMetrics fm = fontMetrics();
    header->resizeSection(RequestLogModel::Time, fm.horizontalAdvance(QStringLiteral("30 Sep 00:00")) + 20);
    header->resizeSection(RequestLogModel::Route, fm.horizontalAdvance(QStringLiteral("openrouter")) + 20);
    header->resizeSection(RequestLogModel::Endpoint, fm.horizontalAdvance(QStringLiteral("chat/completions")) + 20);
    header->resizeSection(RequestLogModel::Outcome, fm.horizontalAdvance(QStringLiteral("refresh")) + 24);
    header->resizeSection(RequestLogModel::Tokens, fm.horizontalAdvance(QStringLiteral("Tokens")) + 30);
    header->resizeSection(RequestLogModel::Latency, fm.horizontalAdvance(QStringLiteral("Latency (ms)")) + 20);
    header->resizeSection(RequestLogModel::Status, fm.horizontalAdvance(QStringLiteral("Status")) + 24);

    m_empty->setObjectName(QStringLiteral("requestsEmpty"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    m_empty->setMargin(40);
    m_stack->addWidget(m_table);
    m_stack->addWidget(m_empty);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 12, 16, 12);
    layout->setSpacing(10);
    layout->addWidget(buildFilterBar());
    layout->addWidget(m_stack, 1);

    connect(m_host, &EngineHost::requestLogged, this, &RequestsView::onRequestLogged);
    connect(m_host, &EngineHost::stateChanged, this, &RequestsView::onStateChanged);
    connect(m_table, &QTableView::activated, this, &RequestsView::openEntry);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &RequestsView::updateSelectionActions);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_filter, signal, this, &RequestsView::updateCounts);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &RequestsView::updateCounts);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &RequestsView::updateCounts);
    reload();
}

QWidget *RequestsView::buildFilterBar()
{
    m_outcome = new QComboBox;
    m_outcome->setObjectName(QStringLiteral("outcomeFilter"));
    m_outcome->addItem(QStringLiteral("All outcomes"), QString());
    for (store::Outcome outcome : store::kAllOutcomes) {
        const QString name = store::outcomeName(outcome);
        m_outcome->addItem(name.left(1).toUpper() + name.mid(1).replace(QLatin1Char('-'), QLatin1Char(' ')), name);
    }
    m_search = new QLineEdit;
    m_search->setObjectName(QStringLiteral("requestSearch"));
    m_search->setPlaceholderText(QStringLiteral("Filter by model, endpoint or status"));
    m_search->setClearButtonEnabled(true);
    m_count = new QLabel;
    m_count->setForegroundRole(QPalette::PlaceholderText);
    m_showEntry = new QPushButton(QStringLiteral("Show in cache"));
    m_showEntry->setEnabled(false);
    m_showEntry->setToolTip(QStringLiteral("Open the cache entry this request used or stored"));

    auto *bar = new QWidget;
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_outcome);
    layout->addWidget(m_search, 1);
    layout->addWidget(m_count);
    layout->addWidget(m_showEntry);

    connect(m_outcome, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setOutcome(store::parseOutcome(m_outcome->currentData().toString()));
        updateCounts();
    });
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setText(text);
        updateCounts();
    });
    connect(m_showEntry, &QPushButton::clicked, this, [this] {
        openEntry(m_table->selectionModel()->currentIndex());
    });
    return bar;
}

void RequestsView::reload()
{
    const QString path = m_host->databasePath();
    if (!m_reader.isOpen() || m_reader.databasePath() != path)
        m_reader.open(path);   // fails quietly before the engine's first start: nothing to show
    m_model->setRecords(m_reader.recent(kInitialRows));
    m_newestLoadedId = m_model->newestId();
    updateCounts();
}

void RequestsView::onStateChanged()
{
    // The store opens at the first start, and the data directory can change with the settings.
    if (!m_reader.isOpen() || m_reader.databasePath() != m_host->databasePath())
        reload();
    else
        updateCounts();   // the empty page names the base URL, which may have changed
}

void RequestsView::onRequestLogged(const store::RequestLogRecord &record)
{
    if (!m_reader.isOpen())
        reload();   // the record is committed before the signal, so this picks it up
    if (record.id != 0 && record.id <= m_newestLoadedId)
        return;     // already read from the database
    m_model->prepend(record);
    m_newestLoadedId = qMax(m_newestLoadedId, record.id);
}

int RequestsView::visibleRowCount() const
{
    return m_filter->rowCount();
}

void RequestsView::openEntry(const QModelIndex &index)
{
    const QByteArray key = index.data(RequestLogModel::EntryKeyRole).toByteArray();
    if (!key.isEmpty())
        Q_EMIT entrySelected(key);
}

void RequestsView::updateSelectionActions()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const bool hasEntry = m_table->selectionModel()->hasSelection()
                          && !current.data(RequestLogModel::EntryKeyRole).toByteArray().isEmpty();
    m_showEntry->setEnabled(hasEntry);
}

void RequestsView::updateCounts()
{
    const int shown = m_filter->rowCount();
    const int total = m_model->rowCount();
    const QLocale locale;
    m_count->setText(shown == total ? QStringLiteral("%1 requests").arg(locale.toString(total))
                                    : QStringLiteral("%1 of %2").arg(locale.toString(shown),
                                                                     locale.toString(total)));
    if (total == 0) {
        m_empty->setText(QStringLiteral("No requests yet.\nPoint a client at %1 and every "
                                        "request shows up here as it happens.")
                             .arg(m_host->baseUrl()));
    } else {
        m_empty->setText(QStringLiteral("No request matches the filter."));
    }
    m_stack->setCurrentWidget(shown == 0 ? static_cast<QWidget *>(m_empty) : m_table);
    updateSelectionActions();
}

} // namespace cachette::ui
