#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class QSqlDatabase;

namespace cachette::store {

class Connection;

// One stored vector (table embeddings, schema version 4). Same fields as
// semantic::VectorRecord, which the engine converts to and from.
struct StoredEmbedding
{
    QByteArray entryKey;
    QString embedderId;
    quint64 contextHash = 0;
    QString text;                 // the text that was embedded
    std::vector<float> vector;
};

// A cached entry that has no vector for some embedder yet: what a re-embed job starts from.
struct EmbeddingSource
{
    qint64 rowId = 0;             // entries.id: the cursor for the next page
    QByteArray entryKey;
    QString cacheNamespace;
    QString endpoint;
    QByteArray canonicalRequest;
};

// Vectors of the semantic cache, in the Store's SQLite file. Writes are queued and committed
// in batches by a writer thread of this object's own (a semantic add() is on the proxy's
// network thread and must not wait for the disk); reads run on the thread that opened it and
// see committed rows only. Rows leave with their entry by themselves (a trigger on entries).
//
// The Store must have opened (and so migrated) the file first: open(store.databasePath()).
class EmbeddingStore : public QObject
{
    Q_OBJECT
public:
    explicit EmbeddingStore(QObject *parent = nullptr);
    ~EmbeddingStore() override;   // flushes and closes

    bool open(const QString &databasePath, QString *error = nullptr);
    void close();
    bool isOpen() const { return m_writer != nullptr; }

    // Queued. An existing row for (entryKey, embedderId) is replaced.
    void put(const StoredEmbedding &embedding);
    void remove(const QList<QByteArray> &entryKeys);        // every embedder's rows
    void removeEmbedder(const QString &embedderId);          // all of one embedder's rows
    void flush();                                            // blocks until all is committed

    // Committed rows of one embedder whose entry still exists, in insertion order, one at a
    // time (a million vectors need not sit in one list). Returns the number visited.
    qint64 forEach(const QString &embedderId,
                   const std::function<void(StoredEmbedding &&)> &visit) const;
    // The same from any thread, through a read-only connection of its own (a loader thread's):
    // visit returns false to stop. False when the file could not be opened within busyTimeoutMs.
    static bool readCommitted(const QString &databasePath, const QString &embedderId,
                              int busyTimeoutMs,
                              const std::function<bool(StoredEmbedding &&)> &visit);
    QList<StoredEmbedding> load(const QString &embedderId) const;
    qint64 count(const QString &embedderId) const;
    QStringList embedderIds() const;
    // Entries without a vector for embedderId, with entries.id > afterRowId, oldest first.
    QList<EmbeddingSource> entriesWithoutVector(const QString &embedderId, qint64 afterRowId,
                                                int limit) const;
    qint64 countWithoutVector(const QString &embedderId) const;

    // float32 little-endian, the vector column's format.
    static QByteArray encodeVector(const std::vector<float> &vector);
    static std::vector<float> decodeVector(const QByteArray &blob);

Q_SIGNALS:
    // A batch was rolled back (disk full, locked too long); its vectors are lost: the entries
    // are then re-embedded by the next re-embed job or simply never match by similarity.
    void writeFailed(const QString &message);

private:
    class Writer;

    static qint64 forEachIn(const QSqlDatabase &db, const QString &embedderId,
                            const std::function<bool(StoredEmbedding &&)> &visit);

    std::unique_ptr<Connection> m_reader;
    std::unique_ptr<Writer> m_writer;
};

} // namespace cachette::store
