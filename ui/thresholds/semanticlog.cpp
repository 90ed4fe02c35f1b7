#include "semanticlog.h"

#include "host/enginehost.h"
#include "store/entrycatalog.h"
#include "store/rows.h"

#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace cachette::ui {

SemanticLog::~SemanticLog()
{
    close();
}

bool SemanticLog::openFor(const EngineHost *host)
{
    const QString path = host->databasePath();
    if (m_connection.isOpen() && m_path == path)
        return true;
    close();
    // Read-only never creates the file: the engine does on its first start.
    if (!m_connection.openReadOnly(path, QStringLiteral("semanticlog"), 2000, nullptr))
        return false;
    m_path = path;
    return true;
}

void SemanticLog::close()
{
    m_connection.close();
    m_path.clear();
}

QList<store::RequestLogRecord> SemanticLog::withSimilarity(int limit) const
{
    return select(QStringLiteral("similarity IS NOT NULL AND similarity >= 0"), limit);
}

QList<store::RequestLogRecord> SemanticLog::semanticHits(int limit) const
{
    return select(QStringLiteral("outcome = 'semantic-hit'"), limit);
}

QList<store::RequestLogRecord> SemanticLog::select(const QString &where, int limit) const
{
    QList<store::RequestLogRecord> records;
    if (!m_connection.isOpen())
        return records;
    QSqlQuery query(m_connection.database());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT %1 FROM request_log WHERE %2 ORDER BY ts DESC, id DESC "
                                 "LIMIT ?").arg(store::rows::logColumns(), where));
    query.addBindValue(limit);
    if (!query.exec()) {
        qWarning("cachette thresholds: %s", qPrintable(query.lastError().text()));
        return records;
    }
    while (query.next())
        records.append(store::rows::logRecordFromRow(query));
    return records;
}

bool openCatalogFor(store::EntryCatalog &catalog, const EngineHost *host)
{
    const QString path = host->databasePath();
    if (catalog.isOpen() && catalog.databasePath() == path)
        return true;
    return QFileInfo::exists(path) && catalog.open(path);
}

} // namespace cachette::ui
