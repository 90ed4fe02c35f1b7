#include "engine.h"

#include "http/httpserver.h"
#include "pricing/pricebook.h"
#include "proxy/errorreply.h"
#include "proxy/proxyservice.h"
#include "proxy/upstreamclient.h"
#include "store/store.h"

#include <QRandomGenerator>

namespace cachette {
namespace {

const QString kSecretName = QStringLiteral("install_secret");

QByteArray randomSecret()
{
    QByteArray secret(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(secret.data()),
                                          secret.size() / 4);
    return secret;
}

} // namespace

Engine::Engine(QObject *parent)
    : QObject(parent)
    , m_store(new store::Store(this))
    , m_server(new http::HttpServer(this))
    , m_upstream(new proxy::UpstreamClient(m_config.upstream, this))
    , m_proxy(new proxy::ProxyService(m_store, m_upstream, this))
    , m_prices(std::make_unique<pricing::PriceBook>())
    , m_semantic(new SemanticLayer(m_store, this))
{
    m_proxy->setPriceBook(m_prices.get());
    m_proxy->setSemanticCache(m_semantic->cache());
    m_server->setHandler([this](http::HttpExchange *exchange) { m_proxy->handle(exchange); });
    m_server->setErrorFormatter(proxy::requestErrorBody);
}

Engine::~Engine()
{
    shutdown();
    m_proxy->setPriceBook(nullptr);   // the book goes before the proxy (a QObject child) does
}

bool Engine::configure(const EngineConfig &config, QString *error)
{
    QString problem;
    if (!config.validate(&problem)) {
        if (error)
            *error = problem;
        return false;
    }
    const bool relisten = m_state == State::Running
                          && (config.listenAddress != m_config.listenAddress
                              || config.port != m_config.port);
    if (m_store->isOpen() && config.dataDir != m_config.dataDir) {
        m_semantic->close();
        m_store->close();
    }
    m_config = config;
    m_semantic->configure(config.semantic);
    m_upstream->setBaseUrl(config.upstream);
    m_server->setLimits(config.limits);
    m_server->setAccessPolicy(config.access);
    m_store->setSizeCap(config.sizeCapBytes);
    applyProxySettings();
    if (relisten) {
        m_server->close();
        return start(error);
    }
    // The cache opens with the configuration, not with the proxy: the window browses, deletes
    // and pins entries while the proxy is off. A failure here is reported again by start().
    openStore(nullptr);
    return true;
}

bool Engine::start(QString *error)
{
    QString problem;
    if (!openStore(&problem)
        || (!m_server->isListening()
            && !m_server->listen(m_config.listenAddress, m_config.port, &problem))) {
        setState(State::Error, problem);
        if (error)
            *error = problem;
        return false;
    }
    setState(State::Running);
    return true;
}

void Engine::stop()
{
    m_server->close();
    setState(State::Stopped);
}

void Engine::shutdown()
{
    stop();
    m_semantic->close();
    m_store->close();
}

QString Engine::baseUrl() const
{
    EngineConfig bound = m_config;
    if (m_server->isListening())
        bound.port = m_server->serverPort();
    return bound.baseUrl();
}

bool Engine::openStore(QString *error)
{
    if (m_store->isOpen())
        return true;
    if (!m_store->open(m_config.dataDir, error))
        return false;
    m_store->setSizeCap(m_config.sizeCapBytes);
    QString semanticError;
    if (!m_semantic->open(m_store->databasePath(), &semanticError))
        qWarning("cachette: semantic matching is off: %s", qPrintable(semanticError));
    // The per-API-key namespaces are keyed with a secret of this install, so the stored hashes
    // cannot be matched against a list of leaked keys elsewhere.
    m_installSecret = m_store->meta(kSecretName);
    if (m_installSecret.isEmpty()) {
        m_installSecret = randomSecret();
        m_store->setMeta(kSecretName, m_installSecret);
    }
    QString pricesError;
    if (!m_prices->loadOverrides(pricing::PriceBook::overridesPath(m_config.dataDir), &pricesError))
        qWarning("cachette: price overrides ignored: %s", qPrintable(pricesError));
    applyProxySettings();
    return true;
}

void Engine::applyProxySettings()
{
    proxy::ProxySettings settings;
    settings.upstreamTimeoutMs = m_config.upstreamTimeoutSeconds * 1000;
    settings.isolateByApiKey = m_config.isolateByApiKey;
    settings.defaultTtlSeconds = m_config.defaultTtlSeconds;
    settings.installSecret = m_installSecret;
    m_proxy->setSettings(settings);
    m_proxy->setRoutes(proxy::RouteTable::withOverrides(m_config.routes));
}

void Engine::setState(State state, const QString &error)
{
    m_error = error;
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace cachette
