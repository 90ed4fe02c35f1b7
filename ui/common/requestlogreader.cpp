#include "requestlogreader.h"

#include "store/rows.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace cachette::ui {

RequestLogReader::~RequestLogReader()
{
    close();
}

bool RequestLogReader::open(const QString &databasePath, QString *error)
{
    close();
    // Read-only never creates the file: before the engine's first start there is nothing to read.
    if (!m_connection.openReadOnly(databasePath, QStringLiteral("requestlog"), 2000, error))
        return false;
    m_path = databasePath;
    return true;
}

void RequestLogReader::close()
{
    m_connection.close();
    m_path.clear();
}

QList<store::RequestLogRecord> RequestLogReader::recent(int limit) const
{
    QList<store::RequestLogRecord> records;
    if (!isOpen() || limit <= 0)
        return records;
    QSqlQuery query(m_connection.database());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT %1 FROM request_log ORDER BY ts DESC, id DESC LIMIT ?")
                      .arg(store::rows::logColumns()));
    query.addBindValue(limit);
    if (!query.exec()) {
        qWarning("cachette requests: %s", qPrintable(query.lastError().text()));
        return records;
    }
    while (query.next())
        records.append(store::rows::logRecordFromRow(query));
    return records;
}

qint64 RequestLogReader::countHitsSince(qint64 sinceMs) const
{
    if (!isOpen())
        return 0;
    QSqlQuery query(m_connection.database());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM request_log "
                                 "WHERE outcome IN ('hit', 'semantic-hit') AND ts >= ?"));
    query.addBindValue(sinceMs);
    if (!query.exec() || !query.next()) {
        qWarning("cachette requests: %s", qPrintable(query.lastError().text()));
        return 0;
    }
    return query.value(0).toLongLong();
}

} // namespace cachette::ui
