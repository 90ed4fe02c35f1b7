#pragma once

#include "cacheentry.h"
#include "database.h"

#include <QList>
#include <QMutex>
#include <QObject>

#include <memory>
#include <variant>
#include <vector>

class QTimer;

namespace cachette::store {

// What Store asks the writer to do. seq ties a put to the pending copy Store keeps for it.
struct PutOp { CacheEntry entry; quint64 seq = 0; };
struct HitOp { QByteArray key; qint64 nowMs = 0; };
struct LogOp { RequestLogRecord record; };
struct RemoveOp { QList<QByteArray> keys; quint64 seq = 0; };   // seq 0: eviction, purge
struct PinOp { QByteArray key; bool pinned = false; };
struct MetaOp { QString key; QByteArray value; };
struct SizeCapOp { qint64 bytes = 0; };
struct PurgeExpiredOp { qint64 nowMs = 0; };
using WriteOp = std::variant<PutOp, HitOp, LogOp, RemoveOp, PinOp, MetaOp, SizeCapOp,
                             PurgeExpiredOp>;

// What the writer reports back, in commit order, for Store to turn into signals.
struct WriteEvent
{
    enum class Kind {
        Stored,    // key, seq: the put is committed
        Dropped,   // key, seq: the put was rolled back with its batch
        Removed,   // keys (maybe none), seq: deleted, evicted or purged; removal seq is done
        Logged,    // record (with its id)
        Failed,    // message: a batch was rolled back
    };
    Kind kind = Kind::Stored;
    QByteArray key;
    quint64 seq = 0;
    QList<QByteArray> keys;
    RequestLogRecord record;
    QString message;
};

// The single writer. Lives on Store's writer thread with its own connection. enqueue() is
// cheap and thread-safe; the writer drains everything queued at once in one transaction
// (BEGIN IMMEDIATE ... COMMIT), which is what makes bursts of puts and log lines fast. Events
// are collected under the mutex and announced with eventsReady(); Store fetches them with
// takeEvents() on its own thread.
class StoreWriter : public QObject
{
    Q_OBJECT
public:
    StoreWriter(QString path, qint64 sizeCap);
    ~StoreWriter() override;

    // Any thread.
    void enqueue(WriteOp op);
    QList<WriteEvent> takeEvents();

    // Writer thread only.
    bool openConnection(QString *error);
    void closeConnection();
    void drain();

Q_SIGNALS:
    void eventsReady();

private:
    struct Statements;

    bool runBatch(const std::vector<WriteOp> &ops, QList<WriteEvent> *events, QString *error);
    bool syncTotalSize(QString *error);
    bool apply(const PutOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const HitOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const LogOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const RemoveOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const PinOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const MetaOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const SizeCapOp &op, QList<WriteEvent> *events, QString *error);
    bool apply(const PurgeExpiredOp &op, QList<WriteEvent> *events, QString *error);
    bool evictOverCap(QList<WriteEvent> *events, QString *error);
    bool deleteKeys(const QList<QByteArray> &keys, QList<QByteArray> *deleted, QString *error);
    qint64 storedSize(const QByteArray &key, bool *found, QString *error);
    void publish(QList<WriteEvent> events);
    void publishFailure(const std::vector<WriteOp> &ops, const QString &error);

    // Shared with Store's thread, under m_mutex.
    QMutex m_mutex;
    std::vector<WriteOp> m_queue;
    bool m_drainPosted = false;
    QList<WriteEvent> m_events;

    // Writer thread only.
    QString m_path;
    Connection m_connection;
    std::unique_ptr<Statements> m_sql;
    QTimer *m_purgeTimer = nullptr;
    qint64 m_sizeCap;
    qint64 m_totalSize = 0;        // sum(size_bytes), kept as rows change
    qint64 m_dataVersion = -1;     // PRAGMA data_version when m_totalSize was last right
};

} // namespace cachette::store
