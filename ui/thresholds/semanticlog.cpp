#include "semanticlog.h"

#include "host/enginehost.h"
#include "store/entrycatalog.h"

#include <QFileInfo>

namespace cachette::ui {

bool SemanticLog::openFor(const EngineHost *host)
{
    const QString path = host->databasePath();
    if (m_log.isOpen() && m_log.databasePath() == path)
        return true;
    // Read-only never creates the file: the engine does on its first start.
    return m_log.open(path);
}

bool openCatalogFor(store::EntryCatalog &catalog, const EngineHost *host)
{
    const QString path = host->databasePath();
    if (catalog.isOpen() && catalog.databasePath() == path)
        return true;
    return QFileInfo::exists(path) && catalog.open(path);
}

} // namespace cachette::ui
