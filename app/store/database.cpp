#include "database.h"

#include <QFileInfo>

#include <QAtomicInteger>
#include <QSqlError>
#include <QSqlQuery>

namespace cachette::store {

namespace {

QString uniqueConnectionName(const QString &role)
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("cachette.store.%1.%2").arg(role).arg(++counter);
}

// busy_timeout goes first so that even switching to WAL waits for another process instead of
// failing at once. WAL lets readers (the UI, a second process) run while the writer commits;
// synchronous=NORMAL is durable enough in WAL mode (a power cut may lose the last commits,
// never corrupt the file), which is fine for a cache.
bool applyPragmas(const QSqlDatabase &db, QString *error)
{
    for (const char *pragma : { "PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL",
                                "PRAGMA foreign_keys = ON" }) {
        if (!exec(db, QString::fromLatin1(pragma), error))
            return false;
    }
    QSqlQuery query(db);
    if (!prepare(query, QStringLiteral("PRAGMA journal_mode = WAL"), error) || !exec(query, error))
        return false;
    const QString mode = query.next() ? query.value(0).toString() : QString();
    if (mode.compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        setError(error, QStringLiteral("could not switch %1 to WAL mode (journal_mode is '%2')")
                            .arg(db.databaseName(), mode));
        return false;
    }
    return true;
}

} // namespace

bool Connection::open(const QString &path, const QString &role, QString *error)
{
    if (!connect(path, role, QString(), error))
        return false;
    if (applyPragmas(database(), error))
        return true;
    close();
    return false;
}

bool Connection::openReadOnly(const QString &path, const QString &role, int busyTimeoutMs,
                              QString *error)
{
    if (!QFileInfo::exists(path)) {
        close();
        setError(error, QStringLiteral("%1 does not exist").arg(path));
        return false;
    }
    return connect(path, role,
                   QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=%1")
                       .arg(busyTimeoutMs),
                   error);
}

bool Connection::connect(const QString &path, const QString &role, const QString &options,
                         QString *error)
{
    close();
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE"))) {
        setError(error, QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed"));
        return false;
    }
    m_name = uniqueConnectionName(role);
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.setConnectOptions(options);
        ok = db.open();
        if (!ok)
            setError(error,
                     QStringLiteral("cannot open %1: %2").arg(path, describe(db.lastError())));
    }
    if (!ok)
        close();
    return ok;
}

void Connection::close()
{
    if (m_name.isEmpty())
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        db.close();
    }   // the last handle must be gone before removeDatabase, or Qt warns "still in use"
    QSqlDatabase::removeDatabase(m_name);
    m_name.clear();
}

bool exec(QSqlQuery &query, QString *error)
{
    if (query.exec())
        return true;
    setError(error, QStringLiteral("%1 [%2]").arg(describe(query.lastError()), query.lastQuery()));
    return false;
}

bool exec(const QSqlDatabase &db, const QString &sql, QString *error)
{
    QSqlQuery query(db);
    if (query.exec(sql))
        return true;
    setError(error, QStringLiteral("%1 [%2]").arg(describe(query.lastError()), sql));
    return false;
}

bool prepare(QSqlQuery &query, const QString &sql, QString *error)
{
    if (query.prepare(sql))
        return true;
    setError(error, QStringLiteral("%1 [%2]").arg(describe(query.lastError()), sql));
    return false;
}

QString describe(const QSqlError &error)
{
    // SQLite's own words ("database is locked") say the most; Qt's ("Unable to fetch row") less.
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.driverText().trimmed();
    return text.isEmpty() ? QStringLiteral("unknown SQLite error") : text;
}

void setError(QString *error, const QString &message)
{
    if (error)
        *error = message;
}

} // namespace cachette::store
