// The cache key of a request (issue #13, "cheaper keys"): what parsing, dropping the unkeyed
// fields, the canonical serialisation and SHA-256 each cost, and the key as the proxy computes
// it against the pipeline it replaced (canonical JSON serialised again for each of the route and
// the Anthropic headers), in one run.
//
//   cmake --build build/bench --target bench_cachekey
//   build/bench/tests/bench/bench_cachekey --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one command line)
//
// Bodies: the 257-byte chat request of the wrk benchmark, and an agent's turn as Claude Code and
// Codex send them (a long system prompt, 16 tools with schemas, 40 turns: ~70 KB), through a
// named route and, for Anthropic, with anthropic-version and anthropic-beta headers.

#include "cache/cachekey.h"
#include "cache/endpointkind.h"
#include "cache/keyfields.h"
#include "store/cacheentry.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <benchmark/benchmark.h>

using namespace cachette::cache;

namespace {

using Headers = QList<QPair<QByteArray, QByteArray>>;

struct Case
{
    QByteArray body;
    QString endpoint;
    QString route;
    Headers headers;
};

QString words(int count, int seed)
{
    static const char *const kWords[] = {"the", "build", "fails", "when", "cache", "key",
                                         "request", "agent", "branch", "merge", "test", "file"};
    QString out;
    for (int i = 0; i < count; ++i)
        out += QLatin1String(kWords[(i * 7 + seed) % 12]) + QLatin1Char(' ');
    return out;
}

QJsonArray tools(bool anthropic)
{
    QJsonArray out;
    for (int i = 0; i < 16; ++i) {
        const QJsonObject schema{
            {"type", "object"},
            {"properties", QJsonObject{{"path", QJsonObject{{"type", "string"}, {"description", words(20, i)}}},
                                       {"limit", QJsonObject{{"type", "integer"}, {"minimum", 1}}}}},
            {"required", QJsonArray{"path"}}};
        const QString name = QStringLiteral("tool_%1").arg(i);
        out.append(anthropic ? QJsonObject{{"name", name}, {"description", words(60, i)}, {"input_schema", schema}}
                             : QJsonObject{{"type", "function"}, {"name", name},
                                           {"description", words(60, i)}, {"parameters", schema}});
    }
    return out;
}

Case anthropicAgent()
{
    QJsonArray messages;
    for (int i = 0; i < 40; ++i) {
        QJsonObject block{{"type", "text"}, {"text", words(120, i)}};
        if (i % 10 == 9)
            block.insert("cache_control", QJsonObject{{"type", "ephemeral"}});
        messages.append(QJsonObject{{"role", i % 2 ? "assistant" : "user"}, {"content", QJsonArray{block}}});
    }
    const QJsonObject body{{"model", "claude-sonnet-4-5"}, {"max_tokens", 32000}, {"stream", true},
                           {"system", QJsonArray{QJsonObject{{"type", "text"}, {"text", words(1200, 3)}}}},
                           {"tools", tools(true)}, {"messages", messages},
                           {"metadata", QJsonObject{{"user_id", "session-1234"}}}};
    return {QJsonDocument(body).toJson(QJsonDocument::Compact), QStringLiteral("messages"),
            QStringLiteral("team"),
            {{"anthropic-version", "2023-06-01"}, {"anthropic-beta", "interleaved-thinking-2025-05-14"}}};
}

Case responsesAgent()
{
    QJsonArray input;
    for (int i = 0; i < 40; ++i) {
        input.append(QJsonObject{{"type", "message"}, {"id", QStringLiteral("msg_%1").arg(i)},
                                 {"role", i % 2 ? "assistant" : "user"},
                                 {"content", QJsonArray{QJsonObject{{"type", "input_text"}, {"text", words(120, i)}}}}});
    }
    const QJsonObject body{{"model", "gpt-5-codex"}, {"instructions", words(1200, 5)}, {"stream", true},
                           {"store", false}, {"prompt_cache_key", "0199-session"},
                           {"tools", tools(false)}, {"input", input}};
    return {QJsonDocument(body).toJson(QJsonDocument::Compact), QStringLiteral("responses"),
            QStringLiteral("team"), {}};
}

Case chatRequest()
{
    QFile file(QStringLiteral(CACHETTE_BENCH_DIR "/chat-request.json"));
    file.open(QIODevice::ReadOnly);
    return {file.readAll().trimmed(), QStringLiteral("chat/completions"), QString(), {}};
}

const Case &benchCase(int which)
{
    static const Case chat = chatRequest(), anthropic = anthropicAgent(), responses = responsesAgent();
    return which == 0 ? chat : which == 1 ? anthropic : responses;
}

// cacheKey() as it was: the same digest through QCryptographicHash.
QByteArray qtSha256Key(const QString &ns, const QString &endpoint, const QByteArray &canonical)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(ns.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(endpoint.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(canonical);
    return hash.result().toHex();
}

void label(benchmark::State &state, const Case &c)
{
    state.SetLabel(QStringLiteral("%1, %2 bytes").arg(c.endpoint).arg(c.body.size()).toStdString());
    state.SetBytesProcessed(state.iterations() * c.body.size());
}

// The key as the proxy computes it (ProxyService::parseRequest).
void BM_Key(benchmark::State &state)
{
    const Case &c = benchCase(int(state.range(0)));
    for (auto _ : state) {
        CanonicalRequest request;
        canonicalize(c.body, &request, nullptr, {c.endpoint, c.route, c.headers});
        benchmark::DoNotOptimize(cacheKey(QString(), c.endpoint, request.canonical));
    }
    label(state, c);
}

// The pipeline before (7199580 and earlier): parse, drop the unkeyed fields, serialise; then add
// the Anthropic headers and serialise again, add the route and serialise again; hash with
// QCryptographicHash.
void BM_KeyBefore(benchmark::State &state)
{
    const Case &c = benchCase(int(state.range(0)));
    const EndpointKind kind = endpointKind(c.endpoint);
    for (auto _ : state) {
        const QJsonObject body = QJsonDocument::fromJson(c.body).object();
        QJsonObject keyed = keyedFields(body, kind);
        cachette::store::removeBookkeeping(&keyed);
        QByteArray canonical = QJsonDocument(keyed).toJson(QJsonDocument::Compact);
        benchmark::DoNotOptimize(body.value(QLatin1String("model")).toString());
        if (!c.headers.isEmpty()) {
            keyed.insert(QLatin1String(kKeyedHeadersField),
                         QJsonObject{{"anthropic-version", "2023-06-01"},
                                     {"anthropic-beta", "interleaved-thinking-2025-05-14"}});
            canonical = QJsonDocument(keyed).toJson(QJsonDocument::Compact);
        }
        if (!c.route.isEmpty()) {
            keyed.insert(QLatin1String(kRouteField), c.route);
            canonical = QJsonDocument(keyed).toJson(QJsonDocument::Compact);
        }
        benchmark::DoNotOptimize(qtSha256Key(QString(), c.endpoint, canonical));
    }
    label(state, c);
}

// The parts, one at a time.
void BM_Parse(benchmark::State &state)
{
    const Case &c = benchCase(int(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(QJsonDocument::fromJson(c.body).object());
    label(state, c);
}

void BM_DropUnkeyed(benchmark::State &state)
{
    const Case &c = benchCase(int(state.range(0)));
    const QJsonObject body = QJsonDocument::fromJson(c.body).object();
    for (auto _ : state)
        benchmark::DoNotOptimize(keyedFields(body, endpointKind(c.endpoint)));
    label(state, c);
}

void BM_Serialise(benchmark::State &state)
{
    const Case &c = benchCase(int(state.range(0)));
    const QJsonObject keyed = keyedFields(QJsonDocument::fromJson(c.body).object(), endpointKind(c.endpoint));
    for (auto _ : state)
        benchmark::DoNotOptimize(QJsonDocument(keyed).toJson(QJsonDocument::Compact));
    label(state, c);
}

// cacheKey() (libcrypto) and the same digest through QCryptographicHash, over the body's bytes.
void BM_Sha256(benchmark::State &state)
{
    const Case &c = benchCase(int(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(cacheKey(QString(), c.endpoint, c.body));
    label(state, c);
}

void BM_Sha256Qt(benchmark::State &state)
{
    const Case &c = benchCase(int(state.range(0)));
    for (auto _ : state)
        benchmark::DoNotOptimize(qtSha256Key(QString(), c.endpoint, c.body));
    label(state, c);
}

// 0: chat request, 1: Anthropic agent turn, 2: Responses agent turn.
BENCHMARK(BM_Key)->DenseRange(0, 2);
BENCHMARK(BM_KeyBefore)->DenseRange(0, 2);
BENCHMARK(BM_Parse)->DenseRange(0, 2);
BENCHMARK(BM_DropUnkeyed)->DenseRange(0, 2);
BENCHMARK(BM_Serialise)->DenseRange(0, 2);
BENCHMARK(BM_Sha256)->DenseRange(0, 2);
BENCHMARK(BM_Sha256Qt)->DenseRange(0, 2);

} // namespace
