#include "requestlog.h"

#include "database.h"
#include "rows.h"

#include <QSqlQuery>

namespace cachette::store {

namespace {

// "'hit', 'semantic-hit'": outcome names are fixed ASCII words, safe to inline in SQL.
QString sqlList(std::initializer_list<Outcome> outcomes)
{
    QStringList names;
    for (Outcome outcome : outcomes)
        names.append(QLatin1Char('\'') + outcomeName(outcome) + QLatin1Char('\''));
    return names.join(QLatin1String(", "));
}

} // namespace

RequestLog::RequestLog() = default;

RequestLog::~RequestLog()
{
    close();
}

bool RequestLog::open(const QString &databasePath, QString *error)
{
    close();
    auto connection = std::make_unique<Connection>();
    if (!connection->openReadOnly(databasePath, QStringLiteral("requestlog"), 2000, error))
        return false;
    m_connection = std::move(connection);
    m_path = databasePath;
    return true;
}

void RequestLog::close()
{
    m_connection.reset();
    m_path.clear();
}

bool RequestLog::isOpen() const
{
    return m_connection && m_connection->isOpen();
}

QList<RequestLogRecord> RequestLog::recent(int limit) const
{
    return select(QStringLiteral("1"), limit);
}

QList<RequestLogRecord> RequestLog::withSimilarity(int limit) const
{
    return select(QStringLiteral("similarity IS NOT NULL AND similarity >= 0"), limit);
}

QList<RequestLogRecord> RequestLog::semanticHits(int limit) const
{
    return select(QStringLiteral("outcome = ") + sqlList({Outcome::SemanticHit}), limit);
}

qint64 RequestLog::countHitsSince(qint64 sinceMs) const
{
    if (!isOpen())
        return 0;
    QSqlQuery query(m_connection->database());
    query.setForwardOnly(true);
    QString error;
    if (!prepare(query, QStringLiteral("SELECT COUNT(*) FROM request_log WHERE outcome IN (%1) "
                                       "AND ts >= ?")
                            .arg(sqlList({Outcome::Hit, Outcome::SemanticHit})),
                 &error)) {
        qWarning("cachette request log: %s", qPrintable(error));
        return 0;
    }
    query.addBindValue(sinceMs);
    if (!exec(query, &error) || !query.next()) {
        qWarning("cachette request log: %s", qPrintable(error));
        return 0;
    }
    return query.value(0).toLongLong();
}

QList<RequestLogRecord> RequestLog::select(const QString &where, int limit) const
{
    QList<RequestLogRecord> records;
    if (!isOpen() || limit <= 0)
        return records;
    QSqlQuery query(m_connection->database());
    query.setForwardOnly(true);
    QString error;
    if (!prepare(query, QStringLiteral("SELECT %1 FROM request_log WHERE %2 "
                                       "ORDER BY ts DESC, id DESC LIMIT ?")
                            .arg(rows::logColumns(), where),
                 &error)) {
        qWarning("cachette request log: %s", qPrintable(error));
        return records;
    }
    query.addBindValue(limit);
    if (!exec(query, &error)) {
        qWarning("cachette request log: %s", qPrintable(error));
        return records;
    }
    while (query.next())
        records.append(rows::logRecordFromRow(query));
    return records;
}

} // namespace cachette::store
