// Anthropic Messages (POST /v1/messages) through the real binary: cached like chat, streamed
// answers relayed and replayed event by event (tool_use input included), cross-mode hits,
// failed streams and upstream errors never stored, isolation by x-api-key, usage and cost in
// the request log, and the proxy's own errors in Anthropic's shape.

#include "e2e.h"

#include "pricing/pricebook.h"

#include <QDirIterator>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QtTest>

using namespace cachette::test;

namespace {

const QString kMessages = QStringLiteral("/v1/messages");
const QString kModel = QStringLiteral("claude-sonnet-4-5");
const QByteArray kApiKey = "sk-ant-api03-test-key-0123456789";

// The headers the Anthropic SDKs send.
RawHeaders anthropicHeaders(const QByteArray &apiKey = kApiKey)
{
    return {{"x-api-key", apiKey}, {"anthropic-version", "2023-06-01"}};
}

QJsonObject messagesBody(const QString &prompt, bool stream = false)
{
    QJsonObject body{{"model", kModel},
                     {"max_tokens", 1024},
                     {"system", "You are a test."},
                     {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", prompt}}}}};
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    return body;
}

// What a client makes of a Message, streamed or not: the parts a caller relies on.
struct Message
{
    QString text;
    QJsonObject toolInput;   // the tool_use block's input, parsed
    QString toolId;
    QString stopReason;
    QJsonObject usage;       // message_start's usage merged with message_delta's
    QStringList eventNames;  // streams only

    static Message fromJson(const QJsonObject &message)
    {
        Message m;
        for (const QJsonValue &block : message.value(QLatin1String("content")).toArray()) {
            if (block[QLatin1String("type")].toString() == QLatin1String("text")) {
                m.text += block[QLatin1String("text")].toString();
            } else if (block[QLatin1String("type")].toString() == QLatin1String("tool_use")) {
                m.toolInput = block[QLatin1String("input")].toObject();
                m.toolId = block[QLatin1String("id")].toString();
            }
        }
        m.stopReason = message.value(QLatin1String("stop_reason")).toString();
        m.usage = message.value(QLatin1String("usage")).toObject();
        return m;
    }

    static Message fromEvents(const QList<cachette::cache::SseEvent> &events)
    {
        Message m;
        QString partialJson;
        for (const cachette::cache::SseEvent &event : events) {
            if (event.commentOnly)
                continue;
            m.eventNames << QString::fromUtf8(event.eventName);
            const QJsonObject data = parseObject(event.data);
            const QString type = data.value(QLatin1String("type")).toString();
            const QJsonObject delta = data.value(QLatin1String("delta")).toObject();
            if (type == QLatin1String("message_start"))
                m.usage = data[QLatin1String("message")][QLatin1String("usage")].toObject();
            if (type == QLatin1String("content_block_start")
                && data[QLatin1String("content_block")][QLatin1String("type")].toString() == QLatin1String("tool_use"))
                m.toolId = data[QLatin1String("content_block")][QLatin1String("id")].toString();
            if (delta[QLatin1String("type")].toString() == QLatin1String("text_delta"))
                m.text += delta[QLatin1String("text")].toString();
            if (delta[QLatin1String("type")].toString() == QLatin1String("input_json_delta"))
                partialJson += delta[QLatin1String("partial_json")].toString();
            if (type == QLatin1String("message_delta")) {
                m.stopReason = delta[QLatin1String("stop_reason")].toString();
                const QJsonObject usage = data[QLatin1String("usage")].toObject();
                for (auto it = usage.begin(); it != usage.end(); ++it)
                    m.usage.insert(it.key(), it.value());
            }
        }
        if (!partialJson.isEmpty())
            m.toolInput = parseObject(partialJson.toUtf8());
        return m;
    }
};

bool isAnthropicError(const QByteArray &body, const QString &type)
{
    const QJsonObject o = parseObject(body);
    return o.value(QLatin1String("type")).toString() == QLatin1String("error")
           && o[QLatin1String("error")][QLatin1String("type")].toString() == type
           && !o[QLatin1String("error")][QLatin1String("message")].toString().isEmpty();
}

} // namespace

class TestAnthropicEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        E2E_REQUIRE_BINARY();
    }

    void nonStreamMissThenHit()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        // Spelled by hand: the upstream must get these very bytes, cache hint included.
        const QByteArray sent =
            R"({"model":"claude-sonnet-4-5","max_tokens":1024,)"
            R"("system":[{"type":"text","text":"You are a test.","cache_control":{"type":"ephemeral"}}],)"
            R"("messages":[{"role":"user","content":"hello claude"}]})";

        const HttpResult miss = client.post(kMessages, sent, anthropicHeaders());
        E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
        QCOMPARE(miss.body, FakeUpstream::anthropicMessageBody(1, parseObject(sent), false));
        QCOMPARE(Message::fromJson(miss.json()).text, QStringLiteral("answer #1 to: hello claude"));
        QCOMPARE(upstream.requestCount(), 1);
        const RecordedRequest &seen = upstream.lastRequest();
        QCOMPARE(seen.path, QByteArray("/v1/messages"));
        QCOMPARE(seen.body, sent);
        QCOMPARE(seen.header("x-api-key"), kApiKey);
        QCOMPARE(seen.header("anthropic-version"), QByteArray("2023-06-01"));

        const HttpResult hit = client.post(kMessages, sent, anthropicHeaders());
        E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
        QCOMPARE(hit.body, miss.body);
        QCOMPARE(hit.header("X-Cachette-Key"), miss.header("X-Cachette-Key"));

        // Reordered keys, no cache hint, metadata: the same question, the same entry.
        const QByteArray reordered =
            R"({"messages":[{"content":"hello claude","role":"user"}],"metadata":{"user_id":"u-7"},)"
            R"("system":[{"text":"You are a test.","type":"text"}],"max_tokens":1024,"model":"claude-sonnet-4-5"})";
        const HttpResult same = client.post(kMessages, reordered, anthropicHeaders());
        E2E_VERIFY_RESULT(same.header("X-Cachette") == "hit", same);
        QCOMPARE(same.body, miss.body);

        // Another system prompt, another anthropic-version: other answers.
        QJsonObject pirate = parseObject(sent);
        pirate.insert(QStringLiteral("system"), QStringLiteral("You are a pirate."));
        const HttpResult other = client.post(kMessages, toJson(pirate), anthropicHeaders());
        E2E_VERIFY_RESULT(other.header("X-Cachette") == "miss", other);
        RawHeaders newer = anthropicHeaders();
        newer.emplaceBack("anthropic-beta", "output-128k-2025-02-19");
        const HttpResult beta = client.post(kMessages, sent, newer);
        E2E_VERIFY_RESULT(beta.header("X-Cachette") == "miss", beta);
        QCOMPARE(upstream.requestCount(), 3);
    }

    void streamedHitReplaysToolUse()
    {
        E2E_START_UPSTREAM(upstream);
        Scenario tools = Scenario::withToolCalls();
        tools.chunkDelayMs = 5;
        upstream.setDefaultScenario(tools);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const QJsonObject body = messagesBody(QStringLiteral("list the files here"), true);

        const HttpResult miss = client.postStream(kMessages, body, anthropicHeaders());
        E2E_VERIFY_RESULT(miss.status == 200 && miss.header("X-Cachette") == "miss", miss);
        QVERIFY2(miss.header("Content-Type").startsWith("text/event-stream"), miss.header("Content-Type").constData());
        // Relayed untouched: the upstream's frames, in order, no [DONE] added, nothing injected.
        QCOMPARE(rawEvents(miss), FakeUpstream::anthropicStreamFrames(1, body, tools));
        QVERIFY(!miss.sawDone());
        QCOMPARE(upstream.lastRequest().json(), body);
        QVERIFY(!upstream.lastRequest().body.contains("stream_options"));

        const Message answer = Message::fromEvents(miss.events);
        QCOMPARE(answer.text, QStringLiteral("answer #1 to: list the files here"));
        QCOMPARE(answer.toolInput, FakeUpstream::anthropicToolInput(1));
        QCOMPARE(answer.stopReason, QStringLiteral("tool_use"));

        const HttpResult hit = client.postStream(kMessages, body, anthropicHeaders());
        E2E_VERIFY_RESULT(hit.status == 200 && hit.header("X-Cachette") == "hit", hit);
        QVERIFY2(hit.header("Content-Type").startsWith("text/event-stream"), hit.header("Content-Type").constData());
        QCOMPARE(rawEvents(hit), rawEvents(miss));   // event names, ping and fragments included
        QCOMPARE(upstream.requestCount(), 1);
    }

    void crossModeReplay()
    {
        E2E_START_UPSTREAM(upstream);
        Scenario tools = Scenario::withToolCalls();
        tools.chunkDelayMs = 2;
        upstream.setDefaultScenario(tools);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());

        // Stored from a JSON answer, asked as a stream: Anthropic's event sequence.
        const QJsonObject first = messagesBody(QStringLiteral("first question"));
        const HttpResult json = client.post(kMessages, first, anthropicHeaders());
        E2E_VERIFY_RESULT(json.header("X-Cachette") == "miss", json);
        const HttpResult asStream = client.postStream(kMessages, messagesBody(QStringLiteral("first question"), true),
                                                      anthropicHeaders());
        E2E_VERIFY_RESULT(asStream.status == 200 && asStream.header("X-Cachette") == "hit", asStream);
        QVERIFY2(asStream.header("Content-Type").startsWith("text/event-stream"), asStream.header("Content-Type").constData());
        const Message fromJson = Message::fromJson(json.json());
        const Message replayed = Message::fromEvents(asStream.events);
        QCOMPARE(replayed.text, fromJson.text);
        QCOMPARE(replayed.toolInput, FakeUpstream::anthropicToolInput(1));
        QCOMPARE(replayed.toolId, fromJson.toolId);
        QCOMPARE(replayed.stopReason, QStringLiteral("tool_use"));
        QCOMPARE(replayed.usage, fromJson.usage);
        QCOMPARE(replayed.eventNames.constFirst(), QStringLiteral("message_start"));
        QCOMPARE(replayed.eventNames.constLast(), QStringLiteral("message_stop"));
        QVERIFY(!asStream.sawDone());

        // Stored from a stream, asked as JSON: the Message the stream spelled out.
        const QJsonObject second = messagesBody(QStringLiteral("second question"), true);
        const HttpResult stream = client.postStream(kMessages, second, anthropicHeaders());
        E2E_VERIFY_RESULT(stream.header("X-Cachette") == "miss", stream);
        const HttpResult asJson = client.post(kMessages, messagesBody(QStringLiteral("second question")),
                                              anthropicHeaders());
        E2E_VERIFY_RESULT(asJson.status == 200 && asJson.header("X-Cachette") == "hit", asJson);
        const QJsonObject message = asJson.json();
        QCOMPARE(message.value(QLatin1String("type")).toString(), QStringLiteral("message"));
        QCOMPARE(message.value(QLatin1String("id")).toString(), QStringLiteral("msg_fake_2"));
        const Message assembled = Message::fromJson(message);
        const Message streamed = Message::fromEvents(stream.events);
        QCOMPARE(assembled.text, streamed.text);
        QCOMPARE(assembled.toolInput, FakeUpstream::anthropicToolInput(2));
        QCOMPARE(assembled.toolId, streamed.toolId);
        QCOMPARE(assembled.stopReason, QStringLiteral("tool_use"));
        QCOMPARE(assembled.usage, streamed.usage);
        QCOMPARE(upstream.requestCount(), 2);
    }

    void failedStreamsAndErrorsNotCached()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());
        const QJsonObject body = messagesBody(QStringLiteral("fragile question"), true);

        // An error event mid-stream: relayed as it came, then nothing stored.
        RawHeaders failing = anthropicHeaders();
        failing.emplaceBack("X-Fake-Scenario", "error-event");
        const HttpResult broken = client.postStream(kMessages, body, failing);
        E2E_VERIFY_RESULT(broken.status == 200 && broken.header("X-Cachette") == "miss", broken);
        QCOMPARE(broken.events.constLast().eventName, QByteArray("error"));
        QVERIFY(isAnthropicError(broken.events.constLast().data, QStringLiteral("overloaded_error")));

        // A dropped stream stores nothing either.
        RawHeaders dropping = anthropicHeaders();
        dropping.emplaceBack("X-Fake-Scenario", "drop");
        const HttpResult dropped = client.postStream(kMessages, body, dropping);
        QVERIFY2(!Message::fromEvents(dropped.events).eventNames.contains(QStringLiteral("message_stop")),
                 qPrintable(dropped.describe()));
        // It ends with an error event in Anthropic's dialect, which the SDK raises.
        QCOMPARE(dropped.events.constLast().eventName, QByteArray("error"));
        QVERIFY(isAnthropicError(dropped.events.constLast().data, QStringLiteral("api_error")));

        // An upstream error status is relayed byte for byte and not stored.
        RawHeaders overloaded = anthropicHeaders();
        overloaded.emplaceBack("X-Fake-Scenario", "error500");
        const HttpResult error = client.post(kMessages, messagesBody(QStringLiteral("fragile question")), overloaded);
        E2E_VERIFY_RESULT(error.status == 500, error);
        QCOMPARE(error.body, FakeUpstream::anthropicErrorBody(500));

        const int before = upstream.requestCount();
        const HttpResult fresh = client.postStream(kMessages, body, anthropicHeaders());
        E2E_VERIFY_RESULT(fresh.status == 200 && fresh.header("X-Cachette") == "miss", fresh);
        QCOMPARE(upstream.requestCount(), before + 1);
        const HttpResult hit = client.postStream(kMessages, body, anthropicHeaders());
        E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
        QCOMPARE(upstream.requestCount(), before + 1);
    }

    void isolationByApiKey()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl(), {QStringLiteral("--isolate-by-api-key")});
        ProxyClient client(proxy.rootUrl());
        const QJsonObject body = messagesBody(QStringLiteral("whose answer is this"));
        const QByteArray otherKey = "sk-ant-api03-someone-else-987654";

        const HttpResult mine = client.post(kMessages, body, anthropicHeaders());
        E2E_VERIFY_RESULT(mine.header("X-Cachette") == "miss", mine);
        const HttpResult mineAgain = client.post(kMessages, body, anthropicHeaders());
        E2E_VERIFY_RESULT(mineAgain.header("X-Cachette") == "hit", mineAgain);
        const HttpResult theirs = client.post(kMessages, body, anthropicHeaders(otherKey));
        E2E_VERIFY_RESULT(theirs.header("X-Cachette") == "miss", theirs);
        QVERIFY(theirs.header("X-Cachette-Key") != mine.header("X-Cachette-Key"));
        QCOMPARE(Message::fromJson(theirs.json()).text, QStringLiteral("answer #2 to: whose answer is this"));
        QCOMPARE(upstream.requestCount(), 2);
        QCOMPARE(upstream.lastRequest().header("x-api-key"), otherKey);

        // Neither key reached the disk.
        QVERIFY(proxy.stop());
        QDirIterator files(proxy.dataDir(), QDir::Files, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray bytes = file.readAll();
            QVERIFY2(!bytes.contains(kApiKey) && !bytes.contains(otherKey), qPrintable(file.fileName()));
        }
        QVERIFY(!proxy.standardError().contains(kApiKey) && !proxy.standardOutput().contains(kApiKey));
    }

    void requestLogRecordsUsageAndCost()
    {
        QTemporaryDir dataDir;
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl(), {}, dataDir.path());
        ProxyClient client(proxy.rootUrl());
        // A cache hint: the fake reports prompt-cache writes and reads, priced apart.
        QJsonObject body = messagesBody(QStringLiteral("how much did this cost"), true);
        body.insert(QStringLiteral("system"),
                    QJsonArray{QJsonObject{{"type", "text"}, {"text", "You are a test."},
                                           {"cache_control", QJsonObject{{"type", "ephemeral"}}}}});
        const HttpResult miss = client.postStream(kMessages, body, anthropicHeaders());
        E2E_VERIFY_RESULT(miss.header("X-Cachette") == "miss", miss);
        const HttpResult hit = client.postStream(kMessages, body, anthropicHeaders());
        E2E_VERIFY_RESULT(hit.header("X-Cachette") == "hit", hit);
        QVERIFY(proxy.stop());

        const QJsonObject usage = FakeUpstream::anthropicUsage(1, body, false);
        const qint64 input = usage.value(QLatin1String("input_tokens")).toInteger();
        const qint64 output = usage.value(QLatin1String("output_tokens")).toInteger();
        const qint64 written = FakeUpstream::kAnthropicCacheWrite;
        const qint64 read = FakeUpstream::kAnthropicCacheRead;
        cachette::pricing::PriceBook book;
        const std::optional<cachette::pricing::ModelPrice> price = book.find(kModel);
        QVERIFY(price && price->cachedInputPerMillion);
        const double cost = (double(input) * price->inputPerMillion
                             + double(written) * price->inputPerMillion * 1.25
                             + double(read) * *price->cachedInputPerMillion
                             + double(output) * price->outputPerMillion) / 1e6;

        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("anthropic-log"));
        db.setDatabaseName(dataDir.filePath(QStringLiteral("cachette.sqlite")));
        QVERIFY(db.open());
        {
            QSqlQuery log(db);
            QVERIFY(log.exec(QStringLiteral(
                "SELECT outcome, endpoint, model, prompt_tokens, completion_tokens, cached_tokens, "
                "usage_known, cost_usd, saved_usd, streamed FROM request_log ORDER BY id")));
            QStringList outcomes;
            while (log.next()) {
                outcomes << log.value(0).toString();
                QCOMPARE(log.value(1).toString(), QStringLiteral("messages"));
                QCOMPARE(log.value(2).toString(), kModel);
                QCOMPARE(log.value(3).toLongLong(), input + written + read);
                QCOMPARE(log.value(4).toLongLong(), output);
                QCOMPARE(log.value(5).toLongLong(), read);
                QCOMPARE(log.value(6).toInt(), 1);
                const double money = log.value(0).toString() == QLatin1String("hit") ? log.value(8).toDouble()
                                                                                   : log.value(7).toDouble();
                QVERIFY2(qAbs(money - cost) < 1e-12,
                         qPrintable(QStringLiteral("%1 != %2").arg(money, 0, 'g', 17).arg(cost, 0, 'g', 17)));
                QCOMPARE(log.value(9).toInt(), 1);
            }
            QCOMPARE(outcomes, QStringList({"miss", "hit"}));

            QSqlQuery entry(db);
            QVERIFY(entry.exec(QStringLiteral("SELECT endpoint, prompt_text, cost_usd FROM entries")));
            QVERIFY(entry.next());
            QCOMPARE(entry.value(0).toString(), QStringLiteral("messages"));
            QCOMPARE(entry.value(1).toString(), QStringLiteral("how much did this cost"));
            QVERIFY(qAbs(entry.value(2).toDouble() - cost) < 1e-12);
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(QStringLiteral("anthropic-log"));
    }

    void proxyErrorsSpeakAnthropic()
    {
        E2E_START_UPSTREAM(upstream);
        E2E_START_PROXY(proxy, upstream.baseUrl());
        ProxyClient client(proxy.rootUrl());

        const HttpResult bad = client.post(kMessages, QByteArray("{\"model\": \"claude"), anthropicHeaders());
        E2E_VERIFY_RESULT(bad.status == 400, bad);
        QVERIFY2(isAnthropicError(bad.body, QStringLiteral("invalid_request_error")), bad.body.constData());

        RawHeaders onlyCached = anthropicHeaders();
        onlyCached.emplaceBack("Cache-Control", "only-if-cached");
        const HttpResult missing = client.post(kMessages, messagesBody(QStringLiteral("never asked")), onlyCached);
        E2E_VERIFY_RESULT(missing.status == 504, missing);
        QVERIFY2(isAnthropicError(missing.body, QStringLiteral("api_error")), missing.body.constData());
        QCOMPARE(upstream.requestCount(), 0);

        // The OpenAI endpoints keep OpenAI's shape.
        const HttpResult chat = client.post(QStringLiteral("/v1/chat/completions"), QByteArray("{\"model\""));
        E2E_VERIFY_RESULT(chat.status == 400 && isProxyError(chat.body), chat);
    }
};

QTEST_GUILESS_MAIN(TestAnthropicEndToEnd)
#include "TestAnthropicEndToEnd.moc"
