#include "fakeupstream.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTimer>
#include <QtEndian>

#include <cstring>

namespace cachette::test {

using http::HeaderList;
using http::HttpExchange;

qint64 monotonicMs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.elapsed();
}

namespace {

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray dataFrame(const QJsonObject &object)
{
    return "data: " + compact(object) + "\n\n";
}

bool isChat(const QByteArray &path) { return path.endsWith("/chat/completions"); }
bool isCompletions(const QByteArray &path) { return path.endsWith("/completions") && !isChat(path); }
bool isEmbeddings(const QByteArray &path) { return path.endsWith("/embeddings"); }
bool isAnthropic(const QByteArray &path) { return path.endsWith("/messages"); }

// An Anthropic SSE frame: the event name repeats the data's "type".
QByteArray namedFrame(const QJsonObject &object)
{
    return "event: " + object.value(QLatin1String("type")).toString().toUtf8() + "\ndata: "
           + compact(object) + "\n\n";
}

qint64 created(int callNumber) { return 1700000000 + callNumber; }

int wordCount(const QString &text)
{
    return int(text.split(QLatin1Char(' '), Qt::SkipEmptyParts).size());
}

QJsonObject usageObject(const QString &prompt, int completionTokens)
{
    const int promptTokens = wordCount(prompt) + 7;
    return QJsonObject{{"prompt_tokens", promptTokens},
                       {"completion_tokens", completionTokens},
                       {"total_tokens", promptTokens + completionTokens}};
}

int completionTokensFor(const QString &text, bool withToolCalls, int callNumber)
{
    int tokens = wordCount(text);
    if (withToolCalls) {
        const QJsonArray calls = FakeUpstream::toolCalls(callNumber);
        for (const QJsonValue &call : calls)
            tokens += int(call[QLatin1String("function")][QLatin1String("arguments")].toString().size() / 4);
    }
    return tokens;
}

// "answer #1 to: hello world" → "answer ", "#1 ", "to: ", "hello ", "world"
QStringList splitWords(const QString &text)
{
    QStringList pieces;
    QString current;
    for (QChar c : text) {
        current += c;
        if (c == QLatin1Char(' ')) {
            pieces << current;
            current.clear();
        }
    }
    if (!current.isEmpty())
        pieces << current;
    return pieces;
}

QStringList splitEvery(const QString &text, int size)
{
    QStringList pieces;
    for (qsizetype i = 0; i < text.size(); i += size)
        pieces << text.mid(i, size);
    return pieces;
}

QString textOfContent(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    QStringList parts;
    const QJsonArray array = content.toArray();
    for (const QJsonValue &part : array) {
        if (part[QLatin1String("type")].toString() == QLatin1String("text"))
            parts << part[QLatin1String("text")].toString();
    }
    return parts.join(QLatin1Char('\n'));
}

bool wantsUsage(const QJsonObject &request)
{
    return request.value(QLatin1String("stream_options")).toObject()
        .value(QLatin1String("include_usage")).toBool();
}

} // namespace

// --- RecordedRequest ---------------------------------------------------------------------

QByteArray RecordedRequest::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool RecordedRequest::hasHeader(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QJsonObject RecordedRequest::json() const
{
    return QJsonDocument::fromJson(body).object();
}

// --- FakeUpstream ------------------------------------------------------------------------

FakeUpstream::FakeUpstream(QObject *parent)
    : QObject(parent)
{
    m_named.insert(QStringLiteral("normal"), Scenario::normal());
    m_named.insert(QStringLiteral("tools"), Scenario::withToolCalls());
    m_named.insert(QStringLiteral("comments"), Scenario::withComments());
    m_named.insert(QStringLiteral("slow"), Scenario::slow(1500));
    m_named.insert(QStringLiteral("error429"), Scenario::error(429));
    m_named.insert(QStringLiteral("error500"), Scenario::error(500));
    m_named.insert(QStringLiteral("drop"), Scenario::dropMidStream(3));
    m_named.insert(QStringLiteral("error-event"), Scenario::errorEventMidStream(3));
    m_named.insert(QStringLiteral("stall"), Scenario::stall(0));
    m_named.insert(QStringLiteral("stall-after-2"), Scenario::stall(2));

    // The proxy passes the client's Origin through; the fake must not refuse the ones tests use.
    http::AccessPolicy policy;
    policy.allowedOrigins = {QStringLiteral("https://evil.example"), QStringLiteral("https://app.example"),
                             QStringLiteral("http://localhost:3000")};
    m_server.setAccessPolicy(policy);
    m_server.setHandler([this](HttpExchange *exchange) { handle(exchange); });
}

FakeUpstream::~FakeUpstream()
{
    m_server.close();
}

bool FakeUpstream::start(QString *error)
{
    return m_server.listen(QHostAddress::LocalHost, 0, error);
}

quint16 FakeUpstream::port() const { return m_server.serverPort(); }

QString FakeUpstream::rootUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

QString FakeUpstream::baseUrl() const { return rootUrl() + QStringLiteral("/v1"); }

void FakeUpstream::setScenarioForModel(const QString &model, const Scenario &scenario)
{
    m_byModel.insert(model, scenario);
}

void FakeUpstream::setNamedScenario(const QString &name, const Scenario &scenario)
{
    m_named.insert(name, scenario);
}

int FakeUpstream::requestCount(const QByteArray &path) const
{
    int n = 0;
    for (const RecordedRequest &r : m_requests) {
        if (r.path == path)
            ++n;
    }
    return n;
}

int FakeUpstream::openExchanges() const
{
    int n = 0;
    for (const auto &e : m_open) {
        if (e && !e->isFinished() && !e->isClientGone())
            ++n;
    }
    return n;
}

Scenario FakeUpstream::chooseScenario(const http::HttpRequest &request, const QJsonObject &body,
                                      QString *source)
{
    const QString named = QString::fromUtf8(request.header("X-Fake-Scenario")).trimmed();
    if (!named.isEmpty()) {
        *source = QStringLiteral("header:") + named;
        return m_named.value(named, Scenario::normal());
    }
    const QString model = body.value(QLatin1String("model")).toString();
    if (!model.isEmpty() && m_byModel.contains(model)) {
        *source = QStringLiteral("model:") + model;
        return m_byModel.value(model);
    }
    if (!m_queue.isEmpty()) {
        *source = QStringLiteral("queue");
        return m_queue.dequeue();
    }
    *source = QStringLiteral("default");
    return m_default;
}

void FakeUpstream::handle(HttpExchange *exchange)
{
    const http::HttpRequest &request = exchange->request();
    RecordedRequest record;
    record.callNumber = int(m_requests.size()) + 1;
    record.method = request.method;
    record.target = request.target;
    record.path = request.path;
    record.query = request.query;
    record.headers = request.headers;
    record.body = request.body;
    record.receivedAtMs = monotonicMs();
    const Scenario scenario = chooseScenario(request, record.json(), &record.scenarioSource);
    const int index = int(m_requests.size());
    m_requests.append(record);

    m_open.removeAll(QPointer<HttpExchange>());
    m_open.append(exchange);
    connect(exchange, &HttpExchange::clientGone, this, [this, index] {
        if (index < m_requests.size())
            m_requests[index].clientGone = true;
    });
    Q_EMIT requestReceived(index);

    QPointer<HttpExchange> guarded(exchange);
    if (scenario.delayMs > 0) {
        QTimer::singleShot(scenario.delayMs, this, [this, index, guarded, scenario] {
            answer(index, guarded, scenario);
        });
    } else {
        answer(index, guarded, scenario);
    }
}

void FakeUpstream::markFinished(int index)
{
    if (index < m_requests.size())
        m_requests[index].finishedAtMs = monotonicMs();
}

void FakeUpstream::answer(int index, QPointer<HttpExchange> exchange, const Scenario &scenario)
{
    if (!exchange || exchange->isClientGone() || index >= m_requests.size())
        return;
    RecordedRequest &record = m_requests[index];
    const QJsonObject body = record.json();
    const int n = record.callNumber;
    const HeaderList jsonHeaders{{"Content-Type", "application/json"},
                                 {"x-request-id", "req-fake-" + QByteArray::number(n)}};

    if (scenario.kind == Scenario::Kind::Error) {
        HeaderList headers = jsonHeaders;
        if (scenario.status == 429)
            headers.append(qMakePair(QByteArray("Retry-After"), QByteArray("1")));
        record.firstByteAtMs = monotonicMs();
        exchange->respond(scenario.status, headers,
                          isAnthropic(record.path) ? anthropicErrorBody(scenario.status)
                                                   : errorBody(scenario.status));
        markFinished(index);
        return;
    }

    const bool stream = body.value(QLatin1String("stream")).toBool();
    const bool streamable = record.method == "POST"
                            && (isChat(record.path) || isCompletions(record.path) || isAnthropic(record.path));
    if (stream && streamable) {
        answerStream(index, exchange, scenario);
        return;
    }

    switch (scenario.kind) {
    case Scenario::Kind::Stall:
        return;   // never answers; the exchange stays open until the proxy gives up
    case Scenario::Kind::DropMidStream:
        record.aborted = true;
        exchange->abort();
        markFinished(index);
        return;
    default:
        break;
    }

    QByteArray reply;
    if (record.method == "POST" && isChat(record.path)) {
        reply = chatCompletionBody(n, body, scenario.toolCalls);
    } else if (record.method == "POST" && isCompletions(record.path)) {
        reply = completionBody(n, body);
    } else if (record.method == "POST" && isEmbeddings(record.path)) {
        reply = embeddingsBody(n, body);
    } else if (record.method == "POST" && isAnthropic(record.path)) {
        reply = anthropicMessageBody(n, body, scenario.toolCalls);
    } else if (record.method == "GET" && record.path.endsWith("/models")) {
        const QJsonArray models{QJsonObject{{"id", "gpt-4o-mini"}, {"object", "model"}, {"created", 1}, {"owned_by", "fake"}},
                                QJsonObject{{"id", "gpt-4o"}, {"object", "model"}, {"created", 2}, {"owned_by", "fake"}}};
        reply = compact(QJsonObject{{"object", "list"}, {"data", models}, {"fake_call", n}});
    } else {
        reply = compact(QJsonObject{{"fake_call", n},
                                    {"method", QString::fromLatin1(record.method)},
                                    {"target", QString::fromUtf8(record.target)},
                                    {"body_bytes", int(record.body.size())}});
    }
    record.firstByteAtMs = monotonicMs();
    exchange->respond(200, jsonHeaders, reply);
    markFinished(index);
}

void FakeUpstream::answerStream(int index, QPointer<HttpExchange> exchange, const Scenario &scenario)
{
    RecordedRequest &record = m_requests[index];
    QList<QByteArray> frames = streamFrames(record.callNumber, record.path, record.json(), scenario);

    // Cut the stream where the scenario fails.
    if (scenario.kind == Scenario::Kind::DropMidStream || scenario.kind == Scenario::Kind::Stall
        || scenario.kind == Scenario::Kind::ErrorEventMidStream) {
        frames = frames.mid(0, qMin<qsizetype>(scenario.eventsBeforeFailure, frames.size() - 1));
        if (scenario.kind == Scenario::Kind::ErrorEventMidStream && isAnthropic(record.path)) {
            const QJsonObject error{{"type", "overloaded_error"}, {"message", "Overloaded"}};
            frames.append(namedFrame(QJsonObject{{"type", "error"}, {"error", error}}));
        } else if (scenario.kind == Scenario::Kind::ErrorEventMidStream) {
            const QJsonObject error{{"message", "Provider returned error mid-stream"},
                                    {"type", "server_error"},
                                    {"code", 502}};
            frames.append(dataFrame(QJsonObject{{"error", error}}));
            if (scenario.doneAfterError)
                frames.append(QByteArrayLiteral("data: [DONE]\n\n"));
        }
    }
    if (scenario.kind == Scenario::Kind::Stall && scenario.eventsBeforeFailure == 0)
        return;   // not even the head

    record.firstByteAtMs = monotonicMs();
    exchange->writeHead(200, {{"Content-Type", "text/event-stream; charset=utf-8"},
                              {"Cache-Control", "no-cache"},
                              {"x-request-id", "req-fake-" + QByteArray::number(record.callNumber)}});
    writeFrames(index, exchange, frames, 0, scenario);
}

void FakeUpstream::writeFrames(int index, QPointer<HttpExchange> exchange, QList<QByteArray> frames,
                               int position, const Scenario &scenario)
{
    QTimer::singleShot(scenario.chunkDelayMs, this, [=, this] {
        if (!exchange || exchange->isClientGone())
            return;
        if (position < frames.size()) {
            exchange->writeChunk(frames.at(position));
            writeFrames(index, exchange, frames, position + 1, scenario);
            return;
        }
        switch (scenario.kind) {
        case Scenario::Kind::Stall:
            return;   // keeps the exchange open, writes nothing more
        case Scenario::Kind::DropMidStream:
            if (index < m_requests.size())
                m_requests[index].aborted = true;
            exchange->abort();
            break;
        default:
            exchange->finish();
            break;
        }
        markFinished(index);
    });
}

// --- Expected bodies ---------------------------------------------------------------------

QString FakeUpstream::answerText(int callNumber, const QString &prompt)
{
    return QStringLiteral("answer #%1 to: %2").arg(callNumber).arg(prompt);
}

QJsonArray FakeUpstream::toolCalls(int callNumber)
{
    const QString n = QString::number(callNumber);
    auto call = [&](int i, const QString &language, const QString &code) {
        const QJsonObject arguments{{"language", language}, {"code", code}};
        return QJsonObject{{"id", QStringLiteral("call_fake_%1_%2").arg(n).arg(i)},
                           {"type", "function"},
                           {"function", QJsonObject{{"name", "execute"},
                                                    {"arguments", QString::fromUtf8(compact(arguments))}}}};
    };
    return QJsonArray{call(0, QStringLiteral("python"),
                           QStringLiteral("import os\nprint('answer %1', os.getcwd())").arg(n)),
                      call(1, QStringLiteral("shell"), QStringLiteral("ls -la && echo \"answer %1\"").arg(n))};
}

QString FakeUpstream::promptOf(const QByteArray &path, const QJsonObject &body)
{
    if (isChat(path) || isAnthropic(path)) {
        const QJsonArray messages = body.value(QLatin1String("messages")).toArray();
        for (qsizetype i = messages.size() - 1; i >= 0; --i) {
            const QJsonObject m = messages.at(i).toObject();
            if (m.value(QLatin1String("role")).toString() == QLatin1String("user"))
                return textOfContent(m.value(QLatin1String("content")));
        }
        return {};
    }
    const QJsonValue v = body.value(isEmbeddings(path) ? QLatin1String("input") : QLatin1String("prompt"));
    if (v.isString())
        return v.toString();
    if (v.isArray()) {
        QStringList parts;
        for (const QJsonValue &p : v.toArray())
            parts << (p.isString() ? p.toString() : QString::fromUtf8(QJsonDocument(p.toArray()).toJson(QJsonDocument::Compact)));
        return parts.join(QLatin1Char('\n'));
    }
    return {};
}

QList<float> FakeUpstream::embeddingVector(int callNumber, const QString &input)
{
    quint32 h = 17;
    for (QChar c : input)
        h = h * 31 + c.unicode();
    QList<float> v;
    v << float(callNumber);
    for (int k = 1; k < 8; ++k)
        v << float((h + quint32(k) * 37u) % 1000u) / 8.0f - 60.0f;   // exact in float32
    return v;
}

QByteArray FakeUpstream::encodeBase64Floats(const QList<float> &values)
{
    QByteArray raw(values.size() * 4, Qt::Uninitialized);
    for (qsizetype i = 0; i < values.size(); ++i) {
        quint32 bits;
        std::memcpy(&bits, &values[i], 4);
        qToLittleEndian(bits, raw.data() + i * 4);
    }
    return raw.toBase64();
}

QList<float> FakeUpstream::decodeBase64Floats(const QByteArray &base64)
{
    const QByteArray raw = QByteArray::fromBase64(base64);
    QList<float> values;
    for (qsizetype i = 0; i + 4 <= raw.size(); i += 4) {
        const quint32 bits = qFromLittleEndian<quint32>(raw.constData() + i);
        float f;
        std::memcpy(&f, &bits, 4);
        values << f;
    }
    return values;
}

QByteArray FakeUpstream::chatCompletionBody(int callNumber, const QJsonObject &request, bool withToolCalls)
{
    const QString prompt = promptOf("/v1/chat/completions", request);
    const QString text = answerText(callNumber, prompt);
    QJsonObject message{{"role", "assistant"}, {"content", text}, {"refusal", QJsonValue::Null}};
    if (withToolCalls)
        message.insert(QStringLiteral("tool_calls"), toolCalls(callNumber));
    const QJsonObject choice{{"index", 0},
                             {"message", message},
                             {"logprobs", QJsonValue::Null},
                             {"finish_reason", withToolCalls ? "tool_calls" : "stop"}};
    return compact(QJsonObject{{"id", QStringLiteral("chatcmpl-fake-%1").arg(callNumber)},
                               {"object", "chat.completion"},
                               {"created", created(callNumber)},
                               {"model", request.value(QLatin1String("model"))},
                               {"system_fingerprint", "fp_fake"},
                               {"choices", QJsonArray{choice}},
                               {"usage", usageObject(prompt, completionTokensFor(text, withToolCalls, callNumber))}});
}

QByteArray FakeUpstream::completionBody(int callNumber, const QJsonObject &request)
{
    const QString prompt = promptOf("/v1/completions", request);
    const QString text = answerText(callNumber, prompt);
    const QJsonObject choice{{"text", text}, {"index", 0}, {"logprobs", QJsonValue::Null}, {"finish_reason", "stop"}};
    return compact(QJsonObject{{"id", QStringLiteral("cmpl-fake-%1").arg(callNumber)},
                               {"object", "text_completion"},
                               {"created", created(callNumber)},
                               {"model", request.value(QLatin1String("model"))},
                               {"choices", QJsonArray{choice}},
                               {"usage", usageObject(prompt, wordCount(text))}});
}

QByteArray FakeUpstream::embeddingsBody(int callNumber, const QJsonObject &request)
{
    const bool base64 = request.value(QLatin1String("encoding_format")).toString() == QLatin1String("base64");
    QStringList inputs;
    const QJsonValue input = request.value(QLatin1String("input"));
    if (input.isArray()) {
        for (const QJsonValue &v : input.toArray())
            inputs << (v.isString() ? v.toString() : QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)));
    } else {
        inputs << input.toString();
    }
    QJsonArray data;
    int tokens = 0;
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        const QList<float> vector = embeddingVector(callNumber, inputs.at(i));
        QJsonValue embedding;
        if (base64) {
            embedding = QString::fromLatin1(encodeBase64Floats(vector));
        } else {
            QJsonArray array;
            for (float f : vector)
                array.append(double(f));
            embedding = array;
        }
        data.append(QJsonObject{{"object", "embedding"}, {"index", int(i)}, {"embedding", embedding}});
        tokens += wordCount(inputs.at(i)) + 1;
    }
    return compact(QJsonObject{{"object", "list"},
                               {"data", data},
                               {"model", request.value(QLatin1String("model"))},
                               {"usage", QJsonObject{{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

QByteArray FakeUpstream::errorBody(int status)
{
    QJsonObject error;
    if (status == 429) {
        error = {{"message", "Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3. Please try again in 20s."},
                 {"type", "requests"},
                 {"param", QJsonValue::Null},
                 {"code", "rate_limit_exceeded"}};
    } else if (status >= 500) {
        error = {{"message", "The server had an error while processing your request. Sorry about that!"},
                 {"type", "server_error"},
                 {"param", QJsonValue::Null},
                 {"code", QJsonValue::Null}};
    } else {
        error = {{"message", QStringLiteral("fake upstream error %1").arg(status)},
                 {"type", "invalid_request_error"},
                 {"param", QJsonValue::Null},
                 {"code", "fake_error"}};
    }
    return compact(QJsonObject{{"error", error}});
}

QList<QByteArray> FakeUpstream::streamFrames(int callNumber, const QByteArray &path,
                                             const QJsonObject &request, const Scenario &scenario)
{
    if (isAnthropic(path))
        return anthropicStreamFrames(callNumber, request, scenario);
    const QByteArray comment = QByteArrayLiteral(": OPENROUTER PROCESSING\n\n");
    const QString prompt = promptOf(path, request);
    const QString text = answerText(callNumber, prompt);
    const QJsonValue model = request.value(QLatin1String("model"));
    QList<QByteArray> frames;
    if (scenario.comments)
        frames << comment << comment;

    if (isChat(path)) {
        const QString id = QStringLiteral("chatcmpl-fake-%1").arg(callNumber);
        auto chunk = [&](const QJsonObject &delta, const QJsonValue &finishReason = QJsonValue::Null) {
            const QJsonObject choice{{"index", 0}, {"delta", delta}, {"logprobs", QJsonValue::Null},
                                     {"finish_reason", finishReason}};
            return dataFrame(QJsonObject{{"id", id}, {"object", "chat.completion.chunk"},
                                         {"created", created(callNumber)}, {"model", model},
                                         {"system_fingerprint", "fp_fake"},
                                         {"choices", QJsonArray{choice}}});
        };
        frames << chunk(QJsonObject{{"role", "assistant"}, {"content", ""}, {"refusal", QJsonValue::Null}});
        const QStringList words = splitWords(text);
        for (qsizetype i = 0; i < words.size(); ++i) {
            frames << chunk(QJsonObject{{"content", words.at(i)}});
            if (scenario.comments && i == 1)
                frames << comment;
        }
        if (scenario.toolCalls) {
            const QJsonArray calls = toolCalls(callNumber);
            for (int i = 0; i < calls.size(); ++i) {
                const QJsonObject call = calls.at(i).toObject();
                const QJsonObject function = call.value(QLatin1String("function")).toObject();
                const QJsonObject head{{"index", i},
                                       {"id", call.value(QLatin1String("id"))},
                                       {"type", "function"},
                                       {"function", QJsonObject{{"name", function.value(QLatin1String("name"))},
                                                                {"arguments", ""}}}};
                frames << chunk(QJsonObject{{"tool_calls", QJsonArray{head}}});
                const QStringList pieces = splitEvery(function.value(QLatin1String("arguments")).toString(), 7);
                for (const QString &piece : pieces) {
                    const QJsonObject part{{"index", i}, {"function", QJsonObject{{"arguments", piece}}}};
                    frames << chunk(QJsonObject{{"tool_calls", QJsonArray{part}}});
                }
            }
        }
        frames << chunk(QJsonObject{}, scenario.toolCalls ? "tool_calls" : "stop");
        if (wantsUsage(request)) {
            frames << dataFrame(QJsonObject{
                {"id", id}, {"object", "chat.completion.chunk"}, {"created", created(callNumber)},
                {"model", model}, {"system_fingerprint", "fp_fake"}, {"choices", QJsonArray{}},
                {"usage", usageObject(prompt, completionTokensFor(text, scenario.toolCalls, callNumber))}});
        }
    } else {
        const QString id = QStringLiteral("cmpl-fake-%1").arg(callNumber);
        auto chunk = [&](const QString &piece, const QJsonValue &finishReason = QJsonValue::Null) {
            const QJsonObject choice{{"text", piece}, {"index", 0}, {"logprobs", QJsonValue::Null},
                                     {"finish_reason", finishReason}};
            return dataFrame(QJsonObject{{"id", id}, {"object", "text_completion"},
                                         {"created", created(callNumber)}, {"model", model},
                                         {"choices", QJsonArray{choice}}});
        };
        for (const QString &word : splitWords(text))
            frames << chunk(word);
        frames << chunk(QString(), "stop");
        if (wantsUsage(request)) {
            frames << dataFrame(QJsonObject{{"id", id}, {"object", "text_completion"},
                                            {"created", created(callNumber)}, {"model", model},
                                            {"choices", QJsonArray{}},
                                            {"usage", usageObject(prompt, wordCount(text))}});
        }
    }
    frames << QByteArrayLiteral("data: [DONE]\n\n");
    return frames;
}

// --- Anthropic Messages -------------------------------------------------------------------

QJsonObject FakeUpstream::anthropicToolInput(int callNumber)
{
    return QJsonObject{{"language", "python"},
                       {"code", QStringLiteral("import os\nprint(\"answer %1\", os.listdir('.'))").arg(callNumber)}};
}

QJsonObject FakeUpstream::anthropicUsage(int callNumber, const QJsonObject &request, bool withToolUse)
{
    const QString prompt = promptOf("/v1/messages", request);
    const bool hinted = compact(request).contains("\"cache_control\"");
    int output = wordCount(answerText(callNumber, prompt));
    if (withToolUse)
        output += int(compact(anthropicToolInput(callNumber)).size() / 4);
    return QJsonObject{{"input_tokens", wordCount(prompt) + 7},
                       {"cache_creation_input_tokens", hinted ? kAnthropicCacheWrite : 0},
                       {"cache_read_input_tokens", hinted ? kAnthropicCacheRead : 0},
                       {"output_tokens", output}};
}

QByteArray FakeUpstream::anthropicMessageBody(int callNumber, const QJsonObject &request, bool withToolUse)
{
    const QString prompt = promptOf("/v1/messages", request);
    QJsonArray content{QJsonObject{{"type", "text"}, {"text", answerText(callNumber, prompt)}}};
    if (withToolUse) {
        content.append(QJsonObject{{"type", "tool_use"},
                                   {"id", QStringLiteral("toolu_fake_%1").arg(callNumber)},
                                   {"name", "execute"},
                                   {"input", anthropicToolInput(callNumber)}});
    }
    return compact(QJsonObject{{"id", QStringLiteral("msg_fake_%1").arg(callNumber)},
                               {"type", "message"},
                               {"role", "assistant"},
                               {"model", request.value(QLatin1String("model"))},
                               {"content", content},
                               {"stop_reason", withToolUse ? "tool_use" : "end_turn"},
                               {"stop_sequence", QJsonValue::Null},
                               {"usage", anthropicUsage(callNumber, request, withToolUse)}});
}

QList<QByteArray> FakeUpstream::anthropicStreamFrames(int callNumber, const QJsonObject &request,
                                                      const Scenario &scenario)
{
    const QJsonObject usage = anthropicUsage(callNumber, request, scenario.toolCalls);
    QJsonObject startUsage = usage;
    startUsage.insert(QStringLiteral("output_tokens"), 1);   // Anthropic's first count
    const QJsonObject message{{"id", QStringLiteral("msg_fake_%1").arg(callNumber)},
                              {"type", "message"}, {"role", "assistant"},
                              {"model", request.value(QLatin1String("model"))},
                              {"content", QJsonArray{}},
                              {"stop_reason", QJsonValue::Null}, {"stop_sequence", QJsonValue::Null},
                              {"usage", startUsage}};
    auto delta = [](int index, const QJsonObject &d) {
        return namedFrame(QJsonObject{{"type", "content_block_delta"}, {"index", index}, {"delta", d}});
    };
    auto stop = [](int index) {
        return namedFrame(QJsonObject{{"type", "content_block_stop"}, {"index", index}});
    };
    QList<QByteArray> frames;
    frames << namedFrame(QJsonObject{{"type", "message_start"}, {"message", message}});
    frames << namedFrame(QJsonObject{{"type", "content_block_start"}, {"index", 0},
                                     {"content_block", QJsonObject{{"type", "text"}, {"text", ""}}}});
    frames << namedFrame(QJsonObject{{"type", "ping"}});
    const QString text = answerText(callNumber, promptOf("/v1/messages", request));
    for (const QString &word : splitWords(text))
        frames << delta(0, QJsonObject{{"type", "text_delta"}, {"text", word}});
    frames << stop(0);
    if (scenario.toolCalls) {
        const QJsonObject block{{"type", "tool_use"}, {"id", QStringLiteral("toolu_fake_%1").arg(callNumber)},
                                {"name", "execute"}, {"input", QJsonObject{}}};
        frames << namedFrame(QJsonObject{{"type", "content_block_start"}, {"index", 1}, {"content_block", block}});
        // Anthropic opens with an empty fragment, then sends the JSON text in pieces.
        QStringList pieces{QString()};
        pieces << splitEvery(QString::fromUtf8(compact(anthropicToolInput(callNumber))), 7);
        for (const QString &piece : pieces)
            frames << delta(1, QJsonObject{{"type", "input_json_delta"}, {"partial_json", piece}});
        frames << stop(1);
    }
    const QJsonObject messageDelta{{"stop_reason", scenario.toolCalls ? "tool_use" : "end_turn"},
                                   {"stop_sequence", QJsonValue::Null}};
    frames << namedFrame(QJsonObject{{"type", "message_delta"}, {"delta", messageDelta},
                                     {"usage", QJsonObject{{"output_tokens", usage.value(QLatin1String("output_tokens"))}}}});
    frames << namedFrame(QJsonObject{{"type", "message_stop"}});
    return frames;
}

QByteArray FakeUpstream::anthropicErrorBody(int status)
{
    const QString type = status == 429 ? QStringLiteral("rate_limit_error")
                         : status == 529 ? QStringLiteral("overloaded_error")
                         : status >= 500 ? QStringLiteral("api_error")
                                         : QStringLiteral("invalid_request_error");
    const QJsonObject error{{"type", type}, {"message", QStringLiteral("fake upstream error %1").arg(status)}};
    return compact(QJsonObject{{"type", "error"}, {"error", error}});
}

} // namespace cachette::test
