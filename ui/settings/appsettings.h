#pragma once

#include "engineconfig.h"

#include <QSettings>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <memory>

namespace cachette::ui {

// What the desktop app remembers between runs, in ~/.config/cachette/cachette.ini.
// Nothing secret lives here: API keys are never seen, the access token only comes from the
// command line or the environment.
struct AppSettings
{
    QString listen = QStringLiteral("127.0.0.1:8787");   // HOST:PORT, as parseListenAddress reads it
    QUrl upstream = QUrl(QStringLiteral("https://api.openai.com/v1"));
    bool startProxyAtLaunch = true;
    bool startAtLogin = false;
    qint64 sizeCapBytes = 1024LL * 1024 * 1024;
    qint64 defaultTtlSeconds = 0;   // 0 = never expire
    bool isolateByApiKey = false;
    QStringList allowedOrigins;

    static AppSettings load(const QSettings &settings);
    void save(QSettings &settings) const;

    // base supplies what settings do not hold (data dir, access token, timeouts, limits).
    // A listen address that does not parse keeps base's.
    EngineConfig toEngineConfig(const EngineConfig &base = EngineConfig()) const;

    bool operator==(const AppSettings &other) const = default;
};

// The app's QSettings: organization "cachette", application "cachette", in the XDG config dir.
std::unique_ptr<QSettings> openSettings();

// Start at login is a desktop file in ~/.config/autostart (XDG autostart), not a setting
// the app reads: the session starts it.
QString autostartFilePath();
bool applyStartAtLogin(bool enabled, QString *error = nullptr);

// "https://example.com" or "http://localhost:3000": a browser origin, nothing after the port.
bool validateOrigin(const QString &origin, QString *error);

} // namespace cachette::ui
