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
class Store;

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

// Vectors of the semantic cache, in the Store's SQLite file. Writes are changes of the Store:
// queued on its thread and committed by its one writer thread with the entries they belong to
// (a semantic add() is on the proxy's network thread and must not wait for the disk), so a
// rolled-back batch is the Store's writeFailed(). Reads run on the thread that opened this and
// see committed rows only. Rows leave with their entry by themselves (a trigger on entries),
// and rows written after their entry left go at the Store's next open.
//
// Use from the Store's thread; the Store must be open, and outlive this.
class EmbeddingStore : public QObject
{
    Q_OBJECT
public:
    explicit EmbeddingStore(QObject *parent = nullptr);
    ~EmbeddingStore() override;

    bool open(Store *store, QString *error = nullptr);
    void close();
    bool isOpen() const { return m_store != nullptr; }

    // Queued. An existing row for (entryKey, embedderId) is replaced.
    void put(const StoredEmbedding &embedding);
    void remove(const QList<QByteArray> &entryKeys);        // every embedder's rows
    void removeEmbedder(const QString &embedderId);          // all of one embedder's rows
    void flush();                          // blocks until all is committed (Store::flush())

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

private:
    static qint64 forEachIn(const QSqlDatabase &db, const QString &embedderId,
                            const std::function<bool(StoredEmbedding &&)> &visit);

    Store *m_store = nullptr;
    std::unique_ptr<Connection> m_reader;
};

} // namespace cachette::store
