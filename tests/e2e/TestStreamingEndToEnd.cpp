// Streaming through the real binary: relay chunk by chunk, record, replay, usage handling,
// cross-mode hits, failures that must store nothing, client disconnects, coalescing.

#include "e2e.h"

#include <QtTest>

using namespace cachette::test;

namespace {

const QString kChat = QStringLiteral("/v1/chat/completions");
const QString kCompletions = QStringLiteral("/v1/completions");

// The usage chunk the fake sent for a streamed request it recorded.
QJsonObject upstreamUsage(const RecordedRequest &request, const Scenario &scenario)
{
    const QList<QByteArray> frames = FakeUpstream::streamFrames(request.callNumber, request.path,
                                                                request.json(), scenario);
    for (const QByteArray &frame : frames) {
        const QJsonObject o = parseObject(frame.mid(6).trimmed());
        if (o.value(QLatin1String("usage")).isObject())
            return o.value(QLatin1String("usage")).toObject();
    }
    return {};
}

QJsonObject withoutStreamOptions(QJsonObject o)
{
    o.remove(QStringLiteral("stream_options"));
    return o;
}

QString joined(const QList<QByteArray> &list)
{
    QStringList out;
    for (const QByteArray &b : list)
        out << QString::fromUtf8(b);
    return out.join(QLatin1Char('\n'));
}

} // namespace

#define COMPARE_EVENTS(actual, expected)                                                           \
    QVERIFY2((actual) == (expected), qPrintable(QStringLiteral("events differ\n--- actual ---\n%1\n--- expected ---\n%2") \
                                                     .arg(joined(actual), joined(expected))))

class TestStreamingEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void missIsRelayedChunkByChunk();
    void hitReplaysSameEvents_data();
    void hitReplaysSameEvents();
    void usageRequestedUpstreamButNotRelayed();
    void clientAskingUsageGetsIt();
    void openRouterCommentsPassThrough();
    void completionsStreamCached();
    void streamRequestHitsNonStreamEntry();
    void nonStreamRequestHitsStreamEntry();
    void droppedStreamNotCached();
    void errorEventNotCached();
    void stalledUpstreamTimesOut();
    void stalledStreamMidwayNotCached();
    void clientDisconnectAbortsUpstream();
    void identicalStreamsCoalesce();
    void identicalNonStreamCoalesce();
};

void TestStreamingEndToEnd::initTestCase()
{
    E2E_REQUIRE_BINARY();
}

void TestStreamingEndToEnd::missIsRelayedChunkByChunk()
{
    E2E_START_UPSTREAM(upstream);
    Scenario paced;
    paced.chunkDelayMs = 120;
    upstream.setDefaultScenario(paced);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("tell me a short story please")));

    const HttpResult miss = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
    QVERIFY2(miss.header("Content-Type").startsWith("text/event-stream"), miss.header("Content-Type").constData());
    QVERIFY2(!miss.header("X-Cachette-Key").isEmpty(), "a streamed miss names its key");
    QVERIFY2(miss.sawDone(), qPrintable(miss.describe()));
    QCOMPARE(upstream.requestCount(), 1);

    const AssembledAnswer answer = AssembledAnswer::fromEvents(miss.events);
    QCOMPARE(answer.content, QStringLiteral("answer #1 to: tell me a short story please"));
    QCOMPARE(answer.finishReason, QStringLiteral("stop"));
    QCOMPARE(answer.role, QStringLiteral("assistant"));
    QVERIFY2(answer.contentDeltas >= 5, qPrintable(answer.describe()));

    // Chunk by chunk: the first event reached the client long before the upstream was done.
    const RecordedRequest &seen = upstream.lastRequest();
    QVERIFY(seen.finishedAtMs > 0);
    const qint64 first = miss.eventTimesMs.constFirst();
    const qint64 last = miss.eventTimesMs.constLast();
    QVERIFY2(first + 600 < seen.finishedAtMs,
             qPrintable(QStringLiteral("first event at %1 ms, upstream finished at %2 ms: the proxy buffered the stream")
                            .arg(first - seen.receivedAtMs).arg(seen.finishedAtMs - seen.receivedAtMs)));
    QVERIFY2(last - first >= 600, qPrintable(QStringLiteral("events spread over only %1 ms").arg(last - first)));
    // The relayed events are the upstream's, byte for byte (minus the usage chunk it asked for).
    Scenario upstreamView = paced;
    const QList<QByteArray> frames = FakeUpstream::streamFrames(1, "/v1/chat/completions", body, upstreamView);
    QList<QByteArray> expected;
    for (const QByteArray &frame : frames)
        expected << frame.mid(6, frame.size() - 8);   // "data: " … "\n\n"
    COMPARE_EVENTS(miss.dataEvents(), expected);

    // And it was recorded: the same request is now a hit.
    const HttpResult hit = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
    QCOMPARE(hit.header("X-Cachette-Key"), miss.header("X-Cachette-Key"));
    QVERIFY2(hit.header("Content-Type").startsWith("text/event-stream"), hit.header("Content-Type").constData());
    COMPARE_EVENTS(hit.dataEvents(), miss.dataEvents());
    QCOMPARE(upstream.requestCount(), 1);
}

void TestStreamingEndToEnd::hitReplaysSameEvents_data()
{
    QTest::addColumn<bool>("toolCalls");
    QTest::newRow("text") << false;
    QTest::newRow("parallel tool calls") << true;
}

void TestStreamingEndToEnd::hitReplaysSameEvents()
{
    QFETCH(bool, toolCalls);
    E2E_START_UPSTREAM(upstream);
    Scenario scenario;
    scenario.toolCalls = toolCalls;
    scenario.chunkDelayMs = 5;
    upstream.setDefaultScenario(scenario);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    // As Open Interpreter sends it: stream, tools, no temperature, no stream_options.
    QJsonObject body = streamed(chatBody(QStringLiteral("list the files here"), QStringLiteral("openai/gpt-4o")));
    const QJsonObject executeTool{
        {"type", "function"},
        {"function", QJsonObject{{"name", "execute"},
                                 {"description", "Executes code on the user's machine"},
                                 {"parameters", QJsonObject{{"type", "object"},
                                                            {"properties", QJsonObject{{"language", QJsonObject{{"type", "string"}}},
                                                                                       {"code", QJsonObject{{"type", "string"}}}}},
                                                            {"required", QJsonArray{"language", "code"}}}}}}};
    body.insert(QStringLiteral("tools"), QJsonArray{executeTool});

    const HttpResult miss = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss" && miss.sawDone(), miss);
    const HttpResult hit = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit" && hit.sawDone(), hit);
    QCOMPARE(upstream.requestCount(), 1);

    COMPARE_EVENTS(hit.dataEvents(), miss.dataEvents());
    QVERIFY2(miss.usageChunks().isEmpty(), "the client did not ask for usage");
    QVERIFY2(hit.usageChunks().isEmpty(), "the client did not ask for usage");

    const AssembledAnswer a = AssembledAnswer::fromEvents(hit.events);
    QCOMPARE(a.content, QStringLiteral("answer #1 to: list the files here"));
    if (toolCalls) {
        QCOMPARE(a.finishReason, QStringLiteral("tool_calls"));
        QCOMPARE(a.toolCalls, FakeUpstream::toolCalls(1));
        int toolDeltas = 0;
        for (const QByteArray &d : hit.dataEvents())
            toolDeltas += d.contains("\"tool_calls\"") ? 1 : 0;
        QVERIFY2(toolDeltas > 10, "the arguments arrive split over many deltas, as recorded");
    } else {
        QCOMPARE(a.finishReason, QStringLiteral("stop"));
        QVERIFY(a.toolCalls.isEmpty());
    }
}

void TestStreamingEndToEnd::usageRequestedUpstreamButNotRelayed()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("count tokens")));

    const HttpResult miss = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(miss.status == 200 && miss.sawDone(), miss);
    QCOMPARE(upstream.requestCount(), 1);
    const QJsonObject sent = upstream.lastRequest().json();
    QVERIFY2(sent.value(QLatin1String("stream_options"))[QLatin1String("include_usage")].toBool(),
             qPrintable(QStringLiteral("upstream got: ") + QString::fromUtf8(upstream.lastRequest().body)));
    QCOMPARE(withoutStreamOptions(sent), body);   // nothing else changed
    QVERIFY2(miss.usageChunks().isEmpty(), qPrintable(QStringLiteral("usage chunk relayed: ") + joined(miss.dataEvents())));
    for (const QByteArray &d : miss.dataEvents())
        QVERIFY2(!parseObject(d).value(QLatin1String("usage")).isObject(), d.constData());

    const HttpResult hit = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit" && hit.sawDone(), hit);
    QVERIFY2(hit.usageChunks().isEmpty(), qPrintable(QStringLiteral("usage chunk replayed: ") + joined(hit.dataEvents())));
}

void TestStreamingEndToEnd::clientAskingUsageGetsIt()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("count my tokens")), true);
    const QByteArray bytes = toJson(body);

    const HttpResult miss = client.postStream(kChat, bytes);
    E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss" && miss.sawDone(), miss);
    QCOMPARE(upstream.lastRequest().body, bytes);   // already asked: nothing to inject
    const QJsonObject expectedUsage = upstreamUsage(upstream.lastRequest(), Scenario());
    QVERIFY(!expectedUsage.isEmpty());
    QCOMPARE(miss.usageChunks().size(), 1);
    QCOMPARE(miss.usageChunks().at(0).value(QLatin1String("usage")).toObject(), expectedUsage);
    // The usage chunk comes last, right before [DONE].
    const QList<QByteArray> missData = miss.dataEvents();
    QVERIFY(missData.size() >= 3);
    QCOMPARE(parseObject(missData.at(missData.size() - 2)).value(QLatin1String("usage")).toObject(), expectedUsage);

    const HttpResult hit = client.postStream(kChat, bytes);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit" && hit.sawDone(), hit);
    QCOMPARE(hit.usageChunks().size(), 1);
    QCOMPARE(hit.usageChunks().at(0).value(QLatin1String("usage")).toObject(), expectedUsage);
    COMPARE_EVENTS(hit.dataEvents(), miss.dataEvents());

    // The same entry serves a client that does not ask: without the usage chunk.
    const HttpResult plain = client.postStream(kChat, streamed(chatBody(QStringLiteral("count my tokens"))));
    E2E_VERIFY_RESULT(plain.header("X-Cachette") == "hit" && plain.sawDone(), plain);
    QVERIFY(plain.usageChunks().isEmpty());
    COMPARE_EVENTS(plain.dataEvents(), miss.dataEventsWithoutUsage());

    // Each form is kept in memory after its first hit: later hits get it, each their own.
    const HttpResult again = client.postStream(kChat, bytes);
    E2E_VERIFY_RESULT(again.header("X-Cachette") == "hit" && again.sawDone(), again);
    QCOMPARE(again.usageChunks().size(), 1);
    COMPARE_EVENTS(again.dataEvents(), miss.dataEvents());
    const HttpResult plainAgain = client.postStream(kChat, streamed(chatBody(QStringLiteral("count my tokens"))));
    E2E_VERIFY_RESULT(plainAgain.header("X-Cachette") == "hit" && plainAgain.sawDone(), plainAgain);
    QVERIFY(plainAgain.usageChunks().isEmpty());
    COMPARE_EVENTS(plainAgain.dataEvents(), miss.dataEventsWithoutUsage());
    QCOMPARE(upstream.requestCount(), 1);
}

void TestStreamingEndToEnd::openRouterCommentsPassThrough()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("via openrouter"), QStringLiteral("anthropic/claude-3.5-sonnet")));

    const HttpResult miss = client.postStream(kChat, body, {{"X-Fake-Scenario", "comments"}});
    E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss" && miss.sawDone(), miss);
    const QList<QByteArray> comments = miss.commentEvents();
    QVERIFY2(comments.size() == 3, qPrintable(QStringLiteral("%1 comment events").arg(comments.size())));
    for (const QByteArray &c : comments)
        QVERIFY2(c.startsWith(": OPENROUTER PROCESSING"), c.constData());
    QCOMPARE(AssembledAnswer::fromEvents(miss.events).content, QStringLiteral("answer #1 to: via openrouter"));

    // The hit carries the same answer (keep-alive comments are not part of it).
    const HttpResult hit = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit" && hit.sawDone(), hit);
    COMPARE_EVENTS(hit.dataEvents(), miss.dataEvents());
    QCOMPARE(upstream.requestCount(), 1);
}

void TestStreamingEndToEnd::completionsStreamCached()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(QJsonObject{{"model", "gpt-3.5-turbo-instruct"}, {"prompt", "Once upon a time"}});

    const HttpResult miss = client.postStream(kCompletions, body);
    E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss" && miss.sawDone(), miss);
    QCOMPARE(AssembledAnswer::fromEvents(miss.events).content, QStringLiteral("answer #1 to: Once upon a time"));
    const HttpResult hit = client.postStream(kCompletions, body);
    E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit" && hit.sawDone(), hit);
    COMPARE_EVENTS(hit.dataEvents(), miss.dataEvents());
    QCOMPARE(upstream.requestCount(), 1);
}

void TestStreamingEndToEnd::streamRequestHitsNonStreamEntry()
{
    E2E_START_UPSTREAM(upstream);
    upstream.setDefaultScenario(Scenario::withToolCalls());
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("run it"));

    const HttpResult whole = client.post(kChat, body);
    E2E_VERIFY_RESULT(whole.status == 200 && whole.header("X-Cachette") == "miss", whole);
    const AssembledAnswer expected = AssembledAnswer::fromResponse(whole.json());
    QCOMPARE(expected.toolCalls.size(), 2);

    for (bool usage : {false, true}) {
        const HttpResult stream = client.postStream(kChat, streamed(body, usage));
        E2E_VERIFY_RESULT(stream.status == 200 && stream.header("X-Cachette") == "hit", stream);
        QVERIFY2(stream.header("Content-Type").startsWith("text/event-stream"), stream.header("Content-Type").constData());
        const AssembledAnswer got = AssembledAnswer::fromEvents(stream.events);
        QVERIFY2(got.sawDone, qPrintable(got.describe()));
        QCOMPARE(got.role, QStringLiteral("assistant"));
        QCOMPARE(got.content, expected.content);
        QCOMPARE(got.toolCalls, expected.toolCalls);
        QCOMPARE(got.finishReason, QStringLiteral("tool_calls"));
        for (const QByteArray &d : stream.dataEventsWithoutUsage()) {
            if (d != "[DONE]")
                QCOMPARE(parseObject(d).value(QLatin1String("object")).toString(), QStringLiteral("chat.completion.chunk"));
        }
        if (usage) {
            QCOMPARE(stream.usageChunks().size(), 1);
            QCOMPARE(stream.usageChunks().at(0).value(QLatin1String("usage")).toObject(), expected.usage);
        } else {
            QVERIFY(stream.usageChunks().isEmpty());
        }
    }
    QCOMPARE(upstream.requestCount(), 1);
}

void TestStreamingEndToEnd::nonStreamRequestHitsStreamEntry()
{
    E2E_START_UPSTREAM(upstream);
    Scenario tools = Scenario::withToolCalls();
    tools.chunkDelayMs = 5;
    upstream.setDefaultScenario(tools);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = chatBody(QStringLiteral("run it as a stream"));

    const HttpResult stream = client.postStream(kChat, streamed(body));
    E2E_VERIFY_RESULT(stream.status == 200 && stream.header("X-Cachette") == "miss" && stream.sawDone(), stream);
    const AssembledAnswer streamedAnswer = AssembledAnswer::fromEvents(stream.events);

    const HttpResult whole = client.post(kChat, body);
    E2E_VERIFY_RESULT(whole.status == 200 && whole.header("X-Cachette") == "hit", whole);
    QVERIFY2(whole.header("Content-Type").contains("application/json"), whole.header("Content-Type").constData());
    const QJsonObject json = whole.json();
    QCOMPARE(json.value(QLatin1String("object")).toString(), QStringLiteral("chat.completion"));
    QCOMPARE(json.value(QLatin1String("model")).toString(), QStringLiteral("gpt-4o-mini"));
    const AssembledAnswer got = AssembledAnswer::fromResponse(json);
    QCOMPARE(got.role, QStringLiteral("assistant"));
    QCOMPARE(got.content, streamedAnswer.content);
    QCOMPARE(got.content, QStringLiteral("answer #1 to: run it as a stream"));
    QCOMPARE(got.toolCalls, FakeUpstream::toolCalls(1));
    QCOMPARE(got.finishReason, QStringLiteral("tool_calls"));
    // The usage the proxy asked the upstream for ends up in the assembled answer.
    QCOMPARE(got.usage, upstreamUsage(upstream.lastRequest(), tools));
    QCOMPARE(upstream.requestCount(), 1);
}

void TestStreamingEndToEnd::droppedStreamNotCached()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("this will be cut off midway")));

    const HttpResult cut = client.postStream(kChat, body, {{"X-Fake-Scenario", "drop"}});
    E2E_VERIFY_RESULT(cut.status == 200, cut);
    QVERIFY2(!cut.sawDone(), qPrintable(QStringLiteral("a dropped stream must not end with [DONE]: ") + joined(cut.dataEvents())));
    QVERIFY2(!cut.dataEvents().isEmpty(), "the chunks before the drop are relayed");
    // The client's SDK must raise, not take half an answer for a whole one: the stream ends
    // with an error event saying what happened.
    const QJsonObject error = parseObject(cut.dataEvents().constLast()).value("error").toObject();
    QVERIFY2(error.value("code").toString() == QStringLiteral("upstream_truncated"),
             qPrintable(QStringLiteral("the stream must end with an error event: ") + cut.describe()));
    QVERIFY2(error.value("message").toString().contains(QStringLiteral("closed the connection after")),
             qPrintable(error.value("message").toString()));

    const HttpResult again = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(again.status == 200 && again.header("X-Cachette") == "miss" && again.sawDone(), again);
    QCOMPARE(upstream.requestCount(), 2);
    QCOMPARE(AssembledAnswer::fromEvents(again.events).content, QStringLiteral("answer #2 to: this will be cut off midway"));
    const HttpResult hit = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
    QCOMPARE(upstream.requestCount(), 2);
}

void TestStreamingEndToEnd::errorEventNotCached()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("this errors midway")));

    const HttpResult failed = client.postStream(kChat, body, {{"X-Fake-Scenario", "error-event"}});
    E2E_VERIFY_RESULT(failed.status == 200, failed);
    const AssembledAnswer a = AssembledAnswer::fromEvents(failed.events);
    QVERIFY2(a.sawError, qPrintable(QStringLiteral("the error event is relayed: ") + joined(failed.dataEvents())));

    const HttpResult again = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(again.status == 200 && again.header("X-Cachette") == "miss" && again.sawDone(), again);
    QCOMPARE(upstream.requestCount(), 2);
    QVERIFY(!AssembledAnswer::fromEvents(again.events).sawError);
    // Nor does a non-stream request find an entry.
    const HttpResult whole = client.post(kChat, chatBody(QStringLiteral("this errors midway")));
    E2E_VERIFY_RESULT(whole.header("X-Cachette") == "hit", whole);
    QCOMPARE(chatText(whole.body), QStringLiteral("answer #2 to: this errors midway"));
}

void TestStreamingEndToEnd::stalledUpstreamTimesOut()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl(), {QStringLiteral("--upstream-timeout"), QStringLiteral("1")});
    ProxyClient client(proxy.rootUrl());
    const RawHeaders stall{{"X-Fake-Scenario", "stall"}};

    // Nothing sent yet when the upstream times out: a 504 JSON error.
    const HttpResult stream = client.postStream(kChat, streamed(chatBody(QStringLiteral("stalled stream"))), stall, -1, 20'000);
    E2E_VERIFY_RESULT(stream.status == 504, stream);
    QString why;
    QVERIFY2(isProxyError(stream.body, &why), qPrintable(why));
    QVERIFY2(stream.finishedAtMs - stream.startedAtMs < 8000,
             qPrintable(QStringLiteral("took %1 ms with --upstream-timeout 1").arg(stream.finishedAtMs - stream.startedAtMs)));

    const HttpResult whole = client.post(kChat, chatBody(QStringLiteral("stalled whole")), stall, 20'000);
    E2E_VERIFY_RESULT(whole.status == 504, whole);
    QVERIFY2(isProxyError(whole.body, &why), qPrintable(why));
    QCOMPARE(upstream.requestCount(), 2);
    // The proxy gave up on both upstream calls.
    QTRY_VERIFY_WITH_TIMEOUT(upstream.requests().at(0).clientGone && upstream.requests().at(1).clientGone, 10'000);

    // Nothing was stored.
    const HttpResult retry = client.postStream(kChat, streamed(chatBody(QStringLiteral("stalled stream"))));
    E2E_VERIFY_RESULT(retry.status == 200 && retry.header("X-Cachette") == "miss" && retry.sawDone(), retry);
    const HttpResult retryWhole = client.post(kChat, chatBody(QStringLiteral("stalled whole")));
    E2E_VERIFY_RESULT(retryWhole.status == 200 && retryWhole.header("X-Cachette") == "miss", retryWhole);
    QCOMPARE(upstream.requestCount(), 4);
}

void TestStreamingEndToEnd::stalledStreamMidwayNotCached()
{
    E2E_START_UPSTREAM(upstream);
    E2E_START_PROXY(proxy, upstream.baseUrl(), {QStringLiteral("--upstream-timeout"), QStringLiteral("1")});
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(QStringLiteral("stalls after two chunks")));

    const HttpResult cut = client.postStream(kChat, body, {{"X-Fake-Scenario", "stall-after-2"}}, -1, 20'000);
    QVERIFY2(!cut.timedOut, "the proxy must end a stalled stream itself (--upstream-timeout 1)");
    E2E_VERIFY_RESULT(cut.status == 200, cut);   // the head was already sent
    QVERIFY2(!cut.sawDone(), qPrintable(joined(cut.dataEvents())));
    QCOMPARE(parseObject(cut.dataEvents().constLast()).value("error").toObject().value("code").toString(),
             QStringLiteral("upstream_timeout"));
    QVERIFY2(cut.finishedAtMs - cut.startedAtMs < 8000,
             qPrintable(QStringLiteral("took %1 ms with --upstream-timeout 1").arg(cut.finishedAtMs - cut.startedAtMs)));
    QTRY_VERIFY_WITH_TIMEOUT(upstream.requests().at(0).clientGone, 10'000);

    const HttpResult retry = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(retry.status == 200 && retry.header("X-Cachette") == "miss" && retry.sawDone(), retry);
    QCOMPARE(upstream.requestCount(), 2);
}

void TestStreamingEndToEnd::clientDisconnectAbortsUpstream()
{
    E2E_START_UPSTREAM(upstream);
    Scenario slowChunks;
    slowChunks.chunkDelayMs = 250;
    upstream.setDefaultScenario(slowChunks);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QJsonObject body = streamed(chatBody(
        QStringLiteral("one two three four five six seven eight nine ten eleven twelve thirteen fourteen")));

    const HttpResult left = client.postStream(kChat, body, {}, 2);
    QVERIFY2(left.abortedByClient, qPrintable(left.describe()));
    QCOMPARE(upstream.requestCount(), 1);
    QTRY_VERIFY2_WITH_TIMEOUT(upstream.requests().at(0).clientGone, "the proxy did not abort its upstream call",
                              10'000);
    QVERIFY2(upstream.requests().at(0).finishedAtMs == 0, "the upstream stream had already finished");

    // Nothing stored: the same request goes upstream again.
    upstream.setDefaultScenario(Scenario());
    const HttpResult again = client.postStream(kChat, body);
    E2E_VERIFY_RESULT(again.status == 200 && again.header("X-Cachette") == "miss" && again.sawDone(), again);
    QCOMPARE(upstream.requestCount(), 2);
    QVERIFY2(proxy.isRunning(), qPrintable(proxy.diagnostics()));
}

void TestStreamingEndToEnd::identicalStreamsCoalesce()
{
    E2E_START_UPSTREAM(upstream);
    Scenario slow = Scenario::slow(1000);
    slow.chunkDelayMs = 40;
    slow.toolCalls = true;
    upstream.setDefaultScenario(slow);
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QByteArray body = toJson(streamed(chatBody(QStringLiteral("everyone asks this"))));

    QList<ProxyCall *> calls;
    for (int i = 0; i < 5; ++i)
        calls << client.start("POST", kChat, body, {}, true);
    QVERIFY(ProxyClient::waitAll(calls, 30'000));
    QCOMPARE(upstream.requestCount(), 1);

    const QList<QByteArray> reference = calls.at(0)->result().dataEvents();
    QVERIFY2(AssembledAnswer::fromEvents(calls.at(0)->result().events).content
                 == QStringLiteral("answer #1 to: everyone asks this"),
             qPrintable(calls.at(0)->result().describe()));
    for (ProxyCall *call : calls) {
        const HttpResult &r = call->result();
        E2E_VERIFY_RESULT(r.status == 200 && r.sawDone() && r.networkError == QNetworkReply::NoError, r);
        QVERIFY2(r.header("Content-Type").startsWith("text/event-stream"), r.header("Content-Type").constData());
        COMPARE_EVENTS(r.dataEvents(), reference);
        QVERIFY(r.usageChunks().isEmpty());
    }
    qDeleteAll(calls);
    QCOMPARE(upstream.requestCount(), 1);
}

void TestStreamingEndToEnd::identicalNonStreamCoalesce()
{
    E2E_START_UPSTREAM(upstream);
    upstream.setDefaultScenario(Scenario::slow(1000));
    E2E_START_PROXY(proxy, upstream.baseUrl());
    ProxyClient client(proxy.rootUrl());
    const QByteArray body = toJson(chatBody(QStringLiteral("asked three times at once")));

    QList<ProxyCall *> calls;
    for (int i = 0; i < 3; ++i)
        calls << client.start("POST", kChat, body);
    QVERIFY(ProxyClient::waitAll(calls, 30'000));
    for (ProxyCall *call : calls) {
        const HttpResult &r = call->result();
        E2E_VERIFY_RESULT(r.status == 200, r);
        QCOMPARE(chatText(r.body), QStringLiteral("answer #1 to: asked three times at once"));
        QCOMPARE(r.body, calls.at(0)->result().body);
    }
    qDeleteAll(calls);
    QCOMPARE(upstream.requestCount(), 1);
}

QTEST_GUILESS_MAIN(TestStreamingEndToEnd)
#include "TestStreamingEndToEnd.moc"
