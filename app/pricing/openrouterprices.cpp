#include "openrouterprices.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>

#include <cmath>

namespace cachette::pricing {

namespace {

constexpr double kPerMillion = 1'000'000.0;
constexpr int kTimeoutMs = 30'000;

// OpenRouter sends USD per token as a string ("0.0000025"); numbers are taken too.
std::optional<double> perMillion(const QJsonValue &perToken)
{
    bool ok = perToken.isDouble();
    const double value = ok ? perToken.toDouble() : perToken.toString().toDouble(&ok);
    if (!ok || !std::isfinite(value) || value < 0)
        return std::nullopt;
    // Rounded to a millionth of a dollar per million tokens: "0.0000025" is 2.5, not 2.4999….
    return std::round(value * kPerMillion * 1e6) / 1e6;
}

std::optional<ModelPrice> priceOf(const QJsonObject &model)
{
    const QJsonObject pricing = model.value(QLatin1String("pricing")).toObject();
    const std::optional<double> input = perMillion(pricing.value(QLatin1String("prompt")));
    const std::optional<double> output = perMillion(pricing.value(QLatin1String("completion")));
    const QString id = model.value(QLatin1String("id")).toString().trimmed();
    if (id.isEmpty() || !input || !output)
        return std::nullopt;
    ModelPrice price { id, *input, *output, std::nullopt };
    const QJsonValue cached = pricing.value(QLatin1String("input_cache_read"));
    if (!cached.isUndefined())
        price.cachedInputPerMillion = perMillion(cached);
    return price;
}

} // namespace

std::optional<QList<ModelPrice>> parseOpenRouterModels(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    const QJsonValue data = doc.object().value(QLatin1String("data"));
    if (!data.isArray()) {
        if (error)
            *error = doc.isObject() ? QStringLiteral("OpenRouter's answer has no \"data\" list")
                                    : QStringLiteral("OpenRouter's answer is not JSON: %1")
                                          .arg(parseError.errorString());
        return std::nullopt;
    }
    QList<ModelPrice> prices;
    const QJsonArray models = data.toArray();
    for (const QJsonValue &model : models) {
        if (const std::optional<ModelPrice> price = priceOf(model.toObject()))
            prices.append(*price);
    }
    return prices;
}

QUrl OpenRouterPriceUpdate::defaultUrl()
{
    return QUrl(QStringLiteral("https://openrouter.ai/api/v1/models"));
}

OpenRouterPriceUpdate::OpenRouterPriceUpdate(QNetworkAccessManager *network, QObject *parent)
    : QObject(parent)
    , m_network(network)
{
}

OpenRouterPriceUpdate::~OpenRouterPriceUpdate()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
}

void OpenRouterPriceUpdate::start()
{
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
        m_reply->deleteLater();
    }
    QNetworkRequest request(m_url);
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(kTimeoutMs);
    m_reply = m_network->get(request);
    connect(m_reply, &QNetworkReply::finished, this, &OpenRouterPriceUpdate::onFinished);
}

void OpenRouterPriceUpdate::onFinished()
{
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError) {
        Q_EMIT failed(QStringLiteral("cannot fetch prices from %1: %2")
                          .arg(m_url.toString(), reply->errorString()));
        return;
    }
    QString error;
    const std::optional<QList<ModelPrice>> prices = parseOpenRouterModels(reply->readAll(), &error);
    if (!prices) {
        Q_EMIT failed(QStringLiteral("%1 (HTTP %2 from %3)").arg(error).arg(status)
                          .arg(m_url.toString()));
        return;
    }
    Q_EMIT finished(*prices);
}

} // namespace cachette::pricing
