// Opening a store's file: the schema at its current version, older files migrated, a newer one
// refused, two stores on one directory, close and reopen, the meta table.
#include "storefixtures.h"
#include "store/schema.h"
#include "store/store.h"

#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace cachette::store;
using namespace cachette::test;

class TestStoreSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void openCreatesSchemaAtCurrentVersion();
    void futureSchemaVersionIsRefused();
    void migratesEmptyVersion0File();
    void opensVersion1File();
    void secondStoreOnSameDirectory();
    void closeTwiceAndReopen();
    void metaRoundTripsAndPersists();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString dbPath() const { return m_dir->filePath(QStringLiteral("cachette.sqlite")); }
};

void TestStoreSchema::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestStoreSchema::cleanup()
{
    m_dir.reset();
}

void TestStoreSchema::openCreatesSchemaAtCurrentVersion()
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

void TestStoreSchema::futureSchemaVersionIsRefused()
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

void TestStoreSchema::migratesEmptyVersion0File()
{
    QFile empty(dbPath());
    QVERIFY(empty.open(QIODevice::WriteOnly));
    empty.close();
    QCOMPARE(QFileInfo(dbPath()).size(), 0);

    Store store;
    QString error;
    QVERIFY2(store.open(m_dir->path(), &error), qPrintable(error));
    QCOMPARE(store.schemaVersion(), Store::currentSchemaVersion());
    store.put(sameSizeEntry("works", 1));
    store.logRequest(fullRecord(1));
    store.setMeta(QStringLiteral("k"), "v");
    store.flush();
    QCOMPARE(store.entryCount(), 1);
    QCOMPARE(recentRequests(store, 5).size(), 1);
}

// A file written at version 1 (with a row in it) opens, migrates to the current version and
// keeps its data. Written through schema::migrate(…, 1) so it stays version 1 whatever
// migrations come later.
void TestStoreSchema::opensVersion1File()
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

void TestStoreSchema::secondStoreOnSameDirectory()
{
    Store first, second;
    QVERIFY(first.open(m_dir->path()));
    QString error;
    QVERIFY2(second.open(m_dir->path(), &error), qPrintable(error));
    QSignalSpy firstFailed(&first, &Store::writeFailed);
    QSignalSpy secondFailed(&second, &Store::writeFailed);

    const CacheEntry fromFirst = sameSizeEntry("from-first", 1000);
    first.put(fromFirst);
    first.flush();
    QVERIFY(second.lookup(fromFirst.key, 1001).has_value());

    // Both write at once: busy_timeout and BEGIN IMMEDIATE take turns, nothing is lost.
    for (int i = 0; i < 300; ++i) {
        first.put(sameSizeEntry("f" + QByteArray::number(i), 2000 + i));
        second.put(sameSizeEntry("s" + QByteArray::number(i), 2000 + i));
        second.logRequest(fullRecord(i));
        if (i % 25 == 0)
            QCoreApplication::processEvents();
    }
    first.flush();
    second.flush();
    QCOMPARE(firstFailed.count(), 0);
    QCOMPARE(secondFailed.count(), 0);
    QCOMPARE(first.entryCount(), 601);
    QCOMPARE(second.entryCount(), 601);
    QCOMPARE(first.lookup(sameSizeEntry("s299", 0).key, 1)->createdAt, 2299);
    QCOMPARE(second.lookup(sameSizeEntry("f299", 0).key, 1)->createdAt, 2299);
    QCOMPARE(recentRequests(first, 1000).size(), 300);
}

void TestStoreSchema::closeTwiceAndReopen()
{
    Store store;
    QVERIFY(store.open(m_dir->path()));
    QString error;
    QVERIFY(!store.open(m_dir->path(), &error));   // already open
    QVERIFY(error.contains(QLatin1String("already open")));
    const CacheEntry entry = sameSizeEntry("survivor", 1000);
    store.put(entry);
    store.close();   // flushes the queued put
    QVERIFY(!store.isOpen());
    store.close();
    QVERIFY(!store.lookup(entry.key, 1001).has_value());
    store.put(sameSizeEntry("ignored", 1000));   // closed: dropped, no crash
    store.flush();
    QCOMPARE(store.entryCount(), 0);

    QVERIFY(store.open(m_dir->path()));   // the same object opens again
    QVERIFY(store.lookup(entry.key, 1001).has_value());
    QCOMPARE(store.entryCount(), 1);
    QVERIFY(!QFile::exists(dbPath() + QStringLiteral("-journal")));
}

void TestStoreSchema::metaRoundTripsAndPersists()
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

QTEST_GUILESS_MAIN(TestStoreSchema)
#include "TestStoreSchema.moc"
