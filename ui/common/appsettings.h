#pragma once

#include "engineconfig.h"

#include <QSettings>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <QHash>
#include <QMap>
#include <QList>
#include <QSet>

#include <memory>
#include <optional>

namespace cachette::ui {

// The semantic cache's part of the settings, edited by the Thresholds page and saved by it
// alone (group "semantic"). Never an API key: CACHETTE_EMBEDDINGS_API_KEY and
// CACHETTE_MODEL_CHECK_API_KEY stay in the environment.
struct SemanticPrefs
{
    float threshold = semantic::kDefaultThreshold;
    QHash<QString, float> modelThresholds;
    QSet<QString> wholeConversationModels;
    semantic::GuardOptions guards;
    semantic::StrictMatching strict = semantic::StrictMatching::WithTools;
    QHash<QString, semantic::StrictMatching> modelStrict;
    QList<semantic::RefusalRule> refusalRules;   // taught by "wrong hit", saved as toText()
    QUrl embeddingsUrl;        // empty: the built-in local embedder
    QString embeddingsModel;
    QUrl modelCheckUrl;        // empty: no model check (the Settings page edits these two)
    QString modelCheckModel;

    static SemanticPrefs load(const QSettings &settings);
    void save(QSettings &settings) const;
    // The thresholds, overrides, guards, strict matching and learned refusals from (or into)
    // the engine's settings.
    void setSettings(const semantic::SemanticSettings &settings);
    // The embedder and the model check too; an endpoint's key is config's own (from the command
    // line's environment) or, when there is none yet, read from the environment now.
    void applyTo(SemanticConfig *config) const;

    bool operator==(const SemanticPrefs &other) const = default;
};

// The values the Settings page edits, all of which AppSettings::save() writes: equal forms
// mean nothing to apply.
struct SettingsForm
{
    QString listen = QStringLiteral("127.0.0.1:8787");   // HOST:PORT, as parseListenAddress reads it
    QUrl upstream = QUrl(QStringLiteral("https://api.openai.com/v1"));
    // Provider routes added or re-pointed (name → base URL) on top of the built-in ones;
    // at launch --route flags win over these, as every flag does.
    QMap<QString, QUrl> routes;
    bool startProxyAtLaunch = true;
    bool startAtLogin = false;
    qint64 sizeCapBytes = 1024LL * 1024 * 1024;
    qint64 defaultTtlSeconds = 0;   // 0 = never expire
    bool isolateByApiKey = false;
    QStringList allowedOrigins;

    bool operator==(const SettingsForm &other) const = default;
};

// What the desktop app remembers between runs, in ~/.config/cachette/cachette.ini.
// Nothing secret lives here: API keys are never seen, the access token only comes from the
// command line or the environment.
//
// Compared as a SettingsForm (AppSettings declares no == of its own): the saved semantic prefs
// are the Thresholds page's, which save() does not write, so two settings that save the same
// file are equal whatever prefs either has loaded.
struct AppSettings : SettingsForm
{
    // Loaded with the rest, so that saved thresholds are the defaults command-line flags
    // override (toEngineConfig applies them when set). A default-constructed AppSettings has
    // none and leaves the base's semantic config alone.
    struct SavedSemantic
    {
        std::optional<SemanticPrefs> prefs;
    };
    SavedSemantic semantic;

    static AppSettings load(const QSettings &settings);
    void save(QSettings &settings) const;

    // base supplies what settings do not hold (data dir, access token, timeouts, limits).
    // A listen address that does not parse keeps base's.
    EngineConfig toEngineConfig(const EngineConfig &base = EngineConfig()) const;
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
