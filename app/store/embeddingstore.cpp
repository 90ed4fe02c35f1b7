#include "embeddingstore.h"

#include "database.h"
#include "threadhandoff.h"

#include <QDateTime>
#include <QSqlQuery>
#include <QtEndian>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <variant>

namespace cachette::store {

namespace {

struct PutOp { StoredEmbedding embedding; };
struct RemoveKeysOp { QList<QByteArray> keys; };
struct RemoveEmbedderOp { QString embedderId; };
using Op = std::variant<PutOp, RemoveKeysOp, RemoveEmbedderOp>;

QString hexContext(quint64 hash)
{
    return QStringLiteral("%1").arg(hash, 16, 16, QLatin1Char('0'));
}

bool apply(const QSqlDatabase &db, const Op &op, QString *error)
{
    QSqlQuery query(db);
    if (const auto *put = std::get_if<PutOp>(&op)) {
        const StoredEmbedding &e = put->embedding;
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
        query.addBindValue(QDateTime::currentMSecsSinceEpoch());
        query.addBindValue(e.text);
        query.addBindValue(EmbeddingStore::encodeVector(e.vector));
        return exec(query, error);
    }
    if (const auto *remove = std::get_if<RemoveKeysOp>(&op)) {
        if (!prepare(query, QStringLiteral("DELETE FROM embeddings WHERE entry_key = ?"), error))
            return false;
        for (const QByteArray &key : remove->keys) {
            query.addBindValue(QString::fromLatin1(key));
            if (!exec(query, error))
                return false;
        }
        return true;
    }
    const auto &drop = std::get<RemoveEmbedderOp>(op);
    if (!prepare(query, QStringLiteral("DELETE FROM embeddings WHERE embedder_id = ?"), error))
        return false;
    query.addBindValue(drop.embedderId);
    return exec(query, error);
}

} // namespace

// The writer thread: drains everything queued in one transaction, like the Store's writer.
class EmbeddingStore::Writer
{
public:
    Writer(EmbeddingStore *owner, QString path) : m_owner(owner), m_path(std::move(path)) {}
    ~Writer() { stop(); }

    bool start(QString *error)
    {
        m_thread = std::make_unique<JoinableThread>([this] { run(); });
        m_thread->setObjectName(QStringLiteral("cachette-embeddings-writer"));
        m_thread->start();
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_opened.has_value(); });
        if (!*m_opened && error)
            *error = m_openError;
        return *m_opened;
    }
    void enqueue(Op op)
    {
        {
            std::lock_guard lock(m_mutex);
            m_queue.push_back(std::move(op));
            ++m_enqueued;
        }
        m_changed.notify_all();
    }
    void flush()
    {
        std::unique_lock lock(m_mutex);
        const quint64 target = m_enqueued;
        m_changed.wait(lock, [&] { return m_done >= target || m_stopping; });
    }
    void stop()
    {
        if (!m_thread)
            return;
        {
            std::lock_guard lock(m_mutex);
            m_stopping = true;
        }
        m_changed.notify_all();
        m_thread->join();
        m_thread.reset();
    }

private:
    void run()
    {
        Connection connection;
        QString error;
        const bool ok = connection.open(m_path, QStringLiteral("embeddings-writer"), &error);
        {
            std::lock_guard lock(m_mutex);
            m_opened = ok;
            m_openError = error;
        }
        m_changed.notify_all();
        if (!ok)
            return;
        for (;;) {
            std::deque<Op> batch;
            {
                std::unique_lock lock(m_mutex);
                m_changed.wait(lock, [this] { return !m_queue.empty() || m_stopping; });
                if (m_queue.empty())
                    return;   // stopping, and everything is written
                batch.swap(m_queue);
            }
            write(connection.database(), batch);
            {
                std::lock_guard lock(m_mutex);
                m_done += batch.size();
            }
            m_changed.notify_all();
        }
    }
    void write(const QSqlDatabase &db, const std::deque<Op> &batch)
    {
        QString error;
        bool ok = exec(db, QStringLiteral("BEGIN IMMEDIATE"), &error);
        for (const Op &op : batch) {
            if (!ok)
                break;
            ok = apply(db, op, &error);
        }
        if (ok && exec(db, QStringLiteral("COMMIT"), &error))
            return;
        exec(db, QStringLiteral("ROLLBACK"), nullptr);
        Q_EMIT m_owner->writeFailed(
            QStringLiteral("%1 vector writes were lost: %2").arg(batch.size()).arg(error));
    }

    EmbeddingStore *m_owner;
    QString m_path;
    std::unique_ptr<JoinableThread> m_thread;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Op> m_queue;
    quint64 m_enqueued = 0;
    quint64 m_done = 0;
    bool m_stopping = false;
    std::optional<bool> m_opened;
    QString m_openError;
};

EmbeddingStore::EmbeddingStore(QObject *parent)
    : QObject(parent)
{
}

EmbeddingStore::~EmbeddingStore()
{
    close();
}

bool EmbeddingStore::open(const QString &databasePath, QString *error)
{
    close();
    m_reader = std::make_unique<Connection>();
    if (!m_reader->open(databasePath, QStringLiteral("embeddings-reader"), error)) {
        m_reader.reset();
        return false;
    }
    // Rows whose entry went away before the row was written (the trigger had nothing to
    // delete then): at open, every entry write of the last run is committed.
    if (!exec(m_reader->database(), QStringLiteral(
            "DELETE FROM embeddings WHERE entry_key NOT IN (SELECT key FROM entries)"), error)) {
        m_reader.reset();
        return false;
    }
    m_writer = std::make_unique<Writer>(this, databasePath);
    if (!m_writer->start(error)) {
        m_writer.reset();
        m_reader.reset();
        return false;
    }
    return true;
}

void EmbeddingStore::close()
{
    if (m_writer)
        m_writer->stop();   // writes whatever is queued first
    m_writer.reset();
    m_reader.reset();
}

void EmbeddingStore::put(const StoredEmbedding &embedding)
{
    if (m_writer && !embedding.entryKey.isEmpty() && !embedding.vector.empty())
        m_writer->enqueue(PutOp{embedding});
}

void EmbeddingStore::remove(const QList<QByteArray> &entryKeys)
{
    if (m_writer && !entryKeys.isEmpty())
        m_writer->enqueue(RemoveKeysOp{entryKeys});
}

void EmbeddingStore::removeEmbedder(const QString &embedderId)
{
    if (m_writer)
        m_writer->enqueue(RemoveEmbedderOp{embedderId});
}

void EmbeddingStore::flush()
{
    if (m_writer)
        m_writer->flush();
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
