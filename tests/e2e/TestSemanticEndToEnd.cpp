// Near-repeats through the real binary: a paraphrase in the same conversation is served with its
// similarity; unrelated prompts, changed numbers, negations and other conversations are not.

#include "e2e.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

using namespace cachette::test;

namespace {

const QString kChat = QStringLiteral("/v1/chat/completions");

// A conversation: earlier turns, then the user's last message.
QJsonObject conversation(const QJsonArray &earlier, const QString &last)
{
    QJsonArray messages = earlier;
    messages.append(QJsonObject{{"role", "user"}, {"content", last}});
    return QJsonObject{{"model", "gpt-4o-mini"}, {"messages", messages}};
}

const QJsonArray kTripPlanning{
    QJsonObject{{"role", "system"}, {"content", "You are a travel assistant."}},
    QJsonObject{{"role", "user"}, {"content", "I am planning a trip to Europe."}},
    QJsonObject{{"role", "assistant"}, {"content", "Lovely! Where would you like to go?"}},
};
const QJsonArray kHistoryLesson{
    QJsonObject{{"role", "system"}, {"content", "You are a travel assistant."}},
    QJsonObject{{"role", "user"}, {"content", "Teach me about the French revolution."}},
    QJsonObject{{"role", "assistant"}, {"content", "It began in 1789."}},
};

} // namespace

class TestSemanticEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        E2E_REQUIRE_BINARY();
    }

    void paraphraseInSameConversationHits()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const HttpResult first = client.post(
            kChat, conversation(kTripPlanning, QStringLiteral("What is the capital of France?")));
        E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss", first);

        const HttpResult near = client.post(
            kChat, conversation(kTripPlanning, QStringLiteral("what's the capital of france")));
        E2E_VERIFY_RESULT(near.header("X-Cachette") == "semantic-hit", near);
        QCOMPARE(near.body, first.body);
        QCOMPARE(near.header("X-Cachette-Matched-Key"), first.header("X-Cachette-Key"));
        QVERIFY(near.header("X-Cachette-Key") != first.header("X-Cachette-Key"));
        const double similarity = near.header("X-Cachette-Similarity").toDouble();
        QVERIFY2(similarity >= 0.85 && similarity <= 1.0, near.header("X-Cachette-Similarity"));
        QCOMPARE(upstream.requestCount(), 1);

        // A stream request gets the same answer, replayed as a stream.
        const HttpResult streamed = client.postStream(
            kChat, ::cachette::test::streamed(conversation(
                       kTripPlanning, QStringLiteral("What's the capital of France"))));
        E2E_VERIFY_RESULT(streamed.header("X-Cachette") == "semantic-hit", streamed);
        QCOMPARE(AssembledAnswer::fromEvents(streamed.events).content, chatText(first.body));
        QCOMPARE(upstream.requestCount(), 1);
    }

    void unrelatedNumbersAndNegationsMiss_data()
    {
        QTest::addColumn<QString>("cached");
        QTest::addColumn<QString>("asked");
        QTest::newRow("unrelated") << "What is the capital of France?"
                                   << "How do I sort a list in Python?";
        QTest::newRow("changed number") << "Convert 100 Fahrenheit to Celsius"
                                        << "Convert 120 Fahrenheit to Celsius";
        QTest::newRow("negation") << "Is it safe to delete this file?"
                                  << "Is it not safe to delete this file?";
        QTest::newRow("code literal") << "What does `ls -la` print?"
                                      << "What does `ls -l` print?";
    }

    void unrelatedNumbersAndNegationsMiss()
    {
        QFETCH(QString, cached);
        QFETCH(QString, asked);
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        client.post(kChat, conversation(kTripPlanning, cached));
        const HttpResult other = client.post(kChat, conversation(kTripPlanning, asked));
        E2E_VERIFY_RESULT(other.header("X-Cachette") == "miss", other);
        QCOMPARE(chatText(other.body), QStringLiteral("answer #2 to: ") + asked);
        QCOMPARE(upstream.requestCount(), 2);
    }

    void otherConversationNeverHits()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const QString question = QStringLiteral("What is the capital of France?");
        client.post(kChat, conversation(kTripPlanning, question));
        // The very same last message, in another conversation: its answer may differ.
        const HttpResult other = client.post(kChat, conversation(kHistoryLesson, question));
        E2E_VERIFY_RESULT(other.header("X-Cachette") == "miss", other);
        QCOMPARE(upstream.requestCount(), 2);
    }

    void thresholdOneTurnsItOff()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl(), {"--similarity-threshold", "1"});
        ProxyClient client(proxy.rootUrl());
        client.post(kChat, conversation(kTripPlanning, QStringLiteral("What is the capital of France?")));
        const HttpResult near = client.post(
            kChat, conversation(kTripPlanning, QStringLiteral("what's the capital of france")));
        E2E_VERIFY_RESULT(near.header("X-Cachette") == "miss", near);
    }

    void noCacheSkipsSemanticLookup()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        client.post(kChat, conversation(kTripPlanning, QStringLiteral("What is the capital of France?")));
        const HttpResult refreshed =
            client.post(kChat, conversation(kTripPlanning, QStringLiteral("what's the capital of france")),
                        {{"Cache-Control", "no-cache"}});
        E2E_VERIFY_RESULT(refreshed.header("X-Cachette") == "refresh", refreshed);
        QCOMPARE(upstream.requestCount(), 2);
    }

    void survivesRestartAndIsLogged()
    {
        E2E_START_UPSTREAM(upstream);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString dataDir = dir.path();
        // A little laxer than the default, so that the changed number is above the threshold
        // and it is the numbers guard that refuses it.
        const QStringList laxer{QStringLiteral("--similarity-threshold"), QStringLiteral("0.8")};
        {
            E2E_START_PROXY(proxy, upstream.baseUrl(), laxer, dataDir);
            ProxyClient client(proxy.rootUrl());
            client.post(kChat, conversation(kTripPlanning, QStringLiteral("What is the capital of France?")));
            client.post(kChat, conversation(kTripPlanning, QStringLiteral("Set the request timeout in the config file to 30 seconds")));
            QVERIFY(proxy.stop());
        }
        E2E_START_PROXY(proxy, upstream.baseUrl(), laxer, dataDir);
        ProxyClient client(proxy.rootUrl());
        // Vectors load in the background after start: give them a moment. The tries are
        // no-store: a try answered before the index is ready is a miss, and stored it would make
        // every later try an exact hit, never the semantic one (seen under the sanitizers).
        HttpResult near;
        QTRY_VERIFY_WITH_TIMEOUT(
            (near = client.post(kChat, conversation(kTripPlanning,
                                                    QStringLiteral("what's the capital of france")),
                                {{"Cache-Control", "no-store"}}),
             near.header("X-Cachette") == "semantic-hit"),
            15'000);
        const HttpResult refused = client.post(
            kChat, conversation(kTripPlanning, QStringLiteral("Set the request timeout in the config file to 60 seconds")));
        E2E_VERIFY_RESULT(refused.header("X-Cachette") == "miss", refused);
        QVERIFY(proxy.stop());

        // The request log says what the lookup saw: the similarity, the matched entry, the guard.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("log"));
        db.setDatabaseName(dataDir + QStringLiteral("/cachette.sqlite"));
        QVERIFY(db.open());
        {
            QSqlQuery hit(db);
            QVERIFY(hit.exec(QStringLiteral("SELECT similarity, entry_key FROM request_log "
                                            "WHERE outcome = 'semantic-hit'")));
            QVERIFY(hit.next());
            QVERIFY(hit.value(0).toDouble() >= 0.85);
            QVERIFY(!hit.value(1).toString().isEmpty());
            QSqlQuery guarded(db);
            QVERIFY(guarded.exec(QStringLiteral("SELECT similarity, semantic_guard FROM request_log "
                                                "WHERE semantic_guard != '' ORDER BY id DESC")));
            QVERIFY(guarded.next());
            // The verifier's reason, as the Thresholds page shows it.
            QVERIFY2(guarded.value(1).toString().startsWith(QStringLiteral("numbers: ")),
                     qPrintable(guarded.value(1).toString()));
            QVERIFY(guarded.value(0).toDouble() >= 0.8);
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("log"));
    }
};

QTEST_GUILESS_MAIN(TestSemanticEndToEnd)
#include "TestSemanticEndToEnd.moc"
