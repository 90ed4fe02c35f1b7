#include "logpanels.h"

#include "settings/formlabels.h"
#include "host/enginehost.h"
#include "refusalrulespanel.h"
#include "semantic/matchverifier.h"
#include "similaritydelegate.h"
#include "store/entrycatalog.h"
#include "thresholdcontrol.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace cachette::ui {

namespace {

// Columns of the recent semantic hits table.
constexpr int kAskedColumn = 3;
constexpr int kServedColumn = 4;

QTableWidget *makeTable(const QStringList &headers, const QString &name)
{
    auto *table = new QTableWidget(0, int(headers.size()));
    table->setObjectName(name);
    table->setHorizontalHeaderLabels(headers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 12);
    table->horizontalHeader()->setHighlightSections(false);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

QString timeText(qint64 ms)
{
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms), QStringLiteral("d MMM HH:mm:ss"));
}

// The prompt of the entry a log row names (for a miss: its own, stored; for a semantic hit:
// the one it matched). Empty when the entry is gone.
QString entryPrompt(store::EntryCatalog *catalog, const QByteArray &key)
{
    if (key.isEmpty() || !catalog->isOpen())
        return {};
    const std::optional<store::CacheEntry> entry = catalog->entry(key);
    return entry ? entry->promptText.simplified() : QString();
}

} // namespace

// --- What-if -------------------------------------------------------------------------------

WhatIfPanel::WhatIfPanel(EngineHost *host, store::EntryCatalog *catalog, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
    , m_catalog(catalog)
    , m_scope(new QComboBox)
    , m_threshold(new ThresholdControl)
    , m_summary(new QLabel)
{
    m_scope->setObjectName(QStringLiteral("whatIfScope"));
    m_scope->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_threshold->setObjectName(QStringLiteral("whatIfThreshold"));
    m_summary->setObjectName(QStringLiteral("whatIfSummary"));
    m_summary->setWordWrap(true);
    QFont bold = m_summary->font();
    bold.setWeight(QFont::DemiBold);
    m_summary->setFont(bold);
    m_table = makeTable({QStringLiteral("Time"), QStringLiteral("Model"), QStringLiteral("Similarity"),
                         QStringLiteral("Now"), QStringLiteral("Would be"), QStringLiteral("Prompt")},
                        QStringLiteral("whatIfTable"));
    m_table->setItemDelegateForColumn(2, new SimilarityDelegate(m_table));
    auto *reloadButton = new QPushButton(QStringLiteral("Reload"));

    auto *controls = new QHBoxLayout;
    controls->addWidget(new QLabel(QStringLiteral("For")));
    controls->addWidget(m_scope);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(QStringLiteral("at")));
    controls->addWidget(m_threshold, 1);
    controls->addWidget(reloadButton);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 12, 0, 0);
    layout->setSpacing(10);
    layout->addWidget(makeHintLabel(QStringLiteral(
        "Replays the last %1 requests that ran a semantic lookup at another threshold: which "
        "would have been served from the cache, and which no longer. Guards only ran above the "
        "threshold then in force, so a gained hit may still be refused by one.")
        .arg(SemanticLog::kWhatIfRows)));
    layout->addLayout(controls);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);

    connect(m_scope, &QComboBox::currentIndexChanged, this, [this] {
        const QString model = m_scope->currentData().toString();
        const semantic::SemanticSettings s = m_host->semanticSettings();
        m_threshold->setValue(model.isEmpty() ? s.threshold : s.thresholdFor(model));
        recompute();
    });
    connect(m_threshold, &ThresholdControl::valueChanged, this, &WhatIfPanel::recompute);
    connect(reloadButton, &QPushButton::clicked, this, &WhatIfPanel::reload);
}

void WhatIfPanel::reload()
{
    openCatalogFor(*m_catalog, m_host);
    m_rows = m_log.openFor(m_host) ? m_log.withSimilarity() : QList<store::RequestLogRecord>();
    fillScopes();
    recompute();
}

void WhatIfPanel::fillScopes()
{
    const QString current = m_scope->currentData().toString();
    QStringList models;
    for (const store::RequestLogRecord &r : std::as_const(m_rows)) {
        if (!models.contains(r.model))
            models.append(r.model);
    }
    models.sort(Qt::CaseInsensitive);
    const QSignalBlocker blocker(m_scope);
    m_scope->clear();
    m_scope->addItem(QStringLiteral("models on the default threshold"), QString());
    for (const QString &model : models)
        m_scope->addItem(model, model);
    const int index = m_scope->findData(current);
    m_scope->setCurrentIndex(qMax(0, index));
    const semantic::SemanticSettings s = m_host->semanticSettings();
    if (index <= 0)
        m_threshold->setValue(s.threshold);
}

void WhatIfPanel::recompute()
{
    const float candidate = float(m_threshold->value());
    m_result = whatIf(m_rows, m_host->semanticSettings(), m_scope->currentData().toString(),
                      candidate);
    if (m_result.examined == 0) {
        m_summary->setText(QStringLiteral("No request with a semantic lookup yet for these models."));
    } else {
        m_summary->setText(QStringLiteral("At %1: %2 more and %3 fewer semantic hits, out of %4 "
                                          "lookups.")
                               .arg(thresholdText(candidate)).arg(m_result.gained)
                               .arg(m_result.lost).arg(m_result.examined));
    }
    m_table->setRowCount(int(m_result.changes.size()));
    for (int row = 0; row < m_result.changes.size(); ++row) {
        const WhatIfChange &c = m_result.changes.at(row);
        auto *similarity = new QTableWidgetItem(percent(c.record.similarity));
        similarity->setData(Qt::UserRole, c.record.similarity);
        auto *now = new QTableWidgetItem(c.gained ? QStringLiteral("miss") : QStringLiteral("semantic hit"));
        auto *then = new QTableWidgetItem(c.gained ? QStringLiteral("+ semantic hit") : QStringLiteral("− miss"));
        then->setForeground(c.gained ? QColor(46, 160, 90) : QColor(192, 57, 43));
        m_table->setItem(row, 0, new QTableWidgetItem(timeText(c.record.timestamp)));
        m_table->setItem(row, 1, new QTableWidgetItem(c.record.model));
        m_table->setItem(row, 2, similarity);
        m_table->setItem(row, 3, now);
        m_table->setItem(row, 4, then);
        m_table->setItem(row, 5, new QTableWidgetItem(entryPrompt(m_catalog, c.record.entryKey)));
    }
    m_table->horizontalHeader()->resizeSection(2, 180);
}

// --- Recent semantic hits ------------------------------------------------------------------

SemanticHitsPanel::SemanticHitsPanel(EngineHost *host, store::EntryCatalog *catalog,
                                     QWidget *parent)
    : QWidget(parent)
    , m_host(host)
    , m_catalog(catalog)
{
    // The two prompts side by side: what was asked, and the cached one whose answer it got.
    m_table = makeTable({QStringLiteral("Time"), QStringLiteral("Model"), QStringLiteral("Similarity"),
                         QStringLiteral("Asked"), QStringLiteral("Served the answer to")},
                        QStringLiteral("semanticHitsTable"));
    m_table->horizontalHeader()->setSectionResizeMode(kAskedColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(kServedColumn, QHeaderView::Stretch);
    m_table->setItemDelegateForColumn(2, new SimilarityDelegate(m_table));
    m_wrong = new QPushButton(QStringLiteral("Wrong hit…"));
    m_wrong->setObjectName(QStringLiteral("wrongHit"));
    m_wrong->setToolTip(QStringLiteral("Delete the cached answer this hit served, and refuse "
                                       "the words that differ from now on"));
    m_wrong->setEnabled(false);
    auto *reloadButton = new QPushButton(QStringLiteral("Reload"));

    m_suggestionText = new QLabel;
    m_suggestionText->setObjectName(QStringLiteral("wrongHitSuggestion"));
    m_suggestionText->setWordWrap(true);
    m_useIt = new QPushButton(QStringLiteral("Use it"));
    m_useIt->setObjectName(QStringLiteral("useSuggestedThreshold"));
    m_suggestion = new QWidget;
    m_suggestion->setObjectName(QStringLiteral("suggestionBar"));
    m_suggestion->setStyleSheet(QStringLiteral(
        "#suggestionBar { background: rgba(59, 125, 216, 0.12); border-radius: 6px; }"));
    auto *bar = new QHBoxLayout(m_suggestion);
    bar->setContentsMargins(10, 6, 6, 6);
    bar->addWidget(m_suggestionText, 1);
    bar->addWidget(m_useIt);
    m_suggestion->hide();

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(makeHintLabel(QStringLiteral("Prompts answered from a similar cached prompt. If an "
                                           "answer did not fit, mark it as a wrong hit.")), 1);
    buttons->addWidget(reloadButton);
    buttons->addWidget(m_wrong);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 12, 0, 0);
    layout->setSpacing(10);
    layout->addLayout(buttons);
    layout->addWidget(m_suggestion);
    layout->addWidget(m_table, 1);

    connect(m_table, &QTableWidget::itemSelectionChanged, this,
            [this] { m_wrong->setEnabled(!m_table->selectedItems().isEmpty()); });
    connect(m_wrong, &QPushButton::clicked, this, &SemanticHitsPanel::markWrongHit);
    connect(reloadButton, &QPushButton::clicked, this, &SemanticHitsPanel::reload);
    connect(m_useIt, &QPushButton::clicked, this, [this] {
        Q_EMIT useThreshold(m_suggestedModel, m_suggestedThreshold);
        m_suggestionText->setText(QStringLiteral("%1 now uses %2.")
                                      .arg(m_suggestedModel, thresholdText(m_suggestedThreshold)));
        m_useIt->hide();
    });
}

void SemanticHitsPanel::reload()
{
    openCatalogFor(*m_catalog, m_host);
    m_rows = m_log.openFor(m_host) ? m_log.semanticHits(kRows) : QList<store::RequestLogRecord>();
    m_table->setRowCount(int(m_rows.size()));
    for (int row = 0; row < m_rows.size(); ++row) {
        const store::RequestLogRecord &r = m_rows.at(row);
        auto *similarity = new QTableWidgetItem(percent(r.similarity));
        similarity->setData(Qt::UserRole, r.similarity);
        QString prompt = entryPrompt(m_catalog, r.entryKey);
        auto *promptItem = new QTableWidgetItem(prompt.isEmpty() ? QStringLiteral("(entry deleted)")
                                                                 : prompt);
        if (prompt.isEmpty())
            promptItem->setForeground(palette().color(QPalette::PlaceholderText));
        m_table->setItem(row, 0, new QTableWidgetItem(timeText(r.timestamp)));
        m_table->setItem(row, 1, new QTableWidgetItem(r.model));
        m_table->setItem(row, 2, similarity);
        // Hits logged before the asked prompt was recorded (schema version 5) have none.
        auto *asked = new QTableWidgetItem(r.askedPrompt.isEmpty() ? QStringLiteral("(not recorded)")
                                                                   : r.askedPrompt);
        if (r.askedPrompt.isEmpty())
            asked->setForeground(palette().color(QPalette::PlaceholderText));
        asked->setToolTip(r.askedPrompt);   // the full text, when the column cuts it
        promptItem->setToolTip(prompt);
        m_table->setItem(row, kAskedColumn, asked);
        m_table->setItem(row, kServedColumn, promptItem);
    }
    m_table->horizontalHeader()->resizeSection(2, 180);
}

void SemanticHitsPanel::markWrongHit()
{
    const QList<QTableWidgetItem *> selected = m_table->selectedItems();
    if (selected.isEmpty())
        return;
    const store::RequestLogRecord record = m_rows.value(selected.first()->row());
    // The served prompt before the entry goes: the words that differ are the lesson.
    const QString served = entryPrompt(m_catalog, record.entryKey);
    if (!record.entryKey.isEmpty())
        m_host->removeEntries({record.entryKey});
    m_table->item(selected.first()->row(), kServedColumn)->setText(QStringLiteral("(entry deleted)"));
    semantic::RefusalRule rule;
    if (!record.askedPrompt.isEmpty() && !served.isEmpty())
        rule = semantic::MatchVerifier().ruleFor(record.askedPrompt, served);
    if (rule.isEmpty()) {   // the two read the same: only a threshold can tell them apart
        showSuggestion(record.model, record.similarity);
        return;
    }
    const bool added = learnRefusal(m_host, rule);
    m_suggestionText->setText(
        QStringLiteral("Deleted that cached answer and %1: %2 — the same difference is refused "
                       "from now on (see Learned refusals on the Thresholds tab).")
            .arg(added ? QStringLiteral("learned") : QStringLiteral("already knew"),
                 refusalRuleText(rule)));
    m_useIt->hide();
    m_suggestion->show();
    if (added)
        Q_EMIT refusalLearned(rule);
}

void SemanticHitsPanel::showSuggestion(const QString &model, double similarity)
{
    const float threshold = stricterThreshold(similarity);
    m_suggestedModel = model;
    m_suggestedThreshold = threshold;
    // Texts that read the same once normalised score 1: no threshold tells them apart.
    const QString remedy = threshold >= 1.0f
        ? QStringLiteral("only turning similarity matching off for %3 (a threshold of %2) "
                         "would have refused it; exact repeats are still served.")
        : QStringLiteral("a threshold of %2 for %3 would have refused it.");
    m_suggestionText->setText(
        QString(QStringLiteral("Deleted that cached answer. This hit was %1 similar: ") + remedy)
            .arg(percent(similarity), thresholdText(threshold), model));
    m_useIt->show();
    m_suggestion->show();
}

} // namespace cachette::ui
