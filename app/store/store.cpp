#include "store.h"

#include "clock.h"
#include "database.h"
#include "rows.h"
#include "schema.h"
#include "storewriter.h"

#include <QDir>
#include <QSqlQuery>

namespace cachette::store {

Store::Store(QObject *parent)
    : QObject(parent)
    , m_bookkeepingTimer(this)   // a child, so it follows the store to another thread
{
    m_bookkeepingTimer.setSingleShot(true);
    m_bookkeepingTimer.setInterval(kBookkeepingWindowMs);
    connect(&m_bookkeepingTimer, &QTimer::timeout, this, &Store::submit);
}

Store::~Store()
{
    close();
}

int Store::currentSchemaVersion()
{
    return schema::currentVersion();
}

bool Store::open(const QString &dataDir, QString *error)
{
    if (m_open) {
        setError(error, QStringLiteral("the store is already open at %1").arg(m_path));
        return false;
    }
    if (!openDatabase(dataDir, error) || !startWriter(error)) {
        teardown();
        return false;
    }
    m_open = true;
    return true;
}

// The reader connection migrates before the writer exists, so the writer never sees an old
// schema; another process migrating at the same time is handled inside schema::migrate().
bool Store::openDatabase(const QString &dataDir, QString *error)
{
    if (!QDir().mkpath(dataDir)) {
        setError(error, QStringLiteral("cannot create the data directory %1").arg(dataDir));
        return false;
    }
    m_path = QDir(dataDir).absoluteFilePath(QStringLiteral("cachette.sqlite"));
    m_connection = std::make_unique<Connection>();
    if (!m_connection->open(m_path, QStringLiteral("reader"), error)
        || !schema::migrate(m_connection->database(), error))
        return false;
    m_lookupQuery = std::make_unique<QSqlQuery>(m_connection->database());
    m_lookupQuery->setForwardOnly(true);
    return prepare(*m_lookupQuery,
                   QStringLiteral("SELECT %1 FROM entries WHERE key = ?").arg(rows::entryColumns()),
                   error);
}

bool Store::startWriter(QString *error)
{
    m_writer = new StoreWriter(m_path, m_sizeCap);
    // Emitted on the writer's thread; delivered on this one.
    connect(m_writer, &StoreWriter::eventsReady, this, &Store::deliverEvents,
            Qt::QueuedConnection);
    return m_writer->start(error);
}

void Store::close()
{
    if (!m_open)
        return;
    flush();
    teardown();
    m_open = false;
}

// Undoes open() from any point it may have stopped at.
void Store::teardown()
{
    if (m_writer) {
        m_writer->stop();
        delete m_writer;   // its thread has finished: nothing else can touch it
        m_writer = nullptr;
    }
    m_lookupQuery.reset();   // before the connection it was prepared on
    m_connection.reset();
    m_pending.clear();
    m_removing.clear();
    m_hot.clear();
    m_batch.clear();
    m_batchHits.clear();
    m_bookkeepingTimer.stop();
    m_pinsInFlight.clear();
}

int Store::schemaVersion() const
{
    return m_connection ? schema::userVersion(m_connection->database()) : -1;
}

std::optional<CacheEntry> Store::lookup(const QByteArray &key, qint64 nowMs) const
{
    if (const auto it = m_pending.constFind(key); it != m_pending.constEnd()) {
        if (it->entry.isExpired(nowMs))
            return std::nullopt;
        return it->entry;
    }
    if (!m_lookupQuery || m_removing.contains(key))
        return std::nullopt;
    if (const CacheEntry *hot = m_hot.find(key)) {
        if (!hot->isExpired(nowMs))
            return *hot;
        m_hot.erase(key);   // expired rows are never served; the purge deletes the row
        return std::nullopt;
    }
    QSqlQuery &query = *m_lookupQuery;
    query.bindValue(0, rows::keyText(key));
    QString error;
    if (!exec(query, &error)) {
        qWarning("cachette store: lookup failed: %s", qPrintable(error));
        return std::nullopt;
    }
    std::optional<CacheEntry> found;
    if (query.next()) {
        CacheEntry entry = rows::entryFromRow(query);
        if (!entry.isExpired(nowMs)) {
            if (!m_pinsInFlight.contains(key))
                m_hot.insert(entry);
            found = std::move(entry);
        }
    }
    query.finish();   // ends the read transaction, so WAL checkpoints are not held back
    return found;
}

void Store::put(const CacheEntry &entry)
{
    if (!m_open || entry.key.isEmpty())
        return;
    PendingEntry pending { entry, ++m_nextSeq };
    if (pending.entry.createdAt == 0)
        pending.entry.createdAt = clock::nowMs();
    queue(PutOp { pending.entry, pending.seq });
    m_hot.erase(entry.key);         // the row is replaced; lookup() reads it again once committed
    m_removing.remove(entry.key);   // the put comes after the removal, so it wins
    m_pending.insert(entry.key, std::move(pending));
}

void Store::recordHit(const QByteArray &key, qint64 nowMs)
{
    if (!m_open)
        return;
    if (const auto it = m_pending.find(key); it != m_pending.end()) {
        ++it->entry.hitCount;
        it->entry.lastHitAt = qMax(it->entry.lastHitAt, nowMs);
    } else if (CacheEntry *hot = m_hot.peek(key)) {
        ++hot->hitCount;
        hot->lastHitAt = qMax(hot->lastHitAt, nowMs);
    }
    // Merged with this turn's earlier hit of the key, unless a put or removal came between.
    if (const auto it = m_batchHits.constFind(key); it != m_batchHits.constEnd()) {
        HitOp &hit = std::get<HitOp>(m_batch[it.value()]);
        ++hit.count;
        hit.nowMs = qMax(hit.nowMs, nowMs);
        return;
    }
    m_batchHits.insert(key, m_batch.size());
    queue(HitOp { key, nowMs });
}

void Store::logRequest(const RequestLogRecord &record)
{
    if (m_open)
        queue(LogOp { record });
}

void Store::removeEntries(const QList<QByteArray> &keys)
{
    if (!m_open || keys.isEmpty())
        return;
    const quint64 seq = ++m_nextSeq;
    for (const QByteArray &key : keys) {
        m_pending.remove(key);
        m_hot.erase(key);
        m_batchHits.remove(key);       // later hits must not be merged into one before this
        m_removing.insert(key, seq);   // hidden from lookup() until the delete commits
    }
    queue(RemoveOp { keys, seq });
}

void Store::setPinned(const QByteArray &key, bool pinned)
{
    if (!m_open)
        return;
    if (const auto it = m_pending.find(key); it != m_pending.end())
        it->entry.pinned = pinned;
    else if (CacheEntry *hot = m_hot.peek(key))
        hot->pinned = pinned;
    m_pinsInFlight.insert(key, m_submitted + 1);   // the serial submit() will give it
    queue(PinOp { key, pinned });
}

void Store::putEmbedding(const StoredEmbedding &embedding)
{
    if (m_open)
        queue(EmbeddingPutOp { embedding });
}

void Store::removeEmbeddings(const QList<QByteArray> &entryKeys)
{
    if (m_open && !entryKeys.isEmpty())
        queue(EmbeddingRemoveOp { entryKeys });
}

void Store::removeEmbedder(const QString &embedderId)
{
    if (m_open)
        queue(EmbedderDropOp { embedderId });
}

void Store::purgeExpired(qint64 nowMs)
{
    if (m_open)
        queue(PurgeExpiredOp { nowMs });
}

void Store::setSizeCap(qint64 bytes)
{
    m_sizeCap = bytes;
    if (m_open)
        queue(SizeCapOp { bytes });
}

qint64 Store::queryNumber(const QString &sql) const
{
    if (!m_connection)
        return 0;
    QSqlQuery query(m_connection->database());
    query.setForwardOnly(true);
    QString error;
    if (!prepare(query, sql, &error) || !exec(query, &error) || !query.next()) {
        qWarning("cachette store: %s", qPrintable(error));
        return 0;
    }
    return query.value(0).toLongLong();
}

qint64 Store::entryCount() const
{
    return queryNumber(QStringLiteral("SELECT COUNT(*) FROM entries"));
}

qint64 Store::totalEntrySize() const
{
    return queryNumber(QStringLiteral("SELECT COALESCE(SUM(size_bytes), 0) FROM entries"));
}

QByteArray Store::meta(const QString &key) const
{
    if (!m_connection)
        return {};
    QSqlQuery query(m_connection->database());
    query.setForwardOnly(true);
    QString error;
    if (!prepare(query, QStringLiteral("SELECT value FROM meta WHERE key = ?"), &error)) {
        qWarning("cachette store: %s", qPrintable(error));
        return {};
    }
    query.bindValue(0, key);
    if (!exec(query, &error)) {
        qWarning("cachette store: %s", qPrintable(error));
        return {};
    }
    if (!query.next())
        return {};
    // SQLite hands back a zero-length blob as a null pointer; present-but-empty stays non-null.
    const QByteArray value = query.value(0).toByteArray();
    return value.isNull() ? QByteArray("") : value;
}

// Blocking is fine here: meta is written once in a while (first start), never per request, and
// the caller usually reads it straight back through the reader connection.
void Store::setMeta(const QString &key, const QByteArray &value)
{
    if (!m_open)
        return;
    queue(MetaOp { key, value });
    submit();
    waitForWriter();
}

void Store::flush()
{
    if (!m_open)
        return;
    submit();
    waitForWriter();
    deliverEvents();
}

// Changes wait in m_batch until control returns to the event loop, then go to the writer in
// one enqueue: one lock and at most one wake-up of the writer per turn instead of one per change.
// A batch of only hits and log rows waits for the bookkeeping window instead; any other change
// takes it along at the end of its turn, in order.
void Store::queue(WriteOp op)
{
    if (const auto *put = std::get_if<PutOp>(&op))
        m_batchHits.remove(put->entry.key);   // a put resets the count: later hits go after it
    const bool bookkeeping = std::holds_alternative<HitOp>(op) || std::holds_alternative<LogOp>(op);
    m_batch.push_back(std::move(op));
    if (bookkeeping) {
        if (!m_submitPosted && !m_bookkeepingTimer.isActive())
            m_bookkeepingTimer.start();
        return;
    }
    if (!m_submitPosted) {
        m_submitPosted = true;
        // flush() may submit first: then this call finds nothing posted and leaves the
        // bookkeeping queued since to its window.
        QMetaObject::invokeMethod(
            this, [this] { if (m_submitPosted) submit(); }, Qt::QueuedConnection);
    }
}

void Store::submit()
{
    m_submitPosted = false;
    m_bookkeepingTimer.stop();
    if (m_batch.empty() || !m_writer) {
        m_batch.clear();
        m_batchHits.clear();
        return;
    }
    std::vector<WriteOp> ops;
    ops.swap(m_batch);
    m_batchHits.clear();
    // Hits are merged per key in the writer's queue, so what can pile up is log rows and puts,
    // which must not be dropped: past the limit, wait for the writer to take its next batch.
    if (m_writer->enqueueBatch(std::move(ops), ++m_submitted) > kMaxBacklog)
        m_writer->waitForBacklogAtMost(kMaxBacklog);
}

// Once this returns, every write enqueued before it has been committed (or has failed), and
// its events wait in the writer for deliverEvents().
void Store::waitForWriter()
{
    m_writer->waitUntilDrained();
}

void Store::deliverEvents()
{
    if (!m_writer)
        return;   // a notification that outlived close()
    const QList<WriteEvent> events = m_writer->takeEvents();
    for (const WriteEvent &event : events)
        deliver(event);
}

void Store::deliver(const WriteEvent &event)
{
    switch (event.kind) {
    case WriteEvent::Kind::Stored:
    case WriteEvent::Kind::Dropped:
        // Only the copy from this very put() goes: a later put() of the same key that is still
        // queued must stay visible.
        if (const auto it = m_pending.find(event.key);
            it != m_pending.end() && it->seq == event.seq)
            m_pending.erase(it);
        m_hot.erase(event.key);   // normally gone since put(); a lookup may have raced the commit
        if (event.kind == WriteEvent::Kind::Stored)
            Q_EMIT entryStored(event.key);
        break;
    case WriteEvent::Kind::Removed:
        // Tombstones of a later removeEntries() of the same key stay until theirs commits.
        if (event.seq != 0)
            m_removing.removeIf([&event](auto it) { return it.value() == event.seq; });
        for (const QByteArray &key : event.keys)
            m_hot.erase(key);
        if (!event.keys.isEmpty())
            Q_EMIT entriesRemoved(event.keys);
        break;
    case WriteEvent::Kind::Logged:
        Q_EMIT requestLogged(event.record);
        break;
    case WriteEvent::Kind::Failed:
        m_hot.clear();   // the rolled-back hits and pins were applied to the copies
        Q_EMIT writeFailed(event.message);
        break;
    case WriteEvent::Kind::External:
        m_hot.clear();   // another process changed rows: read them again
        break;
    case WriteEvent::Kind::Done:
        m_pinsInFlight.removeIf([&event](auto it) { return it.value() <= event.seq; });
        break;
    }
}

} // namespace cachette::store
