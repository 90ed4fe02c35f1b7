#include "database.h"
#include "schema.h"

namespace cachette::store::schema {

namespace {

// The searchable text of an answer, as one SQL expression over the row `row` (new, old or
// entries). It walks the stored JSON and keeps the strings a person would search for: message
// content and text blocks (OpenAI chat and completions, Anthropic messages), refusals,
// thinking, tool names and tool call arguments (a string in OpenAI, an object in Anthropic's
// tool_use input). Embedding vectors and ids stay out, so numbers do not flood the index.
// Bodies that are not JSON index nothing: json_tree would fail and abort the write.
// The expression must give the same text for the same row every time: the contentless FTS
// table deletes by re-supplying exactly what was indexed.
QString answerText(const QString &row)
{
    return QStringLiteral(
        "(SELECT coalesce(group_concat(t.value, ' '), '') FROM json_tree("
        "CASE WHEN json_valid(CAST(%1.response_body AS TEXT)) "
        "THEN CAST(%1.response_body AS TEXT) ELSE '{}' END) AS t "
        "WHERE (t.type = 'text' AND t.key IN ('content', 'text', 'refusal', 'thinking', "
        "'name', 'arguments')) OR (t.type = 'object' AND t.key = 'input'))")
        .arg(row);
}

QString promptText(const QString &row)
{
    return QStringLiteral("coalesce(%1.prompt_text, '')").arg(row);
}

QString insertRow(const QString &row)
{
    return QStringLiteral("INSERT INTO entries_fts (rowid, prompt, answer) VALUES (%1.id, %2, %3);")
        .arg(row, promptText(row), answerText(row));
}

QString deleteRow(const QString &row)
{
    return QStringLiteral("INSERT INTO entries_fts (entries_fts, rowid, prompt, answer) "
                          "VALUES ('delete', %1.id, %2, %3);")
        .arg(row, promptText(row), answerText(row));
}

} // namespace

// Version 2: full-text search (FTS5) over prompts and answers, and the indexes the cache
// browser sorts by.
//
// entries_fts is contentless (content=''): the text already lives in entries, so the index
// holds only tokens, and rowid = entries.id. Triggers keep it in step with every write path
// (the writer's upsert, deletes, eviction, other processes, the sqlite3 shell). An upsert that
// replaces an entry runs as an UPDATE, hence the update trigger; it fires only when the
// text columns are assigned, so hits and pins do not touch the index.
//
// Every browser column has an index whose order SQLite can walk for ORDER BY … LIMIT (rowid
// is each index's implicit last column, which also serves the id tie-breaker), so the first
// page of a million entries never needs a sort. Each is a single expression, so keyset paging
// ("after this row": expr >= ? AND (expr, id) > (?, ?)) can seek in it; the expires index
// orders "never" (0) last, and the prompt index never holds NULL (a NULL would end a keyset).
bool createVersion2Search(const QSqlDatabase &db, QString *error)
{
    const QString statements[] = {
        QStringLiteral("CREATE VIRTUAL TABLE entries_fts USING fts5(prompt, answer, "
                       "content = '', tokenize = 'unicode61 remove_diacritics 2')"),
        QStringLiteral("CREATE TRIGGER entries_fts_insert AFTER INSERT ON entries BEGIN %1 END")
            .arg(insertRow(QStringLiteral("new"))),
        QStringLiteral("CREATE TRIGGER entries_fts_delete AFTER DELETE ON entries BEGIN %1 END")
            .arg(deleteRow(QStringLiteral("old"))),
        QStringLiteral("CREATE TRIGGER entries_fts_update AFTER UPDATE OF prompt_text, "
                       "response_body ON entries BEGIN %1 %2 END")
            .arg(deleteRow(QStringLiteral("old")), insertRow(QStringLiteral("new"))),
        QStringLiteral("INSERT INTO entries_fts (rowid, prompt, answer) SELECT id, %1, %2 "
                       "FROM entries")
            .arg(promptText(QStringLiteral("entries")), answerText(QStringLiteral("entries"))),
        QStringLiteral("CREATE INDEX entries_hit_count ON entries (hit_count)"),
        QStringLiteral("CREATE INDEX entries_last_hit_at ON entries (last_hit_at)"),
        QStringLiteral("CREATE INDEX entries_expires_sort ON entries "
                       "((CASE WHEN expires_at = 0 THEN 9223372036854775807 ELSE expires_at END))"),
        QStringLiteral("CREATE INDEX entries_size_bytes ON entries (size_bytes)"),
        QStringLiteral("CREATE INDEX entries_tokens ON entries "
                       "(prompt_tokens + completion_tokens)"),
        QStringLiteral("CREATE INDEX entries_prompt_sort ON entries "
                       "(substr(coalesce(prompt_text, ''), 1, 40) COLLATE NOCASE)"),
        // On an expression, not on the column: an index on pinned would lure the eviction
        // query (WHERE pinned = 0 ORDER BY last use) away from the LRU index into a sort.
        QStringLiteral("CREATE INDEX entries_pinned_sort ON entries ((pinned != 0))"),
    };
    for (const QString &sql : statements) {
        if (!exec(db, sql, error))
            return false;
    }
    return true;
}

} // namespace cachette::store::schema
