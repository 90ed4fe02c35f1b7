#include "semanticlog.h"

#include "engine/enginehost.h"
#include "store/entrycatalog.h"
#include "store/rows.h"

#include <QAtomicInteger>
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
    if (!m_name.isEmpty() && m_path == path)
        return true;
    close();
    if (!QFileInfo::exists(path))
        return false;   // read-only never creates it: the engine does on its first start
    static QAtomicInteger<quint64> counter;
    const QString name = QStringLiteral("cachette.ui.semanticlog.%1").arg(++counter);
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"));
        ok = db.open();
    }
    if (!ok) {
        QSqlDatabase::removeDatabase(name);
        return false;
    }
    m_name = name;
    m_path = path;
    return true;
}

void SemanticLog::close()
{
    if (m_name.isEmpty())
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        db.close();
    }   // no handle may remain when the connection is removed
    QSqlDatabase::removeDatabase(m_name);
    m_name.clear();
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
    if (m_name.isEmpty())
        return records;
    QSqlQuery query(QSqlDatabase::database(m_name, false));
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
