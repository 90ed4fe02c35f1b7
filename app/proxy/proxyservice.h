#pragma once

#include "cachedrequest.h"
#include "inflightcall.h"
#include "routetable.h"
#include "http/httpexchange.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QUrl>

namespace cachette::store {
class Store;
}
namespace cachette::pricing {
class PriceBook;
}
namespace cachette::semantic {
class SemanticCache;
struct Decision;
}

namespace cachette::proxy {

class UpstreamClient;

struct ProxySettings
{
    int upstreamTimeoutMs = 600'000;
    bool isolateByApiKey = false;
    qint64 defaultTtlSeconds = 0;   // 0 = forever
    QByteArray installSecret;       // keys the per-API-key namespace hash
};

// Routes each request: /healthz, /v1 or a provider route's /NAME/v1, then the cached endpoints (OpenAI chat/completions, completions,
// embeddings and Anthropic messages: exact lookup, then one shared upstream call per key), and
// everything else under /v1 relayed untouched.
class ProxyService : public QObject, public CallObserver
{
    Q_OBJECT
public:
    ProxyService(store::Store *store, UpstreamClient *upstream, QObject *parent = nullptr);

    void setSettings(const ProxySettings &settings) { m_settings = settings; }
    // Prices the request log's lines and stored answers; none: costs are logged as unknown.
    void setPriceBook(const pricing::PriceBook *prices) { m_prices = prices; }
    // Near-repeats: looked up after an exact miss, fed with every stored answer. None: off.
    void setSemanticCache(semantic::SemanticCache *cache) { m_semantic = cache; }
    // The named provider routes (/NAME/v1); the default /v1 goes to the UpstreamClient's URL.
    void setRoutes(const RouteTable &routes) { m_routes = routes; }
    void handle(http::HttpExchange *exchange);
    int inflightCount() const { return int(m_inflight.size()); }

    // CallObserver
    void storeAnswer(const CachedRequest &request, store::CacheEntry entry) override;
    void requestDone(const CachedRequest &request, store::Outcome outcome, int status,
                     const store::TokenUsage &usage, qint64 upstreamUs, bool stored) override;
    void callFinished(InflightCall *call) override;

private:
    void handleCached(http::HttpExchange *exchange, const QString &endpoint, const QString &route);
    void handlePassthrough(http::HttpExchange *exchange, const QString &route);
    void serveHealth(http::HttpExchange *exchange);
    QJsonObject routesJson() const;   // name → base URL, for /healthz
    void rejectUnrouted(http::HttpExchange *exchange);
    QUrl baseUrlFor(const QString &route) const;
    bool parseRequest(http::HttpExchange *exchange, const QString &endpoint, const QString &route,
                      CachedRequest *out);
    bool resolveNamespace(const http::HttpRequest &request, QString *ns, QString *error) const;
    bool tryHit(http::HttpExchange *exchange, const CachedRequest &request);
    void lookupSemantic(http::HttpExchange *exchange, const CachedRequest &request);
    QByteArray replayStream(const CachedRequest &request, const store::CacheEntry &entry);
    bool serveSemanticHit(http::HttpExchange *exchange, const CachedRequest &request,
                          const semantic::Decision &decision);
    void answerMiss(http::HttpExchange *exchange, const CachedRequest &request);
    void callUpstream(http::HttpExchange *exchange, const CachedRequest &request);
    void rejectBadRequest(http::HttpExchange *exchange, const CachedRequest &request,
                          int status, const QString &message, const QString &code);
    // answer: the entry a hit served, when the caller has it at hand (else looked up by key).
    void log(const CachedRequest &request, store::Outcome outcome, int status,
             const store::TokenUsage &usage, qint64 upstreamUs, const QByteArray &entryKey,
             const store::CacheEntry *answer = nullptr);

    store::Store *m_store;
    UpstreamClient *m_upstream;
    ProxySettings m_settings;
    const pricing::PriceBook *m_prices = nullptr;
    semantic::SemanticCache *m_semantic = nullptr;
    RouteTable m_routes;
    QHash<QByteArray, InflightCall *> m_inflight;
};

// The body the upstream gets: the client's bytes, except that an OpenAI stream request which did
// not ask for usage gets stream_options.include_usage so the proxy always learns token counts
// (Anthropic streams always carry usage: their bytes go unchanged).
// Inserted after the opening brace so the rest of the bytes (and provider prompt caching) stay.
QByteArray upstreamBody(const QByteArray &clientBody, const CachedRequest &request);

} // namespace cachette::proxy
