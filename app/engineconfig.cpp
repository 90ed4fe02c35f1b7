#include "engineconfig.h"

#include "proxy/routetable.h"

#include <QStandardPaths>

namespace cachette {

QString EngineConfig::defaultDataDir()
{
    // GenericDataLocation is $XDG_DATA_HOME (~/.local/share) whatever the application name is.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
           + QStringLiteral("/cachette");
}

QString EngineConfig::baseUrl() const
{
    QString host = listenAddress.toString();
    if (listenAddress.protocol() == QAbstractSocket::IPv6Protocol)
        host = QLatin1Char('[') + host + QLatin1Char(']');
    return QStringLiteral("http://%1:%2/v1").arg(host).arg(port);
}

namespace {

// An OpenAI-compatible endpoint the engine itself calls (embeddings, the model check): a URL
// like the upstream's, and a model name.
bool validateModelEndpoint(const QUrl &url, const QString &model, const QString &what,
                           const QString &noModel, QString *error)
{
    if (model.isEmpty()) {
        *error = noModel;
        return false;
    }
    if (!validateUpstreamUrl(url, error)) {
        error->replace(QStringLiteral("upstream URL"), what);
        return false;
    }
    return true;
}

bool validateRoutes(const QMap<QString, QUrl> &routes, QString *error)
{
    for (auto it = routes.begin(); it != routes.end(); ++it) {
        if (!validateRoute(it.key(), it.value(), error))
            return false;
    }
    return true;
}

} // namespace

bool EngineConfig::validate(QString *error) const
{
    if (!validateUpstreamUrl(upstream, error) || !validateRoutes(routes, error))
        return false;
    if (dataDir.isEmpty()) {
        *error = QStringLiteral("the data directory is not set");
        return false;
    }
    if (!listensOnLoopback() && access.accessToken.isEmpty()) {
        *error = QStringLiteral("listening on %1 exposes the proxy to the network: set an access "
                                "token (--access-token) that clients send as X-Cachette-Token")
                     .arg(listenAddress.toString());
        return false;
    }
    if (upstreamTimeoutSeconds <= 0) {
        *error = QStringLiteral("the upstream timeout must be a positive number of seconds");
        return false;
    }
    if (sizeCapBytes < 1024 * 1024) {
        *error = QStringLiteral("the cache size cap must be at least 1 MiB");
        return false;
    }
    const float threshold = semantic.settings.threshold;
    if (!(threshold >= 0.0f && threshold <= 1.0f)) {
        *error = QStringLiteral("the similarity threshold must be between 0 and 1 (1 turns "
                                "semantic matching off)");
        return false;
    }
    if (semantic.usesRemoteEmbedder()
        && !validateModelEndpoint(semantic.embeddingsUrl, semantic.embeddingsModel,
                                  QStringLiteral("embeddings URL"),
                                  QStringLiteral("an embeddings URL needs a model name too "
                                                 "(--embeddings-model, e.g. nomic-embed-text)"),
                                  error))
        return false;
    const semantic::ModelCheckConfig &check = semantic.modelCheck;
    if (!check.baseUrl.isEmpty()
        && !validateModelEndpoint(check.baseUrl, check.model, QStringLiteral("model check URL"),
                                  QStringLiteral("a model check URL needs a model name too "
                                                 "(--model-check-model, e.g. qwen2.5:0.5b)"),
                                  error))
        return false;
    if (defaultTtlSeconds < 0) {
        *error = QStringLiteral("the default TTL cannot be negative");
        return false;
    }
    return true;
}

bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port, QString *error)
{
    const int colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) {
        *error = QStringLiteral("listen address \"%1\" must look like HOST:PORT, "
                                "for example 127.0.0.1:8787").arg(text);
        return false;
    }
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const uint value = text.mid(colon + 1).toUInt(&ok);
    if (!ok || value > 65535) {
        *error = QStringLiteral("port in \"%1\" must be a number from 0 to 65535").arg(text);
        return false;
    }
    QHostAddress parsed;
    if (host == QLatin1String("localhost"))
        parsed = QHostAddress(QHostAddress::LocalHost);
    else if (!parsed.setAddress(host)) {
        *error = QStringLiteral("\"%1\" is not an IP address (use 127.0.0.1, ::1, 0.0.0.0 or "
                                "localhost)").arg(host);
        return false;
    }
    *address = parsed;
    *port = quint16(value);
    return true;
}

bool parseRouteArgument(const QString &text, QString *name, QUrl *url, QString *error)
{
    const qsizetype equals = text.indexOf(QLatin1Char('='));
    if (equals < 0) {
        *error = QStringLiteral("--route takes NAME=URL, e.g. "
                                "anthropic=https://api.anthropic.com/v1, not \"%1\"").arg(text);
        return false;
    }
    *name = text.left(equals).trimmed();
    *url = QUrl(text.mid(equals + 1).trimmed());
    return validateRoute(*name, *url, error);
}

bool validateRoute(const QString &name, const QUrl &url, QString *error)
{
    if (!proxy::validateRouteName(name, error))
        return false;
    if (!validateUpstreamUrl(url, error)) {
        error->replace(QStringLiteral("the upstream URL"),
                       QStringLiteral("the URL of route \"%1\"").arg(name));
        return false;
    }
    return true;
}

bool validateUpstreamUrl(const QUrl &url, QString *error)
{
    const QString scheme = url.scheme();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
        *error = QStringLiteral("the upstream URL \"%1\" must start with http:// or https://")
                     .arg(url.toString());
        return false;
    }
    if (url.host().isEmpty()) {
        *error = QStringLiteral("the upstream URL \"%1\" has no host").arg(url.toString());
        return false;
    }
    if (url.hasQuery() || url.hasFragment()) {
        *error = QStringLiteral("the upstream URL \"%1\" must be a base URL without ? or #")
                     .arg(url.toString());
        return false;
    }
    return true;
}

} // namespace cachette
