#pragma once

#include "semantic/modelcheck.h"
#include "semantic/semanticsettings.h"

#include <QByteArray>
#include <QObject>
#include <QSet>
#include <QString>
#include <QUrl>

#include <atomic>
#include <memory>


namespace cachette::store {
class EmbeddingStore;
class Store;
}
class QJsonObject;

namespace cachette::semantic {
struct Decision;
class Embedder;
class ReembedJob;
class SemanticCache;
}

namespace cachette {

class JoinableThread;

// Which embedder the semantic cache uses and how strict it is.
struct SemanticConfig
{
    semantic::SemanticSettings settings;
    QUrl embeddingsUrl;        // empty: the built-in local embedder (no network, no download)
    QString embeddingsModel;   // with embeddingsUrl: "nomic-embed-text", "text-embedding-3-small"
    // Sent to the embeddings endpoint; from CACHETTE_EMBEDDINGS_API_KEY, never saved.
    QByteArray embeddingsApiKey;
    // The optional model check for near-repeats the verifier cannot decide; off when empty.
    semantic::ModelCheckConfig modelCheck;

    bool usesRemoteEmbedder() const { return !embeddingsUrl.isEmpty(); }
};

// Keeps the semantic cache and its stored vectors in step with the entries: vectors are saved
// as answers are indexed, dropped with their entries, loaded at start, and rebuilt in the
// background when the embedder changes (the old one keeps serving until the new one is ready;
// exact hits never wait for any of it).
class SemanticLayer : public QObject
{
    Q_OBJECT
public:
    explicit SemanticLayer(store::Store *store, QObject *parent = nullptr);
    ~SemanticLayer() override;

    bool open(const QString &databasePath, QString *error = nullptr);
    void close();
    void configure(const SemanticConfig &config);

    semantic::SemanticCache *cache() const { return m_cache.get(); }
    QString embedderName() const;   // the embedder serving lookups, as messages call it
    // What the lookup would decide for this request if matching were on for its model, with a
    // few more candidates, for the Thresholds page's tuner; the live settings are untouched
    // (decided on this thread, so no proxied request sees the probe). The outcome says
    // NotApplicable when matching is in fact off for the model; threshold is the real one.
    semantic::Decision explain(const QString &cacheNamespace, const QString &endpoint,
                               const QJsonObject &body);
    bool isRebuilding() const { return m_job != nullptr; }
    // After a failed re-embedding (the endpoint was down): try again now, not at the next start.
    void retryRebuild();

Q_SIGNALS:
    // Re-embedding after an embedder change (or of entries stored while it was failing).
    void rebuildProgress(qint64 done, qint64 total);
    void rebuildFinished(bool ok, const QString &error);

private:
    std::unique_ptr<semantic::Embedder> makeEmbedder() const;
    void loadVectors();
    void stopReading();
    void startRebuild();
    void onRebuildFinished(bool ok, const QString &error);

    SemanticConfig m_config;   // first: the cache's first embedder is made from it
    store::Store *m_store;
    store::EmbeddingStore *m_vectors;
    std::unique_ptr<semantic::SemanticCache> m_cache;
    semantic::ReembedJob *m_job = nullptr;
    bool m_open = false;
    QString m_databasePath;
    // Reading the stored vectors at start (seconds for a large cache) runs on this thread, with
    // its own connection; entries removed meanwhile are left out of what it read.
    JoinableThread *m_reader = nullptr;
    std::shared_ptr<std::atomic_bool> m_readerCancelled;
    QSet<QByteArray> m_removedWhileReading;
};

} // namespace cachette
