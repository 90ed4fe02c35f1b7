#include "cacheentry.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace cachette::store {

QByteArray CacheEntry::clientRequest() const
{
    const QJsonDocument document = QJsonDocument::fromJson(canonicalRequest);
    if (!document.isObject())
        return canonicalRequest;
    QJsonObject body = document.object();
    bool changed = false;
    for (const QString &name : body.keys()) {
        if (name.startsWith(QLatin1String("x-cachette-"))) {
            body.remove(name);
            changed = true;
        }
    }
    return changed ? QJsonDocument(body).toJson(QJsonDocument::Compact) : canonicalRequest;
}

} // namespace cachette::store
