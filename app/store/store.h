#pragma once

#include "store/cacheentry.h"
#include "hotcache.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>
#include <optional>
#include <variant>
#include <vector>

class QSqlQuery;

namespace cachette::store {

class Connection;
class StoreWriter;
struct StoredEmbedding;   // embeddingstore.h
struct WriteEvent;
struct WriteOp;   // storewriter.h, which stays inside the store

// The cache on disk: SQLite through Qt SQL in WAL mode, schema versioned with migrations.
// Every write goes through one writer thread, off the network path; this object reads through
// its own connection on the thread that created it. A put() is visible to lookup() at once:
// entries waiting for the writer are kept in memory until committed, and so are removals.
//
// lookup() answers from an in-memory LRU of recently looked-up entries (hotCacheLimit() bytes)
// before asking SQLite; removals, evictions, purges, puts, failed batches and commits by other
// connections drop the copies, and hits and pins are applied to them.
//
// Threading: call every method from the thread the Store lives in. put(), recordHit(),
// logRequest(), removeEntries(), setPinned(), setSizeCap() and purgeExpired() only queue the
// change and return. Changes made during one turn of the event loop go to the writer together
// (hits of one key merged), and the writer thread commits whatever is queued in one
// transaction. When more than maxBacklog() changes wait for the writer, queueing blocks until
// the writer takes them (backpressure: log rows and puts are never dropped).
// Signals are emitted on the Store's thread after the change is committed (or from inside
// flush()/close(), which deliver everything committed so far before returning).
// Reads other than lookup() (entryCount(), meta(), ...) see committed data only.
// Other processes may read (and write) the same file at the same time: WAL mode.
class Store : public QObject
{
    Q_OBJECT
public:
    explicit Store(QObject *parent = nullptr);
    ~Store() override;   // flushes and closes

    // Creates the data dir and the database if needed and migrates it to the current schema.
    // Fails (with *error saying why) when the file's schema is newer than this build knows.
    bool open(const QString &dataDir, QString *error = nullptr);
    void close();        // waits for the writer to finish every queued write; safe to repeat
    bool isOpen() const { return m_open; }
    QString databasePath() const { return m_path; }

    static int currentSchemaVersion();
    int schemaVersion() const;   // PRAGMA user_version of the open file, -1 when closed

    // An entry that is present and not expired at nowMs, or nothing.
    std::optional<CacheEntry> lookup(const QByteArray &key, qint64 nowMs) const;

    // Insert or replace by key. Replacing keeps the row id and a pin, and takes every other
    // field from entry (so hit_count and last_hit_at reset to entry's, normally 0).
    // createdAt 0 becomes now. Entries with an empty key are ignored.
    void put(const CacheEntry &entry);
    void recordHit(const QByteArray &key, qint64 nowMs);
    void logRequest(const RequestLogRecord &record);   // requestLogged() once committed
    void removeEntries(const QList<QByteArray> &keys); // entriesRemoved() once committed
    void setPinned(const QByteArray &key, bool pinned);
    // Deletes unpinned entries expired at nowMs (entriesRemoved()). The writer also does this
    // on its own at open and every ten minutes.
    void purgeExpired(qint64 nowMs);

    // The semantic cache's vectors, for EmbeddingStore: queued like every change above and
    // committed by the same writer, in order with the entries they belong to.
    void putEmbedding(const StoredEmbedding &embedding);
    void removeEmbeddings(const QList<QByteArray> &entryKeys);   // every embedder's rows
    void removeEmbedder(const QString &embedderId);               // all of one embedder's rows

    // Size cap for entries (sum of sizeBytes); LRU eviction by last use, never pinned entries.
    // Checked after every batch of writes; 0 or less means no cap.
    void setSizeCap(qint64 bytes);
    qint64 sizeCap() const { return m_sizeCap; }

    // The in-memory copy of recently looked-up entries: bytes (0 disables it), default 64 MiB.
    void setHotCacheLimit(qint64 bytes) { m_hot.setLimit(bytes); }
    qint64 hotCacheLimit() const { return m_hot.limit(); }
    qint64 hotCacheBytes() const { return m_hot.bytes(); }
    int hotCacheCount() const { return m_hot.count(); }

    // The events a stream hit of key sent before, kept with the in-memory copy of the entry
    // (null when there is none); keepReplayStream() keeps them there, counted in its budget.
    QByteArray replayStream(const QByteArray &key, bool withUsage) const
    {
        return m_hot.stream(key, withUsage);
    }
    void keepReplayStream(const QByteArray &key, bool withUsage, const QByteArray &events)
    {
        m_hot.keepStream(key, withUsage, events);
    }

    static constexpr std::size_t kMaxBacklog = 50000;

    // Hit counts and request-log rows wait this long in memory, so that the writer commits a
    // few hundred ms of hits in one transaction instead of one per event-loop turn (at one
    // connection, one per hit). Entries, removals and pins never wait for it; flush() and
    // close() write what waits. A kill -9 loses at most this window of bookkeeping.
    static constexpr int kBookkeepingWindowMs = 250;
    void setBookkeepingWindow(int ms) { m_bookkeepingTimer.setInterval(ms); }
    int bookkeepingWindow() const { return m_bookkeepingTimer.interval(); }

    // Committed data, read on this thread.
    qint64 entryCount() const;
    qint64 totalEntrySize() const;                         // sum(size_bytes)

    // Small key/value settings kept in the database (e.g. the per-install secret).
    // meta() is a null QByteArray when the key is absent. setMeta() blocks until committed.
    QByteArray meta(const QString &key) const;
    void setMeta(const QString &key, const QByteArray &value);

    // Hands the changes made so far to the writer now, without waiting for them (the event
    // loop does this on its own at the end of the turn, or of the bookkeeping window).
    void submit();

    // Blocks until every write queued so far is committed, then emits the signals for them
    // (tests, shutdown).
    void flush();

Q_SIGNALS:
    void entryStored(const QByteArray &key);
    void entriesRemoved(const QList<QByteArray> &keys);   // deleted, evicted or purged
    void requestLogged(const cachette::store::RequestLogRecord &record);   // record.id is set
    // A batch of writes was rolled back (disk full, file locked by another process for more
    // than busy_timeout...). Its puts are dropped from memory too: the cache just misses.
    void writeFailed(const QString &message);

private:
    struct PendingEntry
    {
        CacheEntry entry;
        quint64 seq = 0;   // which put() this copy came from
    };

    bool openDatabase(const QString &dataDir, QString *error);
    bool startWriter(QString *error);
    void teardown();
    void waitForWriter();
    void queue(WriteOp op);
    void deliverEvents();
    void deliver(const WriteEvent &event);
    qint64 queryNumber(const QString &sql) const;

    QString m_path;
    bool m_open = false;
    qint64 m_sizeCap = 1024LL * 1024 * 1024;
    quint64 m_nextSeq = 0;
    std::unique_ptr<Connection> m_connection;         // this thread's reader connection
    mutable std::unique_ptr<QSqlQuery> m_lookupQuery; // prepared once: the cache-hit hot path
    StoreWriter *m_writer = nullptr;
    QHash<QByteArray, PendingEntry> m_pending;   // put() but not yet committed
    QHash<QByteArray, quint64> m_removing;       // removeEntries() not yet committed, by seq
    mutable HotCache m_hot;                      // committed rows read by lookup()
    std::vector<WriteOp> m_batch;         // this event-loop turn's changes
    QHash<QByteArray, std::size_t> m_batchHits;  // key -> its HitOp in m_batch
    bool m_submitPosted = false;
    QTimer m_bookkeepingTimer;                   // submits a batch of only hits and log rows
    quint64 m_submitted = 0;                     // serial of the last batch given to the writer
    // setPinned() not yet committed, by the serial of its batch: lookup() does not copy these
    // rows from SQLite into m_hot, as the copy would keep the old pin.
    QHash<QByteArray, quint64> m_pinsInFlight;
};

} // namespace cachette::store
