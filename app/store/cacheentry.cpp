#include "cacheentry.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace cachette::store {

bool removeBookkeeping(QJsonObject *body)
{
    bool removed = false;
    for (auto it = body->begin(); it != body->end();) {
        if (it.key().startsWith(QLatin1String("x-cachette-"))) {
            it = body->erase(it);
            removed = true;
        } else {
            ++it;
        }
    }
    return removed;
}

QByteArray CacheEntry::clientRequest() const
{
    const QJsonDocument document = QJsonDocument::fromJson(canonicalRequest);
    if (!document.isObject())
        return canonicalRequest;
    QJsonObject body = document.object();
    return removeBookkeeping(&body) ? QJsonDocument(body).toJson(QJsonDocument::Compact)
                                    : canonicalRequest;
}

} // namespace cachette::store
