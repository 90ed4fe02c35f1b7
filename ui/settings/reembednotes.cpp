#include "reembednotes.h"

#include "formlabels.h"
#include "host/enginehost.h"

#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include <climits>

namespace cachette::ui {

namespace {

constexpr int kDoneShownMs = 10000;

QString promptCount(qint64 n)   // "1 cached prompt", "5,000 cached prompts"
{
    return QStringLiteral("%1 cached %2")
        .arg(QLocale().toString(n), n == 1 ? QStringLiteral("prompt") : QStringLiteral("prompts"));
}

// An engine message inside a sentence of ours: no full stop of its own.
QString clause(QString text)
{
    text = text.trimmed();
    while (text.endsWith(QLatin1Char('.')))
        text.chop(1);
    return text;
}

} // namespace

ReembedNotes::ReembedNotes(EngineHost *host, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
{
    m_bar = new QProgressBar;
    m_bar->setObjectName(QStringLiteral("rebuildProgress"));
    m_bar->setTextVisible(false);   // the line below says it in words
    m_bar->setMaximumHeight(fontMetrics().height() / 2 + 4);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("rebuildStatus"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    m_error = makeErrorLabel(QStringLiteral("rebuildError"));
    m_retry = new QPushButton(QStringLiteral("Try again"));
    m_retry->setObjectName(QStringLiteral("retryRebuild"));
    m_retry->setToolTip(QStringLiteral("Embed the cached prompts again, for example once the "
                                       "embeddings endpoint is running"));
    connect(m_retry, &QPushButton::clicked, m_host, &EngineHost::retryRebuild);
    m_embedderError = makeErrorLabel(QStringLiteral("embedderError"));
    m_doneTimer = new QTimer(this);
    m_doneTimer->setSingleShot(true);
    m_doneTimer->setInterval(kDoneShownMs);
    connect(m_doneTimer, &QTimer::timeout, this, [this] {
        m_status->hide();
        fitToContent();
    });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(m_bar);
    layout->addWidget(m_status);
    layout->addWidget(m_error);
    layout->addWidget(m_retry, 0, Qt::AlignLeft);
    layout->addWidget(m_embedderError);

    connect(m_host, &EngineHost::rebuildChanged, this, &ReembedNotes::showRebuild);
    connect(m_host, &EngineHost::activeEmbedderChanged, this, &ReembedNotes::showRebuild);
    connect(m_host, &EngineHost::embedderErrorChanged, this, &ReembedNotes::showEmbedderError);
    showRebuild();
    showEmbedderError();
}

void ReembedNotes::showRebuild()
{
    const RebuildStatus status = m_host->rebuildStatus();
    const QString active = m_host->activeEmbedder();
    const bool running = status.isRunning();
    m_bar->setVisible(running);
    if (running) {
        // Busy until the engine has counted the prompts.
        m_bar->setRange(0, int(qBound(qint64(0), status.total, qint64(INT_MAX))));
        m_bar->setValue(int(qMin<qint64>(status.done, m_bar->maximum())));
    }
    m_doneTimer->stop();
    QString line;
    if (running)
        line = runningText(status, active);
    else if (status.phase == RebuildStatus::Phase::Succeeded)
        line = doneText(status);
    m_status->setText(line);
    m_status->setVisible(!line.isEmpty());
    if (status.phase == RebuildStatus::Phase::Succeeded)
        m_doneTimer->start();
    const bool failed = status.phase == RebuildStatus::Phase::Failed;
    showFieldError(m_error, failed ? failedText(status, active) : QString());
    m_retry->setVisible(failed);
    fitToContent();
}

// With nothing to say, the notes take no room under the Model field.
void ReembedNotes::fitToContent()
{
    const bool any = !m_bar->isHidden() || !m_status->isHidden()
                     || !m_error->isHidden() || !m_embedderError->isHidden();
    setVisible(any);
}

QString ReembedNotes::runningText(const RebuildStatus &status, const QString &active)
{
    // The same embedder: prompts stored while it could not be reached, or from before vectors
    // were kept; each is matched as soon as it has its vector.
    const bool catchingUp = status.embedder == active;
    QString progress;   // nothing until the engine has counted the prompts
    if (status.total >= 0)
        progress = QStringLiteral(": %1 of %2").arg(QLocale().toString(status.done),
                                                    QLocale().toString(status.total));
    if (catchingUp)
        return QStringLiteral("Embedding cached prompts that have no vector yet with %1%2 — "
                              "exact hits are served meanwhile, and each prompt is matched by "
                              "similarity as soon as it is embedded.")
            .arg(status.embedder, progress);
    return QStringLiteral("Re-embedding cached prompts for %1%2 — exact hits are served "
                          "meanwhile; similarity matching keeps using %3 until this finishes.")
        .arg(status.embedder, progress, active);
}

QString ReembedNotes::doneText(const RebuildStatus &status)
{
    if (status.done <= 0)
        return QStringLiteral("Similarity matching uses %1 now; no cached prompt needed "
                              "embedding.").arg(status.embedder);
    const QString which = status.done == 1 ? QStringLiteral("The one cached prompt is")
                                           : QStringLiteral("All %1 are").arg(promptCount(status.done));
    return QStringLiteral("%1 embedded with %2; similarity matching uses it now.")
        .arg(which, status.embedder);
}

QString ReembedNotes::failedText(const RebuildStatus &status, const QString &active)
{
    const QString why = QStringLiteral("could not embed the cached prompts with %1: %2.")
                            .arg(status.embedder, clause(status.error));
    if (status.embedder == active)
        return why + QStringLiteral(" Exact hits are served as before; prompts without a vector "
                                    "are not matched by similarity until they are embedded: "
                                    "use Try again once the endpoint can be reached, or "
                                    "Cachette tries again at its next start.");
    return why + QStringLiteral(" Similarity matching keeps using %1, and exact hits are served "
                                "as before. The choice is saved: use Try again once %2 can be "
                                "reached, or Cachette tries again at its next start.")
                     .arg(active, status.embedder);
}

void ReembedNotes::showEmbedderError()
{
    const QString error = m_host->embedderError();
    QString text;
    if (!error.isEmpty())
        text = QStringLiteral("Could not embed the last new answer with %1: %2. Exact hits are "
                              "still served; answers cached while it fails are matched by "
                              "similarity once Cachette embeds them at its next start.")
                   .arg(m_host->activeEmbedder(), clause(error));
    showFieldError(m_embedderError, text);
    fitToContent();
}

} // namespace cachette::ui
