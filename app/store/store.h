#pragma once

#include "cacheentry.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QThread>

#include <optional>

namespace cachette::store {

class StoreWriter;

// The cache on disk: SQLite through Qt SQL in WAL mode, schema versioned with migrations.
// Every write goes through one writer thread, off the network path; this object reads through
// its own connection on the thread that created it. A put() is visible to lookup() at once:
// entries waiting for the writer are kept in memory until committed.
class Store : public QObject
{
    Q_OBJECT
public:
    explicit Store(QObject *parent = nullptr);
    ~Store() override;   // flushes and closes

    // Creates the data dir and the database if needed and migrates it to the current schema.
    bool open(const QString &dataDir, QString *error = nullptr);
    void close();        // waits for the writer to finish every queued write
    bool isOpen() const { return m_open; }
    QString databasePath() const { return m_path; }

    // An entry that is present and not expired at nowMs, or nothing.
    std::optional<CacheEntry> lookup(const QByteArray &key, qint64 nowMs) const;

    void put(const CacheEntry &entry);                 // insert or replace by key
    void recordHit(const QByteArray &key, qint64 nowMs);
    void logRequest(const RequestLogRecord &record);
    void removeEntries(const QList<QByteArray> &keys);
    void setPinned(const QByteArray &key, bool pinned);

    // Size cap for entries (sum of sizeBytes); LRU eviction by last use, never pinned entries.
    void setSizeCap(qint64 bytes);
    qint64 sizeCap() const { return m_sizeCap; }

    // Blocks until every write queued so far is committed (tests, shutdown).
    void flush();

Q_SIGNALS:
    void entryStored(const QByteArray &key);
    void entriesRemoved(const QList<QByteArray> &keys);   // deleted or evicted
    void requestLogged(const cachette::store::RequestLogRecord &record);

private:
    void onWritten(const QByteArray &key);

    QString m_path;
    QString m_connectionName;
    bool m_open = false;
    qint64 m_sizeCap = 1024LL * 1024 * 1024;
    QThread m_writerThread;
    StoreWriter *m_writer = nullptr;
    QHash<QByteArray, CacheEntry> m_pending;   // put() but not yet committed
};

} // namespace cachette::store
