#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

// Small JSON helpers shared by the stream recorder, assemblers and synthesizer.
namespace cachette::cache::json {

inline QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// The object in data, or an empty object when data is not a JSON object ("[DONE]", garbage).
inline QJsonObject parseObject(const QByteArray &data)
{
    return QJsonDocument::fromJson(data).object();
}

// Copies key from source into target when present and meaningful (not null, not "", not 0).
// Stream chunks repeat id/model/created, and some providers blank them in later chunks.
inline void takeOnce(QJsonObject &target, const QJsonObject &source, QLatin1String key)
{
    if (target.contains(key))
        return;
    const QJsonValue value = source.value(key);
    const bool empty = value.isUndefined() || value.isNull()
                       || (value.isString() && value.toString().isEmpty())
                       || (value.isDouble() && value.toDouble() == 0);
    if (!empty)
        target.insert(key, value);
}

} // namespace cachette::cache::json
