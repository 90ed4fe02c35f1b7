#pragma once

#include <QLockFile>
#include <QObject>
#include <QString>

class QLocalServer;

namespace cachette::ui {

// One Cachette per user: a second launch asks the first to show its window and exits.
// A lock file says who runs (a crashed owner's lock is taken over: QLockFile checks whether
// its process is still alive); a local socket next to it carries the "raise" message.
class SingleInstance : public QObject
{
    Q_OBJECT
public:
    enum class Role {
        Primary,     // we hold the lock and listen for later launches
        Secondary,   // another instance runs and has been asked to raise its window
        Failed,      // neither: errorString() says why
    };

    // dir holds cachette.lock and cachette.socket; by default $XDG_RUNTIME_DIR.
    explicit SingleInstance(const QString &dir = defaultDirectory(), QObject *parent = nullptr);
    ~SingleInstance() override;

    Role acquire();
    QString errorString() const { return m_error; }
    static QString defaultDirectory();

Q_SIGNALS:
    void raiseRequested();   // a later launch wants this instance's window

private:
    bool listen();
    bool sendRaise(int timeoutMs);
    void onNewConnection();

    QString m_dir;
    QLockFile m_lock;
    QString m_socketPath;
    QLocalServer *m_server = nullptr;
    QString m_error;
};

} // namespace cachette::ui
