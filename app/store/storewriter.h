#pragma once

#include "cacheentry.h"
#include "database.h"
#include "embeddingstore.h"
#include "threadhandoff.h"

#include <QHash>
#include <QList>
#include <QObject>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>
#include <vector>

namespace cachette::store {

// What Store asks the writer to do. seq ties a put to the pending copy Store keeps for it.
struct PutOp { CacheEntry entry; quint64 seq = 0; };
struct HitOp { QByteArray key; qint64 nowMs = 0; qint64 count = 1; };   // count hits, the latest at nowMs
struct LogOp { RequestLogRecord record; };
struct RemoveOp { QList<QByteArray> keys; quint64 seq = 0; };   // seq 0: eviction, purge
struct PinOp { QByteArray key; bool pinned = false; };
struct MetaOp { QString key; QByteArray value; };
struct SizeCapOp { qint64 bytes = 0; };
struct PurgeExpiredOp { qint64 nowMs = 0; };
// The semantic cache's vectors (EmbeddingStore queues them through Store): same file, same
// writer, same transactions as the entries they belong to.
struct EmbeddingPutOp { StoredEmbedding embedding; };
struct EmbeddingRemoveOp { QList<QByteArray> entryKeys; };   // every embedder's rows
struct EmbedderDropOp { QString embedderId; };                // all of one embedder's rows
struct EmbeddingOrphansOp {};                                 // housekeeping at open
using WriteOpVariant = std::variant<PutOp, HitOp, LogOp, RemoveOp, PinOp, MetaOp, SizeCapOp,
                                    PurgeExpiredOp, EmbeddingPutOp, EmbeddingRemoveOp,
                                    EmbedderDropOp, EmbeddingOrphansOp>;
// A struct rather than an alias so that store.h can declare it without this header.
struct WriteOp : WriteOpVariant
{
    using WriteOpVariant::WriteOpVariant;
};

// What the writer reports back, in commit order, for Store to turn into signals.
struct WriteEvent
{
    enum class Kind {
        Stored,    // key, seq: the put is committed
        Dropped,   // key, seq: the put was rolled back with its batch
        Removed,   // keys (maybe none), seq: deleted, evicted or purged; removal seq is done
        Logged,    // record (with its id)
        Failed,    // message: a batch was rolled back
        External,  // another connection (process) committed: copies of rows may be stale
        Done,      // seq: every enqueueBatch() up to this serial is committed or rolled back
    };
    Kind kind = Kind::Stored;
    QByteArray key;
    quint64 seq = 0;
    QList<QByteArray> keys;
    RequestLogRecord record;
    QString message;
};

// The single writer: a thread of its own (start() to stop()) with its own connection.
// enqueue() is cheap and thread-safe; the writer drains everything queued at once in one
// transaction (BEGIN IMMEDIATE ... COMMIT), which is what makes bursts of puts and log lines
// fast. Events are collected under the mutex and announced with eventsReady() (emitted on the
// writer thread: connect it queued); Store fetches them with takeEvents() on its own thread.
// The thread runs no Qt event loop: everything it shares is under a std::mutex, which
// ThreadSanitizer sees (threadhandoff.h).
class StoreWriter : public QObject
{
    Q_OBJECT
public:
    StoreWriter(QString path, qint64 sizeCap);
    ~StoreWriter() override;   // stop()

    // Starts the thread and waits for it to open its connection; false (with *error) when it
    // could not, and then the thread has ended.
    bool start(QString *error);
    // Commits whatever is queued, closes the connection and joins the thread; safe to repeat.
    void stop();

    // Any thread. Hits for a key already queued (with no put or removal of that key after
    // it) are merged into the queued one, so the backlog holds at most one hit per key.
    // Both return how many ops are now waiting for the writer.
    std::size_t enqueue(WriteOp op);
    // serial (increasing, from the caller) comes back in a Done event once the batch is through.
    std::size_t enqueueBatch(std::vector<WriteOp> ops, quint64 serial = 0);
    // Blocks until at most maxOps ops wait (the writer takes the whole queue at the start of
    // each batch, so this waits for at most the batch being committed). Not on the writer thread.
    void waitForBacklogAtMost(std::size_t maxOps);
    // Blocks until every op enqueued before the call is committed or rolled back and its
    // events are published. Not on the writer thread.
    void waitUntilDrained();
    QList<WriteEvent> takeEvents();

Q_SIGNALS:
    void eventsReady();

private:
    struct Statements;

    // Writer thread only.
    void run();
    bool openConnection(QString *error);
    void closeConnection();
    void drain();
    void commit(const std::vector<WriteOp> &ops, quint64 serial);

    bool runBatch(const std::vector<WriteOp> &ops, QList<WriteEvent> *events, QString *error);
    bool syncTotalSize(QList<WriteEvent> *events, QString *error);
    void append(WriteOp &&op);   // under m_mutex
    bool apply(const PutOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const HitOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const LogOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const RemoveOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const PinOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const MetaOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const SizeCapOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const PurgeExpiredOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const EmbeddingPutOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const EmbeddingRemoveOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const EmbedderDropOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const EmbeddingOrphansOp &op, QList<WriteEvent> *events, QString *error);
    bool evictOverCap(QList<WriteEvent> *events, QString *error);
    bool deleteKeys(const QList<QByteArray> &keys, QList<QByteArray> *deleted, QString *error);
    qint64 storedSize(const QByteArray &key, bool *found, QString *error);
    void publish(QList<WriteEvent> events);
    void publishFailure(const std::vector<WriteOp> &ops, const QString &error, quint64 serial);

    // Shared with Store's thread, under m_mutex.
    std::mutex m_mutex;
    std::vector<WriteOp> m_queue;
    QHash<QByteArray, std::size_t> m_queuedHits;   // key -> index of its HitOp in m_queue
    std::condition_variable m_wake;                // for the writer: ops queued, or stopping
    std::condition_variable m_progress;            // for the others: queue taken, batch done
    quint64 m_queuedSerial = 0;                    // highest serial enqueued
    quint64 m_enqueueCalls = 0;                    // enqueueBatch() calls that queued ops
    quint64 m_drainedCalls = 0;                    // ... of which committed or rolled back
    bool m_stopping = false;
    bool m_running = false;                        // the thread is in its loop
    std::optional<bool> m_opened;                  // set once the thread tried to open
    QString m_openError;
    QList<WriteEvent> m_events;
    std::unique_ptr<JoinableThread> m_thread;      // Store's thread only

    // Writer thread only.
    const QString m_path;
    Connection m_connection;
    std::unique_ptr<Statements> m_sql;
    qint64 m_sizeCap;
    qint64 m_totalSize = 0;        // sum(size_bytes), kept as rows change
    qint64 m_dataVersion = -1;     // PRAGMA data_version when m_totalSize was last right
    qint64 m_seenVersion = -1;     // PRAGMA data_version at the last batch (-1: none yet)
};

} // namespace cachette::store
