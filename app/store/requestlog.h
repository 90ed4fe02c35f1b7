#pragma once

#include "store/cacheentry.h"

#include <QList>
#include <QString>

#include <memory>

namespace cachette::store {

class Connection;

// Reads the request log over a read-only connection of its own, like EntryCatalog and
// UsageStats: for the GUI thread, the CLI and tests, while the engine's writer commits (WAL
// readers never block it; busy_timeout rides out a checkpoint). One instance per thread.
// Every list is newest first.
class RequestLog
{
public:
    RequestLog();
    ~RequestLog();
    Q_DISABLE_COPY_MOVE(RequestLog)

    // False (with *error) when the file does not exist yet (read-only never creates it) or
    // cannot be opened.
    bool open(const QString &databasePath, QString *error = nullptr);
    void close();
    bool isOpen() const;
    QString databasePath() const { return m_path; }

    QList<RequestLogRecord> recent(int limit) const;
    // The last limit lines on which a semantic lookup ran (a similarity recorded).
    QList<RequestLogRecord> withSimilarity(int limit) const;
    QList<RequestLogRecord> semanticHits(int limit) const;
    qint64 countHitsSince(qint64 sinceMs) const;   // exact and semantic hits at or after it

private:
    QList<RequestLogRecord> select(const QString &where, int limit) const;

    std::unique_ptr<Connection> m_connection;
    QString m_path;
};

} // namespace cachette::store
