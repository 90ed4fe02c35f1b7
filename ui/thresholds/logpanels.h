#pragma once

#include "semanticlog.h"
#include "thresholdmath.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace cachette::store {
class EntryCatalog;
}

namespace cachette::ui {

class EngineHost;
class ThresholdControl;

// What-if: the last SemanticLog::kWhatIfRows lookups replayed at a candidate threshold.
class WhatIfPanel : public QWidget
{
    Q_OBJECT
public:
    WhatIfPanel(EngineHost *host, store::EntryCatalog *catalog, QWidget *parent = nullptr);

    void reload();   // reads the log again
    ThresholdControl *threshold() const { return m_threshold; }
    const WhatIfResult &result() const { return m_result; }

private:
    void recompute();
    void fillScopes();

    EngineHost *m_host;
    store::EntryCatalog *m_catalog;
    SemanticLog m_log;
    QList<store::RequestLogRecord> m_rows;
    WhatIfResult m_result;
    QComboBox *m_scope = nullptr;
    ThresholdControl *m_threshold = nullptr;
    QLabel *m_summary = nullptr;
    QTableWidget *m_table = nullptr;
};

// The recent semantic hits, and "Wrong hit": delete the entry and teach the verifier the words
// that differ (a learned refusal), or, when the two prompts read the same, offer a stricter
// threshold.
class SemanticHitsPanel : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kRows = 200;

    SemanticHitsPanel(EngineHost *host, store::EntryCatalog *catalog, QWidget *parent = nullptr);

    void reload();
    QTableWidget *table() const { return m_table; }
    void markWrongHit();   // the selected row

Q_SIGNALS:
    void useThreshold(const QString &model, float threshold);
    void refusalLearned(const cachette::semantic::RefusalRule &rule);   // applied and saved

private:
    void showSuggestion(const QString &model, double similarity);

    EngineHost *m_host;
    store::EntryCatalog *m_catalog;
    SemanticLog m_log;
    QList<store::RequestLogRecord> m_rows;
    QTableWidget *m_table = nullptr;
    QPushButton *m_wrong = nullptr;
    QWidget *m_suggestion = nullptr;
    QLabel *m_suggestionText = nullptr;
    QPushButton *m_useIt = nullptr;
    QString m_suggestedModel;
    float m_suggestedThreshold = 0;
};

} // namespace cachette::ui
