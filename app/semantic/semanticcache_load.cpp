// SemanticCache's loading of stored vectors: load() on the calling thread, or
// loadInBackground(), which builds a new index on a worker while lookups keep using the old one
// and swaps it in (adoptLoaded) once the worker is done.
#include "semanticcache.h"

#include "semanticcacheloading.h"

#include <mutex>

namespace cachette::semantic {

int SemanticCache::load(const QList<VectorRecord> &records)
{
    int count = 0;
    for (const VectorRecord &record : records)
        count += insert(record) ? 1 : 0;
    return count;
}

void SemanticCache::loadInBackground(QList<VectorRecord> records)
{
    if (m_loading || records.isEmpty()) {
        if (!m_loading)
            Q_EMIT loaded(int(size()));
        return;
    }
    // Ids and texts are taken here, on this thread; only the index is built on the worker.
    const QString id = m_embedder->id();
    int dim = m_index ? m_index->dimension() : 0;
    auto items = std::make_shared<std::vector<IndexItem>>();
    for (VectorRecord &record : records) {
        if (record.embedderId != id || record.vector.empty() || m_ids.contains(record.entryKey))
            continue;
        if (dim == 0)
            dim = int(record.vector.size());
        if (int(record.vector.size()) != dim)
            continue;
        normalize(record.vector);
        items->push_back({allocate(record.entryKey, record.text, record.contextHash), record.contextHash,
                          std::move(record.vector)});
    }
    records.clear();
    if (!m_index && dim > 0) {
        std::unique_lock locker(m_indexLock);
        m_index = std::make_unique<VectorIndex>(dim, m_indexOptions);
    }
    if (items->empty()) {
        Q_EMIT loaded(int(size()));
        return;
    }
    m_loading = std::make_unique<Loading>();
    m_loading->index = std::make_unique<VectorIndex>(dim, m_indexOptions);
    m_loading->count = int(items->size());
    VectorIndex *target = m_loading->index.get();
    m_loading->thread = new JoinableThread([target, items] {
        target->insertMany(*items);
        items->clear();
    });
    m_loading->thread->setObjectName(QStringLiteral("cachette-semantic-load"));
    connect(m_loading->thread, &QThread::finished, this, &SemanticCache::adoptLoaded,
            Qt::QueuedConnection);
    m_loading->thread->start(QThread::LowPriority);
}

// On this thread, once the worker is done: entries added here meanwhile move over to the new
// index, entries removed meanwhile leave it, and the held-back ids become free again.
void SemanticCache::adoptLoaded()
{
    std::unique_ptr<Loading> loading = std::move(m_loading);
    loading->thread->join();   // what the worker built is visible from here on
    delete loading->thread;
    std::unique_ptr<VectorIndex> index = std::move(loading->index);
    // Vectors still waiting for the indexer stay there: it indexes into the new m_index.
    std::unique_lock locker(m_indexLock);
    for (quint32 id : std::as_const(loading->removed)) {
        index->remove(id);
        m_freeIds.push_back(id);
    }
    for (quint32 id = 0; id < quint32(m_entries.size()); ++id) {
        const Entry &entry = m_entries[id];
        if (!entry.live || index->contains(id))
            continue;
        const std::vector<float> v = m_index ? m_index->vector(id) : std::vector<float>();
        if (!v.empty())
            index->insert(id, entry.context, v.data());
    }
    m_index = std::move(index);
    locker.unlock();
    Q_EMIT loaded(loading->count);
}

} // namespace cachette::semantic
