#pragma once

#include "modelprice.h"

#include <QHash>
#include <QList>
#include <QString>

#include <optional>
#include <shared_mutex>

namespace cachette::pricing {

// Model prices: the built-in table (resources/prices.json, compiled in) with the user's
// overrides on top. find() matches a request's model by priceLookupNames(): every name is
// tried against the overrides before any against the table, so an override of "gpt-4o" also
// prices "gpt-4o-2024-08-06" even though the table lists that snapshot. A model with no match
// has no price (nullopt): reports show "no price", never zero.
// Thread-safe: the proxy reads on its thread while the GUI may change overrides on its own.
class PriceBook
{
public:
    PriceBook();   // loads the built-in table
    Q_DISABLE_COPY_MOVE(PriceBook)

    static QString builtInResource();   // ":/cachette/pricing/prices.json"

    // Replaces the table from a prices.json document (tests; the built-in one is loaded already).
    bool loadTable(const QByteArray &json, QString *error = nullptr);
    QList<ModelPrice> table() const;
    QString pricesTaken() const;         // the table's "prices_taken" date, "YYYY-MM-DD"
    QString source() const;              // the table's note on where its prices come from

    void setOverrides(const QList<ModelPrice> &overrides);
    QList<ModelPrice> overrides() const;
    // Overrides kept as {"models": [...]} in a file (the GUI's, or price-overrides.json in the
    // data dir). Loading a missing file is not an error: there are simply no overrides.
    bool loadOverrides(const QString &path, QString *error = nullptr);
    bool saveOverrides(const QString &path, QString *error = nullptr) const;
    static QString overridesPath(const QString &dataDir);   // <dataDir>/price-overrides.json

    std::optional<ModelPrice> find(const QString &model) const;

private:
    using Index = QHash<QString, ModelPrice>;   // by lowercased model name
    static Index indexOf(const QList<ModelPrice> &prices);
    static const ModelPrice *lookup(const Index &index, const QString &name);

    // std::shared_mutex rather than QReadWriteLock: ThreadSanitizer sees it (threadhandoff.h).
    mutable std::shared_mutex m_lock;
    Index m_table;
    Index m_overrides;
    QList<ModelPrice> m_tableList;       // file order, for display
    QList<ModelPrice> m_overrideList;
    QString m_pricesTaken;
    QString m_source;
};

} // namespace cachette::pricing
