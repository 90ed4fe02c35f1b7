#include "semanticlayer.h"

#include "semantic/localembedder.h"
#include "semantic/reembedjob.h"
#include "semantic/remoteembedder.h"
#include "semantic/semanticcache.h"
#include "store/embeddingstore.h"
#include "store/store.h"

#include "threadhandoff.h"

#include <QJsonDocument>

namespace cachette {
namespace {

store::StoredEmbedding toStored(const semantic::VectorRecord &r)
{
    return {r.entryKey, r.embedderId, r.contextHash, r.text, r.vector};
}

semantic::VectorRecord toRecord(store::StoredEmbedding &&s)
{
    return {s.entryKey, s.embedderId, s.contextHash, s.text, std::move(s.vector)};
}

} // namespace

SemanticLayer::SemanticLayer(store::Store *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_vectors(new store::EmbeddingStore(this))
    , m_cache(std::make_unique<semantic::SemanticCache>(makeEmbedder()))
{
    connect(m_cache.get(), &semantic::SemanticCache::vectorAdded, m_vectors,
            [this](const semantic::VectorRecord &r) { m_vectors->put(toStored(r)); });
    connect(store, &store::Store::entriesRemoved, m_cache.get(),
            &semantic::SemanticCache::remove);
    connect(store, &store::Store::entriesRemoved, m_vectors, &store::EmbeddingStore::remove);
    connect(store, &store::Store::entriesRemoved, this, [this](const QList<QByteArray> &keys) {
        if (m_reader)
            m_removedWhileReading.unite(QSet<QByteArray>(keys.cbegin(), keys.cend()));
    });
}

SemanticLayer::~SemanticLayer()
{
    close();
}

bool SemanticLayer::open(const QString &databasePath, QString *error)
{
    if (m_open)
        return true;
    if (!m_vectors->open(m_store, error))
        return false;
    m_open = true;
    m_databasePath = databasePath;
    loadVectors();
    startRebuild();   // entries stored while no vector could be made (remote embedder down)
    return true;
}

void SemanticLayer::close()
{
    stopReading();
    if (m_job) {
        m_job->disconnect(this);
        m_job->cancel();
        m_job->deleteLater();
        m_job = nullptr;
    }
    m_vectors->close();
    m_open = false;
}

void SemanticLayer::configure(const SemanticConfig &config)
{
    const bool embedderChanged = config.embeddingsUrl != m_config.embeddingsUrl
                                 || config.embeddingsModel != m_config.embeddingsModel
                                 || config.embeddingsApiKey != m_config.embeddingsApiKey;
    const bool matchingTurnedOn =
        semantic::SemanticSettings::turnsMatchingOn(m_config.settings, config.settings);
    m_config = config;
    m_cache->setSettings(config.settings);
    m_cache->setModelCheck(config.modelCheck);
    if (!embedderChanged) {
        if (matchingTurnedOn && m_open)
            startRebuild();
        return;
    }
    if (!m_open) {
        m_cache->setEmbedder(makeEmbedder());
        return;
    }
    // Build the new embedder's vectors first; the cache switches when they are ready.
    startRebuild();
}

void SemanticLayer::retryRebuild()
{
    if (m_open)
        startRebuild();
}

std::unique_ptr<semantic::Embedder> SemanticLayer::makeEmbedder() const
{
    if (!m_config.usesRemoteEmbedder())
        return std::make_unique<semantic::LocalEmbedder>();
    semantic::RemoteEmbedderConfig remote;
    remote.baseUrl = m_config.embeddingsUrl;
    remote.model = m_config.embeddingsModel;
    remote.apiKey = m_config.embeddingsApiKey;
    return std::make_unique<semantic::RemoteEmbedder>(remote);
}

void SemanticLayer::loadVectors()
{
    stopReading();
    auto records = std::make_shared<QList<semantic::VectorRecord>>();
    auto cancelled = std::make_shared<std::atomic_bool>(false);
    const QString path = m_databasePath;
    const QString embedderId = m_cache->embedderId();
    m_reader = new JoinableThread([path, embedderId, records, cancelled] {
        // When the file cannot be read nothing is loaded: entries match by similarity once
        // re-embedded.
        store::EmbeddingStore::readCommitted(path, embedderId, 5000,
                                             [&](store::StoredEmbedding &&s) {
                                                 records->append(toRecord(std::move(s)));
                                                 return !cancelled->load();
                                             });
    });
    m_reader->setParent(this);
    m_reader->setObjectName(QStringLiteral("cachette-vector-reader"));
    m_readerCancelled = cancelled;
    m_removedWhileReading.clear();
    m_cache->setLoadPending(true);
    JoinableThread *reader = m_reader;
    connect(reader, &QThread::finished, this, [this, reader, records] {
        reader->join();   // what it read is visible from here on
        reader->deleteLater();
        if (reader != m_reader)
            return;   // replaced or stopped meanwhile
        m_reader = nullptr;
        records->removeIf([this](const semantic::VectorRecord &r) {
            return m_removedWhileReading.contains(r.entryKey);
        });
        m_removedWhileReading.clear();
        m_cache->setLoadPending(false);
        m_cache->loadInBackground(std::move(*records));
    }, Qt::QueuedConnection);
    m_reader->start(QThread::LowPriority);
}

void SemanticLayer::stopReading()
{
    if (!m_reader)
        return;
    m_readerCancelled->store(true);
    m_reader->join();
    m_reader = nullptr;   // its finished handler only deletes it now
    m_removedWhileReading.clear();
    m_cache->setLoadPending(false);
}

void SemanticLayer::startRebuild()
{
    if (m_job) {
        m_job->disconnect(this);
        m_job->cancel();
        m_job->deleteLater();
    }
    std::shared_ptr<semantic::Embedder> embedder = makeEmbedder();
    const QString id = embedder->id();
    const qint64 total = m_vectors->countWithoutVector(id);
    if (total == 0 && id == m_cache->embedderId()) {
        m_job = nullptr;
        return;
    }
    auto cursor = std::make_shared<qint64>(0);
    auto source = [this, id, cursor](int maxCount) {
        QList<semantic::ReembedItem> items;
        for (const store::EmbeddingSource &s : m_vectors->entriesWithoutVector(id, *cursor,
                                                                               maxCount)) {
            *cursor = s.rowId;
            items.append({s.entryKey, s.cacheNamespace, s.endpoint,
                          QJsonDocument::fromJson(s.canonicalRequest).object()});
        }
        return items;
    };
    m_job = new semantic::ReembedJob(embedder, m_config.settings, source, total, this);
    connect(m_job, &semantic::ReembedJob::vectorReady, this,
            [this](const semantic::VectorRecord &r) {
                m_vectors->put(toStored(r));
                if (r.embedderId == m_cache->embedderId())
                    m_cache->insert(r);
            });
    connect(m_job, &semantic::ReembedJob::progress, this, &SemanticLayer::rebuildProgress);
    connect(m_job, &semantic::ReembedJob::finished, this, &SemanticLayer::onRebuildFinished);
    m_job->start();
}

void SemanticLayer::onRebuildFinished(bool ok, const QString &error)
{
    const QString id = m_job ? m_job->embedderId() : QString();
    if (m_job)
        m_job->deleteLater();
    m_job = nullptr;
    if (ok && id != m_cache->embedderId()) {
        m_vectors->flush();   // the new vectors must be readable before they are loaded
        m_cache->setEmbedder(makeEmbedder());
        loadVectors();
    }
    Q_EMIT rebuildFinished(ok, error);
}

QString SemanticLayer::embedderName() const
{
    return m_cache->embedder()->displayName();
}

semantic::Decision SemanticLayer::explain(const QString &cacheNamespace, const QString &endpoint,
                                          const QJsonObject &body)
{
    using Outcome = semantic::Decision::Outcome;
    const semantic::SemanticSettings real = m_cache->settings();
    const QString model = body.value(QStringLiteral("model")).toString();
    // The probe: matching on for this model and a few more neighbours, so the tuner can show
    // what a lower threshold would do.
    semantic::SemanticSettings probe = real;
    probe.enabled = true;
    probe.candidates = qMax(real.candidates, 8);
    if (probe.thresholdFor(model) >= 1.0f)
        probe.modelThresholds.insert(model, 0.999f);
    m_cache->setSettings(probe);
    semantic::Decision decision = m_cache->decide(cacheNamespace, endpoint, body);
    m_cache->setSettings(real);
    decision.threshold = real.thresholdFor(model);
    const bool answered = decision.outcome == Outcome::Hit || decision.outcome == Outcome::Miss
                          || decision.outcome == Outcome::Refused;
    if (!real.isOnFor(model) && answered) {
        decision.outcome = Outcome::NotApplicable;
        decision.match.reset();
        decision.reason = QStringLiteral("semantic matching is off for %1").arg(model);
    }
    return decision;
}

} // namespace cachette
