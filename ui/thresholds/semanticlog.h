#pragma once

#include "store/requestlog.h"

#include <QList>
#include <QString>

namespace cachette::store {
class EntryCatalog;
}

namespace cachette::ui {

class EngineHost;

// The request log's semantic lines, for the Thresholds page: a store::RequestLog that follows
// the host's data directory (reopened when it moved).
class SemanticLog
{
public:
    static constexpr int kWhatIfRows = 500;

    // Opens (or reopens, when the data dir moved) host's database; false before it exists.
    bool openFor(const EngineHost *host);

    // The last limit lines on which a semantic lookup ran (a similarity recorded), newest first.
    QList<store::RequestLogRecord> withSimilarity(int limit = kWhatIfRows) const
    {
        return m_log.withSimilarity(limit);
    }
    // The last limit semantic hits, newest first.
    QList<store::RequestLogRecord> semanticHits(int limit) const
    {
        return m_log.semanticHits(limit);
    }

private:
    store::RequestLog m_log;
};

// Opens catalog on host's database unless it already is; false before the file exists.
bool openCatalogFor(store::EntryCatalog &catalog, const EngineHost *host);

} // namespace cachette::ui
