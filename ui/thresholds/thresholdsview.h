#pragma once

#include <QWidget>

#include <memory>

class QTabWidget;

namespace cachette::store {
class EntryCatalog;
}

namespace cachette::ui {

class EngineHost;
class SemanticHitsPanel;
class ThresholdsEditor;
class TunerPanel;
class WhatIfPanel;

// The Thresholds page: how strict the semantic cache is, per model, and the tools to choose:
// a tuner for one prompt, a what-if replay of the log, and the recent semantic hits.
class ThresholdsView : public QWidget
{
    Q_OBJECT
public:
    enum Tab { EditorTab, TunerTab, WhatIfTab, HitsTab };

    explicit ThresholdsView(EngineHost *host, QWidget *parent = nullptr);
    ~ThresholdsView() override;

    ThresholdsEditor *editor() const { return m_editor; }
    TunerPanel *tuner() const { return m_tuner; }
    WhatIfPanel *whatIf() const { return m_whatIf; }
    SemanticHitsPanel *hits() const { return m_hits; }
    QTabWidget *tabs() const { return m_tabs; }
    void refresh();   // re-reads the cache and the log for the tab shown

protected:
    void showEvent(QShowEvent *event) override;

private:
    EngineHost *m_host;
    std::unique_ptr<store::EntryCatalog> m_catalog;   // one read-only connection for all tabs
    QTabWidget *m_tabs = nullptr;
    ThresholdsEditor *m_editor = nullptr;
    TunerPanel *m_tuner = nullptr;
    WhatIfPanel *m_whatIf = nullptr;
    SemanticHitsPanel *m_hits = nullptr;
};

} // namespace cachette::ui
