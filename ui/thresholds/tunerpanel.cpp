#include "tunerpanel.h"

#include "host/enginehost.h"
#include "semanticlog.h"
#include "similaritydelegate.h"
#include "store/entrycatalog.h"
#include "thresholdcontrol.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace cachette::ui {

namespace {

constexpr int kContextEntries = 30;   // recent entries offered as a context

QString oneLine(QString text, int length = 90)
{
    text = text.simplified();
    return text.size() > length ? text.left(length - 1) + QChar(0x2026) : text;
}

} // namespace

TunerPanel::TunerPanel(EngineHost *host, store::EntryCatalog *catalog, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
    , m_catalog(catalog)
    , m_debounce(new QTimer(this))
{
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(300);   // one lookup per pause in typing, not per key
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 12, 0, 0);
    layout->setSpacing(10);
    layout->addWidget(buildInputs());
    layout->addWidget(buildResults(), 1);
    connect(m_debounce, &QTimer::timeout, this, &TunerPanel::explainNow);
}

QWidget *TunerPanel::buildInputs()
{
    m_prompt = new QPlainTextEdit;
    m_prompt->setObjectName(QStringLiteral("tunerPrompt"));
    m_prompt->setPlaceholderText(QStringLiteral("Type a prompt to see which cached prompts it "
                                                "is close to…"));
    m_prompt->setTabChangesFocus(true);
    m_prompt->setFixedHeight(m_prompt->fontMetrics().lineSpacing() * 3 + 16);
    m_model = new QComboBox;
    m_model->setObjectName(QStringLiteral("tunerModel"));
    m_model->setEditable(true);
    m_model->setInsertPolicy(QComboBox::NoInsert);
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_model->setMinimumContentsLength(16);
    m_context = new QComboBox;
    m_context->setObjectName(QStringLiteral("tunerContext"));
    m_context->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_context->setMinimumContentsLength(20);
    m_context->setToolTip(QStringLiteral(
        "Only prompts sent with the same context are compared: the same system prompt, earlier "
        "turns and parameters. \"Prompt alone\" is a single user message; pick a cached entry "
        "to reuse its context with your prompt as its last message."));
    m_threshold = new ThresholdControl;
    m_threshold->setObjectName(QStringLiteral("tunerThreshold"));
    auto *explain = new QPushButton(QStringLiteral("Look up"));
    explain->setObjectName(QStringLiteral("tunerExplain"));

    auto *pickers = new QHBoxLayout;
    pickers->setSpacing(8);
    pickers->addWidget(new QLabel(QStringLiteral("Model")));
    pickers->addWidget(m_model, 1);
    pickers->addSpacing(8);
    pickers->addWidget(new QLabel(QStringLiteral("Context")));
    pickers->addWidget(m_context, 2);
    pickers->addWidget(explain);
    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(QStringLiteral("Prompt"), m_prompt);
    form->addRow(QString(), pickers);
    form->addRow(QStringLiteral("Try threshold"), m_threshold);
    auto *inputs = new QWidget;
    inputs->setLayout(form);
    form->setContentsMargins(0, 0, 0, 0);

    connect(m_prompt, &QPlainTextEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_model, &QComboBox::currentTextChanged, this, [this] {
        m_threshold->setValue(m_host->semanticSettings().thresholdFor(m_model->currentText()));
        refreshContexts();
        m_debounce->start();
    });
    connect(m_context, &QComboBox::currentIndexChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(explain, &QPushButton::clicked, this, &TunerPanel::explainNow);
    connect(m_threshold, &ThresholdControl::valueChanged, this, &TunerPanel::showCandidates);
    return inputs;
}

QWidget *TunerPanel::buildResults()
{
    m_verdict = new QLabel;
    m_verdict->setObjectName(QStringLiteral("tunerVerdict"));
    QFont bold = m_verdict->font();
    bold.setWeight(QFont::DemiBold);
    m_verdict->setFont(bold);
    m_verdict->setWordWrap(true);
    m_reason = new QLabel;
    m_reason->setObjectName(QStringLiteral("tunerReason"));
    m_reason->setWordWrap(true);
    m_reason->setForegroundRole(QPalette::PlaceholderText);

    m_table = new QTableWidget(0, ColumnCount);
    m_table->setObjectName(QStringLiteral("tunerCandidates"));
    m_table->setHorizontalHeaderLabels({QStringLiteral("Similarity"), QStringLiteral("Cached prompt"),
                                        QStringLiteral("Verifier"), QStringLiteral("At this threshold")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 12);
    m_delegate = new SimilarityDelegate(m_table);
    m_table->setItemDelegateForColumn(SimilarityColumn, m_delegate);
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->resizeSection(SimilarityColumn, fontMetrics().horizontalAdvance(QStringLiteral("100.0 %")) + 140);
    header->setSectionResizeMode(PromptColumn, QHeaderView::Stretch);
    // The verifier's reason can be long ("entity: a, b, c ≠ d, e"): a fixed share, elided, with
    // the whole text in the tooltip, so the cached prompt keeps its room.
    header->setSectionResizeMode(GuardColumn, QHeaderView::Interactive);
    header->resizeSection(GuardColumn, fontMetrics().horizontalAdvance(QStringLiteral("M")) * 22);
    header->setSectionResizeMode(VerdictColumn, QHeaderView::ResizeToContents);

    auto *results = new QWidget;
    auto *layout = new QVBoxLayout(results);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->setSpacing(6);
    layout->addWidget(m_verdict);
    layout->addWidget(m_reason);
    layout->addWidget(m_table, 1);
    showCandidates();
    return results;
}

void TunerPanel::refreshModels()
{
    if (!openCatalogFor(*m_catalog, m_host))
        return;
    const QString current = m_model->currentText();
    QStringList models = m_catalog->models();
    {
        const QSignalBlocker blocker(m_model);
        m_model->clear();
        m_model->addItems(models);
    }
    if (!current.isEmpty())
        m_model->setCurrentText(current);
    else if (!models.isEmpty())
        m_model->setCurrentIndex(0);
    m_threshold->setValue(m_host->semanticSettings().thresholdFor(m_model->currentText()));
    refreshContexts();
}

// "Prompt alone", then the model's recent entries: entries sent with a system prompt or
// earlier turns are only compared within that same context.
void TunerPanel::refreshContexts()
{
    const QByteArray current = m_context->currentData().toByteArray();
    const QSignalBlocker blocker(m_context);
    m_context->clear();
    m_context->addItem(QStringLiteral("Prompt alone (one user message)"));
    if (openCatalogFor(*m_catalog, m_host)) {
        store::EntryFilter filter;
        filter.model = m_model->currentText();
        const auto rows = m_catalog->page(filter, store::SortColumn::Created, Qt::DescendingOrder,
                                          0, kContextEntries);
        for (const store::EntrySummary &row : rows) {
            if (row.endpoint != QLatin1String("embeddings"))
                m_context->addItem(QStringLiteral("Like: ") + oneLine(row.promptPreview, 60), row.key);
        }
    }
    m_context->setCurrentIndex(qMax(0, m_context->findData(current)));
}

void TunerPanel::setPrompt(const QString &prompt)
{
    m_prompt->setPlainText(prompt);
}

void TunerPanel::setModel(const QString &model)
{
    m_model->setCurrentText(model);
}

void TunerPanel::explainNow()
{
    m_debounce->stop();
    const QString prompt = queryText();
    m_explained = prompt;
    m_candidates.clear();
    m_reason->clear();
    if (prompt.trimmed().isEmpty()) {
        showCandidates();
        return;
    }
    semantic::Decision decision;
    const QByteArray key = m_context->currentData().toByteArray();
    std::optional<store::CacheEntry> entry;
    if (!key.isEmpty() && openCatalogFor(*m_catalog, m_host))
        entry = m_catalog->entry(key);
    decision = entry ? m_host->explainLike(*entry, prompt)
                     : m_host->explain(prompt, m_model->currentText());
    m_candidates = tunerCandidates(decision, prompt, m_host->semanticSettings());
    using Outcome = semantic::Decision::Outcome;
    if (decision.outcome == Outcome::EmbedderError || decision.outcome == Outcome::NotReady
        || (decision.candidates.empty() && !decision.reason.isEmpty()))
        m_reason->setText(QStringLiteral("The engine says: %1.").arg(decision.reason));
    showCandidates();
}

QString TunerPanel::queryText() const
{
    return m_prompt->toPlainText();
}

void TunerPanel::showCandidates()
{
    const float threshold = float(m_threshold->value());
    m_delegate->setThreshold(threshold);
    const int hit = hitAt(m_candidates, threshold);
    m_table->setRowCount(int(m_candidates.size()));
    for (int row = 0; row < m_candidates.size(); ++row) {
        const TunerCandidate &c = m_candidates.at(row);
        auto *similarity = new QTableWidgetItem(percent(c.similarity));
        similarity->setData(Qt::UserRole, double(c.similarity));
        auto *prompt = new QTableWidgetItem(oneLine(c.prompt, 300));
        prompt->setToolTip(c.prompt);
        QString verdict;
        QColor color = palette().color(QPalette::PlaceholderText);
        if (row == hit) {
            verdict = QStringLiteral("hit");
            color = QColor(46, 160, 90);
        } else if (c.similarity < threshold || threshold >= 1.0f) {
            verdict = QStringLiteral("below");
        } else if (c.guard != semantic::Guard::None) {
            verdict = QStringLiteral("refused");
            color = QColor(211, 132, 0);
        } else {
            verdict = QStringLiteral("above (a closer one wins)");
        }
        auto *verdictItem = new QTableWidgetItem(verdict);
        verdictItem->setForeground(color);
        m_table->setItem(row, SimilarityColumn, similarity);
        m_table->setItem(row, PromptColumn, prompt);
        auto *why = new QTableWidgetItem(c.refusal.isEmpty() ? QStringLiteral("—") : c.refusal);
        why->setToolTip(c.refusal);
        m_table->setItem(row, GuardColumn, why);
        m_table->setItem(row, VerdictColumn, verdictItem);
    }
    m_table->viewport()->update();
    showVerdict();
}

void TunerPanel::showVerdict()
{
    const float threshold = float(m_threshold->value());
    const int hit = hitAt(m_candidates, threshold);
    QString text;
    QString color = QStringLiteral("palette(window-text)");
    if (m_explained.trimmed().isEmpty()) {
        text = QStringLiteral("Type a prompt to see the cached prompts nearest to it.");
    } else if (m_candidates.isEmpty()) {
        text = QStringLiteral("No cached prompt in this context to compare with.");
    } else if (threshold >= 1.0f) {
        text = QStringLiteral("Would not hit: 1.00 turns semantic matching off.");
    } else if (hit >= 0) {
        text = QStringLiteral("Would hit at %1: served the answer to \u201c%2\u201d (%3).")
                   .arg(thresholdText(threshold), oneLine(m_candidates.at(hit).prompt, 70),
                        percent(m_candidates.at(hit).similarity));
        color = QStringLiteral("#2e9f5a");
    } else if (m_candidates.first().similarity >= threshold) {
        text = QStringLiteral("Would not hit at %1: the verifier refuses every prompt above it "
                              "(nearest: %2).")
                   .arg(thresholdText(threshold), m_candidates.first().refusal);
        color = QStringLiteral("#d38400");
    } else {
        text = QStringLiteral("Would not hit at %1: the nearest is %2.")
                   .arg(thresholdText(threshold), percent(m_candidates.first().similarity));
    }
    m_verdict->setText(text);
    m_verdict->setStyleSheet(QStringLiteral("color: %1;").arg(color));
}

bool TunerPanel::wouldHit() const
{
    return hitAt(m_candidates, float(m_threshold->value())) >= 0;
}

} // namespace cachette::ui
