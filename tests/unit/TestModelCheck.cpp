// The optional model check (app/semantic/modelcheck.h): only candidates the verifier cannot
// decide (a rewording) are asked about, the model's yes serves the hit, its no refuses, a verdict
// is asked once per pair, and a failing endpoint is a miss, never a hit.
#include "rawupstream.h"
#include "semantic/localembedder.h"
#include "semantic/modelcheck.h"
#include "semantic/semanticcache.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace cachette::semantic;

namespace {

const QString kChat = QStringLiteral("chat/completions");

QJsonObject chat(const QString &prompt, bool tools = false)
{
    QJsonObject body{{"model", "gpt-4o-mini"},
                     {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", prompt}}}}};
    if (tools)
        body.insert("tools", QJsonArray{QJsonObject{{"type", "function"},
                                                    {"function", QJsonObject{{"name", "execute"}}}}});
    return body;
}

// A chat endpoint that answers every request with `answer` as the assistant's text and keeps
// the requests' bodies.
class YesNoServer : public QObject
{
public:
    QString answer = QStringLiteral("yes");
    QList<QJsonObject> bodies;

    bool start() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QUrl baseUrl() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(m_server.serverPort())); }

    YesNoServer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                auto *buffer = new QByteArray;
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                    buffer->append(socket->readAll());
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const QByteArray head = buffer->left(end).toLower();
                    const qsizetype at = head.indexOf("content-length:");
                    const int length = at < 0 ? 0 : head.mid(at + 15, head.indexOf("\r\n", at) - at - 15).trimmed().toInt();
                    if (buffer->size() < end + 4 + length)
                        return;
                    bodies.append(QJsonDocument::fromJson(buffer->mid(end + 4, length)).object());
                    buffer->clear();
                    const QByteArray json = QJsonDocument(QJsonObject{
                        {"choices", QJsonArray{QJsonObject{{"message", QJsonObject{{"role", "assistant"},
                                                                                   {"content", answer}}}}}}}).toJson(QJsonDocument::Compact);
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                  + QByteArray::number(json.size()) + "\r\n\r\n" + json);
                });
                connect(socket, &QTcpSocket::disconnected, socket, [socket, buffer] {
                    delete buffer;
                    socket->deleteLater();
                });
            }
        });
    }

private:
    QTcpServer m_server;
};

} // namespace

class TestModelCheck : public QObject
{
    Q_OBJECT

    // One lookup through lookupAsync(), waited for.
    Decision lookup(SemanticCache &cache, const QJsonObject &body)
    {
        std::optional<Decision> result;
        cache.lookupAsync({}, kChat, body, this, [&](const Decision &d) { result = d; });
        QElapsedTimer waited;
        waited.start();
        while (!result && waited.elapsed() < 5000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!result) {
            Decision timedOut;
            timedOut.reason = QStringLiteral("no answer within 5 s");
            return timedOut;
        }
        return *result;
    }

    std::unique_ptr<SemanticCache> cacheWith(const QUrl &url)
    {
        auto cache = std::make_unique<SemanticCache>(std::make_unique<LocalEmbedder>());
        SemanticSettings settings;
        settings.threshold = 0.3f;   // the verifier and the model decide, not the threshold
        cache->setSettings(settings);
        cache->setModelCheck({url, QStringLiteral("tiny"), {}, 3000});
        return cache;
    }

private Q_SLOTS:
    void yesServesARewording()
    {
        YesNoServer server;
        QVERIFY(server.start());
        auto cache = cacheWith(server.baseUrl());
        cache->add("k", {}, kChat, chat(QStringLiteral("How do I fix a leaking faucet?")));
        const QJsonObject asked = chat(QStringLiteral("How can I repair a leaky faucet?"));

        const Decision d = lookup(*cache, asked);
        QCOMPARE(d.outcome, Decision::Outcome::Hit);
        QCOMPARE(d.match->entryKey, QByteArray("k"));
        QCOMPARE(d.reason, QStringLiteral("model: same request"));
        QCOMPARE(server.bodies.size(), 1);
        const QJsonObject question = server.bodies.first();
        QCOMPARE(question.value("model").toString(), QStringLiteral("tiny"));
        QCOMPARE(question.value("max_tokens").toInt(), 3);
        const QString pair = question.value("messages").toArray().last().toObject().value("content").toString();
        QVERIFY(pair.contains(QStringLiteral("leaking faucet")) && pair.contains(QStringLiteral("leaky faucet")));

        // Asked once per pair: the verdict is remembered.
        QCOMPARE(lookup(*cache, asked).outcome, Decision::Outcome::Hit);
        QCOMPARE(server.bodies.size(), 1);
        QCOMPARE(cache->modelChecker()->asked(), 1);

        // Without the model check the same pair is refused, with the verifier's reason.
        cache->setModelCheck({});
        const Decision off = lookup(*cache, asked);
        QCOMPARE(off.outcome, Decision::Outcome::Refused);
        QVERIFY2(off.refusal.startsWith(QStringLiteral("unmatched: ")), qPrintable(off.refusal));
    }

    void noRefuses()
    {
        YesNoServer server;
        server.answer = QStringLiteral("No.");
        QVERIFY(server.start());
        auto cache = cacheWith(server.baseUrl());
        cache->add("k", {}, kChat, chat(QStringLiteral("How do I fix a leaking faucet?")));
        const Decision d = lookup(*cache, chat(QStringLiteral("How can I repair a leaky faucet?")));
        QCOMPARE(d.outcome, Decision::Outcome::Refused);
        QVERIFY2(d.refusal.endsWith(QStringLiteral("; model: another request")), qPrintable(d.refusal));
    }

    void decidedRefusalsAreNeverAsked_data()
    {
        QTest::addColumn<QString>("cached");
        QTest::addColumn<QString>("asked");
        QTest::addColumn<bool>("tools");
        QTest::newRow("antonym") << "Create the feature branch" << "Delete the feature branch" << false;
        QTest::newRow("entity") << "Run the tests in test_login.py" << "Run the tests in test_logout.py" << false;
        QTest::newRow("qualifier") << "List all files" << "List all hidden files" << false;
        QTest::newRow("rewording, tools") << "How do I fix a leaking faucet?" << "How can I repair a leaky faucet?" << true;
    }

    void decidedRefusalsAreNeverAsked()
    {
        QFETCH(QString, cached);
        QFETCH(QString, asked);
        QFETCH(bool, tools);
        YesNoServer server;
        QVERIFY(server.start());
        auto cache = cacheWith(server.baseUrl());
        cache->add("k", {}, kChat, chat(cached, tools));
        const Decision d = lookup(*cache, chat(asked, tools));
        QCOMPARE(d.outcome, Decision::Outcome::Refused);
        QCOMPARE(server.bodies.size(), 0);   // a "yes" would have served it
    }

    void failingEndpointIsAMiss()
    {
        QTcpServer probe;   // a port that was free a moment ago
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const QUrl url(QStringLiteral("http://127.0.0.1:%1/v1").arg(probe.serverPort()));
        probe.close();
        auto cache = cacheWith(url);
        cache->add("k", {}, kChat, chat(QStringLiteral("How do I fix a leaking faucet?")));
        const QJsonObject asked = chat(QStringLiteral("How can I repair a leaky faucet?"));
        const Decision d = lookup(*cache, asked);
        QCOMPARE(d.outcome, Decision::Outcome::Refused);
        QVERIFY2(d.refusal.contains(QStringLiteral("model: check failed")), qPrintable(d.refusal));
        lookup(*cache, asked);
        QCOMPARE(cache->modelChecker()->asked(), 2);   // a failure is not remembered
    }

    // A check is a billed chat call: a warm connection the provider closes after reading it
    // fails the check (a miss) and the question is not sent again on a new connection.
    void checkIsNeverSentTwice()
    {
        cachette::test::RawUpstream raw;
        QVERIFY(raw.start());
        ModelChecker checker({QUrl(raw.baseUrl()), QStringLiteral("tiny"), {}, 3000});
        const auto checkAndWait = [&checker](const QString &asked) {
            std::optional<QString> why;
            checker.check(asked, QStringLiteral("cached prompt"),
                          [&why](bool, const QString &reason) { why = reason; });
            QElapsedTimer waited;
            waited.start();
            while (!why && waited.elapsed() < 5000)
                QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            return why.value_or(QStringLiteral("no verdict within 5 s"));
        };
        // The raw provider's answer is neither yes nor no; the connection is now warm.
        QCOMPARE(checkAndWait(QStringLiteral("warm up")),
                 QStringLiteral("model: no yes or no in the answer"));
        const QString closed = checkAndWait(QStringLiteral("[close] the question"));
        QVERIFY2(closed.startsWith(QLatin1String("model: check failed")), qPrintable(closed));
        QTest::qWait(300);   // a resend would come within milliseconds
        QCOMPARE(raw.requestCount("[close]"), 1);
        QCOMPARE(checker.asked(), 2);
        QCOMPARE(raw.requestCount(), 2);   // libcurl may connect again; it writes nothing there
    }

    void tokenEstimate()
    {
        QCOMPARE(modelCheckTokens(QString(40, u'a'), QString(40, u'b')), kModelCheckBaseTokens + 20);
    }
};

QTEST_GUILESS_MAIN(TestModelCheck)
#include "TestModelCheck.moc"
