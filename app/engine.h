#pragma once

#include "engineconfig.h"
#include "semanticlayer.h"

#include <QObject>
#include <QString>

#include <memory>

namespace cachette {

namespace http {
class HttpServer;
}
namespace store {
class Store;
}
namespace pricing {
class PriceBook;
}
namespace proxy {
class ProxyService;
class UpstreamClient;
}

// Owns and wires the parts: the store, the HTTP server, the upstream client and the proxy.
// The CLI and the GUI both drive Cachette through this one object. It knows no toolkit.
class Engine : public QObject
{
    Q_OBJECT
public:
    enum class State { Stopped, Running, Error };
    Q_ENUM(State)

    explicit Engine(QObject *parent = nullptr);
    ~Engine() override;

    // Applies a configuration; a running proxy restarts its listener when the address changed.
    bool configure(const EngineConfig &config, QString *error = nullptr);
    const EngineConfig &config() const { return m_config; }

    bool start(QString *error = nullptr);   // opens the store if needed, then listens
    void stop();                            // stops listening; in-flight answers still finish
    void shutdown();                        // stop, then wait for every queued write

    State state() const { return m_state; }
    QString errorString() const { return m_error; }
    QString baseUrl() const;                // with the port actually bound
    store::Store *store() const { return m_store; }
    SemanticLayer *semantic() const { return m_semantic; }
    // The prices the proxy logs costs with; the GUI edits its overrides (and saves them to
    // PriceBook::overridesPath(dataDir), which start() loads).
    pricing::PriceBook *prices() const { return m_prices.get(); }

Q_SIGNALS:
    void stateChanged(cachette::Engine::State state);

private:
    bool openStore(QString *error);
    void applyProxySettings();
    void setState(State state, const QString &error = {});

    EngineConfig m_config;
    store::Store *m_store;
    http::HttpServer *m_server;
    proxy::UpstreamClient *m_upstream;
    proxy::ProxyService *m_proxy;
    std::unique_ptr<pricing::PriceBook> m_prices;
    SemanticLayer *m_semantic;
    QByteArray m_installSecret;
    State m_state = State::Stopped;
    QString m_error;
};

} // namespace cachette
