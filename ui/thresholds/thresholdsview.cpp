#include "thresholdsview.h"

#include "host/enginehost.h"
#include "logpanels.h"
#include "refusalrulespanel.h"
#include "semanticlog.h"
#include "store/entrycatalog.h"
#include "thresholdseditor.h"
#include "tunerpanel.h"

#include <QScrollArea>
#include <QTabWidget>
#include <QVBoxLayout>

namespace cachette::ui {

namespace {

// The two-column editor needs more width than an 800×600 window leaves it: it scrolls there
// instead of forcing the whole window wider.
QScrollArea *scrollable(QWidget *content)
{
    auto *area = new QScrollArea;
    area->setWidget(content);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

} // namespace

ThresholdsView::ThresholdsView(EngineHost *host, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
    , m_catalog(std::make_unique<store::EntryCatalog>())
    , m_tabs(new QTabWidget)
{
    m_editor = new ThresholdsEditor(host);
    m_tuner = new TunerPanel(host, m_catalog.get());
    m_whatIf = new WhatIfPanel(host, m_catalog.get());
    m_hits = new SemanticHitsPanel(host, m_catalog.get());
    m_tabs->setObjectName(QStringLiteral("thresholdsTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(scrollable(m_editor), QStringLiteral("Thresholds"));
    m_tabs->addTab(scrollable(m_tuner), QStringLiteral("Tuner"));
    m_tabs->addTab(scrollable(m_whatIf), QStringLiteral("What-if"));
    m_tabs->addTab(scrollable(m_hits), QStringLiteral("Recent semantic hits"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 12, 16, 12);
    layout->addWidget(m_tabs);

    connect(m_tabs, &QTabWidget::currentChanged, this, &ThresholdsView::refresh);
    connect(m_hits, &SemanticHitsPanel::useThreshold, m_editor, &ThresholdsEditor::useModelThreshold);
    connect(m_hits, &SemanticHitsPanel::refusalLearned, m_editor->refusalRules(),
            &RefusalRulesPanel::reload);
    // Other tabs judge against the thresholds in force: keep them current after Apply.
    connect(m_editor, &ThresholdsEditor::applied, this, [this] {
        if (m_tabs->currentIndex() != EditorTab)
            refresh();
    });
}

ThresholdsView::~ThresholdsView() = default;

void ThresholdsView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

// The log and the cache change under the page; read them when a tab is looked at, not on
// every request the proxy answers.
void ThresholdsView::refresh()
{
    switch (m_tabs->currentIndex()) {
    case EditorTab:
        if (openCatalogFor(*m_catalog, m_host))
            m_editor->setKnownModels(m_catalog->models());
        if (!m_editor->hasChanges())
            m_editor->revert();   // picks up thresholds changed elsewhere (Use it)
        m_editor->refusalRules()->reload();
        break;
    case TunerTab:
        m_tuner->refreshModels();
        break;
    case WhatIfTab:
        m_whatIf->reload();
        break;
    case HitsTab:
        m_hits->reload();
        break;
    }
}

} // namespace cachette::ui
