#include "requestlogreader.h"

#include "store/rows.h"

#include <QAtomicInteger>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace cachette::ui {

namespace {

QString uniqueConnectionName()
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("cachette.ui.requestlog.%1").arg(++counter);
}

} // namespace

RequestLogReader::~RequestLogReader()
{
    close();
}

bool RequestLogReader::open(const QString &databasePath, QString *error)
{
    close();
    // Read-only never creates the file: before the engine's first start there is nothing to read.
    if (!QFileInfo::exists(databasePath)) {
        if (error)
            *error = QStringLiteral("%1 does not exist yet").arg(databasePath);
        return false;
    }
    const QString name = uniqueConnectionName();
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(databasePath);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"));
        ok = db.open();
        if (!ok && error)
            *error = db.lastError().text();
    }
    if (!ok) {
        QSqlDatabase::removeDatabase(name);
        return false;
    }
    m_name = name;
    m_path = databasePath;
    return true;
}

void RequestLogReader::close()
{
    if (m_name.isEmpty())
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        db.close();
    }   // the last handle must be gone before removeDatabase, or Qt warns "still in use"
    QSqlDatabase::removeDatabase(m_name);
    m_name.clear();
    m_path.clear();
}

QList<store::RequestLogRecord> RequestLogReader::recent(int limit) const
{
    QList<store::RequestLogRecord> records;
    if (!isOpen() || limit <= 0)
        return records;
    QSqlQuery query(QSqlDatabase::database(m_name, false));
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
    QSqlQuery query(QSqlDatabase::database(m_name, false));
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
