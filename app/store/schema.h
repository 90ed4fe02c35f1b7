#pragma once

#include <QSqlDatabase>
#include <QString>

namespace cachette::store::schema {

// The schema version this build writes (PRAGMA user_version). 0 is an empty file.
int currentVersion();

// PRAGMA user_version, or -1 (and error set) when it cannot be read.
int userVersion(const QSqlDatabase &db, QString *error = nullptr);

// Brings the database up to targetVersion, one migration step per transaction, so a crash
// mid-way leaves the file at the last completed version. Fails without touching anything when
// the file is already newer than this build knows (written by a newer Cachette). Safe against
// another process migrating the same file at the same time: each step re-checks the version
// under the write lock. targetVersion below currentVersion() is for tests (building old files).
bool migrate(const QSqlDatabase &db, QString *error, int targetVersion = currentVersion());

// Migration steps after version 1, each in a file of its own (schema_v2_search.cpp, …).
bool createVersion2Search(const QSqlDatabase &db, QString *error);
bool createVersion3Costs(const QSqlDatabase &db, QString *error);
bool createVersion4Embeddings(const QSqlDatabase &db, QString *error);
bool createVersion5AskedPrompt(const QSqlDatabase &db, QString *error);
bool createVersion6Routes(const QSqlDatabase &db, QString *error);

} // namespace cachette::store::schema
