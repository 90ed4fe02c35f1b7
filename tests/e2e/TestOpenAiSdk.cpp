// The real official OpenAI Node SDK (npm "openai", pinned in tests/sdk/package.json) against the
// real binary in front of the fake upstream: tests/sdk/openai-node-check.mjs makes the calls
// (plain chat, Open Interpreter's streamed execute() tool calls, a cross-mode hit, a stream with
// include_usage, base64 embeddings, client.responses.create JSON and streamed with a function
// tool) and prints one JSON object; this suite judges it.
//
// initTestCase installs the SDK with `npm ci` into <build>/tests/sdk-node (the npm registry must
// be reachable); node and npm come from ./packaging/install-deps.sh.

#include "e2e.h"

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QUuid>
#include <QtTest>

#include <memory>

#ifndef CACHETTE_SDK_DIR
#define CACHETTE_SDK_DIR ""
#endif

using namespace cachette::test;

namespace {

const QByteArray kChatPath = QByteArrayLiteral("/v1/chat/completions");
const QByteArray kEmbeddingsPath = QByteArrayLiteral("/v1/embeddings");
const QString kScript = QStringLiteral("openai-node-check.mjs");
const QString kInstallHint = QStringLiteral("run ./packaging/install-deps.sh (it installs nodejs and npm)");

QString compactText(const QJsonValue &value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    return value.toVariant().toString();
}

// The fake's tool_calls array in the script's flat form: [{index, id, type, name, arguments}].
QJsonArray flatToolCalls(const QJsonArray &calls)
{
    QJsonArray out;
    for (qsizetype i = 0; i < calls.size(); ++i) {
        const QJsonObject call = calls.at(i).toObject();
        const QJsonObject function = call.value(QLatin1String("function")).toObject();
        out.append(QJsonObject{{"index", int(i)},
                               {"id", call.value(QLatin1String("id"))},
                               {"type", call.value(QLatin1String("type"))},
                               {"name", function.value(QLatin1String("name"))},
                               {"arguments", function.value(QLatin1String("arguments"))}});
    }
    return out;
}

QString cachetteHeader(const QJsonObject &call)
{
    return call.value(QLatin1String("headers")).toObject().value(QLatin1String("x-cachette")).toString();
}

// Copies src over dst (QFile::copy does not overwrite).
bool copyOver(const QString &src, const QString &dst, QString *error)
{
    QFile::remove(dst);
    QFile file(src);
    if (!file.copy(dst)) {
        *error = QStringLiteral("cannot copy %1 to %2: %3").arg(src, dst, file.errorString());
        return false;
    }
    return true;
}

} // namespace

#define REQUIRE_SDK_RUN()                                                                          \
    QVERIFY2(m_ran, "the SDK run failed (see runSdkAgainstProxy): nothing to check")

// QCOMPARE-like for JSON values, with both sides in the message.
#define COMPARE_JSON(actual, expected)                                                             \
    QVERIFY2((actual) == (expected),                                                               \
             qPrintable(QStringLiteral("\n  actual:   %1\n  expected: %2")                         \
                            .arg(compactText(QJsonValue(actual)), compactText(QJsonValue(expected)))))

class TestOpenAiSdk : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void runSdkAgainstProxy();
    void chatMissThenHit();
    void streamedToolCallsReplayed();
    void nonStreamHitAssemblesStreamedToolCalls();
    void usageChunkWhenAsked();
    void base64EmbeddingsDecodedIdentically();
    void upstreamCalledOncePerDistinctRequest();
    void apiKeyNeverStored();
    void droppedStreamRaisesInTheSdk();
    void responsesCachedBothWays();
    void cleanupTestCase();

private:
    // The recorded upstream request matching pred (nullptr when none).
    template<typename Pred>
    const RecordedRequest *findRequest(Pred pred) const
    {
        for (const RecordedRequest &r : m_requests) {
            if (pred(r))
                return &r;
        }
        return nullptr;
    }
    const RecordedRequest *toolsRequest() const;

    QString m_node;
    QString m_npm;
    QString m_installDir;   // <build>/tests/sdk-node: package.json, lock, script, node_modules
    QString m_apiKey;

    std::unique_ptr<FakeUpstream> m_upstream;
    std::unique_ptr<CachetteProcess> m_proxy;
    QList<RecordedRequest> m_requests;
    QJsonObject m_results;
    QStringList m_filesWithKey;
    int m_dataFiles = 0;
    bool m_ran = false;
};

void TestOpenAiSdk::initTestCase()
{
    E2E_REQUIRE_BINARY();

    m_node = QStandardPaths::findExecutable(QStringLiteral("node"));
    if (m_node.isEmpty())
        m_node = QStandardPaths::findExecutable(QStringLiteral("nodejs"));
    QVERIFY2(!m_node.isEmpty(), qPrintable(QStringLiteral("Node.js (node) is not in PATH: ") + kInstallHint));
    m_npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
    QVERIFY2(!m_npm.isEmpty(), qPrintable(QStringLiteral("npm is not in PATH: ") + kInstallHint));

    const QString sdkDir = QStringLiteral(CACHETTE_SDK_DIR);
    QVERIFY2(!sdkDir.isEmpty(), "CACHETTE_SDK_DIR is not defined: build through tests/CMakeLists.txt");
    for (const QString &name : {QStringLiteral("package.json"), QStringLiteral("package-lock.json"), kScript})
        QVERIFY2(QFileInfo::exists(sdkDir + QLatin1Char('/') + name),
                 qPrintable(QStringLiteral("missing %1/%2").arg(sdkDir, name)));

    // The script runs from the install dir so that `import 'openai'` finds its node_modules
    // (ES modules resolve from the importing file, not from NODE_PATH).
    m_installDir = QCoreApplication::applicationDirPath() + QStringLiteral("/sdk-node");
    QVERIFY2(QDir().mkpath(m_installDir), qPrintable(m_installDir));
    QString error;
    for (const QString &name : {QStringLiteral("package.json"), QStringLiteral("package-lock.json"), kScript})
        QVERIFY2(copyOver(sdkDir + QLatin1Char('/') + name, m_installDir + QLatin1Char('/') + name, &error),
                 qPrintable(error));

    QProcess npm;
    npm.setProgram(m_npm);
    npm.setArguments({QStringLiteral("ci"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
                      QStringLiteral("--prefix"), m_installDir});
    npm.setWorkingDirectory(m_installDir);
    npm.setProcessChannelMode(QProcess::MergedChannels);
    npm.start();
    QVERIFY2(npm.waitForStarted(30'000), qPrintable(QStringLiteral("cannot start npm: ") + npm.errorString()));
    if (!npm.waitForFinished(180'000)) {
        npm.kill();
        npm.waitForFinished(5000);
        QFAIL(qPrintable(QStringLiteral("npm ci did not finish within 3 minutes (is the npm registry reachable?):\n")
                         + QString::fromUtf8(npm.readAll().right(4000))));
    }
    const QByteArray npmOutput = npm.readAll();
    QVERIFY2(npm.exitStatus() == QProcess::NormalExit && npm.exitCode() == 0,
             qPrintable(QStringLiteral("npm ci --prefix %1 failed (exit code %2):\n%3")
                            .arg(m_installDir).arg(npm.exitCode()).arg(QString::fromUtf8(npmOutput.right(4000)))));
    QVERIFY2(QFileInfo::exists(m_installDir + QStringLiteral("/node_modules/openai/package.json")),
             qPrintable(QStringLiteral("npm ci left no node_modules/openai in ") + m_installDir));
}

void TestOpenAiSdk::runSdkAgainstProxy()
{
    m_upstream = std::make_unique<FakeUpstream>();
    QString error;
    QVERIFY2(m_upstream->start(&error), qPrintable(QStringLiteral("fake upstream: ") + error));
    Scenario quick;
    quick.chunkDelayMs = 5;
    m_upstream->setDefaultScenario(quick);
    Scenario tools = Scenario::withToolCalls();   // two parallel execute(language, code) calls
    tools.chunkDelayMs = 5;
    m_upstream->setScenarioForModel(QStringLiteral("gpt-4o"), tools);
    m_upstream->setScenarioForModel(QStringLiteral("gpt-5-tools"), tools);
    m_upstream->setScenarioForModel(QStringLiteral("gpt-4o-dropped"), Scenario::dropMidStream(3));

    m_proxy = std::make_unique<CachetteProcess>(m_upstream->baseUrl());
    QVERIFY2(m_proxy->start(&error), qPrintable(error));

    m_apiKey = QStringLiteral("sk-cachette-sdk-") + QUuid::createUuid().toString(QUuid::Id128);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("OPENAI_BASE_URL"));
    env.remove(QStringLiteral("OPENAI_API_KEY"));
    env.remove(QStringLiteral("OPENAI_ORG_ID"));
    env.remove(QStringLiteral("OPENAI_PROJECT_ID"));
    env.insert(QStringLiteral("CACHETTE_BASE_URL"), m_proxy->baseUrl());
    env.insert(QStringLiteral("CACHETTE_API_KEY"), m_apiKey);
    env.insert(QStringLiteral("NODE_PATH"), m_installDir + QStringLiteral("/node_modules"));

    QProcess node;
    node.setProgram(m_node);
    node.setArguments({m_installDir + QLatin1Char('/') + kScript});
    node.setWorkingDirectory(m_installDir);
    node.setProcessEnvironment(env);
    node.start();
    QVERIFY2(node.waitForStarted(30'000), qPrintable(QStringLiteral("cannot start node: ") + node.errorString()));
    // Not waitForFinished(): the fake upstream answers from this thread's event loop.
    const bool finished = QTest::qWaitFor([&] { return node.state() == QProcess::NotRunning; }, 120'000);
    if (!finished) {
        node.kill();
        node.waitForFinished(5000);
    }
    const QByteArray out = node.readAllStandardOutput();
    const QByteArray err = node.readAllStandardError();
    const QString output = QStringLiteral("\n--- node stdout ---\n%1\n--- node stderr ---\n%2")
                               .arg(QString::fromUtf8(out.right(6000)), QString::fromUtf8(err.right(6000)));
    QVERIFY2(finished, qPrintable(QStringLiteral("node did not finish within 2 minutes") + output));

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(out.trimmed(), &parseError);
    QVERIFY2(parseError.error == QJsonParseError::NoError && doc.isObject(),
             qPrintable(QStringLiteral("the script printed no JSON object (%1)").arg(parseError.errorString()) + output));
    m_results = doc.object();
    QVERIFY2(m_results.value(QLatin1String("ok")).toBool() && node.exitCode() == 0,
             qPrintable(QStringLiteral("the SDK threw: ") + compactText(m_results.value(QLatin1String("error"))) + output));
    qInfo().noquote() << "SDK" << m_results.value(QLatin1String("sdk")).toString()
                      << m_results.value(QLatin1String("sdkVersion")).toString() << "on node"
                      << m_results.value(QLatin1String("node")).toString();

    m_requests = m_upstream->requests();
    QVERIFY2(m_upstream->openExchanges() == 0, "an upstream exchange is still open after the script ended");

    // Stop cleanly (flushes the store), then look for the key in every file of the data dir.
    QVERIFY2(m_proxy->stop(&error), qPrintable(error));
    const QByteArray key = m_apiKey.toUtf8();
    QDirIterator it(m_proxy->dataDir(), QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(path + QStringLiteral(": ") + file.errorString()));
        ++m_dataFiles;
        if (file.readAll().contains(key))
            m_filesWithKey << QDir(m_proxy->dataDir()).relativeFilePath(path);
    }
    m_ran = true;
}

void TestOpenAiSdk::chatMissThenHit()
{
    REQUIRE_SDK_RUN();
    const QJsonArray chat = m_results.value(QLatin1String("chat")).toArray();
    QCOMPARE(chat.size(), 2);
    const QJsonObject miss = chat.at(0).toObject();
    const QJsonObject hit = chat.at(1).toObject();
    QVERIFY2(miss.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(miss) == QLatin1String("miss"),
             qPrintable(compactText(miss)));
    QVERIFY2(hit.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(hit) == QLatin1String("hit"),
             qPrintable(compactText(hit)));
    const QString missKey = miss.value(QLatin1String("headers"))[QLatin1String("x-cachette-key")].toString();
    if (!missKey.isEmpty())
        QCOMPARE(hit.value(QLatin1String("headers"))[QLatin1String("x-cachette-key")].toString(), missKey);

    const RecordedRequest *sent = findRequest([](const RecordedRequest &r) {
        return r.path == kChatPath && !r.json().contains(QLatin1String("stream"));
    });
    QVERIFY2(sent, "the fake upstream never saw the plain chat request");
    const QString expected = FakeUpstream::answerText(sent->callNumber, FakeUpstream::promptOf(kChatPath, sent->json()));
    QCOMPARE(miss.value(QLatin1String("content")).toString(), expected);
    QCOMPARE(hit.value(QLatin1String("content")).toString(), expected);
    QCOMPARE(hit.value(QLatin1String("id")).toString(), miss.value(QLatin1String("id")).toString());
    QCOMPARE(hit.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
    QCOMPARE(hit.value(QLatin1String("finishReason")).toString(), QStringLiteral("stop"));
    COMPARE_JSON(hit.value(QLatin1String("usage")), miss.value(QLatin1String("usage")));
}

const RecordedRequest *TestOpenAiSdk::toolsRequest() const
{
    return findRequest([](const RecordedRequest &r) {
        return r.path == kChatPath && r.json().value(QLatin1String("tools")).isArray();
    });
}

void TestOpenAiSdk::streamedToolCallsReplayed()
{
    REQUIRE_SDK_RUN();
    const QJsonArray streams = m_results.value(QLatin1String("toolsStream")).toArray();
    QCOMPARE(streams.size(), 2);
    const QJsonObject miss = streams.at(0).toObject();
    const QJsonObject hit = streams.at(1).toObject();
    QVERIFY2(miss.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(miss) == QLatin1String("miss"),
             qPrintable(compactText(miss)));
    QVERIFY2(hit.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(hit) == QLatin1String("hit"),
             qPrintable(compactText(hit)));
    for (const QJsonObject &s : {miss, hit}) {
        QVERIFY2(s.value(QLatin1String("contentType")).toString().startsWith(QLatin1String("text/event-stream")),
                 qPrintable(s.value(QLatin1String("contentType")).toString()));
        QCOMPARE(s.value(QLatin1String("finishReason")).toString(), QStringLiteral("tool_calls"));
        QCOMPARE(s.value(QLatin1String("role")).toString(), QStringLiteral("assistant"));
        QCOMPARE(s.value(QLatin1String("usageChunks")).toInt(), 0);   // not asked for
        COMPARE_JSON(s.value(QLatin1String("objects")), QJsonArray{QStringLiteral("chat.completion.chunk")});
    }

    const RecordedRequest *sent = toolsRequest();
    QVERIFY2(sent, "the fake upstream never saw the tools request");
    QVERIFY(sent->json().value(QLatin1String("stream")).toBool());
    const QJsonArray expected = flatToolCalls(FakeUpstream::toolCalls(sent->callNumber));
    QCOMPARE(expected.size(), 2);
    COMPARE_JSON(miss.value(QLatin1String("toolCalls")), expected);
    COMPARE_JSON(hit.value(QLatin1String("toolCalls")), expected);
    const QString text = FakeUpstream::answerText(sent->callNumber, FakeUpstream::promptOf(kChatPath, sent->json()));
    QCOMPARE(miss.value(QLatin1String("content")).toString(), text);
    QCOMPARE(hit.value(QLatin1String("content")).toString(), text);

    // Same number of chunks, and the arguments really came in many pieces.
    const int chunks = miss.value(QLatin1String("chunks")).toInt();
    QCOMPARE(hit.value(QLatin1String("chunks")).toInt(), chunks);
    QJsonObject asked = sent->json();
    asked.remove(QStringLiteral("stream_options"));   // the proxy's own request for usage
    const QList<QByteArray> frames = FakeUpstream::streamFrames(sent->callNumber, kChatPath, asked, Scenario::withToolCalls());
    QCOMPARE(chunks, int(frames.size()) - 1);   // every frame but [DONE]
    QVERIFY2(chunks > 20, qPrintable(QString::number(chunks)));
}

void TestOpenAiSdk::nonStreamHitAssemblesStreamedToolCalls()
{
    REQUIRE_SDK_RUN();
    const QJsonObject whole = m_results.value(QLatin1String("crossMode")).toObject();
    QVERIFY2(whole.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(whole) == QLatin1String("hit"),
             qPrintable(compactText(whole)));
    QVERIFY2(whole.value(QLatin1String("contentType")).toString().contains(QLatin1String("application/json")),
             qPrintable(whole.value(QLatin1String("contentType")).toString()));
    QCOMPARE(whole.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
    QCOMPARE(whole.value(QLatin1String("role")).toString(), QStringLiteral("assistant"));
    QCOMPARE(whole.value(QLatin1String("finishReason")).toString(), QStringLiteral("tool_calls"));

    const QJsonObject streamedMiss = m_results.value(QLatin1String("toolsStream")).toArray().at(0).toObject();
    COMPARE_JSON(whole.value(QLatin1String("toolCalls")), streamedMiss.value(QLatin1String("toolCalls")));
    QCOMPARE(whole.value(QLatin1String("content")).toString(), streamedMiss.value(QLatin1String("content")).toString());
    const RecordedRequest *sent = toolsRequest();
    QVERIFY(sent);
    COMPARE_JSON(whole.value(QLatin1String("toolCalls")), flatToolCalls(FakeUpstream::toolCalls(sent->callNumber)));
    // The usage the proxy asked the upstream for ends up in the assembled answer.
    QVERIFY2(whole.value(QLatin1String("usage"))[QLatin1String("total_tokens")].toInt() > 0,
             qPrintable(compactText(whole)));
}

void TestOpenAiSdk::usageChunkWhenAsked()
{
    REQUIRE_SDK_RUN();
    const QJsonObject usage = m_results.value(QLatin1String("usageStream")).toObject();
    const QJsonObject fresh = usage.value(QLatin1String("fresh")).toObject();
    const QJsonObject recorded = usage.value(QLatin1String("recorded")).toObject();

    // A new request asking include_usage: relayed from the upstream with its usage chunk.
    QVERIFY2(fresh.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(fresh) == QLatin1String("miss"),
             qPrintable(compactText(fresh)));
    QVERIFY2(fresh.value(QLatin1String("usageChunks")).toInt() == 1, qPrintable(compactText(fresh)));
    const RecordedRequest *sent = findRequest([](const RecordedRequest &r) {
        return r.path == kChatPath && r.json().value(QLatin1String("stream_options"))[QLatin1String("include_usage")].toBool()
               && !r.json().contains(QLatin1String("tools"));
    });
    QVERIFY2(sent, "the fake upstream never saw the include_usage request");
    QJsonObject expectedUsage;
    for (const QByteArray &frame : FakeUpstream::streamFrames(sent->callNumber, kChatPath, sent->json(), Scenario())) {
        const QJsonObject o = parseObject(frame.mid(6).trimmed());
        if (o.value(QLatin1String("usage")).isObject())
            expectedUsage = o.value(QLatin1String("usage")).toObject();
    }
    QVERIFY(!expectedUsage.isEmpty());
    COMPARE_JSON(fresh.value(QLatin1String("usage")), expectedUsage);
    QCOMPARE(fresh.value(QLatin1String("finishReason")).toString(), QStringLiteral("stop"));
    QCOMPARE(fresh.value(QLatin1String("content")).toString(),
             FakeUpstream::answerText(sent->callNumber, FakeUpstream::promptOf(kChatPath, sent->json())));

    // The streamed tools entry, asked again with include_usage: a hit that carries the usage chunk
    // the proxy recorded, one chunk more than the plain replay.
    QVERIFY2(recorded.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(recorded) == QLatin1String("hit"),
             qPrintable(compactText(recorded)));
    QVERIFY2(recorded.value(QLatin1String("usageChunks")).toInt() == 1, qPrintable(compactText(recorded)));
    QVERIFY2(recorded.value(QLatin1String("usage"))[QLatin1String("total_tokens")].toInt() > 0, qPrintable(compactText(recorded)));
    const QJsonObject streamedHit = m_results.value(QLatin1String("toolsStream")).toArray().at(1).toObject();
    COMPARE_JSON(recorded.value(QLatin1String("toolCalls")), streamedHit.value(QLatin1String("toolCalls")));
    QCOMPARE(recorded.value(QLatin1String("finishReason")).toString(), QStringLiteral("tool_calls"));
    QCOMPARE(recorded.value(QLatin1String("chunks")).toInt(), streamedHit.value(QLatin1String("chunks")).toInt() + 1);
    COMPARE_JSON(recorded.value(QLatin1String("usage")),
                 m_results.value(QLatin1String("crossMode"))[QLatin1String("usage")]);
}

void TestOpenAiSdk::base64EmbeddingsDecodedIdentically()
{
    REQUIRE_SDK_RUN();
    const QJsonArray calls = m_results.value(QLatin1String("embeddings")).toArray();
    QCOMPARE(calls.size(), 2);
    const QJsonObject miss = calls.at(0).toObject();
    const QJsonObject hit = calls.at(1).toObject();
    QVERIFY2(miss.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(miss) == QLatin1String("miss"),
             qPrintable(compactText(miss)));
    QVERIFY2(hit.value(QLatin1String("status")).toInt() == 200 && cachetteHeader(hit) == QLatin1String("hit"),
             qPrintable(compactText(hit)));

    const RecordedRequest *sent = findRequest([](const RecordedRequest &r) { return r.path == kEmbeddingsPath; });
    QVERIFY2(sent, "the fake upstream never saw the embeddings request");
    // The SDK's default: it asks for base64 and decodes the floats itself.
    QCOMPARE(sent->json().value(QLatin1String("encoding_format")).toString(), QStringLiteral("base64"));

    QJsonArray expected;
    for (float f : FakeUpstream::embeddingVector(sent->callNumber, FakeUpstream::promptOf(kEmbeddingsPath, sent->json())))
        expected.append(double(f));
    for (const QJsonObject &call : {miss, hit}) {
        QVERIFY2(call.value(QLatin1String("isArray")).toBool(), "the SDK did not decode the embedding to an array");
        QCOMPARE(call.value(QLatin1String("count")).toInt(), 1);
        COMPARE_JSON(call.value(QLatin1String("embedding")), expected);
    }
    COMPARE_JSON(hit.value(QLatin1String("embedding")), miss.value(QLatin1String("embedding")));
    COMPARE_JSON(hit.value(QLatin1String("usage")), miss.value(QLatin1String("usage")));
}

void TestOpenAiSdk::upstreamCalledOncePerDistinctRequest()
{
    REQUIRE_SDK_RUN();
    // Distinct requests: plain chat, streamed tools, streamed include_usage, embeddings, the
    // dropped stream, two Responses requests. The second of each pair, the cross-mode calls and
    // the tools stream with include_usage are hits.
    QStringList seen;
    for (const RecordedRequest &r : std::as_const(m_requests))
        seen << QStringLiteral("#%1 %2 %3 %4").arg(r.callNumber).arg(QString::fromLatin1(r.method),
                                                                    QString::fromLatin1(r.target),
                                                                    QString::fromUtf8(r.body.left(160)));
    const QString list = seen.join(QLatin1Char('\n'));
    QVERIFY2(m_requests.size() == 7, qPrintable(QStringLiteral("%1 upstream calls:\n").arg(m_requests.size()) + list));
    int chat = 0, embeddings = 0;
    for (const RecordedRequest &r : std::as_const(m_requests)) {
        chat += r.path == kChatPath ? 1 : 0;
        embeddings += r.path == kEmbeddingsPath ? 1 : 0;
        // The client's key reaches the upstream.
        QVERIFY2(r.header("Authorization") == "Bearer " + m_apiKey.toUtf8(),
                 qPrintable(QStringLiteral("call #%1 Authorization: %2").arg(r.callNumber).arg(QString::fromUtf8(r.header("Authorization")))));
    }
    QVERIFY2(chat == 4 && embeddings == 1, qPrintable(list));
}

void TestOpenAiSdk::apiKeyNeverStored()
{
    REQUIRE_SDK_RUN();
    QVERIFY2(m_dataFiles > 0, "the data dir holds no file: the check would prove nothing");
    QVERIFY2(m_filesWithKey.isEmpty(),
             qPrintable(QStringLiteral("the API key was written to: ") + m_filesWithKey.join(QStringLiteral(", "))));
}

void TestOpenAiSdk::droppedStreamRaisesInTheSdk()
{
    REQUIRE_SDK_RUN();
    const QJsonObject dropped = m_results.value(QLatin1String("droppedStream")).toObject();
    QVERIFY2(dropped.value(QLatin1String("threw")).toBool(),
             qPrintable(QStringLiteral("the SDK took a cut stream for a whole one: ") + compactText(dropped)));
    QCOMPARE(dropped.value(QLatin1String("name")).toString(), QStringLiteral("APIError"));
    const QString message = dropped.value(QLatin1String("message")).toString();
    QVERIFY2(message.contains(QLatin1String("closed the connection after")), qPrintable(message));
    QVERIFY2(dropped.value(QLatin1String("chunks")).toInt() > 0, qPrintable(compactText(dropped)));
}

// client.responses.create, JSON and streamed, with a function tool: each distinct request
// reaches the provider once, and the SDK sees the same text, function call and reasoning
// encrypted_content from the cache as from the provider, in both modes.
void TestOpenAiSdk::responsesCachedBothWays()
{
    REQUIRE_SDK_RUN();
    const QJsonObject r = m_results.value(QLatin1String("responses")).toObject();
    const QJsonObject json = r.value(QLatin1String("json")).toObject();
    const QJsonObject streamFromJson = r.value(QLatin1String("streamFromJson")).toObject();
    const QJsonObject stream = r.value(QLatin1String("stream")).toObject();
    const QJsonObject streamAgain = r.value(QLatin1String("streamAgain")).toObject();
    const QJsonObject jsonFromStream = r.value(QLatin1String("jsonFromStream")).toObject();
    const QStringList expected{QStringLiteral("miss"), QStringLiteral("hit"), QStringLiteral("miss"),
                               QStringLiteral("hit"), QStringLiteral("hit")};
    QStringList seen;
    for (const QJsonObject &call : {json, streamFromJson, stream, streamAgain, jsonFromStream})
        seen << cachetteHeader(call);
    QVERIFY2(seen == expected, qPrintable(compactText(r)));

    const QList<const RecordedRequest *> sent = {
        findRequest([](const RecordedRequest &q) { return q.path == "/v1/responses" && !q.json().contains("stream"); }),
        findRequest([](const RecordedRequest &q) { return q.path == "/v1/responses" && q.json().contains("stream"); })};
    QVERIFY(sent[0] && sent[1]);
    QCOMPARE(std::count_if(m_requests.cbegin(), m_requests.cend(),
                           [](const RecordedRequest &q) { return q.path == "/v1/responses"; }), 2);
    for (int i = 0; i < 2; ++i) {
        const int n = sent[i]->callNumber;
        const QString text = FakeUpstream::answerText(n, FakeUpstream::promptOf("/v1/responses", sent[i]->json()));
        const QJsonArray calls{QJsonObject{{"call_id", QStringLiteral("call_fake_%1").arg(n)}, {"name", "execute"},
                                           {"arguments", FakeUpstream::responsesArguments(n)}}};
        const auto &pair = i == 0 ? QList<QJsonObject>{json, streamFromJson} : QList<QJsonObject>{stream, streamAgain, jsonFromStream};
        for (const QJsonObject &call : pair) {
            QCOMPARE(call.value(QLatin1String("text")).toString(), text);
            COMPARE_JSON(call.value(QLatin1String("functionCalls")), QJsonValue(calls));
            QCOMPARE(call.value(QLatin1String("encryptedContent")).toString(), FakeUpstream::responsesEncryptedContent(n));
            QCOMPARE(call.value(QLatin1String("id")).toString(), QStringLiteral("resp_fake_%1").arg(n));
        }
    }
    QCOMPARE(streamFromJson.value(QLatin1String("arguments")).toString(), FakeUpstream::responsesArguments(sent[0]->callNumber));
    COMPARE_JSON(streamAgain.value(QLatin1String("events")), stream.value(QLatin1String("events")));
    COMPARE_JSON(jsonFromStream.value(QLatin1String("usage")), stream.value(QLatin1String("usage")));
}

void TestOpenAiSdk::cleanupTestCase()
{
    m_proxy.reset();
    m_upstream.reset();
}

QTEST_GUILESS_MAIN(TestOpenAiSdk)
#include "TestOpenAiSdk.moc"
