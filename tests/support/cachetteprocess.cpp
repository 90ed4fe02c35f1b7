#include "cachetteprocess.h"

#include <QDebug>
#include <QRegularExpression>
#include <QTest>

namespace cachette::test {

CachetteProcess::CachetteProcess(const QString &upstreamBaseUrl, const QStringList &extraArgs,
                                 const QString &dataDir)
{
    if (dataDir.isEmpty()) {
        m_ownDir = std::make_unique<QTemporaryDir>();
        m_dataDir = m_ownDir->path();
    } else {
        m_dataDir = dataDir;
    }
    m_arguments = {QStringLiteral("--headless"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                   QStringLiteral("--upstream"), upstreamBaseUrl, QStringLiteral("--data-dir"), m_dataDir};
    m_arguments += extraArgs;
    m_process.setProgram(binaryPath());
    m_process.setArguments(m_arguments);
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
}

CachetteProcess::~CachetteProcess()
{
    if (isRunning()) {
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    if (m_startedOnce && QTest::currentTestFailed())
        qWarning().noquote() << "cachette process output:\n" << diagnostics();
}

QString CachetteProcess::binaryPath()
{
    return qEnvironmentVariable("CACHETTE_BINARY");
}

void CachetteProcess::drain()
{
    m_out += m_process.readAllStandardOutput();
    m_err += m_process.readAllStandardError();
}

QByteArray CachetteProcess::standardOutput()
{
    drain();
    return m_out;
}

QByteArray CachetteProcess::standardError()
{
    drain();
    return m_err;
}

bool CachetteProcess::isRunning() const
{
    return m_process.state() != QProcess::NotRunning;
}

QString CachetteProcess::rootUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

QString CachetteProcess::baseUrl() const
{
    return rootUrl() + QStringLiteral("/v1");
}

bool CachetteProcess::start(QString *error, int timeoutMs)
{
    auto fail = [&](const QString &why) {
        if (error)
            *error = why + QStringLiteral("\n") + diagnostics();
        return false;
    };
    if (binaryPath().isEmpty())
        return fail(QStringLiteral("CACHETTE_BINARY is not set (run the suite through ctest)"));
    m_startedOnce = true;
    m_out.clear();
    m_err.clear();
    m_port = 0;
    m_process.start();
    if (!m_process.waitForStarted(timeoutMs))
        return fail(QStringLiteral("cannot start %1: %2").arg(binaryPath(), m_process.errorString()));

    static const QRegularExpression ready(QStringLiteral("listening on http://([^\\s/]+):(\\d+)/v1"));
    const bool ok = QTest::qWaitFor([&] {
        drain();
        const QRegularExpressionMatch m = ready.match(QString::fromUtf8(m_out));
        if (m.hasMatch()) {
            m_port = quint16(m.captured(2).toUInt());
            return true;
        }
        return !isRunning();
    }, timeoutMs);
    drain();
    if (!ok)
        return fail(QStringLiteral("no \"listening on\" line within %1 ms").arg(timeoutMs));
    if (m_port == 0)
        return fail(QStringLiteral("the process exited before listening (exit code %1)").arg(m_process.exitCode()));
    return true;
}

bool CachetteProcess::stop(QString *error, int timeoutMs)
{
    if (!isRunning()) {
        drain();
        if (error)
            *error = QStringLiteral("not running\n") + diagnostics();
        return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    }
    m_process.terminate();
    const bool exited = QTest::qWaitFor([&] { drain(); return !isRunning(); }, timeoutMs);
    drain();
    if (!exited) {
        if (error)
            *error = QStringLiteral("still running %1 ms after SIGTERM\n").arg(timeoutMs) + diagnostics();
        kill();
        return false;
    }
    const bool clean = m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    if (!clean && error) {
        *error = QStringLiteral("exit status %1, exit code %2 after SIGTERM\n")
                     .arg(m_process.exitStatus() == QProcess::NormalExit ? QStringLiteral("normal")
                                                                          : QStringLiteral("crashed"))
                     .arg(m_process.exitCode())
                 + diagnostics();
    }
    return clean;
}

void CachetteProcess::kill()
{
    if (isRunning()) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    drain();
}

QString CachetteProcess::diagnostics()
{
    drain();
    QString state = isRunning() ? QStringLiteral("running")
                                : QStringLiteral("exited (%1, code %2)")
                                      .arg(m_process.exitStatus() == QProcess::NormalExit ? QStringLiteral("normal")
                                                                                           : QStringLiteral("crashed"))
                                      .arg(m_process.exitCode());
    return QStringLiteral("  command: %1 %2\n  state: %3\n  --- stdout ---\n%4\n  --- stderr ---\n%5")
        .arg(binaryPath(), m_arguments.join(QLatin1Char(' ')), state,
             QString::fromUtf8(m_out.right(8000)), QString::fromUtf8(m_err.right(8000)));
}

CachetteProcess::RunResult CachetteProcess::run(const QStringList &arguments, int timeoutMs)
{
    RunResult result;
    QProcess process;
    process.setProgram(binaryPath());
    process.setArguments(arguments);
    process.start();
    if (!process.waitForStarted(timeoutMs)) {
        result.err = process.errorString().toUtf8();
        return result;
    }
    if (!process.waitForFinished(timeoutMs)) {
        result.timedOut = true;
        process.kill();
        process.waitForFinished(5000);
    }
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    result.crashed = process.exitStatus() != QProcess::NormalExit;
    result.exitCode = process.exitCode();
    return result;
}

} // namespace cachette::test
