#include "storewriter.h"

#include "clock.h"
#include "rows.h"

#include <QSqlQuery>

#include <chrono>
#include <utility>

namespace cachette::store {

namespace {

// Expired entries are never served (lookup checks), so purging them is only housekeeping.
constexpr std::chrono::minutes kPurgeInterval{10};

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
            { &hit, QStringLiteral("UPDATE entries SET hit_count = hit_count + ?, "
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

StoreWriter::~StoreWriter()
{
    stop();
}

bool StoreWriter::start(QString *error)
{
    m_thread = std::make_unique<JoinableThread>([this] { run(); });
    m_thread->setObjectName(QStringLiteral("cachette-store-writer"));
    m_thread->start();
    std::unique_lock lock(m_mutex);
    m_progress.wait(lock, [this] { return m_opened.has_value(); });
    if (*m_opened)
        return true;
    if (error)
        *error = m_openError;
    lock.unlock();
    m_thread->join();
    m_thread.reset();
    return false;
}

void StoreWriter::stop()
{
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread->join();
    m_thread.reset();
}

// The writer thread: opens its connection, then commits whatever is queued, batch after batch,
// until stop() (the queue drained first). It purges expired entries at open and every
// kPurgeInterval, as housekeeping between batches, and orphaned vectors at open.
void StoreWriter::run()
{
    QString error;
    const bool opened = openConnection(&error);
    // The purge at open goes first, before start() returns: it must not come after the
    // caller's first writes (its "now" would be older than theirs).
    if (opened) {
        enqueue(PurgeExpiredOp { clock::nowMs() });
        enqueue(EmbeddingOrphansOp {});
    }
    {
        std::lock_guard lock(m_mutex);
        m_opened = opened;
        m_openError = error;
        m_running = opened;
    }
    m_progress.notify_all();
    if (!opened)
        return;
    auto nextPurge = std::chrono::steady_clock::now() + kPurgeInterval;
    for (;;) {
        if (std::chrono::steady_clock::now() >= nextPurge) {
            enqueue(PurgeExpiredOp { clock::nowMs() });
            nextPurge = std::chrono::steady_clock::now() + kPurgeInterval;
        }
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait_until(lock, nextPurge, [this] { return !m_queue.empty() || m_stopping; });
            if (m_queue.empty() && m_stopping)
                break;
        }
        drain();
    }
    closeConnection();
    {
        std::lock_guard lock(m_mutex);
        m_running = false;
    }
    m_progress.notify_all();
}

std::size_t StoreWriter::enqueue(WriteOp op)
{
    std::vector<WriteOp> ops;
    ops.push_back(std::move(op));
    return enqueueBatch(std::move(ops));
}

std::size_t StoreWriter::enqueueBatch(std::vector<WriteOp> ops, quint64 serial)
{
    if (ops.empty())
        return 0;
    std::size_t backlog = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_queue.empty() && m_queuedHits.isEmpty()) {
            m_queue.swap(ops);   // the common case: the writer has caught up
            for (std::size_t i = 0; i < m_queue.size(); ++i) {
                WriteOp &op = m_queue[i];
                if (const auto *hit = std::get_if<HitOp>(&op))
                    m_queuedHits.insert(hit->key, i);
                else if (const auto *put = std::get_if<PutOp>(&op))
                    m_queuedHits.remove(put->entry.key);
                else if (const auto *remove = std::get_if<RemoveOp>(&op))
                    for (const QByteArray &key : remove->keys)
                        m_queuedHits.remove(key);
            }
        } else {
            for (WriteOp &op : ops)
                append(std::move(op));
        }
        backlog = m_queue.size();
        m_queuedSerial = qMax(m_queuedSerial, serial);
        ++m_enqueueCalls;
    }
    // Whatever piles up while a batch commits goes into the next batch: the writer takes the
    // whole queue each time it wakes (a notify while it commits is a no-op).
    m_wake.notify_one();
    return backlog;
}

// A hit only adds to hit_count and raises last_hit_at, so hits of one key commute with
// everything but a put (which resets the count) and a removal of that key: after those, a new
// HitOp is queued rather than merged into one that must stay before them.
void StoreWriter::append(WriteOp &&op)
{
    if (auto *hit = std::get_if<HitOp>(&op)) {
        if (const auto it = m_queuedHits.constFind(hit->key); it != m_queuedHits.constEnd()) {
            HitOp &queued = std::get<HitOp>(m_queue[it.value()]);
            queued.count += hit->count;
            queued.nowMs = qMax(queued.nowMs, hit->nowMs);
            return;
        }
        m_queuedHits.insert(hit->key, m_queue.size());
    } else if (const auto *put = std::get_if<PutOp>(&op)) {
        m_queuedHits.remove(put->entry.key);
    } else if (const auto *remove = std::get_if<RemoveOp>(&op)) {
        for (const QByteArray &key : remove->keys)
            m_queuedHits.remove(key);
    }
    m_queue.push_back(std::move(op));
}

void StoreWriter::waitForBacklogAtMost(std::size_t maxOps)
{
    std::unique_lock lock(m_mutex);
    m_progress.wait(lock, [&] { return m_queue.size() <= maxOps || !m_running; });
}

void StoreWriter::waitUntilDrained()
{
    std::unique_lock lock(m_mutex);
    const quint64 target = m_enqueueCalls;
    m_progress.wait(lock, [&] { return m_drainedCalls >= target || !m_running; });
}

QList<WriteEvent> StoreWriter::takeEvents()
{
    std::lock_guard lock(m_mutex);
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
    return true;
}

void StoreWriter::closeConnection()
{
    m_sql.reset();   // the queries go before the connection they run on
    m_connection.close();
}

void StoreWriter::drain()
{
    std::vector<WriteOp> ops;
    quint64 serial = 0;
    quint64 calls = 0;
    {
        std::lock_guard lock(m_mutex);
        ops.swap(m_queue);
        serial = m_queuedSerial;
        calls = m_enqueueCalls;
        m_queuedHits.clear();
    }
    m_progress.notify_all();   // the queue was taken: waitForBacklogAtMost()
    if (!ops.empty())
        commit(ops, serial);
    {
        std::lock_guard lock(m_mutex);
        m_drainedCalls = calls;
    }
    m_progress.notify_all();   // waitUntilDrained()
}

void StoreWriter::commit(const std::vector<WriteOp> &ops, quint64 serial)
{
    QList<WriteEvent> events;
    QString error;
    const qint64 totalBefore = m_totalSize;
    if (m_sql && runBatch(ops, &events, &error)) {
        if (serial != 0)
            events.append({ WriteEvent::Kind::Done, {}, serial, {}, {}, {} });
        publish(std::move(events));
        return;
    }
    m_totalSize = totalBefore;
    m_dataVersion = -1;   // recount on the next batch rather than trust a rolled-back total
    publishFailure(ops, m_sql ? error : QStringLiteral("the store is closed"), serial);
}

bool StoreWriter::runBatch(const std::vector<WriteOp> &ops, QList<WriteEvent> *events,
                           QString *error)
{
    // IMMEDIATE takes the write lock up front, waiting up to busy_timeout for another process;
    // a deferred BEGIN could fail half-way with SQLITE_BUSY when upgrading to a write.
    const QSqlDatabase db = m_connection.database();
    if (!exec(db, QStringLiteral("BEGIN IMMEDIATE"), error))
        return false;
    bool ok = syncTotalSize(events, error);
    for (auto it = ops.begin(); ok && it != ops.end(); ++it)
        ok = std::visit([&](const auto &op) { return apply(op, events, error); },
                        static_cast<const WriteOpVariant &>(*it));
    ok = ok && evictOverCap(events, error) && exec(db, QStringLiteral("COMMIT"), error);
    if (!ok)
        exec(db, QStringLiteral("ROLLBACK"), nullptr);
    return ok;
}

// data_version changes only when another connection (a second Cachette, the CLI) committed, so
// the running total is recounted exactly when someone else may have changed the entries.
// The same check tells Store when its in-memory copies of rows may be stale.
bool StoreWriter::syncTotalSize(QList<WriteEvent> *events, QString *error)
{
    QSqlQuery &version = m_sql->dataVersion;
    if (!exec(version, error) || !version.next())
        return false;
    const qint64 current = version.value(0).toLongLong();
    version.finish();
    if (m_seenVersion != -1 && current != m_seenVersion)
        events->append({ WriteEvent::Kind::External, {}, 0, {}, {}, {} });
    m_seenVersion = current;
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
    m_sql->hit.bindValue(0, op.count);
    m_sql->hit.bindValue(1, op.nowMs);
    m_sql->hit.bindValue(2, rows::keyText(op.key));
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
        std::lock_guard lock(m_mutex);
        notify = m_events.isEmpty();   // one notification until Store takes the events
        m_events.append(std::move(events));
    }
    if (notify)
        Q_EMIT eventsReady();
}

void StoreWriter::publishFailure(const std::vector<WriteOp> &ops, const QString &error,
                                 quint64 serial)
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
    if (serial != 0)
        events.append({ WriteEvent::Kind::Done, {}, serial, {}, {}, {} });
    publish(std::move(events));
}

} // namespace cachette::store
