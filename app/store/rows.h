#pragma once

#include "cacheentry.h"

#include <QString>

class QSqlQuery;

namespace cachette::store::rows {

// The one place that maps CacheEntry and RequestLogRecord to columns, shared by the reader
// (Store) and the writer (StoreWriter) so they cannot drift apart.

// "id, key, ..." in the order entryFromRow() reads them.
QString entryColumns();
CacheEntry entryFromRow(const QSqlQuery &query);
// The upsert of one entry by key, with :named placeholders; bindEntry() fills them.
QString upsertEntrySql();
void bindEntry(QSqlQuery &query, const CacheEntry &entry);

QString logColumns();
RequestLogRecord logRecordFromRow(const QSqlQuery &query);
QString insertLogSql();
void bindLogRecord(QSqlQuery &query, const RequestLogRecord &record);

// Keys are hex, stored as TEXT (not BLOB) so that plain SQL like key = 'ab12…' matches.
inline QString keyText(const QByteArray &key) { return QString::fromLatin1(key); }

} // namespace cachette::store::rows
