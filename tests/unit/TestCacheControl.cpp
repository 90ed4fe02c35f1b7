#include "cache/cachecontrol.h"

#include <QtTest>

using cachette::cache::CacheDirectives;

class TestCacheControl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("cacheControl");
        QTest::addColumn<QByteArray>("ttl");
        QTest::addColumn<bool>("noCache");
        QTest::addColumn<bool>("noStore");
        QTest::addColumn<bool>("onlyIfCached");
        QTest::addColumn<qint64>("maxAge");   // -1: absent
        QTest::addColumn<qint64>("ttlSeconds");   // -1: absent

        auto row = [](const char *name, const char *cc, const char *ttl, bool noCache, bool noStore,
                      bool onlyIfCached, qint64 maxAge, qint64 ttlSeconds) {
            QTest::newRow(name) << QByteArray(cc) << QByteArray(ttl) << noCache << noStore
                                << onlyIfCached << maxAge << ttlSeconds;
        };
        //   name                         Cache-Control                      TTL      nc     ns     oic    max-age ttl
        row("nothing",                    "",                                "",      false, false, false, -1, -1);
        row("no-cache",                   "no-cache",                        "",      true,  false, false, -1, -1);
        row("case-insensitive",           "No-Cache, NO-STORE",              "",      true,  true,  false, -1, -1);
        row("no-store",                   "no-store",                        "",      false, true,  false, -1, -1);
        row("only-if-cached",             "only-if-cached",                  "",      false, false, true,  -1, -1);
        row("max-age",                    "max-age=60",                      "",      false, false, false, 60, -1);
        row("max-age zero",               "max-age=0",                       "",      false, false, false, 0,  -1);
        row("max-age quoted",             "max-age=\"120\"",                 "",      false, false, false, 120, -1);
        row("whitespace",                 "  no-cache ,max-age = 30 ,  only-if-cached ", "", true, false, true, 30, -1);
        row("all together",               "no-cache, no-store, max-age=5, only-if-cached", "", true, true, true, 5, -1);
        row("negative max-age",           "max-age=-5",                      "",      false, false, false, -1, -1);
        row("garbage max-age",            "max-age=abc, no-store",           "",      false, true,  false, -1, -1);
        row("fractional max-age",         "max-age=1.5",                     "",      false, false, false, -1, -1);
        row("empty max-age",              "max-age=",                        "",      false, false, false, -1, -1);
        row("max-age without value",      "max-age",                         "",      false, false, false, -1, -1);
        row("overflowing max-age",        "max-age=99999999999999999999",    "",      false, false, false, -1, -1);
        row("duplicate max-age",          "max-age=60, max-age=10",          "",      false, false, false, 10, -1);
        row("unknown directives",         "private, foo=bar, no-transform",  "",      false, false, false, -1, -1);
        row("no-cache with a value",      "no-cache=\"set-cookie\"",         "",      true,  false, false, -1, -1);
        row("empty items",                ",,no-store,,",                    "",      false, true,  false, -1, -1);
        row("ttl",                        "",                                "3600",  false, false, false, -1, 3600);
        row("ttl zero",                   "",                                "0",     false, false, false, -1, 0);
        row("ttl whitespace",             "",                                " 42 ",  false, false, false, -1, 42);
        row("ttl negative",               "",                                "-1",    false, false, false, -1, -1);
        row("ttl plus sign",              "",                                "+5",    false, false, false, -1, -1);
        row("ttl fraction",               "",                                "1.5",   false, false, false, -1, -1);
        row("ttl garbage",                "",                                "1h",    false, false, false, -1, -1);
        row("ttl and max-age",            "max-age=300",                     "86400", false, false, false, 300, 86400);
    }

    void parse()
    {
        QFETCH(QByteArray, cacheControl);
        QFETCH(QByteArray, ttl);
        QFETCH(bool, noCache);
        QFETCH(bool, noStore);
        QFETCH(bool, onlyIfCached);
        QFETCH(qint64, maxAge);
        QFETCH(qint64, ttlSeconds);

        const CacheDirectives directives = CacheDirectives::parse(cacheControl, ttl);
        QCOMPARE(directives.noCache, noCache);
        QCOMPARE(directives.noStore, noStore);
        QCOMPARE(directives.onlyIfCached, onlyIfCached);
        QCOMPARE(directives.maxAgeSeconds.value_or(-1), maxAge);
        QCOMPARE(directives.maxAgeSeconds.has_value(), maxAge >= 0);
        QCOMPARE(directives.ttlSeconds.value_or(-1), ttlSeconds);
        QCOMPARE(directives.ttlSeconds.has_value(), ttlSeconds >= 0);
    }
};

QTEST_GUILESS_MAIN(TestCacheControl)
#include "TestCacheControl.moc"
