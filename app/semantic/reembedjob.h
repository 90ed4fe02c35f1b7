#pragma once

#include "embedder.h"
#include "semanticsettings.h"
#include "vectorrecord.h"

#include <QJsonObject>
#include <QList>
#include <QObject>

#include <functional>
#include <memory>

namespace cachette::semantic {

// One cached entry to (re-)embed: what the store knows about it.
struct ReembedItem
{
    QByteArray entryKey;
    QString cacheNamespace;
    QString endpoint;
    QJsonObject body;   // the canonical request, parsed
};

// Embeds entries with a given embedder in the background, batch by batch, without blocking the
// thread it runs on (each batch is one embed() call; the next starts from the event loop).
// Used when the user switches embedder: the new embedder's vectors are built while the old one
// keeps serving; when finished() reports success, the engine switches the SemanticCache to the
// new embedder and loads its vectors. Also for entries stored while the embedder was failing.
//
// The source hands out the next batch of entries (at most maxCount; empty when there are no
// more) — typically store::EmbeddingStore::entriesWithoutVector() for the new embedder's id.
// Every vector is announced with vectorReady() (connect it to the store, and to the cache when
// the embedder is the one in use).
class ReembedJob : public QObject
{
    Q_OBJECT
public:
    using Source = std::function<QList<ReembedItem>(int maxCount)>;

    ReembedJob(std::shared_ptr<Embedder> embedder, SemanticSettings settings, Source source,
               qint64 total = -1, QObject *parent = nullptr);

    void setBatchSize(int size) { m_batchSize = qMax(1, size); }
    void start();
    void cancel();   // finished(false, "cancelled") follows
    bool isRunning() const { return m_running; }
    qint64 doneCount() const { return m_done; }
    qint64 skippedCount() const { return m_skipped; }
    QString embedderId() const { return m_embedder->id(); }

Q_SIGNALS:
    void vectorReady(const cachette::semantic::VectorRecord &record);
    // done: entries embedded or skipped so far; total: as given to the constructor (-1: unknown)
    void progress(qint64 done, qint64 total);
    void finished(bool ok, const QString &error);

private:
    void nextBatch();
    void batchEmbedded(const QList<VectorRecord> &records, const Embeddings &result);
    void finish(bool ok, const QString &error);

    std::shared_ptr<Embedder> m_embedder;
    SemanticSettings m_settings;
    Source m_source;
    qint64 m_total;
    int m_batchSize = 64;
    bool m_running = false;
    quint64 m_run = 0;   // bumped by cancel(): a late embed callback sees a stale run
    qint64 m_done = 0;
    qint64 m_skipped = 0;
};

} // namespace cachette::semantic
