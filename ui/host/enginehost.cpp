#include "enginehost.h"

#include "cache/conversation.h"
#include "semantic/localembedder.h"
#include "pricing/pricebook.h"
#include "store/store.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMetaObject>

namespace cachette::ui {

namespace {

// Types that travel in queued signals between the engine thread and the GUI thread.
void registerMetaTypes()
{
    qRegisterMetaType<cachette::Engine::State>("cachette::Engine::State");
    qRegisterMetaType<cachette::store::RequestLogRecord>("cachette::store::RequestLogRecord");
    qRegisterMetaType<QList<QByteArray>>("QList<QByteArray>");
}

// What the configured embedder is called in messages, as its displayName() says it.
QString configuredEmbedderName(const SemanticConfig &config)
{
    return config.usesRemoteEmbedder() ? config.embeddingsModel
                                       : semantic::LocalEmbedder::builtInName();
}

bool embedderDiffers(const SemanticConfig &a, const SemanticConfig &b)
{
    return a.embeddingsUrl != b.embeddingsUrl || a.embeddingsModel != b.embeddingsModel
           || a.embeddingsApiKey != b.embeddingsApiKey;
}

} // namespace

EngineHost::EngineHost(QObject *parent)
    : QObject(parent)
{
    registerMetaTypes();
    m_baseUrl = m_config.baseUrl();
    m_thread.setObjectName(QStringLiteral("cachette-engine"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    // The canonical way to delete an object that lives on a thread once that thread is done.
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
    createEngine();
}

EngineHost::~EngineHost()
{
    runBlocking([this] {
        m_engine->shutdown();   // every queued write reaches the disk before we return
        delete m_engine;
        m_engine = nullptr;
    });
    m_thread.quit();
    m_thread.wait();
}

// The engine is built on its own thread: its sockets and timers belong to the thread that
// creates them (HttpServer's QTcpServer is a member, which moveToThread would leave behind).
void EngineHost::createEngine()
{
    runBlocking([this] {
        m_engine = new Engine(m_context);
        store::Store *store = m_engine->store();
        // Signal to signal: queued, since this host lives on the GUI thread.
        connect(store, &store::Store::entryStored, this, &EngineHost::entryStored);
        connect(store, &store::Store::entriesRemoved, this, &EngineHost::entriesRemoved);
        connect(store, &store::Store::requestLogged, this, &EngineHost::requestLogged);
        // Direct: the snapshot must be taken on the engine thread, where the state lives.
        connect(m_engine, &Engine::stateChanged, m_context, [this] { publishSnapshot(); },
                Qt::DirectConnection);
        watchSemantic();
        // The GUI thread waits in runBlocking(): its members can be set from here.
        m_activeEmbedder = m_engine->semantic()->embedderName();
    });
}

// Engine thread. Every change is recorded here and sent as part of a snapshot, so the GUI
// always ends with the newest whole picture even when configure() overtakes queued progress.
void EngineHost::watchSemantic()
{
    SemanticLayer *layer = m_engine->semantic();
    connect(layer, &SemanticLayer::rebuildProgress, m_context,
            [this](qint64 done, qint64 total) {
                m_engineRebuild.done = done;
                m_engineRebuild.total = total;
                publishSnapshot();
            },
            Qt::DirectConnection);
    connect(layer, &SemanticLayer::rebuildFinished, m_context,
            [this](bool ok, const QString &error) {
                m_engineRebuild.phase = ok ? RebuildStatus::Phase::Succeeded
                                           : RebuildStatus::Phase::Failed;
                m_engineRebuild.error = error;
                if (ok)
                    m_engineEmbedderError.clear();   // whatever failed before works now
                publishSnapshot();
            },
            Qt::DirectConnection);
    semantic::SemanticCache *cache = layer->cache();
    // Fired for every new answer the embedder could not embed: publish only changes.
    connect(cache, &semantic::SemanticCache::embedderFailed, m_context,
            [this](const QString &error) { setEngineEmbedderError(error); },
            Qt::DirectConnection);
    connect(cache, &semantic::SemanticCache::vectorAdded, m_context,
            [this] { setEngineEmbedderError(QString()); }, Qt::DirectConnection);
}

void EngineHost::setEngineEmbedderError(const QString &error)
{
    if (error == m_engineEmbedderError)
        return;
    m_engineEmbedderError = error;
    publishSnapshot();
}

void EngineHost::noteRebuild(const EngineConfig &before, bool wasOpen)
{
    const EngineConfig &now = m_engine->config();
    // SemanticLayer replaces (or drops) its re-embedding when it opens with the store or the
    // embedder changes; one started for another reason is a new run when nothing ran before.
    const bool mayHaveStarted = !wasOpen || before.dataDir != now.dataDir
                                || embedderDiffers(before.semantic, now.semantic);
    const bool running = m_engine->semantic()->isRebuilding();
    if (running && (mayHaveStarted || !m_engineRebuild.isRunning())) {
        m_engineRebuild = RebuildStatus{RebuildStatus::Phase::Running, m_engineRebuild.run + 1,
                                        0, -1, configuredEmbedderName(now.semantic), {}};
    } else if (!running && mayHaveStarted) {
        m_engineRebuild.phase = RebuildStatus::Phase::Idle;   // nothing to embed, or dropped
        m_engineRebuild.error.clear();
    }
    if (embedderDiffers(before.semantic, now.semantic))
        m_engineEmbedderError.clear();   // about the previous choice
}

bool EngineHost::configure(const EngineConfig &config, QString *error)
{
    QString problem;
    if (!config.validate(&problem)) {
        if (error)
            *error = problem;
        return false;
    }
    bool ok = false;
    Snapshot snapshot;
    runBlocking([&] {
        const EngineConfig before = m_engine->config();
        const bool wasOpen = m_engine->store()->isOpen();
        ok = m_engine->configure(config, &problem);
        noteRebuild(before, wasOpen);
        snapshot = takeSnapshot();
    });
    m_config = config;   // the engine keeps it even when restarting the listener failed
    applySnapshot(snapshot);
    if (!ok && error)
        *error = problem;
    return ok;
}

void EngineHost::start()
{
    post([this] {
        const bool wasOpen = m_engine->store()->isOpen();
        m_engine->start();
        noteRebuild(m_engine->config(), wasOpen);   // start() keeps the configuration
        publishSnapshot();   // also when the state did not change (a new error, a new port)
    });
}

void EngineHost::retryRebuild()
{
    post([this] {
        m_engine->semantic()->retryRebuild();
        noteRebuild(m_engine->config(), true);
        publishSnapshot();
    });
}

void EngineHost::stop()
{
    post([this] {
        m_engine->stop();
        publishSnapshot();
    });
}

QString EngineHost::databasePath() const
{
    return QDir(m_config.dataDir).absoluteFilePath(QStringLiteral("cachette.sqlite"));
}

void EngineHost::removeEntries(const QList<QByteArray> &keys)
{
    post([this, keys] { m_engine->store()->removeEntries(keys); });
}

void EngineHost::setPinned(const QByteArray &key, bool pinned)
{
    post([this, key, pinned] { m_engine->store()->setPinned(key, pinned); });
}

QList<pricing::ModelPrice> EngineHost::priceOverrides() const
{
    QList<pricing::ModelPrice> prices;
    // runBlocking() only posts to the engine thread and waits; it changes nothing here.
    const_cast<EngineHost *>(this)->runBlocking([&] { prices = m_engine->prices()->overrides(); });
    return prices;
}

bool EngineHost::setPriceOverrides(const QList<pricing::ModelPrice> &prices, QString *error)
{
    const QString path = pricing::PriceBook::overridesPath(m_config.dataDir);
    bool ok = false;
    QString problem;
    runBlocking([&] {
        pricing::PriceBook *book = m_engine->prices();
        book->setOverrides(prices);
        ok = book->saveOverrides(path, &problem);
    });
    if (!ok && error)
        *error = problem;
    return ok;
}

void EngineHost::setSemanticSettings(const semantic::SemanticSettings &settings)
{
    EngineConfig config = m_config;
    config.semantic.settings = settings;
    configure(config);   // only thresholds change: valid whenever the current config is
}

semantic::Decision EngineHost::explain(const QString &prompt, const QString &model,
                                       const QString &cacheNamespace)
{
    const QJsonObject message{{QStringLiteral("role"), QStringLiteral("user")},
                              {QStringLiteral("content"), prompt}};
    const QJsonObject body{{QStringLiteral("model"), model},
                           {QStringLiteral("messages"), QJsonArray{message}}};
    return explainRequest(cacheNamespace, QStringLiteral("chat/completions"), body);
}

semantic::Decision EngineHost::explainLike(const store::CacheEntry &entry, const QString &prompt)
{
    const QJsonObject request = QJsonDocument::fromJson(entry.canonicalRequest).object();
    return explainRequest(entry.cacheNamespace, entry.endpoint,
                          withLastUserMessage(entry.endpoint, request, prompt));
}

semantic::Decision EngineHost::explainRequest(const QString &cacheNamespace,
                                              const QString &endpoint, const QJsonObject &body)
{
    semantic::Decision decision;
    runBlocking([&] { decision = m_engine->semantic()->explain(cacheNamespace, endpoint, body); });
    return decision;
}

QJsonObject EngineHost::withLastUserMessage(const QString &endpoint, const QJsonObject &body,
                                            const QString &text)
{
    return cache::withLastUserText(endpoint, body, text);
}

void EngineHost::flush()
{
    runBlocking([this] { m_engine->store()->flush(); });
}

void EngineHost::runBlocking(const std::function<void()> &task)
{
    QMetaObject::invokeMethod(m_context, task, Qt::BlockingQueuedConnection);
}

void EngineHost::post(const std::function<void()> &task)
{
    QMetaObject::invokeMethod(m_context, task, Qt::QueuedConnection);
}

EngineHost::Snapshot EngineHost::takeSnapshot()
{
    return Snapshot{++m_nextSeq,
                    m_engine->state(),
                    m_engine->errorString(),
                    m_engine->baseUrl(),
                    m_engineRebuild,
                    m_engine->semantic()->embedderName(),
                    m_engineEmbedderError};
}

void EngineHost::publishSnapshot()
{
    const Snapshot snapshot = takeSnapshot();
    QMetaObject::invokeMethod(this, [this, snapshot] { applySnapshot(snapshot); },
                              Qt::QueuedConnection);
}

void EngineHost::applySnapshot(const Snapshot &snapshot)
{
    // A snapshot queued before configure() returned may arrive after it: keep the newest.
    if (snapshot.seq <= m_appliedSeq)
        return;
    m_appliedSeq = snapshot.seq;
    if (snapshot.activeEmbedder != m_activeEmbedder) {
        m_activeEmbedder = snapshot.activeEmbedder;
        Q_EMIT activeEmbedderChanged(m_activeEmbedder);
    }
    if (snapshot.embedderError != m_embedderError) {
        m_embedderError = snapshot.embedderError;
        Q_EMIT embedderErrorChanged(m_embedderError);
    }
    applyRebuild(snapshot.rebuild);
    if (snapshot.state == m_state && snapshot.error == m_error && snapshot.baseUrl == m_baseUrl)
        return;
    m_state = snapshot.state;
    m_error = snapshot.error;
    m_baseUrl = snapshot.baseUrl;
    Q_EMIT stateChanged(m_state, m_error);
}

void EngineHost::applyRebuild(const RebuildStatus &next)
{
    if (next == m_rebuild)
        return;
    const RebuildStatus before = m_rebuild;
    m_rebuild = next;
    const bool sameRun = next.run == before.run;
    // A new run starts at 0 of unknown; only what the engine reported is relayed.
    const RebuildStatus reported = sameRun ? before : RebuildStatus{};
    if (next.isRunning() && (next.done != reported.done || next.total != reported.total))
        Q_EMIT rebuildProgress(next.done, next.total);
    const bool ended = next.phase == RebuildStatus::Phase::Succeeded
                       || next.phase == RebuildStatus::Phase::Failed;
    if (ended && (!sameRun || before.isRunning()))
        Q_EMIT rebuildFinished(next.phase == RebuildStatus::Phase::Succeeded, next.error);
    Q_EMIT rebuildChanged();
}

} // namespace cachette::ui
