#include "modelprice.h"

#include <QJsonArray>
#include <QJsonValue>

#include <cmath>

namespace cachette::pricing {

namespace {

// A price is a finite, non-negative number; JSON strings are accepted too ("2.5").
std::optional<double> priceValue(const QJsonValue &value)
{
    bool ok = value.isDouble();
    const double number = ok ? value.toDouble() : value.toString().toDouble(&ok);
    if (!ok || !std::isfinite(number) || number < 0)
        return std::nullopt;
    return number;
}

} // namespace

QJsonObject ModelPrice::toJson() const
{
    QJsonObject object{{QStringLiteral("model"), model},
                       {QStringLiteral("input"), inputPerMillion},
                       {QStringLiteral("output"), outputPerMillion}};
    if (cachedInputPerMillion)
        object.insert(QStringLiteral("cached_input"), *cachedInputPerMillion);
    return object;
}

std::optional<ModelPrice> ModelPrice::fromJson(const QJsonObject &object)
{
    ModelPrice price;
    price.model = object.value(QLatin1String("model")).toString().trimmed();
    const std::optional<double> input = priceValue(object.value(QLatin1String("input")));
    const std::optional<double> output = priceValue(object.value(QLatin1String("output")));
    if (price.model.isEmpty() || !input || !output)
        return std::nullopt;
    price.inputPerMillion = *input;
    price.outputPerMillion = *output;
    const QJsonValue cached = object.value(QLatin1String("cached_input"));
    if (!cached.isUndefined() && !cached.isNull()) {
        price.cachedInputPerMillion = priceValue(cached);
        if (!price.cachedInputPerMillion)
            return std::nullopt;
    }
    return price;
}

QList<ModelPrice> pricesFromJson(const QJsonObject &document, int *skipped)
{
    QList<ModelPrice> prices;
    int bad = 0;
    const QJsonArray models = document.value(QLatin1String("models")).toArray();
    for (const QJsonValue &value : models) {
        if (const std::optional<ModelPrice> price = ModelPrice::fromJson(value.toObject()))
            prices.append(*price);
        else
            ++bad;
    }
    if (skipped)
        *skipped = bad;
    return prices;
}

QJsonObject pricesToJson(const QList<ModelPrice> &prices)
{
    QJsonArray models;
    for (const ModelPrice &price : prices)
        models.append(price.toJson());
    return QJsonObject{{QStringLiteral("models"), models}};
}

} // namespace cachette::pricing
