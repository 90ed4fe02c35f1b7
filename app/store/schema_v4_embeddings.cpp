#include "schema.h"

#include "database.h"

namespace cachette::store::schema {

// Version 4: embeddings for the semantic cache (store::EmbeddingStore reads and writes them).
// One row per entry and embedder: switching embedder keeps the old vectors until the new ones
// are built, and switching back finds them still there. vector is dim float32 little-endian;
// prompt is the text that was embedded (the guards compare it, a re-embed starts from it);
// context_hash is 16 hex digits of the request's context (semantic/promptcontext.h).
// The trigger keeps the table in step with entries whichever way an entry goes (delete,
// eviction, expiry purge, another process): no writer has to remember it. Entry puts are
// upserts, which fire no delete trigger, so a refreshed answer keeps its (still valid) vector.
bool createVersion4Embeddings(const QSqlDatabase &db, QString *error)
{
    const char *statements[] = {
        R"(CREATE TABLE embeddings (
               id INTEGER PRIMARY KEY,
               entry_key TEXT NOT NULL,
               embedder_id TEXT NOT NULL,
               context_hash TEXT NOT NULL,
               dim INTEGER NOT NULL,
               created_at INTEGER NOT NULL DEFAULT 0,
               prompt TEXT NOT NULL DEFAULT '',
               vector BLOB NOT NULL))",
        "CREATE UNIQUE INDEX embeddings_entry ON embeddings (entry_key, embedder_id)",
        "CREATE INDEX embeddings_embedder ON embeddings (embedder_id)",
        R"(CREATE TRIGGER entries_delete_embeddings AFTER DELETE ON entries BEGIN
               DELETE FROM embeddings WHERE entry_key = old.key;
           END)",
        // What the semantic lookup saw, per request: for the tuner's what-if replay and for
        // telling a wrong semantic hit from a right one later.
        "ALTER TABLE request_log ADD COLUMN similarity REAL",
        "ALTER TABLE request_log ADD COLUMN semantic_guard TEXT NOT NULL DEFAULT ''",
    };
    for (const char *sql : statements) {
        if (!exec(db, QString::fromUtf8(sql), error))
            return false;
    }
    return true;
}

} // namespace cachette::store::schema
