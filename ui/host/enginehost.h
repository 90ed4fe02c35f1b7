#pragma once

#include "engine.h"
#include "pricing/modelprice.h"
#include "semantic/semanticcache.h"
#include "store/cacheentry.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QThread>

#include <functional>

namespace cachette::ui {

// The background re-embedding of the cached prompts, as the GUI last heard of it. One runs when
// the embedder changes (similarity matching keeps the previous embedder until it succeeds) and
// at start for prompts that have no vector yet (stored while the embedder could not be reached).
// Exact hits never wait for it.
struct RebuildStatus
{
    enum class Phase { Idle, Running, Succeeded, Failed };

    Phase phase = Phase::Idle;
    quint64 run = 0;      // changes when a new re-embedding replaces the previous one
    qint64 done = 0;      // prompts embedded (or skipped: never matched by similarity) so far
    qint64 total = -1;    // prompts to embed; -1 until the first batch is done
    QString embedder;     // what they are embedded with: "nomic-embed-text", "the built-in embedder"
    QString error;        // Failed: why, in words

    bool isRunning() const { return phase == Phase::Running; }
    bool operator==(const RebuildStatus &) const = default;
};

// The GUI's handle on the engine. The engine runs on a thread of its own so that nothing the
// window does (a long query, a modal dialog) ever delays a proxied request; every call here is
// posted to that thread and every engine signal comes back queued to the GUI thread.
// Views read the database through their own read-only connections (store::EntryCatalog and
// friends); every change goes through here, so the engine's view of the cache stays right.
class EngineHost : public QObject
{
    Q_OBJECT
public:
    explicit EngineHost(QObject *parent = nullptr);
    ~EngineHost() override;   // stops the proxy and waits for queued writes

    // Applies a configuration; a running proxy restarts its listener if the address changed.
    // Returns false with a readable error when the configuration is invalid (checked here, on
    // the GUI thread) or when the restarted listener fails (the state is then Error).
    // Blocks until the engine thread has applied it, so state() and baseUrl() are current.
    bool configure(const EngineConfig &config, QString *error = nullptr);
    EngineConfig config() const { return m_config; }

    void start();   // result arrives as stateChanged()
    void stop();
    void setEnabled(bool enabled) { enabled ? start() : stop(); }

    Engine::State state() const { return m_state; }
    QString errorString() const { return m_error; }
    QString baseUrl() const { return m_baseUrl; }
    QString databasePath() const;   // <dataDir>/cachette.sqlite

    void removeEntries(const QList<QByteArray> &keys);
    void setPinned(const QByteArray &key, bool pinned);

    // The semantic cache's thresholds and guards. setSemanticSettings() applies them through
    // configure() with the rest of the configuration unchanged; saving them is the caller's job
    // (SemanticPrefs in common/appsettings.h).
    semantic::SemanticSettings semanticSettings() const { return m_config.semantic.settings; }
    void setSemanticSettings(const semantic::SemanticSettings &settings);

    // What the semantic cache would decide for a request, asked on the engine thread (blocks
    // for one embedding: tens of µs locally; a remote embedder answers EmbedderError unless it
    // has seen the text). Unlike a real lookup it always looks for candidates: with matching
    // off for the model, the outcome is NotApplicable but the nearest entries are still listed.
    // explain(): a one-message chat request, the context of a prompt sent alone.
    semantic::Decision explain(const QString &prompt, const QString &model,
                               const QString &cacheNamespace = {});
    // explainLike(): entry's own request with its last user message replaced by prompt, so the
    // context (system prompt, earlier turns, parameters) is that entry's.
    semantic::Decision explainLike(const store::CacheEntry &entry, const QString &prompt);
    semantic::Decision explainRequest(const QString &cacheNamespace, const QString &endpoint,
                                      const QJsonObject &body);
    // body (of endpoint's dialect) with its last user message's text (or a completion's prompt)
    // set to text; cache::withLastUserText keeps its images and tool results in place.
    static QJsonObject withLastUserMessage(const QString &endpoint, const QJsonObject &body,
                                           const QString &text);

    // The user's price overrides in the engine's PriceBook, read and written on the engine
    // thread. setPriceOverrides() also saves them to PriceBook::overridesPath(dataDir), which
    // the engine loads when it starts; false with a readable error when that file cannot be
    // written (the engine uses the new prices all the same).
    QList<pricing::ModelPrice> priceOverrides() const;
    bool setPriceOverrides(const QList<pricing::ModelPrice> &prices, QString *error = nullptr);

    // The re-embedding now running or last finished, and the embedder similarity matching uses
    // now ("nomic-embed-text", "the built-in embedder"): a view opened later shows them too.
    RebuildStatus rebuildStatus() const { return m_rebuild; }
    // Starts the re-embedding again (after it failed); progress arrives as for any run.
    void retryRebuild();
    QString activeEmbedder() const { return m_activeEmbedder; }
    // Why the embedder in use failed to embed the last new answer; empty once it works again.
    QString embedderError() const { return m_embedderError; }

    // Blocks until every write queued so far is committed and its signals are posted (tests,
    // views that must read what was just written).
    void flush();

Q_SIGNALS:
    // Emitted when the state, the error or the base URL (a new port) changed.
    void stateChanged(cachette::Engine::State state, const QString &error);
    void entryStored(const QByteArray &key);
    void entriesRemoved(const QList<QByteArray> &keys);
    void requestLogged(const cachette::store::RequestLogRecord &record);
    // The engine's SemanticLayer signals, relayed. rebuildChanged() also follows a start, or a
    // re-embedding dropped because the embedder changed again: views redraw from rebuildStatus().
    void rebuildProgress(qint64 done, qint64 total);
    void rebuildFinished(bool ok, const QString &error);
    void rebuildChanged();
    void activeEmbedderChanged(const QString &name);
    // Only when the error changes, not for every answer the failing embedder could not embed.
    void embedderErrorChanged(const QString &error);

private:
    // What the GUI mirrors of the engine; seq orders snapshots taken on the engine thread.
    struct Snapshot
    {
        quint64 seq = 0;
        Engine::State state = Engine::State::Stopped;
        QString error;
        QString baseUrl;
        RebuildStatus rebuild;
        QString activeEmbedder;
        QString embedderError;
    };

    void createEngine();
    void watchSemantic();                                   // engine thread
    // Engine thread, after configure() or start(): did that start (or end) a re-embedding?
    void noteRebuild(const EngineConfig &before, bool wasOpen);
    void setEngineEmbedderError(const QString &error);      // engine thread
    void applyRebuild(const RebuildStatus &next);
    void runBlocking(const std::function<void()> &task);
    void post(const std::function<void()> &task);
    Snapshot takeSnapshot();            // engine thread
    void publishSnapshot();             // engine thread → queued to the GUI thread
    void applySnapshot(const Snapshot &snapshot);

    QThread m_thread;
    QObject *m_context = nullptr;   // lives on m_thread: the target of posted calls
    Engine *m_engine = nullptr;     // lives on m_thread
    quint64 m_nextSeq = 0;          // engine thread only
    quint64 m_appliedSeq = 0;       // GUI thread only
    RebuildStatus m_engineRebuild;  // engine thread only: what the next snapshot carries
    QString m_engineEmbedderError;  // engine thread only
    EngineConfig m_config;
    Engine::State m_state = Engine::State::Stopped;
    QString m_error;
    QString m_baseUrl;
    RebuildStatus m_rebuild;
    QString m_activeEmbedder;
    QString m_embedderError;
};

} // namespace cachette::ui
