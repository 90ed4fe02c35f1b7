#pragma once

#include <QSqlDatabase>
#include <QString>

class QSqlError;
class QSqlQuery;

namespace cachette::store {

// One named QSqlDatabase connection to the cache file, opened with the PRAGMAs every connection
// needs. Qt connections belong to the thread that opened them, so each thread that touches the
// database owns one of these; the name is unique per instance so threads and stores never share.
// Every QSqlQuery made on the connection must be gone before close() (or the destructor).
class Connection
{
public:
    Connection() = default;
    ~Connection() { close(); }
    Q_DISABLE_COPY_MOVE(Connection)

    // role only makes the connection name readable in Qt's warnings ("reader", "writer").
    bool open(const QString &path, const QString &role, QString *error);
    // For readers in other threads or processes (GUI views, the CLI): never creates, migrates
    // or locks the file; waits up to busyTimeoutMs for a writer's checkpoint.
    bool openReadOnly(const QString &path, const QString &role, int busyTimeoutMs,
                      QString *error);
    void close();
    bool isOpen() const { return !m_name.isEmpty(); }
    QSqlDatabase database() const { return QSqlDatabase::database(m_name, false); }
    QString name() const { return m_name; }

private:
    // Registers a uniquely named QSQLITE connection and opens it; closes again on failure.
    bool connect(const QString &path, const QString &role, const QString &options,
                 QString *error);

    QString m_name;
};

// Runs one statement (prepared or not) and, on failure, says which and why.
bool exec(QSqlQuery &query, QString *error);
bool exec(const QSqlDatabase &db, const QString &sql, QString *error);
bool prepare(QSqlQuery &query, const QString &sql, QString *error);
QString describe(const QSqlError &error);
void setError(QString *error, const QString &message);

} // namespace cachette::store
