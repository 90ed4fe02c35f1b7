// The OpenAI Responses API (POST /v1/responses: Codex CLI, the Agents SDK) through the real
// binary: cached JSON and streamed, replayed event by event, across modes with reasoning items
// and their encrypted_content byte for byte, failed and background calls never stored, and the
// fields Codex changes every run kept out of the key (issue #11).

#include "e2e.h"

#include <QFileInfo>
#include <QtTest>

using namespace cachette::test;

namespace {

const QString kResponses = QStringLiteral("/v1/responses");

// What Codex sends, with the fields that change every run set from `run`.
QJsonObject codexBody(const QString &prompt, int run, bool stream = true)
{
    const QJsonObject user{{"type", "message"}, {"role", "user"}, {"id", QStringLiteral("msg_client_%1").arg(run)},
                           {"content", QJsonArray{QJsonObject{{"type", "input_text"}, {"text", prompt}}}}};
    const QJsonObject tool{{"type", "function"}, {"name", "shell"},
                           {"parameters", QJsonObject{{"type", "object"}}}};
    return QJsonObject{{"model", "gpt-5-codex"},
                       {"instructions", "You are Codex."},
                       {"input", QJsonArray{user}},
                       {"tools", QJsonArray{tool}},
                       {"reasoning", QJsonObject{{"effort", "medium"}, {"summary", "auto"}}},
                       {"include", QJsonArray{"reasoning.encrypted_content"}},
                       {"store", false},
                       {"stream", stream},
                       {"prompt_cache_key", QStringLiteral("session-%1").arg(run)},
                       {"client_metadata", QJsonObject{{"session_id", QStringLiteral("s-%1").arg(run)},
                                                       {"turn_id", QStringLiteral("t-%1").arg(run)}}}};
}

RawHeaders codexHeaders(int run)
{
    return {{"Authorization", "Bearer sk-test"},
            {"session-id", QByteArray("s-") + QByteArray::number(run)},
            {"x-client-request-id", QByteArray("r-") + QByteArray::number(run)}};
}

// Reasoning, text and a function call in every answer, streamed quickly.
Scenario quickToolCalls()
{
    Scenario tools = Scenario::withToolCalls();
    tools.chunkDelayMs = 2;
    return tools;
}

QStringList eventTypes(const HttpResult &result)
{
    QStringList types;
    for (const cachette::cache::SseEvent &event : result.events)
        types << QString::fromUtf8(event.eventName);
    return types;
}

// The response object a stream ends with (response.completed's), or {}.
QJsonObject completedResponse(const HttpResult &result)
{
    for (const cachette::cache::SseEvent &event : result.events) {
        const QJsonObject data = parseObject(event.data);
        if (data.value(QLatin1String("type")).toString() == QLatin1String("response.completed"))
            return data.value(QLatin1String("response")).toObject();
    }
    return {};
}

QString streamedText(const HttpResult &result)
{
    QString text;
    for (const cachette::cache::SseEvent &event : result.events) {
        const QJsonObject data = parseObject(event.data);
        if (data.value(QLatin1String("type")).toString() == QLatin1String("response.output_text.delta"))
            text += data.value(QLatin1String("delta")).toString();
    }
    return text;
}

QJsonObject outputItem(const QJsonObject &response, const QString &type)
{
    for (const QJsonValue &item : response.value(QLatin1String("output")).toArray()) {
        if (item[QLatin1String("type")].toString() == type)
            return item.toObject();
    }
    return {};
}

} // namespace

class TestResponsesEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        E2E_REQUIRE_BINARY();
    }

    void jsonMissThenHit()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const QJsonObject body = codexBody(QStringLiteral("list the files"), 1, false);
        const HttpResult miss = client.post(kResponses, body, codexHeaders(1));
        E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
        QCOMPARE(miss.body, FakeUpstream::responsesBody(1, body, false));
        const HttpResult hit = client.post(kResponses, body, codexHeaders(1));
        E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
        QCOMPARE(hit.body, miss.body);
        QCOMPARE(upstream.requestCount(), 1);
    }

    void streamReplaysEventByEvent()
    {
        E2E_START_UPSTREAM(upstream);
        upstream.setDefaultScenario(quickToolCalls());
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const QJsonObject body = codexBody(QStringLiteral("run the tests"), 1);
        const HttpResult miss = client.postStream(kResponses, body, codexHeaders(1));
        E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
        QCOMPARE(eventTypes(miss).constLast(), QStringLiteral("response.completed"));
        const HttpResult hit = client.postStream(kResponses, body, codexHeaders(1));
        E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
        QVERIFY(hit.header("Content-Type").startsWith("text/event-stream"));
        QCOMPARE(rawEvents(hit), rawEvents(miss));
        QCOMPARE(upstream.requestCount(), 1);
    }

    // Codex's second run: new session ids, new input item ids, new headers. Same question,
    // same answer: served from the cache.
    void codexVolatileFieldsStayOutOfTheKey()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const HttpResult first = client.postStream(kResponses, codexBody(QStringLiteral("fix the bug"), 1),
                                                   codexHeaders(1));
        E2E_VERIFY_RESULT(first.header("X-Cachette") == "miss", first);
        QJsonObject second = codexBody(QStringLiteral("fix the bug"), 2);
        second.insert(QStringLiteral("metadata"), QJsonObject{{"run", "2"}});
        second.insert(QStringLiteral("safety_identifier"), QStringLiteral("user-2"));
        second.insert(QStringLiteral("store"), true);
        const HttpResult again = client.postStream(kResponses, second, codexHeaders(2));
        E2E_VERIFY_RESULT(again.header("X-Cachette") == "hit", again);
        QCOMPARE(upstream.requestCount(), 1);

        // What changes the answer still misses: another prompt, a previous response, another
        // reasoning effort, an item_reference.
        QJsonObject previous = codexBody(QStringLiteral("fix the bug"), 3);
        previous.insert(QStringLiteral("previous_response_id"), QStringLiteral("resp_fake_1"));
        QJsonObject effort = codexBody(QStringLiteral("fix the bug"), 4);
        effort.insert(QStringLiteral("reasoning"), QJsonObject{{"effort", "high"}, {"summary", "auto"}});
        QJsonObject reference = codexBody(QStringLiteral("fix the bug"), 5);
        QJsonArray input = reference.value(QLatin1String("input")).toArray();
        input.prepend(QJsonObject{{"type", "item_reference"}, {"id", "rs_fake_1"}});
        reference.insert(QStringLiteral("input"), input);
        for (const QJsonObject &body : {codexBody(QStringLiteral("fix the other bug"), 6), previous, effort, reference}) {
            const HttpResult r = client.postStream(kResponses, body, codexHeaders(7));
            E2E_VERIFY_RESULT(r.header("X-Cachette") == "miss", r);
        }
        QCOMPARE(upstream.requestCount(), 5);
    }

    void crossModeKeepsItemsByteForByte()
    {
        E2E_START_UPSTREAM(upstream);
        upstream.setDefaultScenario(quickToolCalls());
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());

        // Stored from JSON, asked as a stream: OpenAI's event sequence for the stored items.
        const HttpResult json = client.post(kResponses, codexBody(QStringLiteral("first"), 1, false), codexHeaders(1));
        E2E_VERIFY_RESULT(json.header("X-Cachette") == "miss", json);
        const HttpResult asStream = client.postStream(kResponses, codexBody(QStringLiteral("first"), 1), codexHeaders(1));
        E2E_VERIFY_RESULT(asStream.status == 200 && asStream.header("X-Cachette") == "hit", asStream);
        QCOMPARE(completedResponse(asStream), json.json());
        QCOMPARE(streamedText(asStream), FakeUpstream::answerText(1, QStringLiteral("first")));
        const QStringList types = eventTypes(asStream);
        QCOMPARE(types.constFirst(), QStringLiteral("response.created"));
        QVERIFY(types.contains(QStringLiteral("response.function_call_arguments.delta")));
        QVERIFY(types.contains(QStringLiteral("response.reasoning_summary_text.delta")));

        // Stored from a stream, asked as JSON: the response the stream completed with.
        const HttpResult stream = client.postStream(kResponses, codexBody(QStringLiteral("second"), 2), codexHeaders(2));
        E2E_VERIFY_RESULT(stream.header("X-Cachette") == "miss", stream);
        const HttpResult asJson = client.post(kResponses, codexBody(QStringLiteral("second"), 2, false), codexHeaders(2));
        E2E_VERIFY_RESULT(asJson.status == 200 && asJson.header("X-Cachette") == "hit", asJson);
        const QJsonObject response = asJson.json();
        QCOMPARE(response, completedResponse(stream));
        QCOMPARE(outputItem(response, QStringLiteral("reasoning")).value(QLatin1String("encrypted_content")).toString(),
                 FakeUpstream::responsesEncryptedContent(2));
        QCOMPARE(outputItem(response, QStringLiteral("function_call")).value(QLatin1String("arguments")).toString(),
                 FakeUpstream::responsesArguments(2));
        QCOMPARE(upstream.requestCount(), 2);
    }

    void failedIncompleteAndBackgroundAreNotCached()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const QJsonObject body = codexBody(QStringLiteral("fragile"), 1);

        // response.failed mid-stream: relayed as it came, nothing stored.
        RawHeaders failing = codexHeaders(1);
        failing.emplaceBack("X-Fake-Scenario", "error-event");
        const HttpResult failed = client.postStream(kResponses, body, failing);
        E2E_VERIFY_RESULT(failed.status == 200, failed);
        QCOMPARE(eventTypes(failed).constLast(), QStringLiteral("response.failed"));

        // A dropped stream ends with Cachette's error event, in the Responses shape.
        RawHeaders dropping = codexHeaders(1);
        dropping.emplaceBack("X-Fake-Scenario", "drop");
        const HttpResult dropped = client.postStream(kResponses, body, dropping);
        QCOMPARE(dropped.events.constLast().eventName, QByteArray("error"));
        const QJsonObject error = parseObject(dropped.events.constLast().data);
        QCOMPARE(error.value("type").toString(), QStringLiteral("error"));
        QVERIFY2(!error.value("message").toString().isEmpty(), dropped.events.constLast().data.constData());
        QVERIFY(isProxyError(dropped.events.constLast().data));

        QJsonObject background = codexBody(QStringLiteral("fragile"), 1, false);
        background.insert(QStringLiteral("background"), true);
        for (int i = 0; i < 2; ++i) {
            const HttpResult r = client.post(kResponses, background, codexHeaders(1));
            E2E_VERIFY_RESULT(r.status == 200 && r.header("X-Cachette") == "bypass", r);
        }

        const int before = upstream.requestCount();
        const HttpResult fresh = client.postStream(kResponses, body, codexHeaders(1));
        E2E_VERIFY_RESULT(fresh.header("X-Cachette") == "miss", fresh);
        QCOMPARE(upstream.requestCount(), before + 1);
        QCOMPARE(upstream.requestCount(), 5);   // failed, dropped, 2 background, fresh
    }
};

QTEST_GUILESS_MAIN(TestResponsesEndToEnd)
#include "TestResponsesEndToEnd.moc"
