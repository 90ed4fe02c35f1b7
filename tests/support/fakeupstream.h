#pragma once

#include "http/httpserver.h"

#include <QByteArray>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QQueue>
#include <QString>

namespace cachette::test {

// Milliseconds on one monotonic clock shared by every support class, so the times the fake
// upstream records and the times the client records can be compared.
qint64 monotonicMs();

// How the fake upstream answers one request.
//   Auto                 answers by endpoint: chat (JSON or SSE by "stream"), completions,
//                        embeddings (float or base64 by encoding_format), GET /v1/models, and
//                        a JSON echo of method and target for anything else
//   Error                status with an OpenAI error JSON (429 adds Retry-After)
//   DropMidStream        streams eventsBeforeFailure chunks, then drops the connection
//   ErrorEventMidStream  streams eventsBeforeFailure chunks, then a data: {"error":…} event
//   Stall                streams eventsBeforeFailure chunks (0: not even the head) and then
//                        never writes again (non-stream: never answers)
struct Scenario
{
    enum class Kind { Auto, Error, DropMidStream, ErrorEventMidStream, Stall };

    Kind kind = Kind::Auto;
    int delayMs = 0;              // before the head / the whole answer ("slow upstream")
    int chunkDelayMs = 20;        // between SSE frames
    bool toolCalls = false;       // chat: two parallel execute(language, code) tool calls
    bool comments = false;        // ": OPENROUTER PROCESSING" comment frames in a stream
    int status = 500;             // Error
    int eventsBeforeFailure = 2;  // DropMidStream, ErrorEventMidStream, Stall
    bool doneAfterError = true;   // ErrorEventMidStream: still ends with data: [DONE]
    // Auto streams: ms between the last frame and the end of the body; -1 waits chunkDelayMs,
    // 0 ends the body with the last frame (as a provider that writes both at once).
    int endDelayMs = -1;

    static Scenario normal() { return {}; }
    static Scenario slow(int ms) { Scenario s; s.delayMs = ms; return s; }
    static Scenario withToolCalls() { Scenario s; s.toolCalls = true; return s; }
    static Scenario withComments() { Scenario s; s.comments = true; return s; }
    static Scenario error(int status) { Scenario s; s.kind = Kind::Error; s.status = status; return s; }
    static Scenario dropMidStream(int after = 3)
    { Scenario s; s.kind = Kind::DropMidStream; s.eventsBeforeFailure = after; return s; }
    static Scenario errorEventMidStream(int after = 3)
    { Scenario s; s.kind = Kind::ErrorEventMidStream; s.eventsBeforeFailure = after; return s; }
    static Scenario stall(int after = 0)
    { Scenario s; s.kind = Kind::Stall; s.eventsBeforeFailure = after; return s; }
};

// One request as the fake upstream received it.
struct RecordedRequest
{
    int callNumber = 0;           // 1-based, in arrival order; appears in the answers
    QByteArray method;
    QByteArray target;
    QByteArray path;
    QByteArray query;
    http::HeaderList headers;
    QByteArray body;
    QString scenarioSource;       // "header:<name>", "model:<m>", "queue", "default"
    qint64 receivedAtMs = 0;      // monotonicMs()
    qint64 firstByteAtMs = 0;     // head written
    qint64 finishedAtMs = 0;      // finish(), respond() or abort() done
    bool aborted = false;         // the fake dropped the connection on purpose
    bool clientGone = false;      // the proxy went away before the answer was finished

    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;
    QJsonObject json() const;     // the body parsed as an object ({} when it is not one)
};

// An upstream LLM API on 127.0.0.1:<any>, built on the engine's own HttpServer. Every request
// is recorded; the answer follows a Scenario chosen, in this order, by the X-Fake-Scenario
// header (a named scenario), by the request's "model", by the queue (first in, first used),
// or the default. Answers are deterministic but carry the call number
// ("answer #3 to: <last user message>"), so a test can tell a cached answer from a fresh one.
class FakeUpstream : public QObject
{
    Q_OBJECT
public:
    explicit FakeUpstream(QObject *parent = nullptr);
    ~FakeUpstream() override;

    bool start(QString *error = nullptr);   // listens on 127.0.0.1:0
    quint16 port() const;
    QString rootUrl() const;                // http://127.0.0.1:PORT
    QString baseUrl() const;                // http://127.0.0.1:PORT/v1

    void setDefaultScenario(const Scenario &scenario) { m_default = scenario; }
    void enqueue(const Scenario &scenario) { m_queue.enqueue(scenario); }
    void setScenarioForModel(const QString &model, const Scenario &scenario);
    // Named scenarios for X-Fake-Scenario. Built in: normal, tools, comments, slow (1500 ms),
    // error429, error500, drop, error-event, stall, stall-after-2.
    void setNamedScenario(const QString &name, const Scenario &scenario);

    const QList<RecordedRequest> &requests() const { return m_requests; }
    int requestCount() const { return int(m_requests.size()); }
    int requestCount(const QByteArray &path) const;   // requests to that path (query ignored)
    const RecordedRequest &lastRequest() const { return m_requests.constLast(); }
    int openExchanges() const;                         // answers not yet finished or dropped
    void clearRecords() { m_requests.clear(); }

    // --- Expected bodies -----------------------------------------------------------------
    // The assistant text of answer #n: "answer #<n> to: <prompt>".
    static QString answerText(int callNumber, const QString &prompt);
    // The two tool calls of answer #n, as a chat message's "tool_calls" array.
    static QJsonArray toolCalls(int callNumber);
    // The last user message (text parts joined), the completions prompt, or the embeddings input.
    static QString promptOf(const QByteArray &path, const QJsonObject &body);
    // The embedding vector of answer #n for one input (floats exactly representable in float32).
    static QList<float> embeddingVector(int callNumber, const QString &input);
    static QByteArray encodeBase64Floats(const QList<float> &values);
    static QList<float> decodeBase64Floats(const QByteArray &base64);
    // Whole bodies, exactly as the fake sends them for a request with callNumber.
    static QByteArray chatCompletionBody(int callNumber, const QJsonObject &request, bool withToolCalls);
    static QByteArray completionBody(int callNumber, const QJsonObject &request);
    static QByteArray embeddingsBody(int callNumber, const QJsonObject &request);
    static QByteArray errorBody(int status);
    // The SSE frames (each "data: …\n\n" or ": comment\n\n") of a streamed chat or completions
    // answer, in order; the usage chunk is there only when the request asked include_usage.
    static QList<QByteArray> streamFrames(int callNumber, const QByteArray &path,
                                          const QJsonObject &request, const Scenario &scenario);

    // --- Anthropic Messages (POST /v1/messages) ------------------------------------------
    // Answered as Anthropic does: a Message JSON, or named SSE events message_start …
    // message_stop (no [DONE]) with a ping; usage in message_start and message_delta.
    // Scenario::toolCalls adds a tool_use block (execute, anthropicToolInput(n)) streamed as
    // input_json_delta fragments; ErrorEventMidStream ends with "event: error" and no
    // message_stop; Error answers {"type":"error","error":{…}}. A request that carries any
    // cache_control hint reports prompt-cache writes and reads (kAnthropicCacheWrite/Read).
    static constexpr int kAnthropicCacheWrite = 1000;
    static constexpr int kAnthropicCacheRead = 2000;
    static QJsonObject anthropicToolInput(int callNumber);
    static QJsonObject anthropicUsage(int callNumber, const QJsonObject &request, bool withToolUse);
    static QByteArray anthropicMessageBody(int callNumber, const QJsonObject &request, bool withToolUse);
    static QList<QByteArray> anthropicStreamFrames(int callNumber, const QJsonObject &request,
                                                   const Scenario &scenario);
    static QByteArray anthropicErrorBody(int status);

    // --- OpenAI Responses (POST /v1/responses) -------------------------------------------
    // A Response with a reasoning item (summary, encrypted_content), the message and, with
    // Scenario::toolCalls, a function_call (execute, responsesArguments(n)); streamed as named
    // events response.created … response.completed. ErrorEventMidStream ends in
    // response.failed after eventsBeforeFailure events.
    static QString responsesReasoning(int callNumber);
    static QString responsesEncryptedContent(int callNumber);
    static QString responsesArguments(int callNumber);
    static QJsonObject responsesUsage(int callNumber, const QJsonObject &request, bool withToolCall);
    static QByteArray responsesBody(int callNumber, const QJsonObject &request, bool withToolCall);
    static QList<QByteArray> responsesStreamFrames(int callNumber, const QJsonObject &request,
                                                   const Scenario &scenario);

Q_SIGNALS:
    void requestReceived(int index);

private:
    void handle(http::HttpExchange *exchange);
    Scenario chooseScenario(const http::HttpRequest &request, const QJsonObject &body, QString *source);
    void answer(int index, QPointer<http::HttpExchange> exchange, const Scenario &scenario);
    void answerStream(int index, QPointer<http::HttpExchange> exchange, const Scenario &scenario);
    void writeFrames(int index, QPointer<http::HttpExchange> exchange, QList<QByteArray> frames,
                     int position, const Scenario &scenario);
    void endStream(int index, QPointer<http::HttpExchange> exchange, const Scenario &scenario);
    void markFinished(int index);

    http::HttpServer m_server;
    QList<RecordedRequest> m_requests;
    QHash<QString, Scenario> m_named;
    QHash<QString, Scenario> m_byModel;
    QQueue<Scenario> m_queue;
    Scenario m_default;
    QList<QPointer<http::HttpExchange>> m_open;
};

} // namespace cachette::test
