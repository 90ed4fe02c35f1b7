// StoreWriter's operations on the embeddings table (schema version 4): the semantic cache's
// vectors, written by the one writer in the same transactions as the entries they belong to.
#include "storewriter.h"

#include "clock.h"

#include <QSqlQuery>

namespace cachette::store {

namespace {

QString hexContext(quint64 hash)
{
    return QStringLiteral("%1").arg(hash, 16, 16, QLatin1Char('0'));
}

} // namespace

// An existing row for (entry, embedder) is replaced.
bool StoreWriter::apply(const EmbeddingPutOp &op, QList<WriteEvent> *, QString *error)
{
    const StoredEmbedding &e = op.embedding;
    QSqlQuery query(m_connection.database());
    if (!prepare(query, QStringLiteral(
            "INSERT INTO embeddings (entry_key, embedder_id, context_hash, dim, created_at, "
            "prompt, vector) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (entry_key, embedder_id) DO UPDATE SET "
            "context_hash = excluded.context_hash, dim = excluded.dim, "
            "created_at = excluded.created_at, prompt = excluded.prompt, "
            "vector = excluded.vector"), error))
        return false;
    query.addBindValue(QString::fromLatin1(e.entryKey));
    query.addBindValue(e.embedderId);
    query.addBindValue(hexContext(e.contextHash));
    query.addBindValue(int(e.vector.size()));
    query.addBindValue(clock::nowMs());
    query.addBindValue(e.text);
    query.addBindValue(EmbeddingStore::encodeVector(e.vector));
    return exec(query, error);
}

bool StoreWriter::apply(const EmbeddingRemoveOp &op, QList<WriteEvent> *, QString *error)
{
    QSqlQuery query(m_connection.database());
    if (!prepare(query, QStringLiteral("DELETE FROM embeddings WHERE entry_key = ?"), error))
        return false;
    for (const QByteArray &key : op.entryKeys) {
        query.addBindValue(QString::fromLatin1(key));
        if (!exec(query, error))
            return false;
    }
    return true;
}

bool StoreWriter::apply(const EmbedderDropOp &op, QList<WriteEvent> *, QString *error)
{
    QSqlQuery query(m_connection.database());
    if (!prepare(query, QStringLiteral("DELETE FROM embeddings WHERE embedder_id = ?"), error))
        return false;
    query.addBindValue(op.embedderId);
    return exec(query, error);
}

// Rows whose entry went away before the row was written (the trigger on entries had nothing to
// delete then). Run at open, when every write of the last run is committed.
bool StoreWriter::apply(const EmbeddingOrphansOp &, QList<WriteEvent> *, QString *error)
{
    return exec(m_connection.database(), QStringLiteral(
        "DELETE FROM embeddings WHERE entry_key NOT IN (SELECT key FROM entries)"), error);
}

} // namespace cachette::store
