#pragma once

#include "thresholdmath.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTableWidget;
class QTimer;

namespace cachette::store {
class EntryCatalog;
}

namespace cachette::ui {

class EngineHost;
class SimilarityDelegate;
class ThresholdControl;

// The tuner: type a prompt, see the nearest cached prompts, their similarity, the guard that
// would refuse each, and whether it would hit. The slider re-judges the candidates locally.
class TunerPanel : public QWidget
{
    Q_OBJECT
public:
    enum Column { SimilarityColumn, PromptColumn, GuardColumn, VerdictColumn, ColumnCount };

    TunerPanel(EngineHost *host, store::EntryCatalog *catalog, QWidget *parent = nullptr);

    void refreshModels();     // the model and context pickers, from the cache
    void explainNow();        // asks the engine for the candidates of what is typed
    void setPrompt(const QString &prompt);
    void setModel(const QString &model);
    ThresholdControl *threshold() const { return m_threshold; }
    const QList<TunerCandidate> &candidates() const { return m_candidates; }
    bool wouldHit() const;

private:
    QWidget *buildInputs();
    QWidget *buildResults();
    void refreshContexts();
    void showCandidates();
    void showVerdict();
    QString queryText() const;

    EngineHost *m_host;
    store::EntryCatalog *m_catalog;
    QPlainTextEdit *m_prompt = nullptr;
    QComboBox *m_model = nullptr;
    QComboBox *m_context = nullptr;
    ThresholdControl *m_threshold = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_reason = nullptr;
    QTableWidget *m_table = nullptr;
    SimilarityDelegate *m_delegate = nullptr;
    QTimer *m_debounce = nullptr;
    QList<TunerCandidate> m_candidates;
    QString m_explained;   // the prompt m_candidates answer
};

} // namespace cachette::ui
