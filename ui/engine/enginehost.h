#pragma once

#include "engine.h"
#include "store/cacheentry.h"

#include <QList>
#include <QObject>
#include <QThread>

namespace cachette::ui {

// The GUI's handle on the engine. The engine runs on a thread of its own so that nothing the
// window does (a long query, a modal dialog) ever delays a proxied request; every call here is
// posted to that thread and every engine signal comes back queued to the GUI thread.
// Views read the database through their own read-only connections (store::EntryCatalog and
// friends); every change goes through here, so the engine's view of the cache stays right.
class EngineHost : public QObject
{
    Q_OBJECT
public:
    explicit EngineHost(QObject *parent = nullptr);
    ~EngineHost() override;   // stops the proxy and waits for queued writes

    // Applies a configuration; a running proxy restarts its listener if the address changed.
    // Returns false with a readable error when the configuration is invalid.
    bool configure(const EngineConfig &config, QString *error = nullptr);
    EngineConfig config() const;

    void start();   // result arrives as stateChanged()
    void stop();
    void setEnabled(bool enabled) { enabled ? start() : stop(); }

    Engine::State state() const { return m_state; }
    QString errorString() const { return m_error; }
    QString baseUrl() const { return m_baseUrl; }
    QString databasePath() const;   // <dataDir>/cachette.sqlite

    void removeEntries(const QList<QByteArray> &keys);
    void setPinned(const QByteArray &key, bool pinned);

Q_SIGNALS:
    void stateChanged(cachette::Engine::State state, const QString &error);
    void entryStored(const QByteArray &key);
    void entriesRemoved(const QList<QByteArray> &keys);
    void requestLogged(const cachette::store::RequestLogRecord &record);

private:
    QThread m_thread;
    Engine *m_engine = nullptr;   // lives on m_thread
    Engine::State m_state = Engine::State::Stopped;
    QString m_error;
    QString m_baseUrl;
};

} // namespace cachette::ui
