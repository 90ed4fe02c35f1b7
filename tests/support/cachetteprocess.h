#pragma once

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace cachette::test {

// The real `cachette` binary (CACHETTE_BINARY) run headless on 127.0.0.1:<any> with a data dir
// of its own (a QTemporaryDir) or one the test gives, so a second process can reopen it.
// When the test fails, the destructor prints what the process wrote.
class CachetteProcess
{
public:
    explicit CachetteProcess(const QString &upstreamBaseUrl, const QStringList &extraArgs = {},
                             const QString &dataDir = QString());
    ~CachetteProcess();   // terminates (then kills) a process still running

    static QString binaryPath();   // $CACHETTE_BINARY

    // Starts and waits (≤ timeoutMs) for "listening on http://127.0.0.1:PORT/v1".
    bool start(QString *error = nullptr, int timeoutMs = 10'000);
    // SIGTERM and wait; true when it exited normally with code 0.
    bool stop(QString *error = nullptr, int timeoutMs = 10'000);
    void kill();
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QString rootUrl() const;   // http://127.0.0.1:PORT
    QString baseUrl() const;   // http://127.0.0.1:PORT/v1
    QString dataDir() const { return m_dataDir; }
    QStringList arguments() const { return m_arguments; }

    // Everything the process wrote so far (reads what is pending first).
    QByteArray standardOutput();
    QByteArray standardError();
    int exitCode() const { return m_process.exitCode(); }
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    QString diagnostics();   // arguments, state, stdout and stderr, for failure messages

    // Runs the binary with arguments to completion (for --help, --version, bad flags).
    struct RunResult { int exitCode = -1; bool crashed = false; bool timedOut = false;
                       QByteArray out; QByteArray err; };
    static RunResult run(const QStringList &arguments, int timeoutMs = 10'000);

private:
    void drain();

    QProcess m_process;
    std::unique_ptr<QTemporaryDir> m_ownDir;
    QString m_dataDir;
    QStringList m_arguments;
    QByteArray m_out;
    QByteArray m_err;
    quint16 m_port = 0;
    bool m_startedOnce = false;
};

} // namespace cachette::test
