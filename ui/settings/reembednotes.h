#pragma once

#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;

namespace cachette::ui {

class EngineHost;
struct RebuildStatus;

// Under the embeddings fields of the Settings page: the background re-embedding (a bar and a
// line while it runs, a line when it is done, the error and "Try again" when it failed) and
// the embedder's own failures while proxying. With nothing to say it takes no room.
class ReembedNotes : public QWidget
{
    Q_OBJECT
public:
    explicit ReembedNotes(EngineHost *host, QWidget *parent = nullptr);

private:
    void showRebuild();
    void showEmbedderError();
    void fitToContent();
    static QString runningText(const RebuildStatus &status, const QString &active);
    static QString doneText(const RebuildStatus &status);
    static QString failedText(const RebuildStatus &status, const QString &active);

    EngineHost *m_host;
    QProgressBar *m_bar;
    QLabel *m_status;
    QLabel *m_error;
    QPushButton *m_retry;
    QLabel *m_embedderError;
    QTimer *m_doneTimer;   // the "all embedded" line goes after a while
};

} // namespace cachette::ui
