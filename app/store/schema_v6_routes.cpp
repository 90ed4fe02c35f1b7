#include "schema.h"

#include "database.h"

namespace cachette::store::schema {

// Version 6: the provider route an entry was fetched through and a request came in on ("" is
// the default /v1), so the browser filters by it and the stats split by it. Existing rows were
// all on the default route, which the empty default says.
bool createVersion6Routes(const QSqlDatabase &db, QString *error)
{
    return exec(db, QStringLiteral("ALTER TABLE entries ADD COLUMN route TEXT NOT NULL DEFAULT ''"),
                error)
           && exec(db, QStringLiteral("ALTER TABLE request_log ADD COLUMN route TEXT NOT NULL "
                                      "DEFAULT ''"),
                   error)
           // the browser's list of routes hops along it (EntryCatalog::routes())
           && exec(db, QStringLiteral("CREATE INDEX entries_route ON entries (route)"), error);
}

} // namespace cachette::store::schema
