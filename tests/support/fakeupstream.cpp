#include "fakeupstream.h"
#include "fakeupstreamwire.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTimer>

namespace cachette::test {

using http::HeaderList;
using http::HttpExchange;
using namespace wire;

qint64 monotonicMs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.elapsed();
}


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
                            && (isChat(record.path) || isCompletions(record.path) || isAnthropic(record.path)
                                || isResponses(record.path));
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
    } else if (record.method == "POST" && isResponses(record.path)) {
        reply = responsesBody(n, body, scenario.toolCalls);
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
        if (isResponses(record.path)) {
            // responsesStreamFrames already ends a failing stream its own way.
            if (scenario.kind != Scenario::Kind::ErrorEventMidStream)
                frames = frames.mid(0, scenario.eventsBeforeFailure);
            else
                frames = streamFrames(record.callNumber, record.path, record.json(), scenario);
        } else if (scenario.kind == Scenario::Kind::ErrorEventMidStream && isAnthropic(record.path)) {
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
            const bool last = position + 1 == frames.size();
            if (last && scenario.kind == Scenario::Kind::Auto && scenario.endDelayMs == 0) {
                endStream(index, exchange, scenario);
            } else if (last && scenario.kind == Scenario::Kind::Auto && scenario.endDelayMs > 0) {
                QTimer::singleShot(scenario.endDelayMs, this,
                                   [=, this] { endStream(index, exchange, scenario); });
            } else {
                writeFrames(index, exchange, frames, position + 1, scenario);
            }
            return;
        }
        endStream(index, exchange, scenario);
    });
}

void FakeUpstream::endStream(int index, QPointer<HttpExchange> exchange, const Scenario &scenario)
{
    if (!exchange || exchange->isClientGone())
        return;
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
}

} // namespace cachette::test
