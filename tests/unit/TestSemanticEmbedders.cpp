#include "fakeupstream.h"
#include "rawupstream.h"
#include "semantic/localembedder.h"
#include "semantic/remoteembedder.h"
#include "semantic/semanticcache.h"
#include "semantic/textfeatures.h"

#include <QSignalSpy>
#include <QJsonArray>
#include <QTcpServer>
#include <QTest>

#include <cmath>
#include <numeric>
#include <optional>

using namespace cachette::semantic;
using cachette::test::FakeUpstream;
using cachette::test::RawUpstream;
using cachette::test::Scenario;

namespace {

float cosine(const Vector &a, const Vector &b)
{
    return dot(a.data(), b.data(), int(a.size()));
}

double norm(const Vector &v)
{
    double sum = 0;
    for (float x : v)
        sum += double(x) * x;
    return std::sqrt(sum);
}

// Runs an asynchronous embed() to completion.
Embeddings embedAndWait(Embedder &embedder, const QStringList &texts, int timeoutMs = 5000)
{
    std::optional<Embeddings> result;
    embedder.embed(texts, [&result](const Embeddings &e) { result = e; });
    (void)QTest::qWaitFor([&result] { return result.has_value(); }, timeoutMs);
    return result.value_or(Embeddings::failure(QStringLiteral("the test timed out")));
}

} // namespace

class TestSemanticEmbedders : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void normalizesWords();
    void stemsEnglish_data();
    void stemsEnglish();
    void localIsDeterministicAndUnitLength();
    void localIdentityIsOne();
    void localParaphraseBeatsUnrelated();
    void localIdNamesVersionAndDimension();
    void localEmptyTextIsZeroVector();

    void remoteRequestShape();
    void remoteParsesFloatLists();
    void remoteBatchesLargeInputs();
    void remoteHttpErrorIsReadable();
    void remoteUnreachableIsReadable();
    void remoteTimeoutIsReadable();
    void remoteGarbageIsReadable();
    void remoteDestroyedWhileWaitingDoesNotCall();
    void remoteBatchIsNeverSentTwice();
    void remoteInSemanticCache();
};

void TestSemanticEmbedders::normalizesWords()
{
    const std::vector<std::string> words =
        normalizeWords(QStringLiteral("Doesn't it LOAD `my_data.csv`? Ça va — 🤗 Datasets!"));
    const std::vector<std::string> expected = {"doesnt", "it", "load", "my", "data", "csv",
                                               "ça", "va", "datasets"};
    QCOMPARE(words, expected);
}

void TestSemanticEmbedders::stemsEnglish_data()
{
    QTest::addColumn<QString>("word");
    QTest::addColumn<QString>("stemmed");
    QTest::newRow("plural") << "datasets" << "dataset";
    QTest::newRow("ing") << "loading" << "load";
    QTest::newRow("ed") << "loaded" << "load";
    QTest::newRow("ion") << "inspection" << "inspect";
    QTest::newRow("ies") << "libraries" << "librari";
    QTest::newRow("short") << "is" << "is";
    QTest::newRow("non-ascii") << "ça" << "ça";
}

void TestSemanticEmbedders::stemsEnglish()
{
    QFETCH(QString, word);
    QFETCH(QString, stemmed);
    QCOMPARE(QString::fromStdString(stem(word.toStdString())), stemmed);
}

void TestSemanticEmbedders::localIsDeterministicAndUnitLength()
{
    LocalEmbedder a, b;
    const QString text = QStringLiteral("How do I load a CSV file into a pandas DataFrame?");
    const Vector va = a.embedOne(text);
    QCOMPARE(int(va.size()), a.dimension());
    QCOMPARE(va, b.embedOne(text));   // another instance: no per-process seed anywhere
    QCOMPARE(va, a.embedOne(text));
    QVERIFY(std::abs(norm(va) - 1.0) < 1e-5);
    // Pinned values: a change here means stored vectors are no longer comparable, so the
    // version in id() must be bumped together with it.
    const float checksum = std::accumulate(va.begin(), va.end(), 0.0f,
                                           [](float s, float x) { return s + std::abs(x); });
    QVERIFY2(std::abs(checksum - 7.5868f) < 0.001f, qPrintable(QString::number(checksum)));
}

void TestSemanticEmbedders::localIdentityIsOne()
{
    LocalEmbedder e;
    const QString text = QStringLiteral("Explain the difference between TCP and UDP.");
    QVERIFY(std::abs(cosine(e.embedOne(text), e.embedOne(text)) - 1.0f) < 1e-5f);
    // Case and punctuation are folded away.
    QVERIFY(cosine(e.embedOne(text),
                   e.embedOne(QStringLiteral("explain the difference between tcp and udp")))
            > 0.999f);
}

void TestSemanticEmbedders::localParaphraseBeatsUnrelated()
{
    LocalEmbedder e;
    const Vector origin = e.embedOne(QStringLiteral(
        "The `iter_files` function iterates over file paths."));
    const Vector paraphrase = e.embedOne(QStringLiteral(
        "The `iter_files` function cycles through file paths."));
    const Vector unrelated = e.embedOne(QStringLiteral(
        "What is the capital of Australia and when was it founded?"));
    const Vector sameTopic = e.embedOne(QStringLiteral(
        "Datasets can be loaded from local CSV and JSON files."));
    QVERIFY2(cosine(origin, paraphrase) > 0.8f, qPrintable(QString::number(cosine(origin, paraphrase))));
    QVERIFY(cosine(origin, unrelated) < 0.2f);
    QVERIFY(cosine(origin, sameTopic) < 0.5f);
    QVERIFY(cosine(origin, paraphrase) > cosine(origin, sameTopic));
}

void TestSemanticEmbedders::localIdNamesVersionAndDimension()
{
    QCOMPARE(LocalEmbedder().id(), QStringLiteral("local-hash-v1-d512"));
    LocalEmbedderOptions wide;
    wide.dimension = 1024;
    QCOMPARE(LocalEmbedder(wide).id(), QStringLiteral("local-hash-v1-d1024"));
    LocalEmbedderOptions reweighted;
    reweighted.bigramWeight = 0.1f;
    QVERIFY(LocalEmbedder(reweighted).id().startsWith(QLatin1String("local-hash-v1-d512-w")));
}

void TestSemanticEmbedders::localEmptyTextIsZeroVector()
{
    LocalEmbedder e;
    const Vector v = e.embedOne(QStringLiteral("the of and ?!"));   // stop words only
    QCOMPARE(norm(v), 0.0);
    const Embeddings batch = e.embedNow({QStringLiteral("a"), QStringLiteral("load data")});
    QVERIFY(batch.ok());
    QCOMPARE(batch.vectors.size(), 2);
}

// --- remote ------------------------------------------------------------------------------

void TestSemanticEmbedders::remoteRequestShape()
{
    FakeUpstream fake;
    QVERIFY(fake.start());
    RemoteEmbedder embedder({QUrl(fake.baseUrl()), QStringLiteral("nomic-embed-text"),
                             "sk-test", 0, 5000, 64});
    QCOMPARE(embedder.id(), QStringLiteral("remote:nomic-embed-text@127.0.0.1:%1/v1").arg(fake.port()));
    QCOMPARE(embedder.dimension(), 0);

    const Embeddings result = embedAndWait(embedder, {QStringLiteral("hello world"),
                                                      QStringLiteral("second")});
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(fake.requestCount(), 1);
    const auto &request = fake.lastRequest();
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.path, QByteArray("/v1/embeddings"));
    QCOMPARE(request.header("authorization"), QByteArray("Bearer sk-test"));
    QVERIFY(request.header("content-type").startsWith("application/json"));
    const QJsonObject body = request.json();
    QCOMPARE(body.value("model").toString(), QStringLiteral("nomic-embed-text"));
    QCOMPARE(body.value("encoding_format").toString(), QStringLiteral("base64"));
    QCOMPARE(body.value("input").toArray(),
             QJsonArray({QStringLiteral("hello world"), QStringLiteral("second")}));
    QVERIFY(!body.contains("dimensions"));

    // Base64 float32 decoded exactly, in input order; the dimension is learnt from the answer.
    QCOMPARE(result.vectors.size(), 2);
    const QList<float> expected = FakeUpstream::embeddingVector(1, QStringLiteral("second"));
    QCOMPARE(QList<float>(result.vectors[1].begin(), result.vectors[1].end()), expected);
    QCOMPARE(embedder.dimension(), int(expected.size()));
}

void TestSemanticEmbedders::remoteParsesFloatLists()
{
    // A server that ignores encoding_format answers float lists: read those too.
    cachette::http::HttpServer server;
    server.setHandler([](cachette::http::HttpExchange *exchange) {
        exchange->respond(200, {{"Content-Type", "application/json"}},
                          R"({"object":"list","data":[{"object":"embedding","index":0,)"
                          R"("embedding":[0.5,-0.25,1.0]}],"model":"m"})");
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RemoteEmbedder embedder({QUrl(QStringLiteral("http://127.0.0.1:%1/v1/").arg(server.serverPort())),
                             QStringLiteral("m"), {}, 0, 5000, 64});
    const Embeddings result = embedAndWait(embedder, {QStringLiteral("x")});
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.vectors.first(), Vector({0.5f, -0.25f, 1.0f}));
}

void TestSemanticEmbedders::remoteBatchesLargeInputs()
{
    FakeUpstream fake;
    QVERIFY(fake.start());
    RemoteEmbedder embedder({QUrl(fake.baseUrl()), QStringLiteral("m"), {}, 256, 5000, 2});
    QVERIFY(embedder.id().endsWith(QLatin1String(":d256")));
    QStringList texts;
    for (int i = 0; i < 5; ++i)
        texts << QStringLiteral("text %1").arg(i);
    const Embeddings result = embedAndWait(embedder, texts);
    // The fake answers 8-dimensional vectors although 256 were asked: a readable error.
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QLatin1String("8 dimensions, expected 256")), qPrintable(result.error));
    QCOMPARE(fake.lastRequest().json().value("dimensions").toInt(), 256);

    RemoteEmbedder plain({QUrl(fake.baseUrl()), QStringLiteral("m"), {}, 0, 5000, 2});
    fake.clearRecords();
    const Embeddings ok = embedAndWait(plain, texts);
    QVERIFY2(ok.ok(), qPrintable(ok.error));
    QCOMPARE(ok.vectors.size(), 5);
    QCOMPARE(fake.requestCount(), 3);   // 2 + 2 + 1
    QCOMPARE(QList<float>(ok.vectors[4].begin(), ok.vectors[4].end()),
             FakeUpstream::embeddingVector(fake.lastRequest().callNumber, texts[4]));
}

void TestSemanticEmbedders::remoteHttpErrorIsReadable()
{
    FakeUpstream fake;
    QVERIFY(fake.start());
    fake.setDefaultScenario(Scenario::error(429));
    RemoteEmbedder embedder({QUrl(fake.baseUrl()), QStringLiteral("m"), {}, 0, 5000, 64});
    const Embeddings result = embedAndWait(embedder, {QStringLiteral("x")});
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QLatin1String("answered 429")), qPrintable(result.error));
    QVERIFY2(result.error.contains(QLatin1String("Rate limit")), qPrintable(result.error));
}

void TestSemanticEmbedders::remoteUnreachableIsReadable()
{
    QTcpServer probe;   // a port that was free a moment ago
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    RemoteEmbedder embedder({QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(port)),
                             QStringLiteral("m"), {}, 0, 5000, 64});
    const Embeddings result = embedAndWait(embedder, {QStringLiteral("x")});
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QLatin1String("unreachable")), qPrintable(result.error));
}

void TestSemanticEmbedders::remoteTimeoutIsReadable()
{
    FakeUpstream fake;
    QVERIFY(fake.start());
    fake.setDefaultScenario(Scenario::stall());
    RemoteEmbedder embedder({QUrl(fake.baseUrl()), QStringLiteral("m"), {}, 0, 300, 64});
    const Embeddings result = embedAndWait(embedder, {QStringLiteral("x")});
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QLatin1String("did not answer within 300 ms")), qPrintable(result.error));
}

void TestSemanticEmbedders::remoteGarbageIsReadable()
{
    cachette::http::HttpServer server;
    server.setHandler([](cachette::http::HttpExchange *exchange) {
        exchange->respond(200, {{"Content-Type", "text/html"}}, "<html>login</html>");
    });
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    RemoteEmbedder embedder({QUrl(QStringLiteral("http://127.0.0.1:%1/v1").arg(server.serverPort())),
                             QStringLiteral("m"), {}, 0, 5000, 64});
    const Embeddings result = embedAndWait(embedder, {QStringLiteral("x")});
    QVERIFY(!result.ok());
    QVERIFY2(result.error.contains(QLatin1String("not an embeddings list")), qPrintable(result.error));
}

void TestSemanticEmbedders::remoteDestroyedWhileWaitingDoesNotCall()
{
    FakeUpstream fake;
    QVERIFY(fake.start());
    fake.setDefaultScenario(Scenario::slow(200));
    bool called = false;
    {
        RemoteEmbedder embedder({QUrl(fake.baseUrl()), QStringLiteral("m"), {}, 0, 5000, 64});
        embedder.embed({QStringLiteral("x")}, [&called](const Embeddings &) { called = true; });
        QTRY_COMPARE(fake.requestCount(), 1);
    }
    QTest::qWait(400);   // deliberately: past the slow answer (200 ms), which must not call back
    QVERIFY(!called);
}

// A batch of embeddings is billed: when the provider closes a warm keep-alive connection after
// reading it, the batch fails instead of going out again on a new connection (what Qt's
// QNetworkAccessManager did, issue #10).
void TestSemanticEmbedders::remoteBatchIsNeverSentTwice()
{
    RawUpstream raw;
    QVERIFY(raw.start());
    RemoteEmbedder embedder({QUrl(raw.baseUrl()), QStringLiteral("m"), {}, 0, 5000, 64});
    // The raw provider answers a chat completion: not embeddings, but the connection is warm.
    const Embeddings warm = embedAndWait(embedder, {QStringLiteral("warm up")});
    QVERIFY2(warm.error.contains(QLatin1String("not an embeddings list")), qPrintable(warm.error));
    QCOMPARE(raw.connectionCount(), 1);

    const Embeddings closed = embedAndWait(embedder, {QStringLiteral("[close] this batch")});
    QVERIFY(!closed.ok());
    QVERIFY2(closed.error.contains(QLatin1String("unreachable")), qPrintable(closed.error));
    QTest::qWait(300);   // a resend would come within milliseconds
    QCOMPARE(raw.requestCount("[close]"), 1);
    QCOMPARE(raw.requestCount(), 2);
}

// The asynchronous path end to end: add() embeds remotely and announces the vector; a lookup
// for the same text reuses it (no second call); another text is embedded by lookupAsync().
void TestSemanticEmbedders::remoteInSemanticCache()
{
    FakeUpstream fake;
    QVERIFY(fake.start());
    SemanticCache cache(std::make_unique<RemoteEmbedder>(
        RemoteEmbedderConfig{QUrl(fake.baseUrl()), QStringLiteral("nomic-embed-text"), {}, 0, 5000, 64}));
    QSignalSpy added(&cache, &SemanticCache::vectorAdded);
    const auto body = [](const QString &text) {
        return QJsonObject{{"model", "llama3"},
                           {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", text}}}}};
    };
    const QString chatEndpoint = QStringLiteral("chat/completions");
    cache.add("k1", {}, chatEndpoint, body(QStringLiteral("What is a monad?")));
    QVERIFY(added.wait(5000));
    const VectorRecord record = added.first().first().value<VectorRecord>();
    QCOMPARE(record.embedderId, cache.embedderId());
    QCOMPARE(record.vector.size(), size_t(8));
    QCOMPARE(cache.size(), 1);
    QCOMPARE(fake.requestCount(), 1);

    // A synchronous decide() cannot wait for the network: a readable error, no crash.
    const Decision sync = cache.decide({}, chatEndpoint, body(QStringLiteral("Something new")));
    QCOMPARE(sync.outcome, Decision::Outcome::EmbedderError);
    QVERIFY(sync.reason.contains(QLatin1String("asynchronously")));

    std::optional<Decision> same;
    cache.lookupAsync({}, chatEndpoint, body(QStringLiteral("What is a monad?")), this,
                      [&same](const Decision &d) { same = d; });
    QVERIFY(same.has_value());   // known vector: answered at once
    QCOMPARE(same->outcome, Decision::Outcome::Hit);
    QCOMPARE(fake.requestCount(), 1);

    std::optional<Decision> other;
    cache.lookupAsync({}, chatEndpoint, body(QStringLiteral("Explain functors")), this,
                      [&other](const Decision &d) { other = d; });
    QTRY_VERIFY(other.has_value());
    QCOMPARE(fake.requestCount(), 2);
    QCOMPARE(other->candidates.size(), size_t(1));
    QVERIFY(other->candidates[0].similarity < 1.0f);

    fake.setDefaultScenario(Scenario::error(500));
    std::optional<Decision> failed;
    cache.lookupAsync({}, chatEndpoint, body(QStringLiteral("Yet another question")), this,
                      [&failed](const Decision &d) { failed = d; });
    QTRY_VERIFY(failed.has_value());
    QCOMPARE(failed->outcome, Decision::Outcome::EmbedderError);
    QVERIFY(failed->reason.contains(QLatin1String("answered 500")));
}

QTEST_GUILESS_MAIN(TestSemanticEmbedders)
#include "TestSemanticEmbedders.moc"
