// The store's writes: what a put makes visible at once, after a commit and after a reopen; the
// writer's batching, its failures and a reader beside it; the request log.
#include "storefixtures.h"
#include "store/store.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

using namespace cachette::store;
using namespace cachette::test;

class TestStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void putIsVisibleAtOnceAfterFlushAndAfterReopen();
    void nullTextAndUnknownCostRoundTrip();
    void putReplacesByKey();
    void secondPutBeforeCommitIsNotLost();
    void writeFailureDropsPendingAndRecovers();
    void requestLogAppendsEveryField();
    void readerThreadWhileWriting();
    void manyWritesBatch();
    void changesWaitForTheEventLoopAndFlushIncludesThem();
    void bookkeepingWaitsForItsWindowOtherChangesDoNot();

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

void TestStore::putIsVisibleAtOnceAfterFlushAndAfterReopen()
{
    const CacheEntry entry = sameSizeEntry("k1", 1700000000000);
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
    const CacheEntry first = sameSizeEntry("same", 1000, "first answer");
    store.put(first);
    store.flush();
    const qint64 id = store.lookup(first.key, 1001)->id;
    store.recordHit(first.key, 2000);
    store.recordHit(first.key, 3000);
    store.setPinned(first.key, true);
    store.flush();
    QCOMPARE(store.lookup(first.key, 3001)->hitCount, 2);

    CacheEntry second = sameSizeEntry("same", 5000, "second, longer answer");
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
    const CacheEntry v1 = sameSizeEntry("race", 1000, "version one");
    const CacheEntry v2 = sameSizeEntry("race", 2000, "version two");

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
        store.logRequest(fullRecord(i));
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

// Another connection holds the write lock past busy_timeout (5 s): the batch rolls back,
// writeFailed() says so, and the lost put and removal no longer show in lookup().
void TestStore::writeFailureDropsPendingAndRecovers()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry kept = sameSizeEntry("kept", 1000), lost = sameSizeEntry("lost", 2000);
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

    const CacheEntry later = sameSizeEntry("later", 3000);
    store.put(later);
    store.flush();
    QCOMPARE(failed.count(), failures);
    QCOMPARE(raw.storedKeys(), sortedKeys({ kept.key, later.key }));
    QCOMPARE(store.totalEntrySize(), kept.sizeBytes() + later.sizeBytes());
}

void TestStore::requestLogAppendsEveryField()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QSignalSpy logged(&store, &Store::requestLogged);
    const RequestLogRecord record = fullRecord(1700000000123);
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
        store.put(sameSizeEntry("c" + QByteArray::number(i), 1000 + i));
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

void TestStore::manyWritesBatch()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QSignalSpy stored(&store, &Store::entryStored);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 10000; ++i) {
        store.put(sameSizeEntry("bulk" + QByteArray::number(i), 1000 + i));
        store.logRequest(fullRecord(i));
    }
    const qint64 queued = timer.elapsed();
    store.flush();
    qInfo("10000 puts + 10000 log lines: queued in %lld ms, committed in %lld ms", queued,
          timer.elapsed());
    QCOMPARE(stored.count(), 10000);
    QCOMPARE(store.entryCount(), 10000);
    QCOMPARE(recentRequests(store, 1).first().timestamp, 9999);
    QCOMPARE(store.lookup(sameSizeEntry("bulk9999", 0).key, 1)->createdAt, 10999);
}

void TestStore::changesWaitForTheEventLoopAndFlushIncludesThem()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QSignalSpy logged(&store, &Store::requestLogged);
    store.logRequest(fullRecord(1));
    store.logRequest(fullRecord(2));
    QCOMPARE(recentRequests(store, 10).size(), 0);   // still in this turn's batch
    store.flush();                                   // ...which flush() hands over and waits for
    QCOMPARE(recentRequests(store, 10).size(), 2);
    QCOMPARE(logged.count(), 2);

    store.logRequest(fullRecord(3));
    QTRY_COMPARE(recentRequests(store, 10).size(), 3);   // sent once the event loop runs
    QTRY_COMPARE(logged.count(), 3);                    // and announced after the commit

    store.logRequest(fullRecord(4));
    store.close();                                      // close() includes the batch too
    RawDb raw(dbPath());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM request_log")).toInt(), 4);
}

// Hits and log rows are written a window at a time; an entry, removal or pin is not held back
// by them and takes them along in order; the window's end, flush() and close() write them.
void TestStore::bookkeepingWaitsForItsWindowOtherChangesDoNot()
{
    QCOMPARE(Store::kBookkeepingWindowMs, 250);
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QCOMPARE(store.bookkeepingWindow(), Store::kBookkeepingWindowMs);
    const CacheEntry e = sameSizeEntry("e", 1000);
    store.put(e);
    store.flush();
    RawDb raw(dbPath());
    const auto hitCount = [&] {
        return raw.scalar(QStringLiteral("SELECT hit_count FROM entries WHERE key = ?"),
                          { QString::fromLatin1(e.key) }).toLongLong();
    };
    const auto logRows = [&] {
        return raw.scalar(QStringLiteral("SELECT COUNT(*) FROM request_log")).toLongLong();
    };

    store.setBookkeepingWindow(60'000);
    for (int i = 0; i < 3; ++i) {
        store.recordHit(e.key, 2000 + i);
        store.logRequest(fullRecord(i));
        QTest::qWait(30);   // several event-loop turns: none of them hands the hits over
    }
    QCOMPARE(hitCount(), 0);
    QCOMPARE(logRows(), 0);
    store.put(sameSizeEntry("f", 3000));   // not held back, and takes the bookkeeping along
    QTRY_COMPARE(store.entryCount(), 2);
    QCOMPARE(hitCount(), 3);
    QCOMPARE(logRows(), 3);

    store.recordHit(e.key, 4000);
    store.flush();
    QCOMPARE(hitCount(), 4);

    store.setBookkeepingWindow(Store::kBookkeepingWindowMs);
    store.recordHit(e.key, 5000);
    store.logRequest(fullRecord(5));
    QTRY_COMPARE(hitCount(), 5);   // the window's end, with nothing else to carry it
    QCOMPARE(logRows(), 4);

    store.setBookkeepingWindow(60'000);
    store.recordHit(e.key, 6000);
    store.close();
    QCOMPARE(hitCount(), 6);
}

QTEST_GUILESS_MAIN(TestStore)
#include "TestStore.moc"
