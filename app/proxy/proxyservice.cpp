#include "proxyservice.h"

#include "cache/endpointkind.h"
#include "clock.h"
#include "errorreply.h"
#include "hitreplay.h"
#include "http/httpserver.h"
#include "passthroughcall.h"
#include "pricing/costcalculator.h"
#include "pricing/usageestimate.h"
#include "semantic/semanticcache.h"
#include "store/store.h"
#include "upstreamclient.h"

#include <QJsonDocument>
#include <QPointer>
#include <QRegularExpression>

#include <algorithm>
#include <iterator>

namespace cachette::proxy {
namespace {

QString cachedEndpoint(const http::HttpRequest &request)
{
    if (request.method != "POST")
        return {};
    if (request.path == "/v1/chat/completions")
        return QStringLiteral("chat/completions");
    if (request.path == "/v1/completions")
        return QStringLiteral("completions");
    if (request.path == "/v1/embeddings")
        return QStringLiteral("embeddings");
    if (request.path == "/v1/messages")   // Anthropic Messages
        return QStringLiteral("messages");
    if (request.path == "/v1/responses")   // OpenAI Responses (Codex, the Agents SDK)
        return QStringLiteral("responses");
    return {};
}

// The methods the providers' APIs use. Others (TRACE, which echoes the request with its API key;
// CONNECT; WebDAV's) are never relayed: a provider has no use for them and a browser or a
// misconfigured tool should learn at once that they are refused.
bool isRelayedMethod(const QByteArray &method)
{
    static const QByteArray kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    return std::find(std::begin(kMethods), std::end(kMethods), method) != std::end(kMethods);
}

// A Responses request run in the background answers at once with a queued Response the client
// polls later: nothing there to keep, and a replay would hand out a stale job.
bool isBackgroundResponse(const CachedRequest &request)
{
    return cache::endpointKind(request.endpoint) == cache::EndpointKind::Responses
           && request.canonical.body.value(QLatin1String("background")).toBool();
}

// The credential a client sends, whichever header its provider uses.
QByteArray apiKeyOf(const http::HttpRequest &request)
{
    QByteArray auth = request.header("authorization");
    if (auth.toLower().startsWith("bearer "))
        return auth.mid(7).trimmed();
    if (!auth.isEmpty())
        return auth;
    const QByteArray xApiKey = request.header("x-api-key");
    return xApiKey.isEmpty() ? request.header("api-key") : xApiKey;
}

QByteArray withIncludeUsage(const QByteArray &body, const QJsonObject &parsed)
{
    if (!parsed.contains(QLatin1String("stream_options"))) {
        const qsizetype brace = body.indexOf('{');
        return body.left(brace + 1) + R"("stream_options":{"include_usage":true},)"
               + body.mid(brace + 1);
    }
    // The client sent stream_options without include_usage: re-serialise just this once.
    QJsonObject copy = parsed;
    QJsonObject options = copy.value(QLatin1String("stream_options")).toObject();
    options.insert(QLatin1String("include_usage"), true);
    copy.insert(QLatin1String("stream_options"), options);
    return QJsonDocument(copy).toJson(QJsonDocument::Compact);
}

} // namespace

QByteArray upstreamBody(const QByteArray &clientBody, const CachedRequest &request)
{
    // Only OpenAI streams need asking for usage; Anthropic's always carry it (and would reject
    // an unknown stream_options field). Embeddings do not stream.
    const cache::EndpointKind kind = cache::endpointKind(request.endpoint);
    const bool asksUsage = kind == cache::EndpointKind::Chat
                           || kind == cache::EndpointKind::Completions;
    if (!asksUsage || !request.streams() || request.canonical.wantsUsage)
        return clientBody;
    return withIncludeUsage(clientBody, request.canonical.body);
}

ProxyService::ProxyService(store::Store *store, UpstreamClient *upstream, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_upstream(upstream)
{
}

void ProxyService::handle(http::HttpExchange *exchange)
{
    const http::HttpRequest &request = exchange->request();
    if (request.path == "/healthz") {
        serveHealth(exchange);
        return;
    }
    const RoutedPath routed = m_routes.resolve(request.path);
    if (!routed.found || routed.path == "/v1") {
        rejectUnrouted(exchange);
        return;
    }
    if (!routed.route.isEmpty())
        exchange->routeTo(routed.path);   // request now reads /v1/…
    if (!isRelayedMethod(request.method)) {
        exchange->respond(405,
                          {{"Content-Type", "application/json"},
                           {"Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"}},
                          requestErrorBody(request, 405,
                                           QStringLiteral("Cachette does not relay %1 requests.")
                                               .arg(QString::fromLatin1(request.method)),
                                           QStringLiteral("invalid_request_error"),
                                           QStringLiteral("method_not_allowed")));
        return;
    }
    const QString endpoint = cachedEndpoint(request);
    if (endpoint.isEmpty())
        handlePassthrough(exchange, routed.route);
    else
        handleCached(exchange, endpoint, routed.route);
}

void ProxyService::rejectUnrouted(http::HttpExchange *exchange)
{
    const http::HttpRequest &request = exchange->request();
    const QString root = QStringLiteral("http://%1").arg(QString::fromLatin1(request.header("host")));
    if (request.path.startsWith("/api/") || request.path.startsWith("/ollama/api/")) {
        // Ollama's native API: its libraries show a string "error" ({"error":{…}} reads
        // "[object Object]" there) and only Ollama's OpenAI-compatible API is relayed.
        const QString message = QStringLiteral("Cachette relays Ollama's OpenAI-compatible API, "
                                               "not its native /api: use %1/ollama/v1 as the "
                                               "base URL (an OpenAI client or provider)")
                                    .arg(root);
        exchange->respond(404, {{"Content-Type", "application/json"}},
                          QJsonDocument(QJsonObject{{QStringLiteral("error"), message}})
                              .toJson(QJsonDocument::Compact));
        return;
    }
    http::respondError(exchange, 404,
                       QStringLiteral("Cachette serves the provider APIs under /v1 (the default "
                                      "upstream) and /ROUTE/v1 for its routes (%1): use %2/v1 or "
                                      "%2/ROUTE/v1 as your client's base URL")
                           .arg(m_routes.names().join(QStringLiteral(", ")), root),
                       QStringLiteral("invalid_request_error"), QStringLiteral("not_found"));
}

QUrl ProxyService::baseUrlFor(const QString &route) const
{
    return route.isEmpty() ? QUrl() : m_routes.baseUrl(route);
}

QJsonObject ProxyService::routesJson() const
{
    QJsonObject routes;
    for (auto it = m_routes.routes().begin(); it != m_routes.routes().end(); ++it)
        routes.insert(it.key(), it.value().toString());
    return routes;
}

void ProxyService::serveHealth(http::HttpExchange *exchange)
{
    const QJsonObject body{{QStringLiteral("status"), QStringLiteral("ok")},
                           {QStringLiteral("version"), QStringLiteral(CACHETTE_VERSION)},
                           {QStringLiteral("upstream"), m_upstream->baseUrl().toString()},
                           {QStringLiteral("routes"), routesJson()},
                           {QStringLiteral("inflight"), inflightCount()}};
    exchange->respond(200, {{"Content-Type", "application/json"}},
                      QJsonDocument(body).toJson(QJsonDocument::Compact));
}

void ProxyService::handleCached(http::HttpExchange *exchange, const QString &endpoint,
                                const QString &route)
{
    CachedRequest request;
    if (!parseRequest(exchange, endpoint, route, &request))
        return;
    if (isBackgroundResponse(request)) {
        handlePassthrough(exchange, route);
        return;
    }
    if (request.directives.noCache) {   // a refresh skips both lookups
        answerMiss(exchange, request);
        return;
    }
    if (tryHit(exchange, request))
        return;
    if (m_semantic)
        lookupSemantic(exchange, request);
    else
        answerMiss(exchange, request);
}

void ProxyService::answerMiss(http::HttpExchange *exchange, const CachedRequest &request)
{
    if (request.directives.onlyIfCached) {
        rejectBadRequest(exchange, request, 504,
                         QStringLiteral("no cached answer for this request, and "
                                        "Cache-Control: only-if-cached forbids asking the provider"),
                         QStringLiteral("cache_miss"));
        return;
    }
    callUpstream(exchange, request);
}

bool ProxyService::parseRequest(http::HttpExchange *exchange, const QString &endpoint,
                                const QString &route, CachedRequest *out)
{
    const http::HttpRequest &request = exchange->request();
    out->endpoint = endpoint;
    out->route = route;
    out->receivedUs = monotonicUs();
    out->receivedMs = clock::nowMs();
    QString error;
    if (!cache::canonicalize(request.body, &out->canonical, &error,
                             {endpoint, route, request.headers})) {
        rejectBadRequest(exchange, *out, 400, error, QStringLiteral("invalid_json"));
        return false;
    }
    if (!resolveNamespace(request, &out->cacheNamespace, &error)) {
        rejectBadRequest(exchange, *out, 400, error, QStringLiteral("invalid_namespace"));
        return false;
    }
    out->directives = cache::CacheDirectives::parse(request.header("cache-control"),
                                                    request.header("x-cachette-ttl"));
    out->key = cache::cacheKey(out->cacheNamespace, endpoint, out->canonical.canonical);
    return true;
}

bool ProxyService::resolveNamespace(const http::HttpRequest &request, QString *ns,
                                    QString *error) const
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9._-]{0,64}$"));
    *ns = QString::fromUtf8(request.header("x-cachette-namespace"));
    if (!valid.match(*ns).hasMatch()) {
        *error = QStringLiteral("X-Cachette-Namespace must be at most 64 letters, digits, '.', "
                                "'_' or '-'");
        return false;
    }
    if (m_settings.isolateByApiKey) {
        const QString keyNamespace = cache::namespaceForApiKey(apiKeyOf(request),
                                                               m_settings.installSecret);
        if (!keyNamespace.isEmpty())
            *ns = ns->isEmpty() ? keyNamespace : *ns + QLatin1Char('/') + keyNamespace;
    }
    return true;
}

bool ProxyService::tryHit(http::HttpExchange *exchange, const CachedRequest &request)
{
    const std::optional<store::CacheEntry> entry = m_store->lookup(request.key, request.receivedMs);
    if (!entry)
        return false;
    const std::optional<qint64> &maxAge = request.directives.maxAgeSeconds;
    if (maxAge && request.receivedMs - entry->createdAt > *maxAge * 1000)
        return false;
    replayHit(exchange, request, *entry, request.receivedMs,
              {{"X-Cachette", store::outcomeName(store::Outcome::Hit).latin1()},
               {"X-Cachette-Key", entry->key}},
              replayStream(request, *entry));
    m_store->recordHit(request.key, request.receivedMs);
    log(request, store::Outcome::Hit, entry->status, entry->usage, 0, entry->key, &*entry);
    return true;
}

void ProxyService::lookupSemantic(http::HttpExchange *exchange, const CachedRequest &request)
{
    // With the local embedder the answer comes back before lookupAsync() returns; a remote
    // embedder answers later, and never after the client has gone (exchange is the receiver).
    // It sees the keyed body, as stored in the entries, so whatever the exact key ignores
    // (Anthropic's cache_control hints, metadata) cannot tell near-repeats apart either.
    QPointer<http::HttpExchange> alive(exchange);
    m_semantic->lookupAsync(
        request.cacheNamespace, request.endpoint, request.canonical.keyed, exchange,
        [this, alive, request](const semantic::Decision &decision) {
            if (!alive)
                return;
            CachedRequest looked = request;   // the log records what the lookup saw
            if (!decision.candidates.empty())
                looked.similarity = decision.bestSimilarity();
            looked.semanticGuard = decision.refusal;   // "antonym: create ≠ delete"
            if (decision.isHit() && serveSemanticHit(alive, looked, decision))
                return;
            answerMiss(alive, looked);
        });
}

// Built on the first stream hit of an entry and kept with the store's in-memory copy of it,
// which goes whenever the entry changes: later hits send the same bytes without parsing or
// synthesizing them again.
QByteArray ProxyService::replayStream(const CachedRequest &request, const store::CacheEntry &entry)
{
    if (!repliesAsStream(request))
        return {};
    const bool usage = request.canonical.wantsUsage;
    QByteArray events = m_store->replayStream(entry.key, usage);
    if (events.isNull()) {
        events = streamEventsFor(request, entry);
        m_store->keepReplayStream(entry.key, usage, events);
    }
    return events;
}

bool ProxyService::serveSemanticHit(http::HttpExchange *exchange, const CachedRequest &request,
                                    const semantic::Decision &decision)
{
    const std::optional<store::CacheEntry> entry =
        m_store->lookup(decision.match->entryKey, request.receivedMs);
    const std::optional<qint64> &maxAge = request.directives.maxAgeSeconds;
    if (!entry || (maxAge && request.receivedMs - entry->createdAt > *maxAge * 1000))
        return false;
    CachedRequest matched = request;
    matched.similarity = decision.match->similarity;
    replayHit(exchange, request, *entry, request.receivedMs,
              {{"X-Cachette", store::outcomeName(store::Outcome::SemanticHit).latin1()},
               {"X-Cachette-Key", request.key},
               {"X-Cachette-Matched-Key", entry->key},
               {"X-Cachette-Similarity", QByteArray::number(matched.similarity, 'f', 4)}},
              replayStream(request, *entry));
    m_store->recordHit(entry->key, request.receivedMs);
    log(matched, store::Outcome::SemanticHit, entry->status, entry->usage, 0, entry->key,
        &*entry);
    return true;
}

void ProxyService::callUpstream(http::HttpExchange *exchange, const CachedRequest &request)
{
    // A refresh wants a fresh answer, so it never rides on a call already under way.
    InflightCall *running = m_inflight.value(request.key);
    if (running && !request.directives.noCache) {
        running->join(exchange, request, false);
        return;
    }
    auto *call = new InflightCall(request, this, this);
    call->join(exchange, request, true);
    if (!running)
        m_inflight.insert(request.key, call);
    upstream::UpstreamReply *reply = m_upstream->send(
        exchange->request(), upstreamBody(exchange->request().body, request),
        baseUrlFor(request.route));
    call->start(reply, m_settings.upstreamTimeoutMs);
}

void ProxyService::handlePassthrough(http::HttpExchange *exchange, const QString &route)
{
    const http::HttpRequest &request = exchange->request();
    CachedRequest info;
    info.endpoint = QString::fromLatin1(request.path.mid(4));
    info.route = route;
    info.receivedUs = monotonicUs();
    info.receivedMs = clock::nowMs();
    const QJsonObject body = QJsonDocument::fromJson(request.body).object();
    info.canonical.model = body.value(QLatin1String("model")).toString();
    info.canonical.stream = body.value(QLatin1String("stream")).toBool();
    upstream::UpstreamReply *reply = m_upstream->send(request, request.body, baseUrlFor(route));
    new PassthroughCall(exchange, reply, m_settings.upstreamTimeoutMs,
                        [this, info](int status, qint64 upstreamUs) {
                            const bool ok = status >= 200 && status < 300;
                            log(info, ok ? store::Outcome::Bypass : store::Outcome::Error,
                                status, {}, upstreamUs, {});
                        },
                        this);
}

void ProxyService::rejectBadRequest(http::HttpExchange *exchange, const CachedRequest &request,
                                    int status, const QString &message, const QString &code)
{
    const QString type = status == 504 ? QStringLiteral("cache_miss")
                                       : QStringLiteral("invalid_request_error");
    respondProxyError(exchange, request.endpoint, status, message, type, code);
    log(request, store::Outcome::Error, status, {}, 0, {});
}

void ProxyService::storeAnswer(const CachedRequest &request, store::CacheEntry entry)
{
    const std::optional<qint64> ttl = request.directives.ttlSeconds;
    if (ttl && *ttl == 0)
        return;   // a lifetime of zero: nothing to keep
    const qint64 lifetime = ttl ? *ttl : m_settings.defaultTtlSeconds;
    entry.key = request.key;
    entry.cacheNamespace = request.cacheNamespace;
    entry.route = request.route;
    entry.endpoint = request.endpoint;
    entry.model = request.canonical.model;
    entry.canonicalRequest = request.canonical.canonical;
    entry.promptText = cache::displayPrompt(request.endpoint, request.canonical.body);
    entry.createdAt = clock::nowMs();
    entry.expiresAt = lifetime > 0 ? entry.createdAt + lifetime * 1000 : 0;
    if (m_semantic)
        m_semantic->add(request.key, request.cacheNamespace, request.endpoint,
                        request.canonical.keyed);
    // Priced once, now: a later hit saves what the answer cost when it was fetched, even if
    // prices change meanwhile.
    if (!entry.usage.known)
        entry.usage = pricing::estimateUsage(request.canonical.body, entry.responseBody);
    if (entry.costUsd < 0 && m_prices)
        entry.costUsd = pricing::answerCost(*m_prices, entry.model, entry.usage).value_or(-1);
    m_store->put(entry);
}

void ProxyService::requestDone(const CachedRequest &request, store::Outcome outcome, int status,
                               const store::TokenUsage &usage, qint64 upstreamUs, bool stored)
{
    log(request, outcome, status, usage, upstreamUs, stored ? request.key : QByteArray());
}

void ProxyService::callFinished(InflightCall *call)
{
    if (m_inflight.value(call->key()) == call)
        m_inflight.remove(call->key());
}

void ProxyService::log(const CachedRequest &request, store::Outcome outcome, int status,
                       const store::TokenUsage &usage, qint64 upstreamUs,
                       const QByteArray &entryKey, const store::CacheEntry *answer)
{
    store::RequestLogRecord record;
    record.timestamp = request.receivedMs;
    record.endpoint = request.endpoint;
    record.model = request.canonical.model;
    record.outcome = outcome;
    record.usage = usage;
    record.latencyUs = monotonicUs() - request.receivedUs;
    record.upstreamLatencyUs = upstreamUs;
    record.status = status;
    record.entryKey = entryKey;
    record.cacheNamespace = request.cacheNamespace;
    record.route = request.route;
    record.streamed = request.streams();
    record.similarity = request.similarity;
    record.semanticGuard = request.semanticGuard;
    if (outcome == store::Outcome::SemanticHit)   // shown beside the cached prompt it was answered from
        record.askedPrompt = cache::displayPrompt(request.endpoint, request.canonical.body);
    // Relayed requests (no key) are not priced: Cachette reads no usage from their answers.
    if (m_prices && !request.key.isEmpty()) {
        // A call that stored its answer logs right after storeAnswer(): the entry, still
        // waiting for the writer, is in memory and carries the estimated usage and the cost.
        std::optional<store::CacheEntry> stored;
        if (!answer && !entryKey.isEmpty())
            stored = m_store->lookup(entryKey, request.receivedMs);
        if (stored && stored->createdAt < request.receivedMs)
            stored.reset();   // an older answer: this call's was not kept (a TTL of 0)
        pricing::priceLogRecord(record, answer ? answer : stored ? &*stored : nullptr, *m_prices);
    }
    m_store->logRequest(record);
}

} // namespace cachette::proxy
