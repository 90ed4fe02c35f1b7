#include "schema.h"

#include "database.h"

#include <QSqlError>
#include <QSqlQuery>

#include <initializer_list>

namespace cachette::store::schema {

namespace {

bool execAll(const QSqlDatabase &db, std::initializer_list<const char *> statements,
             QString *error)
{
    for (const char *sql : statements) {
        if (!exec(db, QString::fromUtf8(sql), error))
            return false;
    }
    return true;
}

// Version 1: entries, request_log, meta.
// entries keeps the small columns first and the blobs last: SQLite reads a row's columns in
// order, so the size and LRU scans never have to walk a large response's overflow pages.
// The LRU index is on the very expression the eviction query orders by, so SQLite can use it.
bool createVersion1(const QSqlDatabase &db, QString *error)
{
    return execAll(db, {
        R"(CREATE TABLE meta (
               key TEXT PRIMARY KEY,
               value BLOB))",
        R"(CREATE TABLE entries (
               id INTEGER PRIMARY KEY,
               key TEXT NOT NULL UNIQUE,
               namespace TEXT NOT NULL DEFAULT '',
               endpoint TEXT NOT NULL DEFAULT '',
               model TEXT NOT NULL DEFAULT '',
               status INTEGER NOT NULL DEFAULT 200,
               prompt_tokens INTEGER NOT NULL DEFAULT 0,
               completion_tokens INTEGER NOT NULL DEFAULT 0,
               cached_tokens INTEGER NOT NULL DEFAULT 0,
               usage_known INTEGER NOT NULL DEFAULT 0,
               cost_usd REAL,
               upstream_latency_ms INTEGER NOT NULL DEFAULT 0,
               created_at INTEGER NOT NULL DEFAULT 0,
               last_hit_at INTEGER NOT NULL DEFAULT 0,
               hit_count INTEGER NOT NULL DEFAULT 0,
               expires_at INTEGER NOT NULL DEFAULT 0,
               size_bytes INTEGER NOT NULL DEFAULT 0,
               pinned INTEGER NOT NULL DEFAULT 0,
               prompt_text TEXT,
               canonical_request BLOB,
               response_body BLOB,
               stream_events BLOB))",
        "CREATE INDEX entries_last_used ON entries (max(created_at, last_hit_at))",
        "CREATE INDEX entries_model ON entries (model)",
        "CREATE INDEX entries_created_at ON entries (created_at)",
        "CREATE INDEX entries_expires_at ON entries (expires_at) WHERE expires_at > 0",
        R"(CREATE TABLE request_log (
               id INTEGER PRIMARY KEY,
               ts INTEGER NOT NULL,
               endpoint TEXT NOT NULL DEFAULT '',
               model TEXT NOT NULL DEFAULT '',
               outcome TEXT NOT NULL DEFAULT '',
               prompt_tokens INTEGER NOT NULL DEFAULT 0,
               completion_tokens INTEGER NOT NULL DEFAULT 0,
               cached_tokens INTEGER NOT NULL DEFAULT 0,
               usage_known INTEGER NOT NULL DEFAULT 0,
               latency_us INTEGER NOT NULL DEFAULT 0,
               upstream_latency_us INTEGER NOT NULL DEFAULT 0,
               status INTEGER NOT NULL DEFAULT 0,
               entry_key TEXT,
               namespace TEXT NOT NULL DEFAULT '',
               streamed INTEGER NOT NULL DEFAULT 0))",
        "CREATE INDEX request_log_ts ON request_log (ts)",
    }, error);
}

struct Migration
{
    int version;               // user_version once this step has run
    const char *summary;       // for error messages
    bool (*apply)(const QSqlDatabase &db, QString *error);
};

// Append new steps at the end (version = previous + 1); never edit a step that has shipped.
constexpr Migration kMigrations[] = {
    { 1, "entries, request_log and meta tables", createVersion1 },
    { 2, "full-text search over prompts and answers", createVersion2Search },
    { 3, "cost and savings columns in the request log", createVersion3Costs },
    { 4, "embeddings for the semantic cache", createVersion4Embeddings },
    { 5, "the prompt of a semantic hit in the request log", createVersion5AskedPrompt },
    { 6, "the provider route of entries and requests", createVersion6Routes },
};

constexpr bool isConsecutive()
{
    int expected = 1;
    for (const Migration &step : kMigrations) {
        if (step.version != expected++)
            return false;
    }
    return true;
}
static_assert(isConsecutive(), "migration versions must run 1, 2, 3... in order");

bool setUserVersion(const QSqlDatabase &db, int version, QString *error)
{
    // PRAGMA takes no bound parameters; version is an int from kMigrations, never user input.
    return exec(db, QStringLiteral("PRAGMA user_version = %1").arg(version), error);
}

// One step inside BEGIN IMMEDIATE: the write lock is taken up front, so the version re-read
// below cannot go stale before the commit.
bool runStep(const QSqlDatabase &db, const Migration &step, QString *error)
{
    if (!exec(db, QStringLiteral("BEGIN IMMEDIATE"), error))
        return false;
    const int version = userVersion(db, error);
    bool ok = version >= 0;
    if (ok && version < step.version)   // else another process got here first
        ok = step.apply(db, error) && setUserVersion(db, step.version, error);
    if (ok && exec(db, QStringLiteral("COMMIT"), error))
        return true;
    exec(db, QStringLiteral("ROLLBACK"), nullptr);
    return false;
}

} // namespace

int currentVersion()
{
    return std::end(kMigrations)[-1].version;
}

int userVersion(const QSqlDatabase &db, QString *error)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
        setError(error, QStringLiteral("cannot read the schema version of %1: %2")
                            .arg(db.databaseName(), describe(query.lastError())));
        return -1;
    }
    return query.value(0).toInt();
}

bool migrate(const QSqlDatabase &db, QString *error, int targetVersion)
{
    const int version = userVersion(db, error);
    if (version < 0)
        return false;
    if (version > currentVersion()) {
        setError(error, QStringLiteral("%1 has schema version %2, but this Cachette only knows "
                                       "versions up to %3: it was written by a newer Cachette. "
                                       "Upgrade Cachette or use another data directory.")
                            .arg(db.databaseName()).arg(version).arg(currentVersion()));
        return false;
    }
    for (const Migration &step : kMigrations) {
        if (step.version <= version || step.version > targetVersion)
            continue;
        QString stepError;
        if (!runStep(db, step, &stepError)) {
            setError(error, QStringLiteral("migrating %1 to schema version %2 (%3) failed: %4")
                                .arg(db.databaseName()).arg(step.version)
                                .arg(QLatin1String(step.summary), stepError));
            return false;
        }
    }
    return true;
}

} // namespace cachette::store::schema
