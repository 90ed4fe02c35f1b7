#include "store/database.h"
#include "store/schema.h"
#include "store/requestlog.h"
#include "store/store.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

using namespace cachette::store;

namespace {

// The request log as a reader sees it: through RequestLog's own read-only connection.
QList<RequestLogRecord> recentRequests(const Store &store, int limit)
{
    RequestLog log;
    if (!log.open(store.databasePath()))
        return {};
    return log.recent(limit);
}

// Every entry made here has the same sizeBytes(), so caps can be counted in entries.
CacheEntry makeEntry(const QByteArray &name, qint64 createdAt, const QByteArray &body = "body")
{
    CacheEntry e;
    e.key = name.rightJustified(16, '0');
    e.cacheNamespace = QStringLiteral("team-a");
    e.endpoint = QStringLiteral("chat/completions");
    e.model = QStringLiteral("gpt-4o-mini");
    e.canonicalRequest = R"({"messages":[{"content":"hi","role":"user"}],"model":"gpt-4o-mini"})";
    e.promptText = QStringLiteral("hi");
    e.responseBody = R"({"choices":[{"message":{"content":")" + body.leftJustified(16, '.')
                     + R"("}}]})";
    e.streamEvents = "data: {\"x\":1}\n\ndata: [DONE]\n\n";
    e.status = 200;
    e.usage = { 12, 34, 5, true };
    e.costUsd = 0.00125;
    e.upstreamLatencyMs = 812;
    e.createdAt = createdAt;
    return e;
}

RequestLogRecord makeRecord(qint64 ts)
{
    RequestLogRecord r;
    r.timestamp = ts;
    r.endpoint = QStringLiteral("chat/completions");
    r.model = QStringLiteral("claude-3-haiku");
    r.outcome = Outcome::Miss;
    r.usage = { 101, 202, 33, true };
    r.latencyUs = 123456;
    r.upstreamLatencyUs = 120000;
    r.status = 201;
    r.entryKey = "abcdef0123456789";
    r.cacheNamespace = QStringLiteral("ns1");
    r.streamed = true;
    return r;
}

void compareContent(const CacheEntry &a, const CacheEntry &b)
{
    QCOMPARE(a.key, b.key);
    QCOMPARE(a.cacheNamespace, b.cacheNamespace);
    QCOMPARE(a.endpoint, b.endpoint);
    QCOMPARE(a.model, b.model);
    QCOMPARE(a.canonicalRequest, b.canonicalRequest);
    QCOMPARE(a.promptText, b.promptText);
    QCOMPARE(a.responseBody, b.responseBody);
    QCOMPARE(a.streamEvents, b.streamEvents);
    QCOMPARE(a.status, b.status);
    QCOMPARE(a.usage.promptTokens, b.usage.promptTokens);
    QCOMPARE(a.usage.completionTokens, b.usage.completionTokens);
    QCOMPARE(a.usage.cachedPromptTokens, b.usage.cachedPromptTokens);
    QCOMPARE(a.usage.known, b.usage.known);
    QCOMPARE(a.costUsd, b.costUsd);
    QCOMPARE(a.upstreamLatencyMs, b.upstreamLatencyMs);
    QCOMPARE(a.createdAt, b.createdAt);
    QCOMPARE(a.expiresAt, b.expiresAt);
    QCOMPARE(a.pinned, b.pinned);
}

// A connection of the test's own, as another program reading the file would have.
class RawDb
{
public:
    explicit RawDb(const QString &path)
    {
        QString error;
        if (!m_connection.open(path, QStringLiteral("test"), &error))
            qFatal("cannot open %s: %s", qPrintable(path), qPrintable(error));
    }
    QSqlDatabase db() const { return m_connection.database(); }
    QVariant scalar(const QString &sql, const QVariantList &args = {}) const
    {
        QSqlQuery q(db());
        q.prepare(sql);
        for (int i = 0; i < args.size(); ++i)
            q.bindValue(i, args.at(i));
        if (!q.exec() || !q.next())
            return QStringLiteral("<error: %1>").arg(q.lastError().text());
        return q.value(0);
    }
    QSqlRecord row(const QString &sql, const QVariantList &args = {}) const
    {
        QSqlQuery q(db());
        q.prepare(sql);
        for (int i = 0; i < args.size(); ++i)
            q.bindValue(i, args.at(i));
        return q.exec() && q.next() ? q.record() : QSqlRecord();
    }
    bool exec(const QString &sql) const { return QSqlQuery(db()).exec(sql); }

private:
    Connection m_connection;
};

// The keys in the table, sorted, comma-separated.
QString storedKeys(const RawDb &raw)
{
    return raw.scalar(QStringLiteral("SELECT group_concat(key) FROM "
                                     "(SELECT key FROM entries ORDER BY key)"))
        .toString();
}

QString sortedKeys(QList<QByteArray> keys)
{
    std::sort(keys.begin(), keys.end());
    return QString::fromLatin1(keys.join(','));
}

QList<QByteArray> removedKeys(const QSignalSpy &spy)
{
    QList<QByteArray> keys;
    for (const QList<QVariant> &args : spy)
        keys += args.at(0).value<QList<QByteArray>>();
    return keys;
}

} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void openCreatesSchemaAtCurrentVersion();
    void putIsVisibleAtOnceAfterFlushAndAfterReopen();
    void nullTextAndUnknownCostRoundTrip();
    void putReplacesByKey();
    void secondPutBeforeCommitIsNotLost();
    void expiredEntriesAreNotReturnedAndPurged();
    void recordHitUpdatesCountAndLastHit();
    void removeEntriesDeletesAndSignals();
    void writeFailureDropsPendingAndRecovers();
    void evictsLeastRecentlyUsedAndKeepsPinned();
    void sizeTotalFollowsOtherConnections();
    void requestLogAppendsEveryField();
    void metaRoundTripsAndPersists();
    void readerThreadWhileWriting();
    void secondStoreOnSameDirectory();
    void futureSchemaVersionIsRefused();
    void migratesEmptyVersion0File();
    void opensVersion1File();
    void closeTwiceAndReopen();
    void manyWritesBatch();
    void hotCacheInvalidatedByRemoveAndExpiry();
    void hotCacheReflectsPinsAndHits();
    void hotCacheDroppedWhenAnotherConnectionCommits();
    void hotCacheLimitIsBytes();
    void hitsOfOneKeyAreCoalesced();
    void hitsAreNotMergedAcrossAPut();
    void changesWaitForTheEventLoopAndFlushIncludesThem();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString dbPath() const { return m_dir->filePath(QStringLiteral("cachette.sqlite")); }
};

void TestStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestStore::cleanup()
{
    m_dir.reset();
}

void TestStore::openCreatesSchemaAtCurrentVersion()
{
    Store store;
    QString error;
    QVERIFY2(store.open(m_dir->path(), &error), qPrintable(error));
    QVERIFY(store.isOpen());
    QCOMPARE(store.databasePath(), dbPath());
    QVERIFY(QFile::exists(dbPath()));
    QVERIFY(Store::currentSchemaVersion() >= 1);
    QCOMPARE(store.schemaVersion(), Store::currentSchemaVersion());
    QCOMPARE(store.entryCount(), 0);
    QCOMPARE(store.totalEntrySize(), 0);

    RawDb raw(dbPath());
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(),
             Store::currentSchemaVersion());
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    // Later versions add tables of their own; version 1's must all be there.
    const QStringList objects =
        raw.scalar(QStringLiteral("SELECT group_concat(name, ',') FROM sqlite_master"))
            .toString()
            .split(QLatin1Char(','));
    for (const char *name : {"entries", "entries_created_at", "entries_expires_at",
                             "entries_last_used", "entries_model", "meta", "request_log",
                             "request_log_ts"})
        QVERIFY2(objects.contains(QLatin1String(name)), name);
    // The eviction scan must walk the LRU index, not sort the table.
    QSqlQuery plan(raw.db());
    QVERIFY(plan.exec(QStringLiteral("EXPLAIN QUERY PLAN SELECT key, size_bytes FROM entries "
                                     "WHERE pinned = 0 "
                                     "ORDER BY max(created_at, last_hit_at), id")));
    QVERIFY(plan.next());
    QVERIFY2(plan.value(3).toString().contains(QLatin1String("entries_last_used")),
             qPrintable(plan.value(3).toString()));
}

void TestStore::putIsVisibleAtOnceAfterFlushAndAfterReopen()
{
    const CacheEntry entry = makeEntry("k1", 1700000000000);
    {
        Store store;
        QVERIFY(store.open(m_dir->path()));
        QSignalSpy stored(&store, &Store::entryStored);
        store.put(entry);

        const auto pending = store.lookup(entry.key, 1700000000001);
        QVERIFY(pending.has_value());
        compareContent(*pending, entry);
        QCOMPARE(pending->hitCount, 0);

        store.flush();
        QCOMPARE(stored.count(), 1);
        QCOMPARE(stored.at(0).at(0).toByteArray(), entry.key);
        const auto committed = store.lookup(entry.key, 1700000000001);
        QVERIFY(committed.has_value());
        QVERIFY(committed->id > 0);   // read from the database now, not the pending copy
        compareContent(*committed, entry);
        QCOMPARE(store.entryCount(), 1);
        QCOMPARE(store.totalEntrySize(), entry.sizeBytes());

        RawDb raw(dbPath());
        const QSqlRecord row = raw.row(QStringLiteral("SELECT * FROM entries WHERE key = ?"),
                                       { QString::fromLatin1(entry.key) });
        QCOMPARE(row.value("id").toLongLong(), committed->id);
        QCOMPARE(row.value("namespace").toString(), QStringLiteral("team-a"));
        QCOMPARE(row.value("model").toString(), QStringLiteral("gpt-4o-mini"));
        QCOMPARE(row.value("response_body").toByteArray(), entry.responseBody);
        QCOMPARE(row.value("stream_events").toByteArray(), entry.streamEvents);
        QCOMPARE(row.value("prompt_tokens").toLongLong(), 12);
        QCOMPARE(row.value("completion_tokens").toLongLong(), 34);
        QCOMPARE(row.value("cached_tokens").toLongLong(), 5);
        QCOMPARE(row.value("usage_known").toInt(), 1);
        QCOMPARE(row.value("cost_usd").toDouble(), 0.00125);
        QCOMPARE(row.value("upstream_latency_ms").toLongLong(), 812);
        QCOMPARE(row.value("created_at").toLongLong(), 1700000000000);
        QCOMPARE(row.value("size_bytes").toLongLong(), entry.sizeBytes());
        QCOMPARE(row.value("hit_count").toLongLong(), 0);
        QCOMPARE(row.value("pinned").toInt(), 0);
        QCOMPARE(raw.scalar(QStringLiteral("SELECT typeof(key) FROM entries")).toString(),
                 QStringLiteral("text"));
    }
    Store reopened;
    QVERIFY(reopened.open(m_dir->path()));
    const auto persisted = reopened.lookup(entry.key, 1700000000001);
    QVERIFY(persisted.has_value());
    compareContent(*persisted, entry);
    QVERIFY(!reopened.lookup("missing-key", 1700000000001).has_value());
}

void TestStore::nullTextAndUnknownCostRoundTrip()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    CacheEntry bare;
    bare.key = "bare";
    bare.responseBody = "{}";
    bare.createdAt = 42;
    store.put(bare);
    store.flush();

    RawDb raw(dbPath());
    const QSqlRecord row = raw.row(QStringLiteral("SELECT namespace, model, cost_usd, "
                                                  "stream_events FROM entries WHERE key = 'bare'"));
    QCOMPARE(row.value("namespace").toString(), QString());
    QVERIFY(!row.isNull("namespace"));   // '' and not NULL: NOT NULL column
    QVERIFY(row.isNull("cost_usd"));     // unknown cost is NULL, so SUM() skips it
    const auto read = store.lookup("bare", 43);
    QVERIFY(read.has_value());
    QCOMPARE(read->costUsd, -1.0);
    QCOMPARE(read->usage.known, false);
    QCOMPARE(read->responseBody, QByteArray("{}"));
    QVERIFY(!read->isStreamed());

    // An empty key is not a key: ignored rather than stored.
    store.put(CacheEntry {});
    store.flush();
    QCOMPARE(store.entryCount(), 1);
}

void TestStore::putReplacesByKey()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry first = makeEntry("same", 1000, "first answer");
    store.put(first);
    store.flush();
    const qint64 id = store.lookup(first.key, 1001)->id;
    store.recordHit(first.key, 2000);
    store.recordHit(first.key, 3000);
    store.setPinned(first.key, true);
    store.flush();
    QCOMPARE(store.lookup(first.key, 3001)->hitCount, 2);

    CacheEntry second = makeEntry("same", 5000, "second, longer answer");
    second.model = QStringLiteral("gpt-4o");
    store.put(second);
    QCOMPARE(store.lookup(second.key, 5001)->responseBody, second.responseBody);   // at once
    store.flush();

    RawDb raw(dbPath());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM entries")).toInt(), 1);
    const QSqlRecord row = raw.row(QStringLiteral("SELECT * FROM entries"));
    QCOMPARE(row.value("id").toLongLong(), id);   // the row id survives a replace
    QCOMPARE(row.value("response_body").toByteArray(), second.responseBody);
    QCOMPARE(row.value("model").toString(), QStringLiteral("gpt-4o"));
    QCOMPARE(row.value("hit_count").toLongLong(), 0);   // reset by the replace
    QCOMPARE(row.value("last_hit_at").toLongLong(), 0);
    QCOMPARE(row.value("created_at").toLongLong(), 5000);
    QCOMPARE(row.value("pinned").toInt(), 1);           // the user's pin outlives a refresh
    QCOMPARE(store.totalEntrySize(), second.sizeBytes());
}

// The writer is held back by another connection's write lock, so a second put of the same
// key is still queued when the first put's commit is reported: it must stay visible.
void TestStore::secondPutBeforeCommitIsNotLost()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QSignalSpy stored(&store, &Store::entryStored);
    QSignalSpy failed(&store, &Store::writeFailed);
    const CacheEntry v1 = makeEntry("race", 1000, "version one");
    const CacheEntry v2 = makeEntry("race", 2000, "version two");

    RawDb raw(dbPath());
    store.put(v1);
    store.submit();   // to the writer now, not at the end of this event-loop turn
    QElapsedTimer waited;
    waited.start();
    while (raw.scalar(QStringLiteral("SELECT COUNT(*) FROM entries")).toInt() == 0
           && waited.elapsed() < 5000)
        QThread::msleep(2);   // no event processing: v1's report stays queued
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM entries")).toInt(), 1);

    QVERIFY(raw.exec(QStringLiteral("BEGIN IMMEDIATE")));
    QElapsedTimer writes;
    writes.start();
    store.put(v2);
    for (int i = 0; i < 100; ++i) {   // none of these may wait for the locked disk
        store.logRequest(makeRecord(i));
        store.recordHit(v2.key, 3000 + i);
    }
    QVERIFY2(writes.elapsed() < 500, qPrintable(QString::number(writes.elapsed())));

    QTRY_COMPARE(stored.count(), 1);   // v1's commit delivered while v2 waits for the lock
    QCOMPARE(store.lookup(v2.key, 2001)->responseBody, v2.responseBody);
    QCOMPARE(store.lookup(v2.key, 2001)->hitCount, 100);

    QVERIFY(raw.exec(QStringLiteral("ROLLBACK")));
    store.flush();
    QCOMPARE(failed.count(), 0);
    QCOMPARE(stored.count(), 2);
    const auto committed = store.lookup(v2.key, 2001);
    QVERIFY(committed->id > 0);
    QCOMPARE(committed->responseBody, v2.responseBody);
    QCOMPARE(committed->hitCount, 100);
    QCOMPARE(committed->lastHitAt, 3099);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM request_log")).toInt(), 100);
}

void TestStore::expiredEntriesAreNotReturnedAndPurged()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    CacheEntry expiring = makeEntry("expiring", now);
    expiring.expiresAt = now + 60000;
    CacheEntry pinned = makeEntry("pinned", now);
    pinned.expiresAt = now + 60000;
    pinned.pinned = true;
    const CacheEntry forever = makeEntry("forever", now);
    store.put(expiring);
    store.put(pinned);
    store.put(forever);

    QVERIFY(store.lookup(expiring.key, now + 59999).has_value());
    QVERIFY(!store.lookup(expiring.key, now + 60000).has_value());   // pending copy
    store.flush();
    QVERIFY(store.lookup(expiring.key, now + 59999).has_value());
    QVERIFY(!store.lookup(expiring.key, now + 60000).has_value());   // from the database
    QVERIFY(!store.lookup(pinned.key, now + 60000).has_value());
    QVERIFY(store.lookup(forever.key, now + 3600000).has_value());

    QSignalSpy removed(&store, &Store::entriesRemoved);
    store.purgeExpired(now + 120000);
    store.flush();
    QCOMPARE(removedKeys(removed), QList<QByteArray> { expiring.key });
    RawDb raw(dbPath());
    QCOMPARE(storedKeys(raw), sortedKeys({ forever.key, pinned.key }));
    QCOMPARE(store.totalEntrySize(), pinned.sizeBytes() + forever.sizeBytes());
}

void TestStore::recordHitUpdatesCountAndLastHit()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry committed = makeEntry("committed", 1000);
    store.put(committed);
    store.flush();
    store.recordHit(committed.key, 5000);
    store.recordHit(committed.key, 7000);
    store.recordHit(committed.key, 6000);   // out of order: last_hit_at never goes back

    const CacheEntry pending = makeEntry("pending", 1000);
    store.put(pending);
    store.recordHit(pending.key, 9000);
    QCOMPARE(store.lookup(pending.key, 9001)->hitCount, 1);
    QCOMPARE(store.lookup(pending.key, 9001)->lastHitAt, 9000);
    store.recordHit("no-such-key", 9000);   // harmless
    store.flush();

    RawDb raw(dbPath());
    const QString sql = QStringLiteral("SELECT hit_count, last_hit_at FROM entries WHERE key = ?");
    QSqlRecord row = raw.row(sql, { QString::fromLatin1(committed.key) });
    QCOMPARE(row.value(0).toLongLong(), 3);
    QCOMPARE(row.value(1).toLongLong(), 7000);
    row = raw.row(sql, { QString::fromLatin1(pending.key) });
    QCOMPARE(row.value(0).toLongLong(), 1);
    QCOMPARE(row.value(1).toLongLong(), 9000);
    QCOMPARE(store.lookup(committed.key, 9001)->hitCount, 3);
    QCOMPARE(store.lookup(committed.key, 9001)->lastHitAt, 7000);
}

void TestStore::removeEntriesDeletesAndSignals()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry a = makeEntry("a", 1000), b = makeEntry("b", 1000), c = makeEntry("c", 1000);
    for (const CacheEntry &e : { a, b, c })
        store.put(e);
    store.flush();

    QSignalSpy removed(&store, &Store::entriesRemoved);
    store.removeEntries({ a.key, b.key, "never-stored" });
    QVERIFY(!store.lookup(a.key, 1001).has_value());
    store.flush();
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).value<QList<QByteArray>>(), (QList<QByteArray> { a.key, b.key }));
    QVERIFY(!store.lookup(a.key, 1001).has_value());
    QVERIFY(!store.lookup(b.key, 1001).has_value());
    QVERIFY(store.lookup(c.key, 1001).has_value());

    // Removing a put that has not been committed yet hides it at once and deletes it after.
    const CacheEntry d = makeEntry("d", 1000);
    store.put(d);
    store.removeEntries({ d.key });
    QVERIFY(!store.lookup(d.key, 1001).has_value());
    store.flush();
    QVERIFY(!store.lookup(d.key, 1001).has_value());
    QCOMPARE(removedKeys(removed), (QList<QByteArray> { a.key, b.key, d.key }));

    RawDb raw(dbPath());
    QCOMPARE(storedKeys(raw), QString::fromLatin1(c.key));
    QCOMPARE(store.totalEntrySize(), c.sizeBytes());

    // A put after a removal of the same key wins, before and after the commit.
    const CacheEntry c2 = makeEntry("c", 5000, "replacement");
    store.removeEntries({ c.key });
    store.put(c2);
    QCOMPARE(store.lookup(c.key, 5001)->responseBody, c2.responseBody);
    store.flush();
    QCOMPARE(store.lookup(c.key, 5001)->responseBody, c2.responseBody);
    QCOMPARE(store.entryCount(), 1);
}

// Another connection holds the write lock past busy_timeout (5 s): the batch rolls back,
// writeFailed() says so, and the lost put and removal no longer show in lookup().
void TestStore::writeFailureDropsPendingAndRecovers()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry kept = makeEntry("kept", 1000), lost = makeEntry("lost", 2000);
    store.put(kept);
    store.flush();

    QSignalSpy failed(&store, &Store::writeFailed);
    QSignalSpy stored(&store, &Store::entryStored);
    RawDb raw(dbPath());
    QVERIFY(raw.exec(QStringLiteral("BEGIN IMMEDIATE")));
    const QRegularExpression lostWarning(
        QStringLiteral("(\\d) change\\(s\\) lost: database is locked"));
    QTest::ignoreMessage(QtWarningMsg, lostWarning);
    store.put(lost);
    store.removeEntries({ kept.key });
    QVERIFY(store.lookup(lost.key, 2001).has_value());
    QVERIFY(!store.lookup(kept.key, 2001).has_value());
    // The writer may have taken the put alone before the removal was queued: then a second
    // batch fails 5 s after the first.
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 15000);
    int lostChanges = lostWarning.match(failed.at(0).at(0).toString()).captured(1).toInt();
    if (lostChanges == 1) {
        QTest::ignoreMessage(QtWarningMsg, lostWarning);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 15000);
        lostChanges += lostWarning.match(failed.at(1).at(0).toString()).captured(1).toInt();
    }
    QCOMPARE(lostChanges, 2);
    QVERIFY(raw.exec(QStringLiteral("ROLLBACK")));
    const int failures = failed.count();

    QCOMPARE(stored.count(), 0);
    QVERIFY(!store.lookup(lost.key, 2001).has_value());   // dropped with its batch
    QVERIFY(store.lookup(kept.key, 2001).has_value());    // its removal was rolled back

    const CacheEntry later = makeEntry("later", 3000);
    store.put(later);
    store.flush();
    QCOMPARE(failed.count(), failures);
    QCOMPARE(storedKeys(raw), sortedKeys({ kept.key, later.key }));
    QCOMPARE(store.totalEntrySize(), kept.sizeBytes() + later.sizeBytes());
}

void TestStore::evictsLeastRecentlyUsedAndKeepsPinned()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e1 = makeEntry("e1", 1000), e2 = makeEntry("e2", 2000),
                     e3 = makeEntry("e3", 3000), e4 = makeEntry("e4", 4000);
    const qint64 size = e1.sizeBytes();
    for (const CacheEntry &e : { e1, e2, e3, e4 })
        store.put(e);
    store.recordHit(e2.key, 10000);   // e2 becomes the most recently used
    store.setPinned(e1.key, true);    // e1 is the oldest but pinned
    store.flush();

    QSignalSpy removed(&store, &Store::entriesRemoved);
    store.setSizeCap(2 * size);
    QCOMPARE(store.sizeCap(), 2 * size);
    store.flush();
    QCOMPARE(removedKeys(removed), (QList<QByteArray> { e3.key, e4.key }));   // oldest first
    QVERIFY(store.lookup(e1.key, 0).has_value());
    QVERIFY(store.lookup(e2.key, 0).has_value());
    QCOMPARE(store.totalEntrySize(), 2 * size);

    const CacheEntry e5 = makeEntry("e5", 20000);
    store.put(e5);
    store.flush();
    QCOMPARE(removedKeys(removed), (QList<QByteArray> { e3.key, e4.key, e2.key }));

    // Only pinned entries and the newest one left: the newest goes, pins never do.
    store.setPinned(e5.key, true);
    const CacheEntry e6 = makeEntry("e6", 30000);
    store.put(e6);
    store.flush();
    QCOMPARE(removedKeys(removed).last(), e6.key);
    RawDb raw(dbPath());
    QCOMPARE(storedKeys(raw), sortedKeys({ e1.key, e5.key }));

    // Pins alone may exceed the cap; nothing unpinned can make room, nothing breaks.
    store.setSizeCap(size / 2);
    store.flush();
    QCOMPARE(store.entryCount(), 2);
    store.setSizeCap(0);   // no cap
    store.put(makeEntry("e7", 40000));
    store.flush();
    QCOMPARE(store.entryCount(), 3);
}

// The writer keeps a running total of size_bytes; rows written by another connection must
// count too (PRAGMA data_version tells it when to recount).
void TestStore::sizeTotalFollowsOtherConnections()
{
    Store first;
    QVERIFY(first.open(m_dir->path()));
    const qint64 size = makeEntry("x", 0).sizeBytes();
    first.setSizeCap(3 * size);
    first.put(makeEntry("own", 500));
    first.flush();

    Store second;
    QVERIFY(second.open(m_dir->path()));
    second.put(makeEntry("other1", 100));
    second.put(makeEntry("other2", 200));
    second.flush();
    QCOMPARE(first.totalEntrySize(), 3 * size);

    QSignalSpy removed(&first, &Store::entriesRemoved);
    first.put(makeEntry("newest", 9000));
    first.flush();
    QCOMPARE(removedKeys(removed), QList<QByteArray> { makeEntry("other1", 0).key });
    QCOMPARE(first.totalEntrySize(), 3 * size);
}

void TestStore::requestLogAppendsEveryField()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QSignalSpy logged(&store, &Store::requestLogged);
    const RequestLogRecord record = makeRecord(1700000000123);
    store.logRequest(record);
    RequestLogRecord hit;
    hit.timestamp = 1700000000300;
    hit.outcome = Outcome::Hit;
    hit.status = 200;
    store.logRequest(hit);
    RequestLogRecord older = hit;
    older.timestamp = 1700000000200;
    store.logRequest(older);
    store.flush();

    QCOMPARE(logged.count(), 3);
    const auto first = logged.at(0).at(0).value<RequestLogRecord>();
    QVERIFY(first.id > 0);
    QCOMPARE(first.timestamp, record.timestamp);
    QCOMPARE(first.outcome, Outcome::Miss);
    QCOMPARE(logged.at(1).at(0).value<RequestLogRecord>().id, first.id + 1);

    RawDb raw(dbPath());
    const QSqlRecord row = raw.row(QStringLiteral("SELECT * FROM request_log WHERE id = ?"),
                                   { first.id });
    QCOMPARE(row.value("ts").toLongLong(), 1700000000123);
    QCOMPARE(row.value("endpoint").toString(), QStringLiteral("chat/completions"));
    QCOMPARE(row.value("model").toString(), QStringLiteral("claude-3-haiku"));
    QCOMPARE(row.value("outcome").toString(), QStringLiteral("miss"));
    QCOMPARE(row.value("prompt_tokens").toLongLong(), 101);
    QCOMPARE(row.value("completion_tokens").toLongLong(), 202);
    QCOMPARE(row.value("cached_tokens").toLongLong(), 33);
    QCOMPARE(row.value("usage_known").toInt(), 1);
    QCOMPARE(row.value("latency_us").toLongLong(), 123456);
    QCOMPARE(row.value("upstream_latency_us").toLongLong(), 120000);
    QCOMPARE(row.value("status").toInt(), 201);
    QCOMPARE(row.value("entry_key").toString(), QStringLiteral("abcdef0123456789"));
    QCOMPARE(row.value("namespace").toString(), QStringLiteral("ns1"));
    QCOMPARE(row.value("streamed").toInt(), 1);
    QVERIFY(raw.row(QStringLiteral("SELECT entry_key FROM request_log WHERE outcome = 'hit'"))
                .isNull(0));   // no entry: NULL, not ''

    const QList<RequestLogRecord> recent = recentRequests(store, 2);
    QCOMPARE(recent.size(), 2);
    QCOMPARE(recent.at(0).timestamp, 1700000000300);   // newest first
    QCOMPARE(recent.at(1).timestamp, 1700000000200);
    const RequestLogRecord read = recentRequests(store, 3).last();
    QCOMPARE(read.id, first.id);
    QCOMPARE(read.endpoint, record.endpoint);
    QCOMPARE(read.model, record.model);
    QCOMPARE(read.usage.promptTokens, 101);
    QCOMPARE(read.usage.completionTokens, 202);
    QCOMPARE(read.usage.cachedPromptTokens, 33);
    QCOMPARE(read.usage.known, true);
    QCOMPARE(read.latencyUs, 123456);
    QCOMPARE(read.upstreamLatencyUs, 120000);
    QCOMPARE(read.status, 201);
    QCOMPARE(read.entryKey, record.entryKey);
    QCOMPARE(read.cacheNamespace, record.cacheNamespace);
    QCOMPARE(read.streamed, true);
}

void TestStore::metaRoundTripsAndPersists()
{
    const QByteArray secret = QByteArray::fromHex("00ff10203040506070");
    {
        Store store;
        QVERIFY(store.open(m_dir->path()));
        QVERIFY(store.meta(QStringLiteral("install_secret")).isNull());
        store.setMeta(QStringLiteral("install_secret"), "old");
        store.setMeta(QStringLiteral("install_secret"), secret);
        QCOMPARE(store.meta(QStringLiteral("install_secret")), secret);   // setMeta blocks
        store.setMeta(QStringLiteral("empty"), "");
        QVERIFY(!store.meta(QStringLiteral("empty")).isNull());
        QVERIFY(store.meta(QStringLiteral("empty")).isEmpty());
    }
    Store reopened;
    QVERIFY(reopened.open(m_dir->path()));
    QCOMPARE(reopened.meta(QStringLiteral("install_secret")), secret);
}

// Another reader (the UI, the CLI, a second process) keeps reading while the store writes:
// WAL means it never sees "database is locked" and never sees a half-written batch.
void TestStore::readerThreadWhileWriting()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QSignalSpy failed(&store, &Store::writeFailed);
    const QString path = dbPath();
    std::atomic<bool> stop = false;
    std::atomic<int> reads = 0;
    // std::mutex and std::thread rather than QMutex and QThread::wait(): the tsan preset runs
    // this suite, and ThreadSanitizer cannot see Qt's (uninstrumented) synchronisation.
    std::mutex errorsMutex;
    QStringList errors;

    std::thread reader([&] {
        const QString name = QStringLiteral("test.reader.thread");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(path);
            QStringList local;
            if (!db.open())
                local << db.lastError().text();
            QSqlQuery q(db);
            q.setForwardOnly(true);
            if (!q.exec(QStringLiteral("PRAGMA busy_timeout = 5000")))
                local << q.lastError().text();
            qint64 lastCount = 0;
            while (!stop && local.isEmpty()) {
                if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM entries")) || !q.next()) {
                    local << q.lastError().text();
                    break;
                }
                const qint64 count = q.value(0).toLongLong();
                if (count < lastCount)
                    local << QStringLiteral("count went back from %1 to %2")
                                 .arg(lastCount)
                                 .arg(count);
                lastCount = count;
                q.finish();
                ++reads;
            }
            q = QSqlQuery();
            db.close();
            std::lock_guard lock(errorsMutex);
            errors += local;
        }
        QSqlDatabase::removeDatabase(name);
    });
    auto joinReader = qScopeGuard([&] {   // also when a check below fails and returns
        stop = true;
        reader.join();
    });

    for (int i = 0; i < 2000; ++i) {
        store.put(makeEntry("c" + QByteArray::number(i), 1000 + i));
        if ((i + 1) % 50 == 0)
            store.flush();
    }
    QTRY_VERIFY(reads > 20);
    joinReader.dismiss();
    stop = true;
    reader.join();
    QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(store.entryCount(), 2000);
}

void TestStore::secondStoreOnSameDirectory()
{
    Store first, second;
    QVERIFY(first.open(m_dir->path()));
    QString error;
    QVERIFY2(second.open(m_dir->path(), &error), qPrintable(error));
    QSignalSpy firstFailed(&first, &Store::writeFailed);
    QSignalSpy secondFailed(&second, &Store::writeFailed);

    const CacheEntry fromFirst = makeEntry("from-first", 1000);
    first.put(fromFirst);
    first.flush();
    QVERIFY(second.lookup(fromFirst.key, 1001).has_value());

    // Both write at once: busy_timeout and BEGIN IMMEDIATE take turns, nothing is lost.
    for (int i = 0; i < 300; ++i) {
        first.put(makeEntry("f" + QByteArray::number(i), 2000 + i));
        second.put(makeEntry("s" + QByteArray::number(i), 2000 + i));
        second.logRequest(makeRecord(i));
        if (i % 25 == 0)
            QCoreApplication::processEvents();
    }
    first.flush();
    second.flush();
    QCOMPARE(firstFailed.count(), 0);
    QCOMPARE(secondFailed.count(), 0);
    QCOMPARE(first.entryCount(), 601);
    QCOMPARE(second.entryCount(), 601);
    QCOMPARE(first.lookup(makeEntry("s299", 0).key, 1)->createdAt, 2299);
    QCOMPARE(second.lookup(makeEntry("f299", 0).key, 1)->createdAt, 2299);
    QCOMPARE(recentRequests(first, 1000).size(), 300);
}

void TestStore::futureSchemaVersionIsRefused()
{
    const int future = Store::currentSchemaVersion() + 1;
    {
        RawDb raw(dbPath());
        QVERIFY(raw.exec(QStringLiteral("PRAGMA user_version = %1").arg(future)));
    }
    Store store;
    QString error;
    QVERIFY(!store.open(m_dir->path(), &error));
    QVERIFY(!store.isOpen());
    QVERIFY2(error.contains(QStringLiteral("schema version %1").arg(future)), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("newer Cachette")), qPrintable(error));
    QVERIFY2(error.contains(dbPath()), qPrintable(error));
    QCOMPARE(store.schemaVersion(), -1);
    store.close();   // harmless after a failed open

    RawDb raw(dbPath());   // left exactly as it was
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), future);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM sqlite_master")).toInt(), 0);
}

void TestStore::migratesEmptyVersion0File()
{
    QFile empty(dbPath());
    QVERIFY(empty.open(QIODevice::WriteOnly));
    empty.close();
    QCOMPARE(QFileInfo(dbPath()).size(), 0);

    Store store;
    QString error;
    QVERIFY2(store.open(m_dir->path(), &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Store::currentSchemaVersion());
    store.put(makeEntry("works", 1));
    store.logRequest(makeRecord(1));
    store.setMeta(QStringLiteral("k"), "v");
    store.flush();
    QCOMPARE(store.entryCount(), 1);
    QCOMPARE(recentRequests(store, 5).size(), 1);
}

// A file written at version 1 (with a row in it) opens, migrates to the current version and
// keeps its data. Written through schema::migrate(…, 1) so it stays version 1 whatever
// migrations come later.
void TestStore::opensVersion1File()
{
    {
        RawDb raw(dbPath());
        QString error;
        QVERIFY2(schema::migrate(raw.db(), &error, 1), qPrintable(error));
        QCOMPARE(schema::userVersion(raw.db()), 1);
        QVERIFY(raw.exec(QStringLiteral(
            "INSERT INTO entries (key, namespace, endpoint, model, canonical_request, "
            "prompt_text, response_body, status, prompt_tokens, completion_tokens, usage_known, "
            "created_at, size_bytes) VALUES ('v1key', '', 'completions', 'old-model', "
            "CAST('{}' AS BLOB), 'hello', CAST('{\"ok\":1}' AS BLOB), 200, 3, 4, 1, 777, 20)")));
        QVERIFY(raw.exec(QStringLiteral("INSERT INTO meta VALUES ('install_secret', x'0102')")));
    }
    Store store;
    QString error;
    QVERIFY2(store.open(m_dir->path(), &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Store::currentSchemaVersion());
    const auto entry = store.lookup("v1key", 778);
    QVERIFY(entry.has_value());
    QCOMPARE(entry->model, QStringLiteral("old-model"));
    QCOMPARE(entry->responseBody, QByteArray(R"({"ok":1})"));
    QCOMPARE(entry->usage.promptTokens, 3);
    QCOMPARE(entry->costUsd, -1.0);
    QCOMPARE(store.meta(QStringLiteral("install_secret")), QByteArray("\x01\x02", 2));
    QCOMPARE(store.totalEntrySize(), 20);
    store.close();

    // Migrating again is a no-op.
    RawDb raw(dbPath());
    QVERIFY(schema::migrate(raw.db(), &error));
    QCOMPARE(schema::userVersion(raw.db()), Store::currentSchemaVersion());
}

void TestStore::closeTwiceAndReopen()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QString error;
    QVERIFY(!store.open(m_dir->path(), &error));   // already open
    QVERIFY(error.contains(QLatin1String("already open")));
    const CacheEntry entry = makeEntry("survivor", 1000);
    store.put(entry);
    store.close();   // flushes the queued put
    QVERIFY(!store.isOpen());
    store.close();
    QVERIFY(!store.lookup(entry.key, 1001).has_value());
    store.put(makeEntry("ignored", 1000));   // closed: dropped, no crash
    store.flush();
    QCOMPARE(store.entryCount(), 0);

    QVERIFY(store.open(m_dir->path()));   // the same object opens again
    QVERIFY(store.lookup(entry.key, 1001).has_value());
    QCOMPARE(store.entryCount(), 1);
    QVERIFY(!QFile::exists(dbPath() + QStringLiteral("-journal")));
}

void TestStore::manyWritesBatch()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QSignalSpy stored(&store, &Store::entryStored);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 10000; ++i) {
        store.put(makeEntry("bulk" + QByteArray::number(i), 1000 + i));
        store.logRequest(makeRecord(i));
    }
    const qint64 queued = timer.elapsed();
    store.flush();
    qInfo("10000 puts + 10000 log lines: queued in %lld ms, committed in %lld ms", queued,
          timer.elapsed());
    QCOMPARE(stored.count(), 10000);
    QCOMPARE(store.entryCount(), 10000);
    QCOMPARE(recentRequests(store, 1).first().timestamp, 9999);
    QCOMPARE(store.lookup(makeEntry("bulk9999", 0).key, 1)->createdAt, 10999);
}

void TestStore::hotCacheInvalidatedByRemoveAndExpiry()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    CacheEntry e = makeEntry("hot", 1000);
    e.expiresAt = 50000;
    const CacheEntry other = makeEntry("other", 1000);
    store.put(e);
    store.put(other);
    store.flush();
    QCOMPARE(store.hotCacheCount(), 0);   // puts are not copied: the first lookup reads the row
    QVERIFY(store.lookup(e.key, 2000).has_value());
    QVERIFY(store.lookup(other.key, 2000).has_value());
    QCOMPARE(store.hotCacheCount(), 2);
    compareContent(*store.lookup(e.key, 2000), e);   // from the copy

    // Expiry is checked on the copy too.
    QVERIFY(store.lookup(e.key, 49999).has_value());
    QVERIFY(!store.lookup(e.key, 50000).has_value());
    QVERIFY(store.lookup(e.key, 49999).has_value());   // read again from the database

    // A removal hides the entry at once, before and after it commits.
    QSignalSpy removed(&store, &Store::entriesRemoved);
    store.removeEntries({ other.key });
    QVERIFY(!store.lookup(other.key, 2000).has_value());
    store.flush();
    QCOMPARE(removedKeys(removed), QList<QByteArray> { other.key });
    QVERIFY(!store.lookup(other.key, 2000).has_value());

    // Purged and evicted entries leave the copy when entriesRemoved() is delivered.
    store.purgeExpired(60000);
    store.flush();
    QVERIFY(!store.lookup(e.key, 2000).has_value());   // the row is gone, so is the copy

    const CacheEntry a = makeEntry("a", 100), b = makeEntry("b", 200);
    store.put(a);
    store.put(b);
    store.flush();
    QVERIFY(store.lookup(a.key, 300).has_value());
    store.setSizeCap(a.sizeBytes());   // evicts a (older)
    store.flush();
    QVERIFY(!store.lookup(a.key, 300).has_value());
    QVERIFY(store.lookup(b.key, 300).has_value());

    // A put replaces the copy.
    CacheEntry b2 = makeEntry("b", 400, "second");
    store.put(b2);
    store.flush();
    QCOMPARE(store.lookup(b.key, 500)->responseBody, b2.responseBody);
}

void TestStore::hotCacheReflectsPinsAndHits()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = makeEntry("e", 1000);
    store.put(e);
    store.flush();
    QVERIFY(!store.lookup(e.key, 2000)->pinned);
    store.setPinned(e.key, true);
    QVERIFY(store.lookup(e.key, 2000)->pinned);
    store.recordHit(e.key, 3000);
    store.recordHit(e.key, 2500);
    QCOMPARE(store.lookup(e.key, 4000)->hitCount, 2);
    QCOMPARE(store.lookup(e.key, 4000)->lastHitAt, 3000);
    store.flush();
    QVERIFY(store.lookup(e.key, 4000)->pinned);
    QCOMPARE(store.lookup(e.key, 4000)->hitCount, 2);

    // A pin of an entry that has no copy yet: a lookup before the pin commits must not leave
    // a copy with the old pin behind.
    store.close();
    QVERIFY(store.open(m_dir->path()));
    QCOMPARE(store.hotCacheCount(), 0);
    store.setPinned(e.key, false);
    QVERIFY(store.lookup(e.key, 4000).has_value());   // committed data: still pinned here
    store.flush();
    QVERIFY(!store.lookup(e.key, 4000)->pinned);
    QCOMPARE(store.hotCacheCount(), 1);

    RawDb raw(dbPath());
    const QSqlRecord row = raw.row(
        QStringLiteral("SELECT hit_count, last_hit_at, pinned FROM entries WHERE key = ?"),
        { QString::fromLatin1(e.key) });
    QCOMPARE(row.value(0).toLongLong(), 2);
    QCOMPARE(row.value(1).toLongLong(), 3000);
    QCOMPARE(row.value(2).toInt(), 0);
}

void TestStore::hotCacheDroppedWhenAnotherConnectionCommits()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = makeEntry("e", 1000);
    store.put(e);
    store.flush();
    QVERIFY(store.lookup(e.key, 2000).has_value());
    QCOMPARE(store.hotCacheCount(), 1);
    {
        RawDb raw(dbPath());
        QVERIFY(raw.exec(QStringLiteral("DELETE FROM entries")));
    }
    // The writer notices the other commit at its next batch (every hit writes a log row).
    store.logRequest(makeRecord(3000));
    store.flush();
    QCOMPARE(store.hotCacheCount(), 0);
    QVERIFY(!store.lookup(e.key, 2000).has_value());
}

void TestStore::hotCacheLimitIsBytes()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const qint64 one = makeEntry("x", 0).sizeBytes();
    store.setHotCacheLimit(3 * (one + HotCache::kEntryOverhead));   // room for 3 copies, not 4
    QList<CacheEntry> entries;
    for (int i = 0; i < 5; ++i) {
        entries.append(makeEntry("k" + QByteArray::number(i), 1000 + i));
        store.put(entries.last());
    }
    store.flush();
    for (const CacheEntry &e : entries)
        QVERIFY(store.lookup(e.key, 5000).has_value());
    QCOMPARE(store.hotCacheCount(), 3);
    QVERIFY(store.hotCacheBytes() <= store.hotCacheLimit());
    for (const CacheEntry &e : entries)   // the evicted copies are read from SQLite again
        compareContent(*store.lookup(e.key, 5000), e);
    store.setHotCacheLimit(0);
    QCOMPARE(store.hotCacheCount(), 0);
    QVERIFY(store.lookup(entries.first().key, 5000).has_value());
    QCOMPARE(store.hotCacheCount(), 0);
}

void TestStore::hitsOfOneKeyAreCoalesced()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = makeEntry("e", 1000);
    store.put(e);
    store.flush();
    for (int i = 0; i < 1000; ++i)
        store.recordHit(e.key, 2000 + (i * 7919) % 1000);
    QCOMPARE(store.lookup(e.key, 5000)->hitCount, 0);   // no copy yet: committed data
    // Half of them again, spread over event-loop turns and writer batches.
    for (int i = 0; i < 500; ++i) {
        store.recordHit(e.key, 4000);
        if (i % 50 == 0)
            QCoreApplication::processEvents();
    }
    store.flush();
    RawDb raw(dbPath());
    const QSqlRecord row = raw.row(
        QStringLiteral("SELECT hit_count, last_hit_at FROM entries WHERE key = ?"),
        { QString::fromLatin1(e.key) });
    QCOMPARE(row.value(0).toLongLong(), 1500);
    QCOMPARE(row.value(1).toLongLong(), 4000);
}

void TestStore::hitsAreNotMergedAcrossAPut()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = makeEntry("e", 1000);
    store.put(e);
    store.flush();
    store.recordHit(e.key, 2000);
    store.recordHit(e.key, 2001);
    store.put(makeEntry("e", 3000));   // resets hit_count
    store.recordHit(e.key, 4000);
    store.removeEntries({ makeEntry("gone", 0).key });
    store.recordHit(e.key, 4001);
    store.flush();
    RawDb raw(dbPath());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT hit_count FROM entries WHERE key = ?"),
                        { QString::fromLatin1(e.key) }).toLongLong(), 2);
}

void TestStore::changesWaitForTheEventLoopAndFlushIncludesThem()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QSignalSpy logged(&store, &Store::requestLogged);
    store.logRequest(makeRecord(1));
    store.logRequest(makeRecord(2));
    QCOMPARE(recentRequests(store, 10).size(), 0);   // still in this turn's batch
    store.flush();                                   // ...which flush() hands over and waits for
    QCOMPARE(recentRequests(store, 10).size(), 2);
    QCOMPARE(logged.count(), 2);

    store.logRequest(makeRecord(3));
    QTRY_COMPARE(recentRequests(store, 10).size(), 3);   // sent once the event loop runs
    QTRY_COMPARE(logged.count(), 3);                    // and announced after the commit

    store.logRequest(makeRecord(4));
    store.close();                                      // close() includes the batch too
    RawDb raw(dbPath());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM request_log")).toInt(), 4);
}

QTEST_GUILESS_MAIN(TestStore)
#include "TestStore.moc"
