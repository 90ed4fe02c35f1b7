#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace cachette::pricing {

// List prices of one model in USD per million tokens. The same shape is used by the built-in
// table (resources/prices.json), the user's overrides and the OpenRouter update.
struct ModelPrice
{
    QString model;                           // as the provider names it: "gpt-4o", "openai/gpt-4o"
    double inputPerMillion = 0;              // prompt tokens not read from the provider's cache
    double outputPerMillion = 0;             // completion tokens (reasoning tokens included)
    std::optional<double> cachedInputPerMillion;   // cached prompt tokens; none: the input price

    double cachedRate() const { return cachedInputPerMillion.value_or(inputPerMillion); }
    bool operator==(const ModelPrice &other) const = default;

    // {"model": …, "input": …, "output": …, "cached_input": …}
    QJsonObject toJson() const;
    // nullopt when the model is empty or a price is missing, not a number or negative.
    static std::optional<ModelPrice> fromJson(const QJsonObject &object);
};

// {"models": [ModelPrice…]} ⇄ a list. Entries that do not parse are skipped and counted.
QList<ModelPrice> pricesFromJson(const QJsonObject &document, int *skipped = nullptr);
QJsonObject pricesToJson(const QList<ModelPrice> &prices);

} // namespace cachette::pricing
