#pragma once

#include "store/cacheentry.h"
#include "store/database.h"

#include <QList>
#include <QString>

namespace cachette::store {
class EntryCatalog;
}

namespace cachette::ui {

class EngineHost;

// The request log's semantic rows, read through a read-only connection of its own on the GUI
// thread, like RequestLogReader.
class SemanticLog
{
public:
    static constexpr int kWhatIfRows = 500;

    SemanticLog() = default;
    ~SemanticLog();
    Q_DISABLE_COPY_MOVE(SemanticLog)

    // Opens (or reopens, when the data dir moved) host's database; false before it exists.
    bool openFor(const EngineHost *host);

    // The last limit rows on which a semantic lookup ran (a similarity recorded), newest first.
    QList<store::RequestLogRecord> withSimilarity(int limit = kWhatIfRows) const;
    // The last limit semantic hits, newest first.
    QList<store::RequestLogRecord> semanticHits(int limit) const;

private:
    QList<store::RequestLogRecord> select(const QString &where, int limit) const;
    void close();

    store::Connection m_connection;
    QString m_path;
};

// Opens catalog on host's database unless it already is; false before the file exists.
bool openCatalogFor(store::EntryCatalog &catalog, const EngineHost *host);

} // namespace cachette::ui
