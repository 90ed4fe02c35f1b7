#include "schema.h"

namespace cachette::store::schema {

// Version 2: full-text search (FTS5) over prompts and answers, for the cache browser.
// Not written yet: an empty step keeps the version numbers in order meanwhile.
bool createVersion2Search(const QSqlDatabase &db, QString *error)
{
    Q_UNUSED(db);
    Q_UNUSED(error);
    return true;
}

} // namespace cachette::store::schema
