// EntryCatalog's export: chosen entries as JSON Lines, one object per entry with the request
// and the answer as JSON (text where they are not), and no internal bookkeeping (the client's
// request, not the canonical one with the proxy's keyed fields).
#include "entrycatalog.h"

#include "database.h"
#include "rows.h"

#include <QDateTime>
#include <QIODevice>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QSqlQuery>

namespace cachette::store {

namespace {

QJsonValue parsedOrText(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return json.isEmpty() ? QJsonValue() : QJsonValue(QString::fromUtf8(json));
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

QJsonObject exportObject(const CacheEntry &e)
{
    QJsonObject usage { { QStringLiteral("prompt_tokens"), e.usage.promptTokens },
                        { QStringLiteral("completion_tokens"), e.usage.completionTokens },
                        { QStringLiteral("cached_tokens"), e.usage.cachedPromptTokens } };
    return {
        { QStringLiteral("key"), QString::fromLatin1(e.key) },
        { QStringLiteral("namespace"), e.cacheNamespace },
        { QStringLiteral("model"), e.model },
        { QStringLiteral("endpoint"), e.endpoint },
        { QStringLiteral("route"), e.route },
        { QStringLiteral("created"),
          QDateTime::fromMSecsSinceEpoch(e.createdAt, Qt::UTC).toString(Qt::ISODateWithMs) },
        { QStringLiteral("status"), e.status },
        { QStringLiteral("request"), parsedOrText(e.clientRequest()) },
        { QStringLiteral("response"), parsedOrText(e.responseBody) },
        { QStringLiteral("usage"), e.usage.known ? QJsonValue(usage) : QJsonValue() },
        { QStringLiteral("hits"), e.hitCount },
        { QStringLiteral("pinned"), e.pinned },
    };
}

} // namespace

bool EntryCatalog::exportJsonl(const QList<QByteArray> &keys, QIODevice *device,
                               QString *error) const
{
    if (!device || !device->isWritable()) {
        setError(error, QStringLiteral("the export file is not open for writing"));
        return false;
    }
    QSqlQuery query = newQuery();
    const QString sql = QStringLiteral("SELECT %1 FROM entries WHERE key = ?").arg(rows::entryColumns());
    for (const QByteArray &key : keys) {
        if (!run(query, sql, { rows::keyText(key) })) {
            setError(error, m_error);
            return false;
        }
        if (!query.next())
            continue;   // removed since it was listed
        const CacheEntry entry = rows::entryFromRow(query);
        query.finish();
        const QByteArray line =
            QJsonDocument(exportObject(entry)).toJson(QJsonDocument::Compact) + '\n';
        if (device->write(line) != line.size()) {
            setError(error, QStringLiteral("writing the export failed: %1").arg(device->errorString()));
            return false;
        }
    }
    return true;
}

} // namespace cachette::store
