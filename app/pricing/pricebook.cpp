#include "pricebook.h"

#include "modelname.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

#include <mutex>
#include <shared_mutex>

// Resources compiled into a static library are only linked in when something refers to them.
static void initPricingResource()
{
    Q_INIT_RESOURCE(pricing);
}

namespace cachette::pricing {

namespace {

bool readFile(const QString &path, QByteArray *bytes, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    *bytes = file.readAll();
    return true;
}

bool parseObject(const QByteArray &json, const QString &what, QJsonObject *object, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isObject()) {
        if (error)
            *error = QStringLiteral("%1 is not a JSON object: %2").arg(what, parseError.errorString());
        return false;
    }
    *object = doc.object();
    return true;
}

} // namespace

PriceBook::PriceBook()
{
    initPricingResource();
    QByteArray json;
    QString error;
    if (!readFile(builtInResource(), &json, &error) || !loadTable(json, &error))
        qWarning("cachette pricing: the built-in price table is unusable: %s", qPrintable(error));
}

QString PriceBook::builtInResource()
{
    return QStringLiteral(":/cachette/pricing/prices.json");
}

bool PriceBook::loadTable(const QByteArray &json, QString *error)
{
    QJsonObject document;
    if (!parseObject(json, QStringLiteral("the price table"), &document, error))
        return false;
    const QList<ModelPrice> prices = pricesFromJson(document);
    std::unique_lock lock(m_lock);
    m_tableList = prices;
    m_table = indexOf(prices);
    m_pricesTaken = document.value(QLatin1String("prices_taken")).toString();
    m_source = document.value(QLatin1String("source")).toString();
    return true;
}

QList<ModelPrice> PriceBook::table() const
{
    std::shared_lock lock(m_lock);
    return m_tableList;
}

QString PriceBook::pricesTaken() const
{
    std::shared_lock lock(m_lock);
    return m_pricesTaken;
}

QString PriceBook::source() const
{
    std::shared_lock lock(m_lock);
    return m_source;
}

void PriceBook::setOverrides(const QList<ModelPrice> &overrides)
{
    std::unique_lock lock(m_lock);
    m_overrideList = overrides;
    m_overrides = indexOf(overrides);
}

QList<ModelPrice> PriceBook::overrides() const
{
    std::shared_lock lock(m_lock);
    return m_overrideList;
}

bool PriceBook::loadOverrides(const QString &path, QString *error)
{
    if (!QFile::exists(path)) {
        setOverrides({});
        return true;
    }
    QByteArray json;
    QJsonObject document;
    if (!readFile(path, &json, error) || !parseObject(json, path, &document, error))
        return false;
    setOverrides(pricesFromJson(document));
    return true;
}

bool PriceBook::saveOverrides(const QString &path, QString *error) const
{
    // QSaveFile: a crash mid-write leaves the previous file, never half a JSON document.
    QSaveFile file(path);
    const QByteArray json = QJsonDocument(pricesToJson(overrides())).toJson(QJsonDocument::Indented);
    if (file.open(QIODevice::WriteOnly) && file.write(json) == json.size() && file.commit())
        return true;
    if (error)
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return false;
}

QString PriceBook::overridesPath(const QString &dataDir)
{
    return QDir(dataDir).absoluteFilePath(QStringLiteral("price-overrides.json"));
}

std::optional<ModelPrice> PriceBook::find(const QString &model) const
{
    if (model.trimmed().isEmpty())
        return std::nullopt;
    const QStringList names = priceLookupNames(model);
    std::shared_lock lock(m_lock);
    for (const QString &name : names) {
        if (const ModelPrice *price = lookup(m_overrides, name))
            return *price;
    }
    if (isFreeVariant(model))
        return ModelPrice { model.trimmed(), 0, 0, 0.0 };
    for (const QString &name : names) {
        if (const ModelPrice *price = lookup(m_table, name))
            return *price;
    }
    return std::nullopt;
}

PriceBook::Index PriceBook::indexOf(const QList<ModelPrice> &prices)
{
    Index index;
    for (const ModelPrice &price : prices)
        index.insert(price.model.trimmed().toLower(), price);   // a later duplicate wins
    return index;
}

const ModelPrice *PriceBook::lookup(const Index &index, const QString &name)
{
    const auto it = index.constFind(name.toLower());
    return it == index.constEnd() ? nullptr : &it.value();
}

} // namespace cachette::pricing
