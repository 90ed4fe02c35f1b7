#include "appsettings.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

namespace cachette::ui {

namespace {

const QString kListen = QStringLiteral("proxy/listen");
const QString kUpstream = QStringLiteral("proxy/upstream");
const QString kRoutes = QStringLiteral("proxy/routes");   // JSON: {"name": "base URL"}
const QString kStartProxy = QStringLiteral("proxy/startAtLaunch");
const QString kStartAtLogin = QStringLiteral("app/startAtLogin");
const QString kSizeCap = QStringLiteral("cache/sizeCapBytes");
const QString kTtl = QStringLiteral("cache/defaultTtlSeconds");
const QString kIsolate = QStringLiteral("cache/isolateByApiKey");
const QString kOrigins = QStringLiteral("security/allowedOrigins");
const QString kThreshold = QStringLiteral("semantic/threshold");
const QString kModelThresholds = QStringLiteral("semantic/modelThresholds");
const QString kWholeConversation = QStringLiteral("semantic/wholeConversationModels");
const QString kGuardNumbers = QStringLiteral("semantic/guardNumbers");
const QString kGuardNegation = QStringLiteral("semantic/guardNegation");
const QString kGuardLiterals = QStringLiteral("semantic/guardLiterals");
const QString kStrict = QStringLiteral("semantic/strictMatching");
const QString kModelStrict = QStringLiteral("semantic/modelStrictMatching");
const QString kRefusalRules = QStringLiteral("semantic/refusalRules");
const QString kEmbeddingsUrl = QStringLiteral("semantic/embeddingsUrl");
const QString kEmbeddingsModel = QStringLiteral("semantic/embeddingsModel");
const QString kModelCheckUrl = QStringLiteral("semantic/modelCheckUrl");
const QString kModelCheckModel = QStringLiteral("semantic/modelCheckModel");

// Maps and lists as one line of JSON: readable in the .ini, where QSettings would write a
// QVariantMap as an opaque @Variant blob.
QString thresholdsToJson(const QHash<QString, float> &thresholds)
{
    QJsonObject object;
    for (auto it = thresholds.cbegin(); it != thresholds.cend(); ++it)
        object.insert(it.key(), qRound(double(it.value()) * 1000) / 1000.0);
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QHash<QString, float> thresholdsFromJson(const QString &text)
{
    QHash<QString, float> thresholds;
    const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        const double value = it.value().toDouble(-1);
        if (!it.key().isEmpty() && value >= 0 && value <= 1)
            thresholds.insert(it.key(), float(value));
    }
    return thresholds;
}

QString setToJson(const QSet<QString> &set)
{
    QStringList sorted(set.cbegin(), set.cend());
    sorted.sort();
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(sorted))
                                 .toJson(QJsonDocument::Compact));
}

QSet<QString> setFromJson(const QString &text)
{
    QSet<QString> set;
    for (const QJsonValue &value : QJsonDocument::fromJson(text.toUtf8()).array()) {
        if (!value.toString().isEmpty())
            set.insert(value.toString());
    }
    return set;
}

// Strict matching as words in the .ini: "withTools", "always", "never".
QString strictToText(semantic::StrictMatching mode)
{
    switch (mode) {
    case semantic::StrictMatching::Always:
        return QStringLiteral("always");
    case semantic::StrictMatching::Never:
        return QStringLiteral("never");
    case semantic::StrictMatching::WithTools:
        break;
    }
    return QStringLiteral("withTools");
}

std::optional<semantic::StrictMatching> strictFromText(const QString &text)
{
    if (text == QLatin1String("withTools"))
        return semantic::StrictMatching::WithTools;
    if (text == QLatin1String("always"))
        return semantic::StrictMatching::Always;
    if (text == QLatin1String("never"))
        return semantic::StrictMatching::Never;
    return std::nullopt;
}

QString strictModesToJson(const QHash<QString, semantic::StrictMatching> &modes)
{
    QJsonObject object;
    for (auto it = modes.cbegin(); it != modes.cend(); ++it)
        object.insert(it.key(), strictToText(it.value()));
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QHash<QString, semantic::StrictMatching> strictModesFromJson(const QString &text)
{
    QHash<QString, semantic::StrictMatching> modes;
    const QJsonObject object = QJsonDocument::fromJson(text.toUtf8()).object();
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (const auto mode = strictFromText(it.value().toString()); mode && !it.key().isEmpty())
            modes.insert(it.key(), *mode);
    }
    return modes;
}

// Rules as a JSON list of their text ("remove | delete"), in the order they were learned.
QString rulesToJson(const QList<semantic::RefusalRule> &rules)
{
    QStringList texts;
    for (const semantic::RefusalRule &rule : rules)
        texts.append(rule.toText());
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(texts))
                                 .toJson(QJsonDocument::Compact));
}

QList<semantic::RefusalRule> rulesFromJson(const QString &text)
{
    QList<semantic::RefusalRule> rules;
    for (const QJsonValue &value : QJsonDocument::fromJson(text.toUtf8()).array()) {
        const semantic::RefusalRule rule = semantic::RefusalRule::fromText(value.toString());
        if (!rule.isEmpty() && !rules.contains(rule))
            rules.append(rule);
    }
    return rules;
}

QString desktopExecLine()
{
    // The absolute path keeps working for builds run from a source tree; quoted for spaces.
    QString program = QCoreApplication::applicationFilePath();
    if (program.isEmpty())
        program = QStringLiteral("cachette");
    return QStringLiteral("\"%1\" --hidden").arg(program);
}

QMap<QString, QUrl> routesFromJson(const QString &json)
{
    QMap<QString, QUrl> routes;
    const QJsonObject object = QJsonDocument::fromJson(json.toUtf8()).object();
    for (auto it = object.begin(); it != object.end(); ++it) {
        QString ignored;
        const QUrl url(it.value().toString());
        if (validateRoute(it.key(), url, &ignored))   // a hand-edited .ini may hold anything
            routes.insert(it.key(), url);
    }
    return routes;
}

QString routesToJson(const QMap<QString, QUrl> &routes)
{
    QJsonObject object;
    for (auto it = routes.begin(); it != routes.end(); ++it)
        object.insert(it.key(), it.value().toString());
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

AppSettings AppSettings::load(const QSettings &s)
{
    AppSettings d;
    AppSettings a;
    a.listen = s.value(kListen, d.listen).toString();
    a.upstream = QUrl(s.value(kUpstream, d.upstream.toString()).toString());
    a.routes = routesFromJson(s.value(kRoutes).toString());
    a.startProxyAtLaunch = s.value(kStartProxy, d.startProxyAtLaunch).toBool();
    a.startAtLogin = s.value(kStartAtLogin, d.startAtLogin).toBool();
    a.sizeCapBytes = s.value(kSizeCap, d.sizeCapBytes).toLongLong();
    a.defaultTtlSeconds = s.value(kTtl, d.defaultTtlSeconds).toLongLong();
    a.isolateByApiKey = s.value(kIsolate, d.isolateByApiKey).toBool();
    a.allowedOrigins = s.value(kOrigins).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    a.semantic.prefs = SemanticPrefs::load(s);
    return a;
}

void AppSettings::save(QSettings &s) const
{
    s.setValue(kListen, listen);
    s.setValue(kUpstream, upstream.toString());
    s.setValue(kRoutes, routesToJson(routes));
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
    config.routes = routes;   // at launch --route flags then go on top (parseCommandLine)
    config.sizeCapBytes = sizeCapBytes;
    config.defaultTtlSeconds = defaultTtlSeconds;
    config.isolateByApiKey = isolateByApiKey;
    config.access.allowedOrigins = allowedOrigins;
    if (semantic.prefs)
        semantic.prefs->applyTo(&config.semantic);
    return config;
}

SemanticPrefs SemanticPrefs::load(const QSettings &s)
{
    SemanticPrefs d;
    SemanticPrefs p;
    const float threshold = s.value(kThreshold, d.threshold).toFloat();
    p.threshold = (threshold >= 0 && threshold <= 1) ? threshold : d.threshold;
    p.modelThresholds = thresholdsFromJson(s.value(kModelThresholds).toString());
    p.wholeConversationModels = setFromJson(s.value(kWholeConversation).toString());
    p.guards.numbers = s.value(kGuardNumbers, d.guards.numbers).toBool();
    p.guards.negation = s.value(kGuardNegation, d.guards.negation).toBool();
    p.guards.literals = s.value(kGuardLiterals, d.guards.literals).toBool();
    p.strict = strictFromText(s.value(kStrict).toString()).value_or(d.strict);
    p.modelStrict = strictModesFromJson(s.value(kModelStrict).toString());
    p.refusalRules = rulesFromJson(s.value(kRefusalRules).toString());
    p.embeddingsUrl = QUrl(s.value(kEmbeddingsUrl).toString());
    p.embeddingsModel = s.value(kEmbeddingsModel).toString();
    p.modelCheckUrl = QUrl(s.value(kModelCheckUrl).toString());
    p.modelCheckModel = s.value(kModelCheckModel).toString();
    return p;
}

void SemanticPrefs::save(QSettings &s) const
{
    s.setValue(kThreshold, qRound(double(threshold) * 1000) / 1000.0);
    s.setValue(kModelThresholds, thresholdsToJson(modelThresholds));
    s.setValue(kWholeConversation, setToJson(wholeConversationModels));
    s.setValue(kGuardNumbers, guards.numbers);
    s.setValue(kGuardNegation, guards.negation);
    s.setValue(kGuardLiterals, guards.literals);
    s.setValue(kStrict, strictToText(strict));
    s.setValue(kModelStrict, strictModesToJson(modelStrict));
    s.setValue(kRefusalRules, rulesToJson(refusalRules));
    s.setValue(kEmbeddingsUrl, embeddingsUrl.toString());
    s.setValue(kEmbeddingsModel, embeddingsModel);
    s.setValue(kModelCheckUrl, modelCheckUrl.toString());
    s.setValue(kModelCheckModel, modelCheckModel);
    s.sync();
}

void SemanticPrefs::setSettings(const semantic::SemanticSettings &settings)
{
    threshold = settings.threshold;
    modelThresholds = settings.modelThresholds;
    wholeConversationModels = settings.wholeConversationModels;
    guards = settings.guards;
    strict = settings.strict;
    modelStrict = settings.modelStrict;
    refusalRules = settings.refusalRules;
}

void SemanticPrefs::applyTo(SemanticConfig *config) const
{
    config->settings.threshold = threshold;
    config->settings.modelThresholds = modelThresholds;
    config->settings.wholeConversationModels = wholeConversationModels;
    config->settings.guards = guards;
    config->settings.strict = strict;
    config->settings.modelStrict = modelStrict;
    config->settings.refusalRules = refusalRules;
    config->embeddingsUrl = embeddingsUrl;
    config->embeddingsModel = embeddingsModel;
    // An endpoint chosen in the window after a start without one has no key yet: the command
    // line reads the environment only for an endpoint it knows of at start.
    if (embeddingsUrl.isEmpty())
        config->embeddingsApiKey.clear();
    else if (config->embeddingsApiKey.isEmpty())
        config->embeddingsApiKey = qgetenv("CACHETTE_EMBEDDINGS_API_KEY");
    semantic::ModelCheckConfig &check = config->modelCheck;
    check.baseUrl = modelCheckUrl;
    check.model = modelCheckModel;
    if (modelCheckUrl.isEmpty())
        check.apiKey.clear();
    else if (check.apiKey.isEmpty())
        check.apiKey = qgetenv("CACHETTE_MODEL_CHECK_API_KEY");
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
