// An entry's life in the store: hits, expiry and the purge, removal, eviction, and the hot copy
// that answers repeated lookups without a query.
#include "manualclock.h"
#include "storefixtures.h"
#include "store/store.h"

#include <QDateTime>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace cachette::store;
using namespace cachette::test;

class TestStoreLifetime : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void expiredEntriesAreNotReturnedAndPurged();
    void openingPurgesWhatExpiredWhileClosed();
    void putStampsCreationTimeFromTheClock();
    void recordHitUpdatesCountAndLastHit();
    void removeEntriesDeletesAndSignals();
    void evictsLeastRecentlyUsedAndKeepsPinned();
    void sizeTotalFollowsOtherConnections();
    void hotCacheInvalidatedByRemoveAndExpiry();
    void hotCacheReflectsPinsAndHits();
    void hotCacheDroppedWhenAnotherConnectionCommits();
    void hotCacheLimitIsBytes();
    void hitsOfOneKeyAreCoalesced();
    void hitsAreNotMergedAcrossAPut();
    void replayStreamsGoWithTheHotCopy();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString dbPath() const { return m_dir->filePath(QStringLiteral("cachette.sqlite")); }
};

void TestStoreLifetime::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestStoreLifetime::cleanup()
{
    m_dir.reset();
}

void TestStoreLifetime::expiredEntriesAreNotReturnedAndPurged()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    CacheEntry expiring = sameSizeEntry("expiring", now);
    expiring.expiresAt = now + 60000;
    CacheEntry pinned = sameSizeEntry("pinned", now);
    pinned.expiresAt = now + 60000;
    pinned.pinned = true;
    const CacheEntry forever = sameSizeEntry("forever", now);
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
    QCOMPARE(raw.storedKeys(), sortedKeys({ forever.key, pinned.key }));
    QCOMPARE(store.totalEntrySize(), pinned.sizeBytes() + forever.sizeBytes());
}
// The store's clock is the seam's (app/clock.h): set, not waited for.
void TestStoreLifetime::openingPurgesWhatExpiredWhileClosed()
{
    const qint64 t0 = 1'700'000'000'000;
    ManualClock clock(t0);
    CacheEntry expiring = sameSizeEntry("expiring", t0);
    expiring.expiresAt = t0 + 60000;
    const CacheEntry forever = sameSizeEntry("forever", t0);
    {
        Store store;
        QVERIFY(store.open(m_dir->path()));
        store.put(expiring);
        store.put(forever);
        store.flush();
    }
    clock.advance(59999);
    {
        Store store;
        QVERIFY(store.open(m_dir->path()));
        store.flush();
        QCOMPARE(RawDb(dbPath()).storedKeys(), sortedKeys({ expiring.key, forever.key }));
    }
    clock.advance(1);   // now it has expired, while no store was open
    Store store;
    QVERIFY(store.open(m_dir->path()));
    store.flush();
    QCOMPARE(RawDb(dbPath()).storedKeys(), sortedKeys({ forever.key }));
    QCOMPARE(store.entryCount(), 1);
}

void TestStoreLifetime::putStampsCreationTimeFromTheClock()
{
    ManualClock clock(1'650'000'000'000);
    Store store;
    QVERIFY(store.open(m_dir->path()));
    CacheEntry unstamped = sameSizeEntry("unstamped", 0);
    store.put(unstamped);
    QCOMPARE(store.lookup(unstamped.key, clock.nowMs())->createdAt, 1'650'000'000'000);
    store.flush();
    QCOMPARE(RawDb(dbPath()).scalar(QStringLiteral("SELECT created_at FROM entries")).toLongLong(),
             1'650'000'000'000);
}


void TestStoreLifetime::recordHitUpdatesCountAndLastHit()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry committed = sameSizeEntry("committed", 1000);
    store.put(committed);
    store.flush();
    store.recordHit(committed.key, 5000);
    store.recordHit(committed.key, 7000);
    store.recordHit(committed.key, 6000);   // out of order: last_hit_at never goes back

    const CacheEntry pending = sameSizeEntry("pending", 1000);
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

void TestStoreLifetime::removeEntriesDeletesAndSignals()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry a = sameSizeEntry("a", 1000), b = sameSizeEntry("b", 1000), c = sameSizeEntry("c", 1000);
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
    const CacheEntry d = sameSizeEntry("d", 1000);
    store.put(d);
    store.removeEntries({ d.key });
    QVERIFY(!store.lookup(d.key, 1001).has_value());
    store.flush();
    QVERIFY(!store.lookup(d.key, 1001).has_value());
    QCOMPARE(removedKeys(removed), (QList<QByteArray> { a.key, b.key, d.key }));

    RawDb raw(dbPath());
    QCOMPARE(raw.storedKeys(), QString::fromLatin1(c.key));
    QCOMPARE(store.totalEntrySize(), c.sizeBytes());

    // A put after a removal of the same key wins, before and after the commit.
    const CacheEntry c2 = sameSizeEntry("c", 5000, "replacement");
    store.removeEntries({ c.key });
    store.put(c2);
    QCOMPARE(store.lookup(c.key, 5001)->responseBody, c2.responseBody);
    store.flush();
    QCOMPARE(store.lookup(c.key, 5001)->responseBody, c2.responseBody);
    QCOMPARE(store.entryCount(), 1);
}

void TestStoreLifetime::evictsLeastRecentlyUsedAndKeepsPinned()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e1 = sameSizeEntry("e1", 1000), e2 = sameSizeEntry("e2", 2000),
                     e3 = sameSizeEntry("e3", 3000), e4 = sameSizeEntry("e4", 4000);
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

    const CacheEntry e5 = sameSizeEntry("e5", 20000);
    store.put(e5);
    store.flush();
    QCOMPARE(removedKeys(removed), (QList<QByteArray> { e3.key, e4.key, e2.key }));

    // Only pinned entries and the newest one left: the newest goes, pins never do.
    store.setPinned(e5.key, true);
    const CacheEntry e6 = sameSizeEntry("e6", 30000);
    store.put(e6);
    store.flush();
    QCOMPARE(removedKeys(removed).last(), e6.key);
    RawDb raw(dbPath());
    QCOMPARE(raw.storedKeys(), sortedKeys({ e1.key, e5.key }));

    // Pins alone may exceed the cap; nothing unpinned can make room, nothing breaks.
    store.setSizeCap(size / 2);
    store.flush();
    QCOMPARE(store.entryCount(), 2);
    store.setSizeCap(0);   // no cap
    store.put(sameSizeEntry("e7", 40000));
    store.flush();
    QCOMPARE(store.entryCount(), 3);
}

// The writer keeps a running total of size_bytes; rows written by another connection must
// count too (PRAGMA data_version tells it when to recount).
void TestStoreLifetime::sizeTotalFollowsOtherConnections()
{
    Store first;
    QVERIFY(first.open(m_dir->path()));
    const qint64 size = sameSizeEntry("x", 0).sizeBytes();
    first.setSizeCap(3 * size);
    first.put(sameSizeEntry("own", 500));
    first.flush();

    Store second;
    QVERIFY(second.open(m_dir->path()));
    second.put(sameSizeEntry("other1", 100));
    second.put(sameSizeEntry("other2", 200));
    second.flush();
    QCOMPARE(first.totalEntrySize(), 3 * size);

    QSignalSpy removed(&first, &Store::entriesRemoved);
    first.put(sameSizeEntry("newest", 9000));
    first.flush();
    QCOMPARE(removedKeys(removed), QList<QByteArray> { sameSizeEntry("other1", 0).key });
    QCOMPARE(first.totalEntrySize(), 3 * size);
}

void TestStoreLifetime::hotCacheInvalidatedByRemoveAndExpiry()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    CacheEntry e = sameSizeEntry("hot", 1000);
    e.expiresAt = 50000;
    const CacheEntry other = sameSizeEntry("other", 1000);
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

    const CacheEntry a = sameSizeEntry("a", 100), b = sameSizeEntry("b", 200);
    store.put(a);
    store.put(b);
    store.flush();
    QVERIFY(store.lookup(a.key, 300).has_value());
    store.setSizeCap(a.sizeBytes());   // evicts a (older)
    store.flush();
    QVERIFY(!store.lookup(a.key, 300).has_value());
    QVERIFY(store.lookup(b.key, 300).has_value());

    // A put replaces the copy.
    CacheEntry b2 = sameSizeEntry("b", 400, "second");
    store.put(b2);
    store.flush();
    QCOMPARE(store.lookup(b.key, 500)->responseBody, b2.responseBody);
}

void TestStoreLifetime::hotCacheReflectsPinsAndHits()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = sameSizeEntry("e", 1000);
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

void TestStoreLifetime::hotCacheDroppedWhenAnotherConnectionCommits()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = sameSizeEntry("e", 1000);
    store.put(e);
    store.flush();
    QVERIFY(store.lookup(e.key, 2000).has_value());
    QCOMPARE(store.hotCacheCount(), 1);
    {
        RawDb raw(dbPath());
        QVERIFY(raw.exec(QStringLiteral("DELETE FROM entries")));
    }
    // The writer notices the other commit at its next batch (every hit writes a log row).
    store.logRequest(fullRecord(3000));
    store.flush();
    QCOMPARE(store.hotCacheCount(), 0);
    QVERIFY(!store.lookup(e.key, 2000).has_value());
}

void TestStoreLifetime::hotCacheLimitIsBytes()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const qint64 one = sameSizeEntry("x", 0).sizeBytes();
    store.setHotCacheLimit(3 * (one + HotCache::kEntryOverhead));   // room for 3 copies, not 4
    QList<CacheEntry> entries;
    for (int i = 0; i < 5; ++i) {
        entries.append(sameSizeEntry("k" + QByteArray::number(i), 1000 + i));
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

void TestStoreLifetime::hitsOfOneKeyAreCoalesced()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = sameSizeEntry("e", 1000);
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

void TestStoreLifetime::hitsAreNotMergedAcrossAPut()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = sameSizeEntry("e", 1000);
    store.put(e);
    store.flush();
    store.recordHit(e.key, 2000);
    store.recordHit(e.key, 2001);
    store.put(sameSizeEntry("e", 3000));   // resets hit_count
    store.recordHit(e.key, 4000);
    store.removeEntries({ sameSizeEntry("gone", 0).key });
    store.recordHit(e.key, 4001);
    store.flush();
    RawDb raw(dbPath());
    QCOMPARE(raw.scalar(QStringLiteral("SELECT hit_count FROM entries WHERE key = ?"),
                        { QString::fromLatin1(e.key) }).toLongLong(), 2);
}

// The events a stream hit sent are kept with the in-memory copy, counted in its budget, and go
// whenever the copy goes: a replaced or removed entry is never replayed from them.
void TestStoreLifetime::replayStreamsGoWithTheHotCopy()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    const CacheEntry e = sameSizeEntry("e", 1000);
    const QByteArray events = "data: {\"choices\":[]}\n\ndata: [DONE]\n\n";
    store.put(e);
    store.flush();
    store.keepReplayStream(e.key, false, events);   // no copy yet: nothing to keep it with
    QVERIFY(store.replayStream(e.key, false).isNull());

    QVERIFY(store.lookup(e.key, 2000).has_value());
    const qint64 before = store.hotCacheBytes();
    store.keepReplayStream(e.key, false, events);
    QCOMPARE(store.replayStream(e.key, false), events);
    QVERIFY(store.replayStream(e.key, true).isNull());   // the form with usage is another one
    QCOMPARE(store.hotCacheBytes(), before + events.size());
    store.recordHit(e.key, 2500);                         // hits keep it
    QCOMPARE(store.replayStream(e.key, false), events);

    store.put(sameSizeEntry("e", 3000, "another answer"));   // replaced: the old events go
    QVERIFY(store.replayStream(e.key, false).isNull());
    store.flush();
    QVERIFY(store.lookup(e.key, 4000)->responseBody.contains("another answer"));
    store.keepReplayStream(e.key, true, events);
    QCOMPARE(store.replayStream(e.key, true), events);
    store.removeEntries({ e.key });
    QVERIFY(store.replayStream(e.key, true).isNull());
    QCOMPARE(store.hotCacheBytes(), 0);

    // Past the budget the copy goes, with its events.
    const CacheEntry f = sameSizeEntry("f", 1000);
    store.put(f);
    store.flush();
    QVERIFY(store.lookup(f.key, 2000).has_value());
    store.setHotCacheLimit(store.hotCacheBytes() + 100);
    store.keepReplayStream(f.key, false, QByteArray(200, 'x'));
    QCOMPARE(store.hotCacheCount(), 0);
    QVERIFY(store.replayStream(f.key, false).isNull());
}

QTEST_GUILESS_MAIN(TestStoreLifetime)
#include "TestStoreLifetime.moc"
