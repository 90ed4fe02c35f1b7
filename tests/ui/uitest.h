#pragma once

// Shared by the GUI suites (tests/ui): a private home for settings, data and the runtime
// dir, set before QApplication exists, and small helpers to talk to a running proxy.

#include "engineconfig.h"
#include "proxyclient.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

namespace cachette::test {

// XDG dirs under dir: QSettings, QStandardPaths and the autostart file all land there, so a
// test never reads or writes the real ~/.config.
inline void isolateHome(const QString &dir)
{
    for (const char *name : {"config", "data", "cache", "runtime"})
        QDir().mkpath(dir + QLatin1Char('/') + QLatin1String(name));
    QFile::setPermissions(dir + QStringLiteral("/runtime"),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    qputenv("XDG_CONFIG_HOME", QFile::encodeName(dir + QStringLiteral("/config")));
    qputenv("XDG_DATA_HOME", QFile::encodeName(dir + QStringLiteral("/data")));
    qputenv("XDG_CACHE_HOME", QFile::encodeName(dir + QStringLiteral("/cache")));
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(dir + QStringLiteral("/runtime")));
}

// A port nobody listens on right now (the kernel's pick, released at once).
inline quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

inline EngineConfig testConfig(const QString &dataDir, quint16 port,
                               const QString &upstream = QStringLiteral("http://127.0.0.1:9/v1"))
{
    EngineConfig config;
    config.dataDir = dataDir;
    config.port = port;
    config.upstream = QUrl(upstream);
    return config;
}

inline QString rootOf(const QString &baseUrl)   // http://127.0.0.1:PORT/v1 → http://127.0.0.1:PORT
{
    QUrl url(baseUrl);
    url.setPath(QString());
    return url.toString();
}

inline bool healthy(const QString &baseUrl)
{
    ProxyClient client(rootOf(baseUrl));
    return client.get(QStringLiteral("/healthz"), {}, 5000).status == 200;
}

inline bool accepts(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(1000);
}

inline QJsonObject chatRequest(const QString &prompt)
{
    return QJsonObject{
        {QStringLiteral("model"), QStringLiteral("gpt-4o-mini")},
        {QStringLiteral("messages"),
         QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                {QStringLiteral("content"), prompt}}}},
    };
}

} // namespace cachette::test

// A running engine host: host (an EngineHost *) configured with config, started, and waited for
// until it runs; the test fails with the configuration error, if any.
#define UI_START_HOST(host, config)                                                                \
    do {                                                                                           \
        QString uiHostError_;                                                                      \
        QVERIFY2((host)->configure((config), &uiHostError_), qPrintable(uiHostError_));            \
        (host)->start();                                                                           \
        QTRY_COMPARE((host)->state(), cachette::Engine::State::Running);                           \
    } while (false)

// QTEST_MAIN with a private home set up first.
#define CACHETTE_UI_TEST_MAIN(TestClass)                                   \
    int main(int argc, char **argv)                                        \
    {                                                                      \
        QTemporaryDir home;                                                \
        cachette::test::isolateHome(home.path());                          \
        QApplication app(argc, argv);                                      \
        QApplication::setOrganizationName(QStringLiteral("cachette"));     \
        QApplication::setApplicationName(QStringLiteral("cachette"));      \
        TestClass test;                                                    \
        return QTest::qExec(&test, argc, argv);                            \
    }
