#include "singleinstance.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QLocalServer>
#include <QLocalSocket>
#include <QStandardPaths>
#include <QThread>

namespace cachette::ui {

namespace {

const QByteArray kRaise = QByteArrayLiteral("raise\n");

} // namespace

SingleInstance::SingleInstance(const QString &dir, QObject *parent)
    : QObject(parent)
    , m_dir(dir)
    , m_lock(QDir(dir).absoluteFilePath(QStringLiteral("cachette.lock")))
    , m_socketPath(QDir(dir).absoluteFilePath(QStringLiteral("cachette.socket")))
{
    // 0: never stale by age (the default 30 s would let a second launch steal the lock of an
    // instance that has simply been running a while); a dead owner is still detected by PID.
    m_lock.setStaleLockTime(0);
}

SingleInstance::~SingleInstance()
{
    if (m_server)
        m_server->close();
}

QString SingleInstance::defaultDirectory()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
              + QStringLiteral("/cachette");
    return dir;
}

SingleInstance::Role SingleInstance::acquire()
{
    QDir().mkpath(m_dir);
    if (m_lock.tryLock(0))
        return listen() ? Role::Primary : Role::Failed;
    if (m_lock.error() != QLockFile::LockFailedError) {
        m_error = QStringLiteral("cannot create the lock file in %1").arg(m_dir);
        return Role::Failed;
    }
    // The owner may be between taking the lock and listening: give it a moment.
    if (sendRaise(3000))
        return Role::Secondary;
    // Nobody answers: an owner that died without QLockFile noticing (another host's PID
    // namespace, a reused PID) leaves a lock nobody will release.
    if (m_lock.removeStaleLockFile() && m_lock.tryLock(0))
        return listen() ? Role::Primary : Role::Failed;
    qint64 pid = 0;
    QString host;
    QString app;
    m_lock.getLockInfo(&pid, &host, &app);
    m_error = QStringLiteral("another Cachette (process %1) is running but does not answer; "
                             "if it is stuck, end it and start again").arg(pid);
    return Role::Failed;
}

bool SingleInstance::listen()
{
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    // We hold the lock, so a socket file still there belongs to an instance that crashed.
    QLocalServer::removeServer(m_socketPath);
    if (!m_server->listen(m_socketPath)) {
        m_error = QStringLiteral("cannot listen on %1: %2").arg(m_socketPath, m_server->errorString());
        return false;
    }
    connect(m_server, &QLocalServer::newConnection, this, &SingleInstance::onNewConnection);
    return true;
}

bool SingleInstance::sendRaise(int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        QLocalSocket socket;
        socket.connectToServer(m_socketPath);
        if (socket.waitForConnected(500)) {
            socket.write(kRaise);
            const bool sent = socket.waitForBytesWritten(1000);
            socket.disconnectFromServer();
            return sent;
        }
        QThread::msleep(100);
    }
    return false;
}

void SingleInstance::onNewConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        auto readMessage = [this, socket] {
            if (!socket->canReadLine())
                return;
            if (socket->readLine() == kRaise)
                Q_EMIT raiseRequested();
            socket->disconnectFromServer();
            socket->deleteLater();
        };
        connect(socket, &QLocalSocket::readyRead, this, readMessage);
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        readMessage();   // the message may have arrived before readyRead was connected
    }
}

} // namespace cachette::ui
