#include "storewriter.h"

#include "rows.h"

#include <QDateTime>
#include <QMutexLocker>
#include <QSqlQuery>
#include <QTimer>

#include <utility>

namespace cachette::store {

namespace {

// Expired entries are never served (lookup checks), so purging them is only housekeeping.
constexpr int kPurgeIntervalMs = 10 * 60 * 1000;

} // namespace

// Prepared once per connection: the writer runs the same few statements all day.
struct StoreWriter::Statements
{
    explicit Statements(const QSqlDatabase &db)
        : upsert(db), sizeOf(db), remove(db), hit(db), pin(db), log(db), meta(db), expired(db),
          lru(db), dataVersion(db), totalSize(db)
    {
    }

    bool prepareAll(QString *error)
    {
        const std::pair<QSqlQuery *, QString> statements[] = {
            { &upsert, rows::upsertEntrySql() },
            { &sizeOf, QStringLiteral("SELECT size_bytes FROM entries WHERE key = ?") },
            { &remove, QStringLiteral("DELETE FROM entries WHERE key = ?") },
            { &hit, QStringLiteral("UPDATE entries SET hit_count = hit_count + 1, "
                                   "last_hit_at = max(last_hit_at, ?) WHERE key = ?") },
            { &pin, QStringLiteral("UPDATE entries SET pinned = ? WHERE key = ?") },
            { &log, rows::insertLogSql() },
            { &meta, QStringLiteral("INSERT INTO meta (key, value) VALUES (?, ?) "
                                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value") },
            { &expired, QStringLiteral("SELECT key FROM entries WHERE expires_at > 0 "
                                       "AND expires_at <= ? AND pinned = 0") },
            // Same expression as the entries_last_used index, so SQLite walks the index.
            { &lru, QStringLiteral("SELECT key, size_bytes FROM entries WHERE pinned = 0 "
                                   "ORDER BY max(created_at, last_hit_at), id") },
            { &dataVersion, QStringLiteral("PRAGMA data_version") },
            { &totalSize, QStringLiteral("SELECT COALESCE(SUM(size_bytes), 0) FROM entries") },
        };
        for (QSqlQuery *q : { &sizeOf, &expired, &lru, &dataVersion, &totalSize })
            q->setForwardOnly(true);
        for (const auto &[query, sql] : statements) {
            if (!prepare(*query, sql, error))
                return false;
        }
        return true;
    }

    QSqlQuery upsert, sizeOf, remove, hit, pin, log, meta, expired, lru, dataVersion, totalSize;
};

StoreWriter::StoreWriter(QString path, qint64 sizeCap)
    : m_path(std::move(path)), m_sizeCap(sizeCap)
{
}

StoreWriter::~StoreWriter() = default;

void StoreWriter::enqueue(WriteOp op)
{
    bool post = false;
    {
        QMutexLocker lock(&m_mutex);
        m_queue.push_back(std::move(op));
        post = !m_drainPosted;
        m_drainPosted = true;
    }
    // One drain per burst: whatever piles up while a batch commits goes into the next batch.
    if (post)
        QMetaObject::invokeMethod(this, &StoreWriter::drain, Qt::QueuedConnection);
}

QList<WriteEvent> StoreWriter::takeEvents()
{
    QMutexLocker lock(&m_mutex);
    return std::exchange(m_events, {});
}

bool StoreWriter::openConnection(QString *error)
{
    if (!m_connection.open(m_path, QStringLiteral("writer"), error))
        return false;
    m_sql = std::make_unique<Statements>(m_connection.database());
    if (!m_sql->prepareAll(error)) {
        closeConnection();
        return false;
    }
    m_purgeTimer = new QTimer(this);
    m_purgeTimer->setInterval(kPurgeIntervalMs);
    connect(m_purgeTimer, &QTimer::timeout, this,
            [this] { enqueue(PurgeExpiredOp { QDateTime::currentMSecsSinceEpoch() }); });
    m_purgeTimer->start();
    enqueue(PurgeExpiredOp { QDateTime::currentMSecsSinceEpoch() });
    return true;
}

void StoreWriter::closeConnection()
{
    delete m_purgeTimer;
    m_purgeTimer = nullptr;
    m_sql.reset();   // the queries go before the connection they run on
    m_connection.close();
}

void StoreWriter::drain()
{
    std::vector<WriteOp> ops;
    {
        QMutexLocker lock(&m_mutex);
        ops.swap(m_queue);
        m_drainPosted = false;
    }
    if (ops.empty())
        return;
    QList<WriteEvent> events;
    QString error;
    const qint64 totalBefore = m_totalSize;
    if (m_sql && runBatch(ops, &events, &error)) {
        publish(std::move(events));
        return;
    }
    m_totalSize = totalBefore;
    m_dataVersion = -1;   // recount on the next batch rather than trust a rolled-back total
    publishFailure(ops, m_sql ? error : QStringLiteral("the store is closed"));
}

bool StoreWriter::runBatch(const std::vector<WriteOp> &ops, QList<WriteEvent> *events,
                           QString *error)
{
    // IMMEDIATE takes the write lock up front, waiting up to busy_timeout for another process;
    // a deferred BEGIN could fail half-way with SQLITE_BUSY when upgrading to a write.
    const QSqlDatabase db = m_connection.database();
    if (!exec(db, QStringLiteral("BEGIN IMMEDIATE"), error))
        return false;
    bool ok = syncTotalSize(error);
    for (auto it = ops.begin(); ok && it != ops.end(); ++it)
        ok = std::visit([&](const auto &op) { return apply(op, events, error); }, *it);
    ok = ok && evictOverCap(events, error) && exec(db, QStringLiteral("COMMIT"), error);
    if (!ok)
        exec(db, QStringLiteral("ROLLBACK"), nullptr);
    return ok;
}

// data_version changes only when another connection (a second Cachette, the CLI) committed, so
// the running total is recounted exactly when someone else may have changed the entries.
bool StoreWriter::syncTotalSize(QString *error)
{
    QSqlQuery &version = m_sql->dataVersion;
    if (!exec(version, error) || !version.next())
        return false;
    const qint64 current = version.value(0).toLongLong();
    version.finish();
    if (current == m_dataVersion)
        return true;
    QSqlQuery &total = m_sql->totalSize;
    if (!exec(total, error) || !total.next())
        return false;
    m_totalSize = total.value(0).toLongLong();
    total.finish();
    m_dataVersion = current;
    return true;
}

bool StoreWriter::apply(const PutOp &op, QList<WriteEvent> *events, QString *error)
{
    bool found = false;
    const qint64 oldSize = storedSize(op.entry.key, &found, error);
    if (oldSize < 0)
        return false;
    rows::bindEntry(m_sql->upsert, op.entry);
    if (!exec(m_sql->upsert, error))
        return false;
    m_totalSize += op.entry.sizeBytes() - oldSize;
    events->append({ WriteEvent::Kind::Stored, op.entry.key, op.seq, {}, {}, {} });
    return true;
}

bool StoreWriter::apply(const HitOp &op, QList<WriteEvent> *, QString *error)
{
    m_sql->hit.bindValue(0, op.nowMs);
    m_sql->hit.bindValue(1, rows::keyText(op.key));
    return exec(m_sql->hit, error);
}

bool StoreWriter::apply(const LogOp &op, QList<WriteEvent> *events, QString *error)
{
    rows::bindLogRecord(m_sql->log, op.record);
    if (!exec(m_sql->log, error))
        return false;
    WriteEvent event { WriteEvent::Kind::Logged, {}, 0, {}, op.record, {} };
    event.record.id = m_sql->log.lastInsertId().toLongLong();
    events->append(std::move(event));
    return true;
}

bool StoreWriter::apply(const RemoveOp &op, QList<WriteEvent> *events, QString *error)
{
    QList<QByteArray> deleted;
    if (!deleteKeys(op.keys, &deleted, error))
        return false;
    // Reported even when nothing was deleted: Store waits for seq to drop its tombstones.
    if (!deleted.isEmpty() || op.seq != 0)
        events->append({ WriteEvent::Kind::Removed, {}, op.seq, deleted, {}, {} });
    return true;
}

bool StoreWriter::apply(const PinOp &op, QList<WriteEvent> *, QString *error)
{
    m_sql->pin.bindValue(0, int(op.pinned));
    m_sql->pin.bindValue(1, rows::keyText(op.key));
    return exec(m_sql->pin, error);
}

bool StoreWriter::apply(const MetaOp &op, QList<WriteEvent> *, QString *error)
{
    m_sql->meta.bindValue(0, op.key);
    m_sql->meta.bindValue(1, op.value);
    return exec(m_sql->meta, error);
}

bool StoreWriter::apply(const SizeCapOp &op, QList<WriteEvent> *, QString *)
{
    m_sizeCap = op.bytes;   // runBatch evicts at the end of the batch
    return true;
}

// Pinned entries are kept even once expired: the pin is the user's "keep this".
bool StoreWriter::apply(const PurgeExpiredOp &op, QList<WriteEvent> *events, QString *error)
{
    QSqlQuery &query = m_sql->expired;
    query.bindValue(0, op.nowMs);
    if (!exec(query, error))
        return false;
    QList<QByteArray> keys;
    while (query.next())
        keys.append(query.value(0).toString().toLatin1());
    query.finish();
    return apply(RemoveOp { keys }, events, error);
}

// Least recently used first: max(created_at, last_hit_at), oldest first, never pinned.
bool StoreWriter::evictOverCap(QList<WriteEvent> *events, QString *error)
{
    if (m_sizeCap <= 0 || m_totalSize <= m_sizeCap)
        return true;
    QSqlQuery &query = m_sql->lru;
    if (!exec(query, error))
        return false;
    QList<QByteArray> victims;
    qint64 remaining = m_totalSize;
    while (remaining > m_sizeCap && query.next()) {
        victims.append(query.value(0).toString().toLatin1());
        remaining -= query.value(1).toLongLong();
    }
    query.finish();   // done reading before deleting from the same table
    return apply(RemoveOp { victims }, events, error);
}

bool StoreWriter::deleteKeys(const QList<QByteArray> &keys, QList<QByteArray> *deleted,
                             QString *error)
{
    for (const QByteArray &key : keys) {
        bool found = false;
        const qint64 size = storedSize(key, &found, error);
        if (size < 0)
            return false;
        if (!found)
            continue;
        m_sql->remove.bindValue(0, rows::keyText(key));
        if (!exec(m_sql->remove, error))
            return false;
        m_totalSize -= size;
        deleted->append(key);
    }
    return true;
}

// size_bytes of the stored row (0 and found=false when there is none), or -1 on error.
qint64 StoreWriter::storedSize(const QByteArray &key, bool *found, QString *error)
{
    QSqlQuery &query = m_sql->sizeOf;
    query.bindValue(0, rows::keyText(key));
    if (!exec(query, error))
        return -1;
    *found = query.next();
    const qint64 size = *found ? query.value(0).toLongLong() : 0;
    query.finish();
    return size;
}

void StoreWriter::publish(QList<WriteEvent> events)
{
    if (events.isEmpty())
        return;
    bool notify = false;
    {
        QMutexLocker lock(&m_mutex);
        notify = m_events.isEmpty();   // one notification until Store takes the events
        m_events.append(std::move(events));
    }
    if (notify)
        Q_EMIT eventsReady();
}

void StoreWriter::publishFailure(const std::vector<WriteOp> &ops, const QString &error)
{
    const QString message =
        QStringLiteral("writing to %1 failed, %2 change(s) lost: %3").arg(m_path).arg(ops.size())
            .arg(error);
    qWarning("cachette store: %s", qPrintable(message));
    QList<WriteEvent> events;
    for (const WriteOp &op : ops) {
        if (const auto *put = std::get_if<PutOp>(&op))
            events.append({ WriteEvent::Kind::Dropped, put->entry.key, put->seq, {}, {}, {} });
        else if (const auto *remove = std::get_if<RemoveOp>(&op); remove && remove->seq != 0)
            events.append({ WriteEvent::Kind::Removed, {}, remove->seq, {}, {}, {} });
    }
    events.append({ WriteEvent::Kind::Failed, {}, 0, {}, {}, message });
    publish(std::move(events));
}

} // namespace cachette::store
