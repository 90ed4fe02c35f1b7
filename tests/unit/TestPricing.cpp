// Prices: the built-in table, model-name matching, overrides, cost arithmetic on real answer
// shapes, the OpenRouter model list, usage estimates and how a log line is priced.

#include "cache/sseparser.h"
#include "cache/streamrecorder.h"
#include "pricing/costcalculator.h"
#include "pricing/modelname.h"
#include "pricing/openrouterprices.h"
#include "pricing/pricebook.h"
#include "pricing/usageestimate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace cachette;
using namespace cachette::pricing;

namespace {

// Costs are sums of a few products: equal to the last bits or it is a bug.
bool near(double a, double b)
{
    return std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(b));
}

#define COMPARE_USD(actual, expected)                                                              \
    QVERIFY2(near((actual), (expected)),                                                           \
             qPrintable(QStringLiteral("%1 != %2").arg((actual), 0, 'g', 17).arg((expected), 0, 'g', 17)))

QJsonObject parse(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

// A chat.completion as api.openai.com sends it, 400 of its 1000 prompt tokens from the cache.
const QByteArray kChatCompletion = R"({
  "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "object": "chat.completion",
  "created": 1741569952, "model": "gpt-4o-mini-2024-07-18",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I help?",
               "refusal": null}, "logprobs": null, "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 400, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
  "service_tier": "default", "system_fingerprint": "fp_06737a9306"})";

// OpenRouter adds what the call cost in usage.cost.
const QByteArray kOpenRouterCompletion = R"({
  "id": "gen-1741569952-abc", "object": "chat.completion", "created": 1741569952,
  "model": "openai/gpt-4o", "provider": "OpenAI",
  "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"},
               "finish_reason": "stop"}],
  "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100,
            "cost": 0.00321, "prompt_tokens_details": {"cached_tokens": 0}}})";

QByteArray chunk(const QByteArray &delta, const QByteArray &finish = "null")
{
    return R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,)"
           R"("model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":)" + delta
           + R"(,"finish_reason":)" + finish + "}]}\n\n";
}

// A stream with include_usage: the last chunk before [DONE] carries the usage.
QByteArray usageStream()
{
    return chunk(R"({"role":"assistant","content":""})") + chunk(R"({"content":"Hello"})")
           + chunk("{}", "\"stop\"")
           + R"(data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,)"
             R"("model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":2000,)"
             R"("completion_tokens":300,"total_tokens":2300,)"
             R"("prompt_tokens_details":{"cached_tokens":1024}}})" "\n\n"
           + "data: [DONE]\n\n";
}

// A trimmed copy of https://openrouter.ai/api/v1/models: string prices per token, a model
// with a cache-read price, a free one, a router with variable price (-1) and broken entries.
const QByteArray kOpenRouterModels = R"({"data": [
  {"id": "openai/gpt-4o", "name": "OpenAI: GPT-4o", "context_length": 128000,
   "pricing": {"prompt": "0.0000025", "completion": "0.00001", "request": "0",
               "image": "0.003613", "web_search": "0", "internal_reasoning": "0",
               "input_cache_read": "0.00000125"}},
  {"id": "meta-llama/llama-3.1-70b-instruct", "name": "Meta: Llama 3.1 70B Instruct",
   "pricing": {"prompt": "0.0000001", "completion": "0.00000028", "request": "0", "image": "0"}},
  {"id": "deepseek/deepseek-chat-v3-0324:free", "pricing": {"prompt": "0", "completion": "0"}},
  {"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1"}},
  {"id": "broken/no-pricing"},
  {"id": "broken/not-a-number", "pricing": {"prompt": "abc", "completion": "0.1"}},
  {"pricing": {"prompt": "0.1", "completion": "0.1"}}
]})";

// Answers every connection with one HTTP response, then closes: enough for QNAM.
class OneShotHttpServer : public QTcpServer
{
public:
    OneShotHttpServer(int status, QByteArray body) : m_status(status), m_body(std::move(body))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    m_request += socket->readAll();
                    if (!m_request.contains("\r\n\r\n"))
                        return;
                    socket->write("HTTP/1.1 " + QByteArray::number(m_status) + " X\r\n"
                                  "Content-Type: application/json\r\nConnection: close\r\n"
                                  "Content-Length: " + QByteArray::number(m_body.size())
                                  + "\r\n\r\n" + m_body);
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/api/v1/models").arg(serverPort())); }
    QByteArray request() const { return m_request; }

private:
    int m_status;
    QByteArray m_body;
    QByteArray m_request;
};

store::CacheEntry answerEntry(const QString &model, store::TokenUsage usage, double cost,
                              qint64 upstreamMs)
{
    store::CacheEntry entry;
    entry.key = "k1";
    entry.model = model;
    entry.usage = usage;
    entry.costUsd = cost;
    entry.upstreamLatencyMs = upstreamMs;
    return entry;
}

store::RequestLogRecord line(const QString &model, const QString &outcome, int status = 200)
{
    store::RequestLogRecord record;
    record.model = model;
    record.outcome = store::parseOutcome(outcome).value();
    record.status = status;
    return record;
}

} // namespace

class TestPricing : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void builtInTableLoads();
    void builtInTableCoversTheListedModels();
    void matching_data();
    void matching();
    void lookupNamesStripOnlyWholeSuffixes();
    void freeVariantsCostNothing();
    void overridesWinOverTheTable();
    void overridesRoundTripThroughAFile();
    void badOverridesFileIsAnError();
    void costOfNonStreamAnswerWithCachedTokens();
    void costOfStreamUsageChunk();
    void cachedTokensAtInputPriceWhenNoCachedPrice();
    void reportedCostWins();
    void unknownModelHasNoCost();
    void openRouterModelsParse();
    void openRouterParserRejectsOtherDocuments();
    void openRouterUpdateFetchesFromServer();
    void openRouterUpdateReportsFailure();
    void estimateIsMarkedEstimated();
    void estimateOfEmbeddingsHasNoCompletion();
    void hitLineSavesWhatTheAnswerCost();
    void missLineSpendsTheCallsCost();
    void missLineUsesStoredEstimate();
    void deliveredAnswerWithoutUsageHasUnknownCost();
    void failedCallWithoutUsageCostsNothing();
    void unknownModelLineHasNoPrice();
};

void TestPricing::builtInTableLoads()
{
    PriceBook book;
    QVERIFY(book.table().size() >= 40);
    QVERIFY2(QRegularExpression(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$")).match(book.pricesTaken()).hasMatch(),
             qPrintable(book.pricesTaken()));
    QVERIFY(!book.source().isEmpty());
    const std::optional<ModelPrice> mini = book.find(QStringLiteral("gpt-4o-mini"));
    QVERIFY(mini);
    QCOMPARE(mini->inputPerMillion, 0.15);
    QCOMPARE(mini->outputPerMillion, 0.60);
    QCOMPARE(mini->cachedRate(), 0.075);
}

void TestPricing::builtInTableCoversTheListedModels()
{
    PriceBook book;
    const char *models[] = {
        "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1", "o3", "o3-mini",
        "o4-mini", "gpt-3.5-turbo", "text-embedding-3-small", "text-embedding-3-large",
        "text-embedding-ada-002", "claude-3-5-sonnet", "claude-3-5-haiku", "claude-3-7-sonnet",
        "claude-sonnet-4", "claude-opus-4", "claude-3-haiku", "claude-3-opus", "gemini-1.5-flash",
        "gemini-1.5-pro", "gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro",
        "mistral-large", "mistral-small", "codestral", "deepseek-chat", "deepseek-reasoner",
        "llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "llama-3.3-70b", "openai/gpt-4o",
        "anthropic/claude-3.5-sonnet", "meta-llama/llama-3.1-70b-instruct",
        "google/gemini-2.0-flash-001", "deepseek/deepseek-chat",
    };
    QStringList listed;
    for (const ModelPrice &price : book.table())
        listed << price.model;
    for (const char *model : models)
        QVERIFY2(listed.contains(QLatin1String(model)), model);   // in the file, not by a rule
}

void TestPricing::matching_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("pricedAs");   // "" = no price
    const auto row = [](const char *model, const char *as) {
        QTest::newRow(model) << QString::fromLatin1(model) << QString::fromLatin1(as);
    };
    row("gpt-4o", "gpt-4o");
    row("GPT-4o-Mini", "gpt-4o-mini");
    row("openai/gpt-4o", "openai/gpt-4o");                       // OpenRouter id, as listed
    row("openai/gpt-4o-2024-08-06", "openai/gpt-4o");
    row("azure/gpt-4o-mini", "gpt-4o-mini");                     // prefix stripped
    row("gpt-4o-2024-08-06", "gpt-4o");                          // -YYYY-MM-DD
    row("gpt-4o-2024-05-13", "gpt-4o-2024-05-13");               // a listed snapshot wins
    row("gpt-4o-mini-2024-07-18", "gpt-4o-mini");
    row("o3-mini-2025-01-31", "o3-mini");                        // never "o3"
    row("o1-2024-12-17", "o1");
    row("gpt-3.5-turbo-0125", "gpt-3.5-turbo");                  // -MMDD
    row("gpt-4-0613", "gpt-4");
    row("claude-3-5-sonnet-20241022", "claude-3-5-sonnet");      // -YYYYMMDD
    row("claude-3-5-sonnet-latest", "claude-3-5-sonnet");        // -latest
    row("claude-sonnet-4-20250514", "claude-sonnet-4");
    row("claude-opus-4-1-20250805", "claude-opus-4-1");
    row("claude-3-7-sonnet-20250219", "claude-3-7-sonnet");
    row("anthropic/claude-3.5-sonnet", "anthropic/claude-3.5-sonnet");
    row("anthropic/claude-3.7-sonnet:thinking", "anthropic/claude-3.7-sonnet");
    row("anthropic/claude-3.5-sonnet:beta", "anthropic/claude-3.5-sonnet");
    row("claude-3.5-haiku", "claude-3-5-haiku");                 // dotted → dashed
    row("gemini-2.0-flash-001", "gemini-2.0-flash");
    row("models/gemini-1.5-pro-002", "gemini-1.5-pro");
    row("gemini-2.5-flash-preview-05-20", "gemini-2.5-flash");
    row("google/gemini-2.0-flash-001", "google/gemini-2.0-flash-001");
    row("mistral-large-2411", "mistral-large");
    row("mistral-large-latest", "mistral-large");
    row("codestral-2501", "codestral");
    row("meta-llama/llama-3.1-70b-instruct", "meta-llama/llama-3.1-70b-instruct");
    row("meta-llama/llama-3.1-405b-instruct:nitro", "meta-llama/llama-3.1-405b-instruct");
    row("llama-3.3-70b-versatile", "llama-3.3-70b");
    row("llama-3.1-8b-instant", "llama-3.1-8b");
    row("deepseek-chat", "deepseek-chat");
    row("deepseek/deepseek-chat", "deepseek/deepseek-chat");
    row("text-embedding-ada-002", "text-embedding-ada-002");
    row("  gpt-4.1-nano  ", "gpt-4.1-nano");
    // Unknown: no price rather than a wrong one.
    row("llama3.1:70b", "");                                     // an Ollama tag is kept
    row("my-local-model", "");
    row("gpt-4o-ultra", "");                                     // words are never stripped
    row("qwen2.5-coder:32b", "");
    QTest::newRow("empty") << QString() << QString();
}

void TestPricing::matching()
{
    QFETCH(QString, model);
    QFETCH(QString, pricedAs);
    PriceBook book;
    const std::optional<ModelPrice> price = book.find(model);
    if (pricedAs.isEmpty()) {
        QVERIFY2(!price, qPrintable(price ? price->model : QString()));
        return;
    }
    QVERIFY2(price, qPrintable(priceLookupNames(model).join(QLatin1String(", "))));
    QCOMPARE(price->model, pricedAs);
}

void TestPricing::lookupNamesStripOnlyWholeSuffixes()
{
    QCOMPARE(priceLookupNames(QStringLiteral("openai/gpt-4o-2024-08-06")),
             QStringList({"openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "openai/gpt-4o",
                          "gpt-4o"}));
    QCOMPARE(priceLookupNames(QStringLiteral("o3-mini")), QStringList({"o3-mini"}));
    QCOMPARE(priceLookupNames(QStringLiteral("llama3.1:70b")),
             QStringList({"llama3.1:70b", "llama3-1:70b"}));
}

void TestPricing::freeVariantsCostNothing()
{
    PriceBook book;
    const std::optional<ModelPrice> free = book.find(QStringLiteral("meta-llama/llama-3.3-70b-instruct:free"));
    QVERIFY(free);
    QCOMPARE(free->inputPerMillion, 0.0);
    QCOMPARE(free->outputPerMillion, 0.0);
    QVERIFY(isFreeVariant(QStringLiteral("x/y:FREE")));
    QVERIFY(!isFreeVariant(QStringLiteral("freebie")));
}

void TestPricing::overridesWinOverTheTable()
{
    PriceBook book;
    book.setOverrides({ModelPrice{QStringLiteral("gpt-4o-mini"), 1.0, 2.0, 0.5},
                       ModelPrice{QStringLiteral("my-local-model"), 0.0, 0.0, std::nullopt}});
    const std::optional<ModelPrice> mini = book.find(QStringLiteral("gpt-4o-mini"));
    QVERIFY(mini);
    QCOMPARE(mini->inputPerMillion, 1.0);
    // An override of the family also prices its snapshots.
    QCOMPARE(book.find(QStringLiteral("gpt-4o-mini-2024-07-18"))->outputPerMillion, 2.0);
    // And gives unknown models a price.
    QVERIFY(book.find(QStringLiteral("my-local-model")));
    QCOMPARE(book.find(QStringLiteral("gpt-4o"))->inputPerMillion, 2.5);   // others untouched
    QCOMPARE(book.overrides().size(), 2);
    book.setOverrides({});
    QCOMPARE(book.find(QStringLiteral("gpt-4o-mini"))->inputPerMillion, 0.15);
    QVERIFY(!book.find(QStringLiteral("my-local-model")));
}

void TestPricing::overridesRoundTripThroughAFile()
{
    QTemporaryDir dir;
    const QString path = PriceBook::overridesPath(dir.path());
    QVERIFY(path.endsWith(QLatin1String("/price-overrides.json")));
    PriceBook book;
    QString error;
    QVERIFY2(book.loadOverrides(path, &error), qPrintable(error));   // missing: no overrides
    QVERIFY(book.overrides().isEmpty());
    const QList<ModelPrice> overrides{ModelPrice{QStringLiteral("gpt-4o"), 3.0, 12.0, 1.5},
                                      ModelPrice{QStringLiteral("local"), 0.1, 0.2, std::nullopt}};
    book.setOverrides(overrides);
    QVERIFY2(book.saveOverrides(path, &error), qPrintable(error));
    PriceBook other;
    QVERIFY2(other.loadOverrides(path, &error), qPrintable(error));
    QCOMPARE(other.overrides(), overrides);
    QCOMPARE(other.find(QStringLiteral("gpt-4o"))->inputPerMillion, 3.0);
}

void TestPricing::badOverridesFileIsAnError()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{not json");
    file.close();
    PriceBook book;
    QString error;
    QVERIFY(!book.loadOverrides(path, &error));
    QVERIFY2(error.contains(path), qPrintable(error));
}

void TestPricing::costOfNonStreamAnswerWithCachedTokens()
{
    PriceBook book;
    const QJsonObject response = parse(kChatCompletion);
    const store::TokenUsage usage = cache::usageFromResponse(response);
    QCOMPARE(usage.cachedPromptTokens, 400);
    const std::optional<double> cost = answerCost(book, QStringLiteral("gpt-4o-mini-2024-07-18"), usage,
                                                  cache::costFromResponse(response));
    QVERIFY(cost);
    // 600 uncached at 0.15, 400 cached at 0.075, 500 completion at 0.60 per million.
    COMPARE_USD(*cost, (600 * 0.15 + 400 * 0.075 + 500 * 0.60) / 1e6);
}

void TestPricing::costOfStreamUsageChunk()
{
    cache::SseParser parser;
    cache::StreamRecorder recorder(QStringLiteral("chat/completions"));
    for (const cache::SseEvent &event : parser.feed(usageStream()))
        recorder.add(event);
    QVERIFY(recorder.isComplete());
    QCOMPARE(recorder.costUsd(), -1.0);
    PriceBook book;
    const std::optional<double> cost = answerCost(book, QStringLiteral("gpt-4o-2024-08-06"),
                                                  recorder.usage(), recorder.costUsd());
    QVERIFY(cost);
    // 976 uncached at 2.50, 1024 cached at 1.25, 300 completion at 10.00 per million.
    COMPARE_USD(*cost, (976 * 2.50 + 1024 * 1.25 + 300 * 10.0) / 1e6);
}

void TestPricing::cachedTokensAtInputPriceWhenNoCachedPrice()
{
    const ModelPrice price{QStringLiteral("m"), 2.0, 6.0, std::nullopt};
    COMPARE_USD(costUsd(price, {1000, 10, 500, true}), (1000 * 2.0 + 10 * 6.0) / 1e6);
    // More cached than prompt tokens (a confused server) never makes a negative count.
    const ModelPrice cheapCache{QStringLiteral("m"), 2.0, 6.0, 0.5};
    COMPARE_USD(costUsd(cheapCache, {100, 0, 900, true}), 100 * 0.5 / 1e6);
}

void TestPricing::reportedCostWins()
{
    PriceBook book;
    const QJsonObject response = parse(kOpenRouterCompletion);
    const std::optional<double> cost =
        answerCost(book, QStringLiteral("openai/gpt-4o"), cache::usageFromResponse(response),
                   cache::costFromResponse(response));
    QVERIFY(cost);
    COMPARE_USD(*cost, 0.00321);   // not 1000 × 2.5 + 100 × 10 per million
    // Even for a model the table does not know.
    QCOMPARE(answerCost(book, QStringLiteral("nobody/knows"), {}, 0.5), std::optional<double>(0.5));
}

void TestPricing::unknownModelHasNoCost()
{
    PriceBook book;
    QCOMPARE(answerCost(book, QStringLiteral("my-local-model"), {10, 10, 0, true}),
             std::optional<double>());
}

void TestPricing::openRouterModelsParse()
{
    QString error;
    const std::optional<QList<ModelPrice>> prices = parseOpenRouterModels(kOpenRouterModels, &error);
    QVERIFY2(prices, qPrintable(error));
    QCOMPARE(prices->size(), 3);   // the router and the broken entries are skipped
    QCOMPARE(prices->at(0), (ModelPrice{QStringLiteral("openai/gpt-4o"), 2.5, 10.0, 1.25}));
    QCOMPARE(prices->at(1), (ModelPrice{QStringLiteral("meta-llama/llama-3.1-70b-instruct"), 0.1,
                                        0.28, std::nullopt}));
    QCOMPARE(prices->at(2).model, QStringLiteral("deepseek/deepseek-chat-v3-0324:free"));
    QCOMPARE(prices->at(2).outputPerMillion, 0.0);

    // As overrides, they price OpenRouter requests.
    PriceBook book;
    book.setOverrides(*prices);
    QCOMPARE(book.find(QStringLiteral("meta-llama/llama-3.1-70b-instruct"))->outputPerMillion, 0.28);
}

void TestPricing::openRouterParserRejectsOtherDocuments()
{
    QString error;
    QVERIFY(!parseOpenRouterModels("<html>rate limited</html>", &error));
    QVERIFY(error.contains(QLatin1String("not JSON")));
    QVERIFY(!parseOpenRouterModels(R"({"error":{"message":"nope"}})", &error));
    QVERIFY(error.contains(QLatin1String("data")));
    QVERIFY(parseOpenRouterModels(R"({"data":[]})")->isEmpty());
}

void TestPricing::openRouterUpdateFetchesFromServer()
{
    OneShotHttpServer server(200, kOpenRouterModels);
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QNetworkAccessManager network;
    OpenRouterPriceUpdate update(&network);
    QCOMPARE(update.url(), QUrl(QStringLiteral("https://openrouter.ai/api/v1/models")));
    update.setUrl(server.url());
    QSignalSpy finished(&update, &OpenRouterPriceUpdate::finished);
    QSignalSpy failed(&update, &OpenRouterPriceUpdate::failed);
    update.start();
    QVERIFY(update.isRunning());
    QTRY_COMPARE(finished.count() + failed.count(), 1);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    const auto prices = finished.first().first().value<QList<ModelPrice>>();
    QCOMPARE(prices.size(), 3);
    QVERIFY(server.request().startsWith("GET /api/v1/models "));
    QVERIFY(!update.isRunning());
}

void TestPricing::openRouterUpdateReportsFailure()
{
    QNetworkAccessManager network;
    {
        OneShotHttpServer server(500, R"({"error":{"message":"down"}})");
        QVERIFY(server.listen(QHostAddress::LocalHost));
        OpenRouterPriceUpdate update(&network);
        update.setUrl(server.url());
        QSignalSpy failed(&update, &OpenRouterPriceUpdate::failed);
        update.start();
        QTRY_COMPARE(failed.count(), 1);
    }
    {
        // Nobody listens there any more: connection refused.
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        }
        OpenRouterPriceUpdate update(&network);
        update.setUrl(QUrl(QStringLiteral("http://127.0.0.1:%1/api/v1/models").arg(port)));
        QSignalSpy failed(&update, &OpenRouterPriceUpdate::failed);
        QSignalSpy finished(&update, &OpenRouterPriceUpdate::finished);
        update.start();
        QTRY_COMPARE(failed.count(), 1);
        QVERIFY(failed.first().first().toString().contains(QLatin1String("cannot fetch prices")));
        QCOMPARE(finished.count(), 0);
    }
}

void TestPricing::estimateIsMarkedEstimated()
{
    // 40 characters of messages, 12 of answer: 10 and 3 tokens.
    const QJsonObject request = parse(R"({"model":"llama3","messages":[
        {"role":"system","content":"0123456789012345"},
        {"role":"user","content":[{"type":"text","text":"012345678901234567890123"}]}]})");
    const QByteArray response =
        R"({"choices":[{"message":{"role":"assistant","content":"Hello there!"}}]})";
    const store::TokenUsage usage = estimateUsage(request, response);
    QVERIFY(usage.estimated);
    QVERIFY(!usage.known);
    QCOMPARE(usage.promptTokens, 10);
    QCOMPARE(usage.completionTokens, 3);
    QCOMPARE(usage.cachedPromptTokens, 0);
    QCOMPARE(estimateTokens(0), 1);    // at least 1
    QCOMPARE(estimateTokens(5), 2);    // rounded up
    // Tool calls count as answer text.
    const QByteArray toolAnswer =
        R"({"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[)"
        R"({"id":"c1","type":"function","function":{"name":"execute","arguments":"{\"code\":\"ls\"}"}}]}}]})";
    QCOMPARE(estimateUsage(request, toolAnswer).completionTokens, estimateTokens(7 + 13));
}

void TestPricing::estimateOfEmbeddingsHasNoCompletion()
{
    const QJsonObject request = parse(R"({"model":"nomic-embed-text","input":["abcdefgh","ijkl"]})");
    const store::TokenUsage usage = estimateUsage(
        request, R"({"object":"list","data":[{"object":"embedding","embedding":[0.1,0.2]}]})");
    QCOMPARE(usage.promptTokens, 3);
    QCOMPARE(usage.completionTokens, 0);
    QVERIFY(usage.estimated);
}

void TestPricing::hitLineSavesWhatTheAnswerCost()
{
    PriceBook book;
    const store::CacheEntry answer =
        answerEntry(QStringLiteral("gpt-4o-mini"), {1000, 500, 0, true}, 0.000450, 1800);
    store::RequestLogRecord record = line(QStringLiteral("gpt-4o-mini"), QStringLiteral("hit"));
    record.latencyUs = 2500;
    priceLogRecord(record, &answer, book);
    QCOMPARE(record.costUsd, std::optional<double>(0.0));
    QCOMPARE(record.savedUsd, std::optional<double>(0.000450));   // the stored cost, as is
    QCOMPARE(record.savedMs, 1798);
    QVERIFY(record.priceKnown);
    QCOMPARE(record.usage.promptTokens, 1000);   // tokens saved
}

void TestPricing::missLineSpendsTheCallsCost()
{
    PriceBook book;
    store::RequestLogRecord record = line(QStringLiteral("gpt-4o-mini"), QStringLiteral("miss"));
    record.usage = {1000, 500, 0, true};
    priceLogRecord(record, nullptr, book);   // not stored (no-store): priced from usage
    QVERIFY(record.costUsd);
    COMPARE_USD(*record.costUsd, (1000 * 0.15 + 500 * 0.60) / 1e6);
    QCOMPARE(record.savedUsd, std::optional<double>(0.0));
    QCOMPARE(record.savedMs, 0);
    QVERIFY(record.priceKnown);
}

void TestPricing::missLineUsesStoredEstimate()
{
    PriceBook book;
    store::TokenUsage estimate;
    estimate.promptTokens = 40;
    estimate.completionTokens = 8;
    estimate.estimated = true;
    const store::CacheEntry answer = answerEntry(QStringLiteral("gpt-4o-mini"), estimate, -1, 900);
    store::RequestLogRecord record = line(QStringLiteral("gpt-4o-mini"), QStringLiteral("miss"));
    priceLogRecord(record, &answer, book);   // the upstream sent no usage: record.usage is empty
    QVERIFY(record.usage.estimated);
    QCOMPARE(record.usage.promptTokens, 40);
    COMPARE_USD(*record.costUsd, (40 * 0.15 + 8 * 0.60) / 1e6);
}

void TestPricing::deliveredAnswerWithoutUsageHasUnknownCost()
{
    PriceBook book;
    store::RequestLogRecord miss = line(QStringLiteral("gpt-4o-mini"), QStringLiteral("miss"));
    priceLogRecord(miss, nullptr, book);
    QVERIFY(!miss.costUsd);
    QVERIFY(!miss.priceKnown);
    const store::CacheEntry oldEntry = answerEntry(QStringLiteral("gpt-4o-mini"), {}, -1, 100);
    store::RequestLogRecord hit = line(QStringLiteral("gpt-4o-mini"), QStringLiteral("hit"));
    priceLogRecord(hit, &oldEntry, book);
    QCOMPARE(hit.costUsd, std::optional<double>(0.0));   // a hit never spends
    QVERIFY(!hit.savedUsd);
    QVERIFY(!hit.priceKnown);
}

void TestPricing::failedCallWithoutUsageCostsNothing()
{
    PriceBook book;
    store::RequestLogRecord record = line(QStringLiteral("gpt-4o"), QStringLiteral("error"), 429);
    priceLogRecord(record, nullptr, book);
    QCOMPARE(record.costUsd, std::optional<double>(0.0));
    QVERIFY(record.priceKnown);
}

void TestPricing::unknownModelLineHasNoPrice()
{
    PriceBook book;
    store::RequestLogRecord record = line(QStringLiteral("llama3.1:8b"), QStringLiteral("miss"));
    record.usage = {100, 100, 0, true};
    priceLogRecord(record, nullptr, book);
    QVERIFY(!record.costUsd);
    QVERIFY(!record.priceKnown);
    QCOMPARE(record.savedUsd, std::optional<double>(0.0));
}

QTEST_GUILESS_MAIN(TestPricing)
#include "TestPricing.moc"
