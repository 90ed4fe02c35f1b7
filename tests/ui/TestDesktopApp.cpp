// The desktop app as a whole: the real binary, offscreen, in a private home.

#include "uitest.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>

#include <csignal>

using namespace cachette::test;

class TestDesktopApp : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { QVERIFY(m_home.isValid() && m_data.isValid()); }

    void startsListensAndStopsOnSigterm()
    {
        QProcess app;
        QVERIFY2(launch(app), qPrintable(output(app)));
        QVERIFY(healthy(m_baseUrl));
        ::kill(pid_t(app.processId()), SIGTERM);
        QVERIFY(app.waitForFinished(10'000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 0);
    }

    void aSecondLaunchRaisesTheFirstAndExits()
    {
        QProcess first;
        QVERIFY2(launch(first), qPrintable(output(first)));
        QProcess second;
        second.setProcessEnvironment(environment());
        second.start(binary(), arguments());
        QVERIFY(second.waitForFinished(10'000));
        QCOMPARE(second.exitCode(), 0);
        QVERIFY2(second.readAllStandardOutput().contains("already running"),
                 qPrintable(output(second)));
        QVERIFY(first.state() == QProcess::Running);
        first.terminate();
        QVERIFY(first.waitForFinished(10'000));
    }

    void aCrashedInstanceDoesNotBlockTheNext()
    {
        QProcess crashed;
        QVERIFY2(launch(crashed), qPrintable(output(crashed)));
        crashed.kill();   // SIGKILL: the lock file and the socket stay behind
        QVERIFY(crashed.waitForFinished(10'000));

        QProcess next;
        QVERIFY2(launch(next), qPrintable(output(next)));
        next.terminate();
        QVERIFY(next.waitForFinished(10'000));
        QCOMPARE(next.exitCode(), 0);
    }

    void badFlagsAreRefusedInWords()
    {
        QProcess app;
        app.setProcessEnvironment(environment());
        app.start(binary(), {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:99999")});
        QVERIFY(app.waitForFinished(10'000));
        QCOMPARE(app.exitCode(), 2);
        QVERIFY2(app.readAllStandardError().contains("65535"), qPrintable(output(app)));
    }

private:
    static QString binary() { return qEnvironmentVariable("CACHETTE_BINARY"); }

    QStringList arguments() const
    {
        return {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                QStringLiteral("--data-dir"), m_data.path()};
    }

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        for (const char *name : {"config", "data", "cache", "runtime"})
            QDir().mkpath(m_home.filePath(QLatin1String(name)));
        // XDG wants the runtime dir private; Qt ignores it otherwise.
        QFile::setPermissions(m_home.filePath(QStringLiteral("runtime")),
                              QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.filePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), m_home.filePath(QStringLiteral("cache")));
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_home.filePath(QStringLiteral("runtime")));
        return env;
    }

    // Starts the app and waits for the line scripts wait for.
    bool launch(QProcess &app)
    {
        app.setProcessEnvironment(environment());
        app.start(binary(), arguments());
        static const QRegularExpression ready(QStringLiteral("listening on (http://\\S+/v1)"));
        QByteArray out;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 15'000 && app.state() != QProcess::NotRunning) {
            app.waitForReadyRead(200);
            out += app.readAllStandardOutput();
            const QRegularExpressionMatch match = ready.match(QString::fromUtf8(out));
            if (match.hasMatch()) {
                m_baseUrl = match.captured(1);
                return true;
            }
        }
        return false;
    }

    static QString output(QProcess &app)
    {
        return QString::fromUtf8(app.readAllStandardOutput() + app.readAllStandardError());
    }

    QTemporaryDir m_home;
    QTemporaryDir m_data;
    QString m_baseUrl;
};

CACHETTE_UI_TEST_MAIN(TestDesktopApp)
#include "TestDesktopApp.moc"
