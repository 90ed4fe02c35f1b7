#include "appsettings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

namespace cachette::ui {

namespace {

const QString kListen = QStringLiteral("proxy/listen");
const QString kUpstream = QStringLiteral("proxy/upstream");
const QString kStartProxy = QStringLiteral("proxy/startAtLaunch");
const QString kStartAtLogin = QStringLiteral("app/startAtLogin");
const QString kSizeCap = QStringLiteral("cache/sizeCapBytes");
const QString kTtl = QStringLiteral("cache/defaultTtlSeconds");
const QString kIsolate = QStringLiteral("cache/isolateByApiKey");
const QString kOrigins = QStringLiteral("security/allowedOrigins");

QString desktopExecLine()
{
    // The absolute path keeps working for builds run from a source tree; quoted for spaces.
    QString program = QCoreApplication::applicationFilePath();
    if (program.isEmpty())
        program = QStringLiteral("cachette");
    return QStringLiteral("\"%1\" --hidden").arg(program);
}

} // namespace

AppSettings AppSettings::load(const QSettings &s)
{
    AppSettings d;
    AppSettings a;
    a.listen = s.value(kListen, d.listen).toString();
    a.upstream = QUrl(s.value(kUpstream, d.upstream.toString()).toString());
    a.startProxyAtLaunch = s.value(kStartProxy, d.startProxyAtLaunch).toBool();
    a.startAtLogin = s.value(kStartAtLogin, d.startAtLogin).toBool();
    a.sizeCapBytes = s.value(kSizeCap, d.sizeCapBytes).toLongLong();
    a.defaultTtlSeconds = s.value(kTtl, d.defaultTtlSeconds).toLongLong();
    a.isolateByApiKey = s.value(kIsolate, d.isolateByApiKey).toBool();
    a.allowedOrigins = s.value(kOrigins).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return a;
}

void AppSettings::save(QSettings &s) const
{
    s.setValue(kListen, listen);
    s.setValue(kUpstream, upstream.toString());
    s.setValue(kStartProxy, startProxyAtLaunch);
    s.setValue(kStartAtLogin, startAtLogin);
    s.setValue(kSizeCap, sizeCapBytes);
    s.setValue(kTtl, defaultTtlSeconds);
    s.setValue(kIsolate, isolateByApiKey);
    // One line of text: QSettings writes an empty list as "@Invalid()".
    s.setValue(kOrigins, allowedOrigins.join(QLatin1Char(' ')));
    s.sync();
}

EngineConfig AppSettings::toEngineConfig(const EngineConfig &base) const
{
    EngineConfig config = base;
    QHostAddress address;
    quint16 port = 0;
    QString ignored;
    if (parseListenAddress(listen, &address, &port, &ignored)) {
        config.listenAddress = address;
        config.port = port;
    }
    config.upstream = upstream;
    config.sizeCapBytes = sizeCapBytes;
    config.defaultTtlSeconds = defaultTtlSeconds;
    config.isolateByApiKey = isolateByApiKey;
    config.access.allowedOrigins = allowedOrigins;
    return config;
}

std::unique_ptr<QSettings> openSettings()
{
    // IniFormat in the user scope is $XDG_CONFIG_HOME/cachette/cachette.ini on Linux: the same
    // file on every platform, readable and editable by hand.
    return std::make_unique<QSettings>(QSettings::IniFormat, QSettings::UserScope,
                                       QStringLiteral("cachette"), QStringLiteral("cachette"));
}

QString autostartFilePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
           + QStringLiteral("/autostart/cachette.desktop");
}

bool applyStartAtLogin(bool enabled, QString *error)
{
    const QString path = autostartFilePath();
    if (!enabled) {
        if (!QFile::exists(path) || QFile::remove(path))
            return true;
        if (error)
            *error = QStringLiteral("cannot remove %1").arg(path);
        return false;
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    const QByteArray entry = QStringLiteral(
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Cachette\n"
        "Comment=Local cache for LLM APIs\n"
        "Exec=%1\n"
        "Icon=cachette\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n").arg(desktopExecLine()).toUtf8();
    if (file.open(QIODevice::WriteOnly) && file.write(entry) == entry.size() && file.commit())
        return true;
    if (error)
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return false;
}

bool validateOrigin(const QString &origin, QString *error)
{
    const QUrl url(origin, QUrl::StrictMode);
    const bool plain = url.path().isEmpty() && !url.hasQuery() && !url.hasFragment()
                       && url.userInfo().isEmpty();
    if (!url.isValid() || url.scheme().isEmpty() || url.host().isEmpty() || !plain) {
        *error = QStringLiteral("\"%1\" is not an origin: write it as scheme://host[:port], "
                                "for example https://example.com").arg(origin);
        return false;
    }
    return true;
}

} // namespace cachette::ui
