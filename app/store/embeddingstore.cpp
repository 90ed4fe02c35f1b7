#include "embeddingstore.h"

#include "database.h"
#include "store.h"

#include <QSqlQuery>
#include <QtEndian>

#include <cstring>

namespace cachette::store {

EmbeddingStore::EmbeddingStore(QObject *parent)
    : QObject(parent)
{
}

EmbeddingStore::~EmbeddingStore()
{
    close();
}

bool EmbeddingStore::open(Store *store, QString *error)
{
    close();
    auto reader = std::make_unique<Connection>();
    if (!reader->open(store->databasePath(), QStringLiteral("embeddings-reader"), error))
        return false;
    m_reader = std::move(reader);
    m_store = store;
    return true;
}

void EmbeddingStore::close()
{
    m_store = nullptr;   // what was queued is the Store's to commit
    m_reader.reset();
}

void EmbeddingStore::put(const StoredEmbedding &embedding)
{
    if (m_store && !embedding.entryKey.isEmpty() && !embedding.vector.empty())
        m_store->putEmbedding(embedding);
}

void EmbeddingStore::remove(const QList<QByteArray> &entryKeys)
{
    if (m_store)
        m_store->removeEmbeddings(entryKeys);
}

void EmbeddingStore::removeEmbedder(const QString &embedderId)
{
    if (m_store)
        m_store->removeEmbedder(embedderId);
}

void EmbeddingStore::flush()
{
    if (m_store)
        m_store->flush();
}

qint64 EmbeddingStore::forEach(const QString &embedderId,
                               const std::function<void(StoredEmbedding &&)> &visit) const
{
    if (!m_reader)
        return 0;
    return forEachIn(m_reader->database(), embedderId, [&visit](StoredEmbedding &&e) {
        visit(std::move(e));
        return true;
    });
}

qint64 EmbeddingStore::forEachIn(const QSqlDatabase &db, const QString &embedderId,
                                 const std::function<bool(StoredEmbedding &&)> &visit)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!prepare(query, QStringLiteral(
            "SELECT entry_key, context_hash, prompt, vector FROM embeddings "
            "WHERE embedder_id = ? AND EXISTS (SELECT 1 FROM entries WHERE key = entry_key) "
            "ORDER BY id"), nullptr))
        return 0;
    query.addBindValue(embedderId);
    if (!exec(query, nullptr))
        return 0;
    qint64 count = 0;
    while (query.next()) {
        StoredEmbedding e;
        e.entryKey = query.value(0).toString().toLatin1();
        e.embedderId = embedderId;
        e.contextHash = query.value(1).toString().toULongLong(nullptr, 16);
        e.text = query.value(2).toString();
        e.vector = decodeVector(query.value(3).toByteArray());
        ++count;
        if (!visit(std::move(e)))
            break;
    }
    return count;
}

bool EmbeddingStore::readCommitted(const QString &databasePath, const QString &embedderId,
                                   int busyTimeoutMs,
                                   const std::function<bool(StoredEmbedding &&)> &visit)
{
    Connection connection;
    if (!connection.openReadOnly(databasePath, QStringLiteral("vectors"), busyTimeoutMs, nullptr))
        return false;
    forEachIn(connection.database(), embedderId, visit);
    return true;
}

QList<StoredEmbedding> EmbeddingStore::load(const QString &embedderId) const
{
    QList<StoredEmbedding> rows;
    forEach(embedderId, [&rows](StoredEmbedding &&e) { rows.append(std::move(e)); });
    return rows;
}

qint64 EmbeddingStore::count(const QString &embedderId) const
{
    if (!m_reader)
        return 0;
    QSqlQuery query(m_reader->database());
    query.prepare(QStringLiteral("SELECT count(*) FROM embeddings WHERE embedder_id = ?"));
    query.addBindValue(embedderId);
    return query.exec() && query.next() ? query.value(0).toLongLong() : 0;
}

QStringList EmbeddingStore::embedderIds() const
{
    QStringList ids;
    if (!m_reader)
        return ids;
    QSqlQuery query(m_reader->database());
    if (query.exec(QStringLiteral("SELECT DISTINCT embedder_id FROM embeddings ORDER BY 1"))) {
        while (query.next())
            ids.append(query.value(0).toString());
    }
    return ids;
}

QList<EmbeddingSource> EmbeddingStore::entriesWithoutVector(const QString &embedderId,
                                                            qint64 afterRowId, int limit) const
{
    QList<EmbeddingSource> sources;
    if (!m_reader)
        return sources;
    QSqlQuery query(m_reader->database());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral(
        "SELECT id, key, namespace, endpoint, canonical_request FROM entries "
        "WHERE id > ? AND NOT EXISTS (SELECT 1 FROM embeddings "
        "WHERE entry_key = entries.key AND embedder_id = ?) ORDER BY id LIMIT ?"));
    query.addBindValue(afterRowId);
    query.addBindValue(embedderId);
    query.addBindValue(limit);
    if (!query.exec())
        return sources;
    while (query.next()) {
        sources.append({query.value(0).toLongLong(), query.value(1).toString().toLatin1(),
                        query.value(2).toString(), query.value(3).toString(),
                        query.value(4).toByteArray()});
    }
    return sources;
}

qint64 EmbeddingStore::countWithoutVector(const QString &embedderId) const
{
    if (!m_reader)
        return 0;
    QSqlQuery query(m_reader->database());
    query.prepare(QStringLiteral(
        "SELECT count(*) FROM entries WHERE NOT EXISTS (SELECT 1 FROM embeddings "
        "WHERE entry_key = entries.key AND embedder_id = ?)"));
    query.addBindValue(embedderId);
    return query.exec() && query.next() ? query.value(0).toLongLong() : 0;
}

QByteArray EmbeddingStore::encodeVector(const std::vector<float> &vector)
{
    QByteArray blob(qsizetype(vector.size() * 4), Qt::Uninitialized);
    for (size_t i = 0; i < vector.size(); ++i) {
        quint32 bits;
        std::memcpy(&bits, &vector[i], 4);
        qToLittleEndian(bits, blob.data() + i * 4);
    }
    return blob;
}

std::vector<float> EmbeddingStore::decodeVector(const QByteArray &blob)
{
    std::vector<float> vector(size_t(blob.size() / 4));
    for (size_t i = 0; i < vector.size(); ++i) {
        const quint32 bits = qFromLittleEndian<quint32>(blob.constData() + i * 4);
        std::memcpy(&vector[i], &bits, 4);
    }
    return vector;
}

} // namespace cachette::store
