#include "schema.h"

namespace cachette::store::schema {

// Version 3: cost and savings columns in the request log, for the dashboard and `cachette stats`.
// Not written yet: an empty step keeps the version numbers in order meanwhile.
bool createVersion3Costs(const QSqlDatabase &db, QString *error)
{
    Q_UNUSED(db);
    Q_UNUSED(error);
    return true;
}

} // namespace cachette::store::schema
