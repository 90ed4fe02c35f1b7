#pragma once

#include "store/cacheentry.h"
#include "store/database.h"

#include <QList>
#include <QString>

namespace cachette::ui {

// Reads the request log through a read-only SQLite connection of its own, on the GUI thread.
// The engine's Store may only be used on the engine thread; WAL mode lets this reader run
// while the engine's writer commits.
class RequestLogReader
{
public:
    RequestLogReader() = default;
    ~RequestLogReader();
    Q_DISABLE_COPY_MOVE(RequestLogReader)

    // False (with *error) when the file does not exist yet or cannot be opened.
    bool open(const QString &databasePath, QString *error = nullptr);
    void close();
    bool isOpen() const { return m_connection.isOpen(); }
    QString path() const { return m_path; }

    QList<store::RequestLogRecord> recent(int limit) const;   // newest first
    qint64 countHitsSince(qint64 sinceMs) const;   // exact and semantic hits

private:
    store::Connection m_connection;
    QString m_path;
};

} // namespace cachette::ui
