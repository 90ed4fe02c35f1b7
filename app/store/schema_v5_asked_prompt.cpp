#include "schema.h"

#include "database.h"

namespace cachette::store::schema {

// Version 5: the prompt a semantic hit was asked with, so the Thresholds page can show it
// beside the cached prompt whose answer it got. Only semantic hits fill it: other lines name
// their entry, whose prompt the entries table already holds.
bool createVersion5AskedPrompt(const QSqlDatabase &db, QString *error)
{
    return exec(db, QStringLiteral("ALTER TABLE request_log ADD COLUMN asked_prompt TEXT NOT NULL "
                                   "DEFAULT ''"),
                error);
}

} // namespace cachette::store::schema
