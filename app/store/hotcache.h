#pragma once

#include "store/cacheentry.h"

#include <QHash>

#include <list>
#include <utility>

namespace cachette::store {

// Store's in-memory copy of recently looked-up entries: a least-recently-used list bounded by
// bytes (sizeBytes() plus a fixed per-entry overhead). Not thread-safe: Store's thread only.
// It holds only what Store read from SQLite, with Store's later changes (hits, pins) applied
// to the copy; Store erases keys whenever the row may have changed behind it. With each copy
// go the event streams its hits sent (with and without the usage chunk), so that a streamed
// hit is built once, not parsed or synthesized again on every hit; they count in bytes() and
// go with the copy.
class HotCache
{
public:
    static constexpr qint64 kDefaultLimit = 64LL * 1024 * 1024;
    static constexpr qint64 kEntryOverhead = 512;   // the node, the hash slot, QString headers

    qint64 limit() const { return m_limit; }
    qint64 bytes() const { return m_bytes; }
    int count() const { return int(m_index.size()); }

    void setLimit(qint64 bytes)
    {
        m_limit = qMax<qint64>(0, bytes);
        trim();
    }

    // The copy for key, made the most recently used; nullptr when not held.
    CacheEntry *find(const QByteArray &key)
    {
        const auto it = m_index.constFind(key);
        if (it == m_index.constEnd())
            return nullptr;
        m_lru.splice(m_lru.begin(), m_lru, it.value());
        return &it.value()->entry;
    }

    // The copy for key without touching its place in the LRU order.
    CacheEntry *peek(const QByteArray &key)
    {
        const auto it = m_index.constFind(key);
        return it == m_index.constEnd() ? nullptr : &it.value()->entry;
    }

    // The stream kept for key's copy (with or without its usage chunk); null when none.
    QByteArray stream(const QByteArray &key, bool withUsage) const
    {
        const auto it = m_index.constFind(key);
        return it == m_index.constEnd() ? QByteArray() : it.value()->streams[withUsage];
    }

    // Keeps events with key's copy, if it is held (and if the budget allows).
    void keepStream(const QByteArray &key, bool withUsage, const QByteArray &events)
    {
        const auto it = m_index.constFind(key);
        if (it == m_index.constEnd())
            return;
        Node &node = *it.value();
        const qint64 delta = events.size() - node.streams[withUsage].size();
        node.streams[withUsage] = events;
        node.cost += delta;
        m_bytes += delta;
        trim();
    }

    void insert(const CacheEntry &entry)
    {
        erase(entry.key);
        const qint64 cost = entry.sizeBytes() + kEntryOverhead;
        if (cost > m_limit)
            return;
        m_lru.push_front({ entry, cost, {} });
        m_index.insert(entry.key, m_lru.begin());
        m_bytes += cost;
        trim();
    }

    void erase(const QByteArray &key)
    {
        const auto it = m_index.find(key);
        if (it == m_index.end())
            return;
        m_bytes -= it.value()->cost;
        m_lru.erase(it.value());
        m_index.erase(it);
    }

    void clear()
    {
        m_index.clear();
        m_lru.clear();
        m_bytes = 0;
    }

private:
    struct Node
    {
        CacheEntry entry;
        qint64 cost = 0;
        QByteArray streams[2];   // [withUsage]: the events a stream hit sends
    };

    void trim()
    {
        while (m_bytes > m_limit && !m_lru.empty()) {
            m_bytes -= m_lru.back().cost;
            m_index.remove(m_lru.back().entry.key);
            m_lru.pop_back();
        }
    }

    std::list<Node> m_lru;   // most recently used first
    QHash<QByteArray, std::list<Node>::iterator> m_index;
    qint64 m_bytes = 0;
    qint64 m_limit = kDefaultLimit;
};

} // namespace cachette::store
