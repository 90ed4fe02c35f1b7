// kill -9 during a write storm (issue #10): the real binary is SIGKILLed while many distinct
// misses are being written, ten times over. Whatever moment the kill lands on, the SQLite file
// must pass integrity_check, hold no half-written entry, keep every entry committed before the
// storm, and serve every entry it holds as a hit after a restart; the provider is asked once
// per distinct client request, never again for an answer the cache kept.

#include "e2e.h"

#include <QDir>
#include <QJsonDocument>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

using namespace cachette::test;

namespace {

const QString kChat = QStringLiteral("/v1/chat/completions");
constexpr int kRounds = 10;
constexpr int kConfirmedBefore = 3;   // stored and seen committed before each storm
constexpr int kStormRequests = 24;    // distinct misses fired at once

QString confirmedPrompt(int round, int i) { return QStringLiteral("round %1 kept %2").arg(round).arg(i); }
QString stormPrompt(int round, int i) { return QStringLiteral("round %1 storm %2").arg(round).arg(i); }
bool isStreamedInStorm(int i) { return i % 2 == 1; }   // half the storm is SSE, half plain JSON

QByteArray requestBody(const QString &prompt, bool stream)
{
    const QJsonObject body = chatBody(prompt);
    return toJson(stream ? streamed(body) : body);
}

// One stored row, as the test reads it straight from the file.
struct StoredEntry
{
    QString prompt;
    QByteArray responseBody;
    QByteArray streamEvents;
};

// Opens cachette.sqlite on a connection of the test's own, read-only: a checker that wrote
// would hide the state the killed process left.
class DatabaseFile
{
public:
    explicit DatabaseFile(const QString &dataDir)
    {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        m_db.setDatabaseName(QDir(dataDir).filePath(QStringLiteral("cachette.sqlite")));
        m_db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
    }
    ~DatabaseFile()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    bool open() { return m_db.open(); }
    QString lastError() const { return m_db.lastError().text(); }

    QStringList integrityCheck()
    {
        QStringList lines;
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("PRAGMA integrity_check")))
            return {q.lastError().text()};
        while (q.next())
            lines << q.value(0).toString();
        return lines;
    }

    QList<StoredEntry> entries()
    {
        QList<StoredEntry> rows;
        QSqlQuery q(m_db);
        if (!q.exec(QStringLiteral("SELECT prompt_text, response_body, stream_events FROM entries")))
            return rows;
        while (q.next())
            rows.append({q.value(0).toString(), q.value(1).toByteArray(), q.value(2).toByteArray()});
        return rows;
    }

    int countPrompts(const QStringList &prompts)
    {
        int found = 0;
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("SELECT count(*) FROM entries WHERE prompt_text = ?"));
        for (const QString &prompt : prompts) {
            q.addBindValue(prompt);
            if (q.exec() && q.next())
                found += q.value(0).toInt();
        }
        return found;
    }

private:
    const QString m_name = QStringLiteral("crash-check-%1").arg(quintptr(this));
    QSqlDatabase m_db;
};

// The call number the fake upstream gave the request for prompt (0: it never saw it), and
// false in *once when it saw that prompt more than once.
int upstreamCallFor(const FakeUpstream &upstream, const QString &prompt, bool *once)
{
    int callNumber = 0;
    int seen = 0;
    for (const RecordedRequest &r : upstream.requests()) {
        if (FakeUpstream::promptOf(r.path, r.json()) == prompt) {
            callNumber = r.callNumber;
            ++seen;
        }
    }
    *once = seen <= 1;
    return callNumber;
}

} // namespace

class TestCrashSafetyEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        E2E_REQUIRE_BINARY();
    }

    void killDuringWriteStorm_data()
    {
        QTest::addColumn<int>("round");
        QTest::addColumn<int>("killAfterAnswers");   // answers the clients had when the kill came
        // From the first answers (the writer has barely begun) to most of the storm answered.
        for (int round = 0; round < kRounds; ++round)
            QTest::addRow("round %d", round) << round << 1 + round * 2;
    }

    void killDuringWriteStorm()
    {
        QFETCH(int, round);
        QFETCH(int, killAfterAnswers);
        QTemporaryDir dataDir;
        QVERIFY(dataDir.isValid());
        E2E_START_UPSTREAM(upstream);
        QStringList confirmed;
        for (int i = 0; i < kConfirmedBefore; ++i)
            confirmed << confirmedPrompt(round, i);

        {
            E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dataDir.path());
            ProxyClient client(proxy.rootUrl());
            for (const QString &prompt : confirmed) {
                const HttpResult miss = client.post(kChat, requestBody(prompt, false));
                E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
                const HttpResult hit = client.post(kChat, requestBody(prompt, false));
                E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
            }
            // A hit may come from the copy Store keeps until the writer commits: wait until the
            // file itself has the rows, so "before the storm" means committed.
            DatabaseFile file(dataDir.path());
            QVERIFY2(file.open(), qPrintable(file.lastError()));
            QTRY_COMPARE_WITH_TIMEOUT(file.countPrompts(confirmed), kConfirmedBefore, 10'000);

            QList<ProxyCall *> storm;
            for (int i = 0; i < kStormRequests; ++i) {
                const bool stream = isStreamedInStorm(i);
                storm << client.start("POST", kChat, requestBody(stormPrompt(round, i), stream), {}, stream);
            }
            auto answered = [&] {
                return int(std::count_if(storm.cbegin(), storm.cend(),
                                         [](const ProxyCall *c) { return c->isFinished(); }));
            };
            QTRY_VERIFY2_WITH_TIMEOUT(answered() >= killAfterAnswers,
                                      qPrintable(QStringLiteral("%1 of %2 answered")
                                                     .arg(answered()).arg(killAfterAnswers)),
                                      20'000);
            proxy.kill();   // SIGKILL: no shutdown code runs, whatever the writer was doing stays
            QVERIFY(!proxy.isRunning());
            QVERIFY(ProxyClient::waitAll(storm, 10'000));   // the rest fail: the server is gone
            qDeleteAll(storm);
        }

        // Every request the provider saw was a distinct one the test sent, each seen once.
        QSet<QString> sent(confirmed.cbegin(), confirmed.cend());
        for (int i = 0; i < kStormRequests; ++i)
            sent.insert(stormPrompt(round, i));
        QSet<QString> seenByProvider;
        for (const RecordedRequest &r : upstream.requests()) {
            const QString prompt = FakeUpstream::promptOf(r.path, r.json());
            QVERIFY2(sent.contains(prompt), qPrintable(prompt));
            QVERIFY2(!seenByProvider.contains(prompt), qPrintable(QStringLiteral("asked twice: ") + prompt));
            seenByProvider.insert(prompt);
        }

        QSet<QString> stored;
        {
            DatabaseFile file(dataDir.path());
            QVERIFY2(file.open(), qPrintable(file.lastError()));
            QCOMPARE(file.integrityCheck(), QStringList{QStringLiteral("ok")});
            for (const StoredEntry &row : file.entries()) {
                QVERIFY2(!stored.contains(row.prompt), qPrintable(QStringLiteral("two rows: ") + row.prompt));
                stored.insert(row.prompt);
                verifyComplete(upstream, row, streamedPrompts(round).contains(row.prompt));
                if (QTest::currentTestFailed())
                    return;
            }
        }
        for (const QString &prompt : confirmed)
            QVERIFY2(stored.contains(prompt), qPrintable(QStringLiteral("lost after kill -9: ") + prompt));
        // Where the kill landed, so a run shows the storm was cut at different points.
        qInfo("killed after %d answers: %d of %d storm entries stored, provider asked %d times",
              killAfterAnswers, int(stored.size()) - kConfirmedBefore, kStormRequests,
              upstream.requestCount() - kConfirmedBefore);

        // Restarted on the same file: every stored answer is a hit (the provider is not asked
        // again), and every storm request that left no row is a plain miss asked once more.
        const int providerCallsBefore = upstream.requestCount();
        E2E_START_PROXY(restarted, upstream.baseUrl(), {}, dataDir.path());
        ProxyClient client(restarted.rootUrl());
        for (const QString &prompt : confirmed) {
            const HttpResult hit = client.post(kChat, requestBody(prompt, false));
            E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
        }
        int missesAfterRestart = 0;
        for (int i = 0; i < kStormRequests; ++i) {
            const QString prompt = stormPrompt(round, i);
            const bool stream = isStreamedInStorm(i);
            const HttpResult again = stream ? client.postStream(kChat, requestBody(prompt, true))
                                            : client.post(kChat, requestBody(prompt, false));
            const QByteArray expected = stored.contains(prompt) ? "hit" : "miss";
            E2E_VERIFY_RESULT(again.status == 200 && again.header("X-Cachette") == expected, again);
            if (!stored.contains(prompt))
                ++missesAfterRestart;
        }
        QCOMPARE(upstream.requestCount(), providerCallsBefore + missesAfterRestart);
        QVERIFY(restarted.stop());
    }

private:
    // A row is complete when its answer is the provider's whole answer to that very prompt:
    // the JSON body carries the text of the call that fetched it, and a streamed entry's
    // recorded events run to the end of the stream.
    static QSet<QString> streamedPrompts(int round)
    {
        QSet<QString> prompts;
        for (int i = 0; i < kStormRequests; ++i) {
            if (isStreamedInStorm(i))
                prompts.insert(stormPrompt(round, i));
        }
        return prompts;
    }

    void verifyComplete(const FakeUpstream &upstream, const StoredEntry &row, bool wasStreamed)
    {
        bool askedOnce = false;
        const int callNumber = upstreamCallFor(upstream, row.prompt, &askedOnce);
        QVERIFY2(callNumber > 0, qPrintable(QStringLiteral("a row the provider never answered: ") + row.prompt));
        QVERIFY(askedOnce);
        QJsonParseError parseError;
        const QJsonDocument body = QJsonDocument::fromJson(row.responseBody, &parseError);
        QVERIFY2(parseError.error == QJsonParseError::NoError && body.isObject(),
                 qPrintable(row.prompt + QStringLiteral(": ") + QString::fromUtf8(row.responseBody.left(300))));
        QCOMPARE(chatText(row.responseBody), FakeUpstream::answerText(callNumber, row.prompt));
        QCOMPARE(!row.streamEvents.isEmpty(), wasStreamed);
        if (wasStreamed) {
            QVERIFY2(row.streamEvents.trimmed().endsWith("data: [DONE]"),
                     qPrintable(row.prompt + QStringLiteral(": ") + QString::fromUtf8(row.streamEvents.right(300))));
        }
    }
};

QTEST_GUILESS_MAIN(TestCrashSafetyEndToEnd)
#include "TestCrashSafetyEndToEnd.moc"
