// The match verifier through the real binary, at default settings: near-twins of another meaning
// (an antonym, a swapped direction, a changed file name, a dropped qualifier) are asked of the
// provider, with the reason in the request log; paraphrases are still served; a tool-result
// turn is never matched by similarity. The provider's call count says who answered.

#include "e2e.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

using namespace cachette::test;

namespace {

const QString kChat = QStringLiteral("/v1/chat/completions");

// The one tool Open Interpreter offers: what comes back is executed.
QJsonArray executeTool()
{
    const QJsonObject properties{{"language", QJsonObject{{"type", "string"}}},
                                 {"code", QJsonObject{{"type", "string"}}}};
    const QJsonObject function{{"name", "execute"},
                               {"description", "Executes code on the user's machine"},
                               {"parameters", QJsonObject{{"type", "object"}, {"properties", properties}}}};
    return QJsonArray{QJsonObject{{"type", "function"}, {"function", function}}};
}

QJsonObject agentRequest(const QString &prompt, bool tools)
{
    QJsonObject body{{"model", "gpt-4o"},
                     {"messages", QJsonArray{QJsonObject{{"role", "system"}, {"content", "You are Open Interpreter."}},
                                             QJsonObject{{"role", "user"}, {"content", prompt}}}}};
    if (tools)
        body.insert(QStringLiteral("tools"), executeTool());
    return body;
}

// The semantic_guard column of the request log's last line for a miss, read once the proxy
// has stopped (its writer has committed everything then).
QString lastRefusal(const QString &dataDir)
{
    QString refusal;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("verifier-log"));
        db.setDatabaseName(dataDir + QStringLiteral("/cachette.sqlite"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT semantic_guard FROM request_log WHERE outcome = 'miss' "
                                      "ORDER BY id DESC LIMIT 1")) && q.next())
                refusal = q.value(0).toString();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("verifier-log"));
    return refusal;
}

} // namespace

class TestVerifierEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        E2E_REQUIRE_BINARY();
    }

    void nearTwinsOfAnotherMeaningMiss_data()
    {
        QTest::addColumn<QString>("cached");
        QTest::addColumn<QString>("asked");
        QTest::addColumn<bool>("tools");
        QTest::addColumn<QString>("reason");
        for (bool tools : {false, true}) {
            const char *with = tools ? " (tools)" : "";
            QTest::addRow("antonym%s", with) << "Create a git branch called feature-login"
                                             << "Delete the git branch called feature-login" << tools
                                             << QStringLiteral("antonym: delete \u2260 create");
            QTest::addRow("swapped direction%s", with) << "Copy the settings from staging to production"
                                                       << "Copy the settings from production to staging" << tools
                                                       << QStringLiteral("order: from/to swapped");
            QTest::addRow("file name%s", with) << "Run the tests in test_login.py"
                                               << "Run the tests in test_logout.py" << tools
                                               << QStringLiteral("entity: test_logout.py \u2260 test_login.py");
            QTest::addRow("dropped qualifier%s", with) << "What is the best book for data structures in Java?"
                                                       << "What is the best book for data structures?" << tools
                                                       << QStringLiteral("unmatched: Java");
        }
    }

    void nearTwinsOfAnotherMeaningMiss()
    {
        QFETCH(QString, cached);
        QFETCH(QString, asked);
        QFETCH(bool, tools);
        QFETCH(QString, reason);
        E2E_START_UPSTREAM(upstream);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        {
            E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dir.path());
            ProxyClient client(proxy.rootUrl());
            const HttpResult first = client.post(kChat, agentRequest(cached, tools));
            E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss", first);
            const HttpResult twin = client.post(kChat, agentRequest(asked, tools));
            E2E_VERIFY_RESULT(twin.header("X-Cachette") == "miss", twin);
            QVERIFY(twin.body != first.body);
            QCOMPARE(upstream.requestCount(), 2);   // the provider answered both
            QVERIFY(proxy.stop());
        }
        const QString logged = lastRefusal(dir.path());
        QVERIFY2(logged.startsWith(reason), qPrintable(logged));
    }

    void paraphrasesStillHit_data()
    {
        QTest::addColumn<QString>("cached");
        QTest::addColumn<QString>("asked");
        QTest::addColumn<bool>("tools");
        QTest::newRow("stop words and case") << "How do I undo the last git commit?"
                                             << "how can i undo my last git commit" << false;
        QTest::newRow("verb synonym") << "Delete the old log files from the build server"
                                      << "Remove the old log files from the build server" << false;
        QTest::newRow("noun synonym") << "Create a new folder called logs in the project root"
                                      << "create a new directory called logs in the project root" << true;
        QTest::newRow("agent, same words") << "List the files in the current directory"
                                           << "list the files in the current directory." << true;
    }

    void paraphrasesStillHit()
    {
        QFETCH(QString, cached);
        QFETCH(QString, asked);
        QFETCH(bool, tools);
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const HttpResult first = client.post(kChat, agentRequest(cached, tools));
        const HttpResult near = client.post(kChat, agentRequest(asked, tools));
        E2E_VERIFY_RESULT(near.header("X-Cachette") == "semantic-hit", near);
        QCOMPARE(near.body, first.body);
        QCOMPARE(upstream.requestCount(), 1);
    }

    void strictForToolsRefusesVerbSynonyms()
    {
        // The same pair that hits without tools misses with them: an agent would run it.
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        client.post(kChat, agentRequest(QStringLiteral("Delete the old log files from the build server"), true));
        const HttpResult near = client.post(
            kChat, agentRequest(QStringLiteral("Remove the old log files from the build server"), true));
        E2E_VERIFY_RESULT(near.header("X-Cachette") == "miss", near);
        QCOMPARE(upstream.requestCount(), 2);
    }

    void toolResultTurnNeverMatches()
    {
        // Two agent turns that differ only in how the user put the task, with the same tool
        // call and output: the last turn is program output, so only an exact repeat is served.
        auto afterTool = [](const QString &task) {
            QJsonObject body = agentRequest(task, true);
            QJsonArray messages = body.value(QStringLiteral("messages")).toArray();
            messages.append(QJsonObject{
                {"role", "assistant"}, {"content", QJsonValue::Null},
                {"tool_calls", QJsonArray{QJsonObject{
                                   {"id", "call_1"}, {"type", "function"},
                                   {"function", QJsonObject{{"name", "execute"},
                                                            {"arguments", R"({"language":"shell","code":"pytest"})"}}}}}}});
            messages.append(QJsonObject{{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "3 passed"}});
            body.insert(QStringLiteral("messages"), messages);
            return body;
        };
        E2E_START_UPSTREAM(upstream);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        {
            E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dir.path());
            ProxyClient client(proxy.rootUrl());
            client.post(kChat, afterTool(QStringLiteral("Run the tests")));
            const HttpResult again = client.post(kChat, afterTool(QStringLiteral("run the tests!")));
            E2E_VERIFY_RESULT(again.header("X-Cachette") == "miss", again);
            QCOMPARE(upstream.requestCount(), 2);
            const HttpResult exact = client.post(kChat, afterTool(QStringLiteral("Run the tests")));
            E2E_VERIFY_RESULT(exact.header("X-Cachette") == "hit", exact);   // exact repeats still are
            QCOMPARE(upstream.requestCount(), 2);
            QVERIFY(proxy.stop());
        }
        QCOMPARE(lastRefusal(dir.path()), QString());   // no lookup ran, so nothing was refused
    }
};

QTEST_GUILESS_MAIN(TestVerifierEndToEnd)
#include "TestVerifierEndToEnd.moc"
