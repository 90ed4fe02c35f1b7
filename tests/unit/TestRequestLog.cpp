// RequestLog: the read-only query object the GUI and tests read the request log through.
#include "store/requestlog.h"
#include "store/store.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace cachette::store;

namespace {

RequestLogRecord line(qint64 ts, Outcome outcome, double similarity = -1)
{
    RequestLogRecord r;
    r.timestamp = ts;
    r.endpoint = QStringLiteral("chat/completions");
    r.model = QStringLiteral("gpt-4o-mini");
    r.outcome = outcome;
    r.status = 200;
    r.similarity = similarity;
    return r;
}

QList<Outcome> outcomes(const QList<RequestLogRecord> &records)
{
    QList<Outcome> list;
    for (const RequestLogRecord &r : records)
        list.append(r.outcome);
    return list;
}

QList<qint64> times(const QList<RequestLogRecord> &records)
{
    QList<qint64> list;
    for (const RequestLogRecord &r : records)
        list.append(r.timestamp);
    return list;
}

} // namespace

class TestRequestLog : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_path;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        Store store;
        QString error;
        QVERIFY2(store.open(m_dir.path(), &error), qPrintable(error));
        m_path = store.databasePath();
        store.logRequest(line(1000, Outcome::Miss, 0.42));
        store.logRequest(line(2000, Outcome::SemanticHit, 0.97));
        store.logRequest(line(3000, Outcome::Hit));
        store.logRequest(line(3000, Outcome::Bypass));   // same ms: the later id comes first
        store.logRequest(line(4000, Outcome::Error, 0.10));
        store.flush();
    }

    void opensOnlyAnExistingFile()
    {
        RequestLog log;
        QString error;
        QVERIFY(!log.open(m_dir.filePath(QStringLiteral("nothing-yet.db")), &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(!log.isOpen());
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("nothing-yet.db"))));
        QVERIFY(log.recent(10).isEmpty());   // closed: empty answers, no crash
        QCOMPARE(log.countHitsSince(0), 0);
        QVERIFY2(log.open(m_path, &error), qPrintable(error));
        QCOMPARE(log.databasePath(), m_path);
    }

    void recentIsNewestFirstAndLimited()
    {
        RequestLog log;
        QVERIFY(log.open(m_path));
        const QList<RequestLogRecord> all = log.recent(100);
        QCOMPARE(times(all), (QList<qint64>{4000, 3000, 3000, 2000, 1000}));
        QCOMPARE(outcomes(all).mid(1, 2), (QList<Outcome>{Outcome::Bypass, Outcome::Hit}));
        QCOMPARE(log.recent(2).size(), 2);
        QVERIFY(log.recent(0).isEmpty());
    }

    void semanticLines()
    {
        RequestLog log;
        QVERIFY(log.open(m_path));
        // Lines where a lookup ran, whatever came of it; -1 (no lookup) is left out.
        QCOMPARE(times(log.withSimilarity(100)), (QList<qint64>{4000, 2000, 1000}));
        QCOMPARE(times(log.withSimilarity(1)), (QList<qint64>{4000}));
        const QList<RequestLogRecord> hits = log.semanticHits(100);
        QCOMPARE(outcomes(hits), (QList<Outcome>{Outcome::SemanticHit}));
        QCOMPARE(hits.first().similarity, 0.97);
    }

    void countsBothKindsOfHitSinceATime()
    {
        RequestLog log;
        QVERIFY(log.open(m_path));
        QCOMPARE(log.countHitsSince(0), 2);
        QCOMPARE(log.countHitsSince(2001), 1);
        QCOMPARE(log.countHitsSince(3001), 0);
    }

    void seesLinesCommittedAfterItOpened()
    {
        RequestLog log;
        QVERIFY(log.open(m_path));
        const qsizetype before = log.recent(100).size();
        {
            Store store;
            QVERIFY(store.open(m_dir.path()));
            store.logRequest(line(5000, Outcome::Hit));
            store.flush();
        }
        QCOMPARE(log.recent(100).size(), before + 1);
        QCOMPARE(log.countHitsSince(4500), 1);
    }
};

QTEST_GUILESS_MAIN(TestRequestLog)
#include "TestRequestLog.moc"
