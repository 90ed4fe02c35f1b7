#include "schema.h"

namespace cachette::store::schema {

// Version 4: embeddings stored with their entry and embedder id, for the semantic cache.
// Not written yet: an empty step keeps the version numbers in order meanwhile.
bool createVersion4Embeddings(const QSqlDatabase &db, QString *error)
{
    Q_UNUSED(db);
    Q_UNUSED(error);
    return true;
}

} // namespace cachette::store::schema
