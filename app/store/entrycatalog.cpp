#include "entrycatalog.h"

#include "database.h"
#include "rows.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlQuery>

#include <algorithm>

namespace cachette::store {

namespace {

// The ORDER BY expression of each column: exactly the expressions the indexes of schema
// version 2 are built on (schema_v2_search.cpp), or SQLite would sort instead of walking them.
QString sortExpression(SortColumn column)
{
    switch (column) {
    case SortColumn::Created: return QStringLiteral("created_at");
    case SortColumn::Model: return QStringLiteral("model");
    case SortColumn::Prompt:
        return QStringLiteral("substr(coalesce(prompt_text, ''), 1, 40) COLLATE NOCASE");
    case SortColumn::Tokens: return QStringLiteral("(prompt_tokens + completion_tokens)");
    case SortColumn::Hits: return QStringLiteral("hit_count");
    case SortColumn::LastHit: return QStringLiteral("last_hit_at");
    case SortColumn::Expires:
        return QStringLiteral(
            "(CASE WHEN expires_at = 0 THEN 9223372036854775807 ELSE expires_at END)");
    case SortColumn::Size: return QStringLiteral("size_bytes");
    case SortColumn::Pinned: return QStringLiteral("(pinned != 0)");
    }
    return QStringLiteral("created_at");
}

QString summaryColumns(const QString &sortExpr)
{
    return QStringLiteral("id, key, created_at, model, endpoint, substr(prompt_text, 1, %1), "
                          "prompt_tokens, completion_tokens, hit_count, last_hit_at, "
                          "expires_at, size_bytes, pinned, %2")
        .arg(EntryCatalog::kPreviewLength).arg(sortExpr);
}

EntrySummary summaryFromRow(const QSqlQuery &q)
{
    EntrySummary s;
    s.id = q.value(0).toLongLong();
    s.key = q.value(1).toString().toLatin1();
    s.createdAt = q.value(2).toLongLong();
    s.model = q.value(3).toString();
    s.endpoint = q.value(4).toString();
    s.promptPreview = q.value(5).toString();
    s.promptTokens = q.value(6).toLongLong();
    s.completionTokens = q.value(7).toLongLong();
    s.hitCount = q.value(8).toLongLong();
    s.lastHitAt = q.value(9).toLongLong();
    s.expiresAt = q.value(10).toLongLong();
    s.sizeBytes = q.value(11).toLongLong();
    s.pinned = q.value(12).toBool();
    s.sortValue = q.value(13);
    return s;
}

// A LIKE pattern matching text anywhere, with the user's % and _ taken literally.
QString likeAnywhere(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('%'), QLatin1String("\\%"))
        .replace(QLatin1Char('_'), QLatin1String("\\_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

} // namespace

// A WHERE clause and the values for its ? placeholders, in order.
struct EntryCatalog::Where
{
    QStringList conditions;
    QVariantList binds;

    QString sql() const
    {
        return conditions.isEmpty() ? QString()
                                    : QStringLiteral(" WHERE ") + conditions.join(u" AND ");
    }
};

struct EntryCatalog::Ordering
{
    QString expression;
    bool ascending = true;

    Ordering flipped() const { return { expression, !ascending }; }
    // id breaks ties in the same direction, so the order is total (keyset paging needs that)
    // and every index, which ends in the rowid, still serves it.
    QString orderBy() const
    {
        const QLatin1String dir = ascending ? QLatin1String("ASC") : QLatin1String("DESC");
        return QStringLiteral("%1 %2, id %2").arg(expression, dir);
    }
    // Rows strictly after (value, id) in this order. The plain comparison on the expression
    // alone is redundant, but it is what lets SQLite seek in the index instead of scanning.
    void after(Where *where, const QVariant &value, qint64 id) const
    {
        const QLatin1String op = ascending ? QLatin1String(">") : QLatin1String("<");
        where->conditions.append(QStringLiteral("%1 %2= ? AND (%1, id) %2 (?, ?)")
                                     .arg(expression, op));
        where->binds << value << value << id;
    }
};

EntryCatalog::EntryCatalog() = default;

EntryCatalog::~EntryCatalog()
{
    close();
}

bool EntryCatalog::open(const QString &databasePath, QString *error)
{
    close();
    m_path = databasePath;
    if (!QFileInfo(databasePath).isFile()) {
        setError(error, QStringLiteral("There is no cache database at %1 yet.").arg(databasePath));
        return false;
    }
    m_connection = std::make_unique<Connection>();
    QString problem;
    bool ok = m_connection->open(databasePath, QStringLiteral("catalog"), &problem)
              && exec(m_connection->database(), QStringLiteral("PRAGMA query_only = 1"), &problem);
    if (ok) {
        QSqlQuery query = newQuery();
        ok = run(query, QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name IN ('entries', 'entries_fts')"), {});
        QStringList tables;
        while (ok && query.next())
            tables.append(query.value(0).toString());
        m_hasFts = tables.contains(QLatin1String("entries_fts"));
        if (ok && !tables.contains(QLatin1String("entries"))) {
            ok = false;
            m_error = QStringLiteral("%1 is not a Cachette cache database").arg(databasePath);
        }
        problem = m_error;
    }
    if (!ok) {
        // The statement that failed ("[PRAGMA journal_mode = WAL]") means nothing to a reader.
        static const QRegularExpression statement(QStringLiteral("\\s*\\[[^\\]]*\\]$"));
        problem.remove(statement);
        if (!problem.contains(databasePath))
            problem = QStringLiteral("cannot read %1: %2").arg(databasePath, problem);
        setError(error, problem.left(1).toUpper() + problem.mid(1) + QLatin1Char('.'));
        m_connection.reset();
    }
    return ok;
}

void EntryCatalog::close()
{
    m_connection.reset();
    m_hasFts = false;
    m_counted = {};
}

bool EntryCatalog::isOpen() const
{
    return m_connection && m_connection->isOpen();
}

QString EntryCatalog::ftsQuery(const QString &search)
{
    static const QRegularExpression space(QStringLiteral("\\s+"));
    QStringList quoted;
    bool lastKept = false;
    for (const QString &word : search.split(space, Qt::SkipEmptyParts)) {
        // A word with no letter or digit holds no token: as a phrase it would match nothing.
        lastKept = std::any_of(word.begin(), word.end(), [](QChar c) { return c.isLetterOrNumber(); });
        if (lastKept)
            quoted.append(QLatin1Char('"') + QString(word).replace(u'"', QLatin1String("\"\""))
                          + QLatin1Char('"'));
    }
    // While the last word is still being typed it matches as a prefix ("pyth" finds python).
    if (lastKept && !search.back().isSpace())
        quoted.last().append(QLatin1Char('*'));
    return quoted.join(QLatin1Char(' '));
}

// Two ways to run a filtered page, and SQLite (which has no statistics here) cannot tell
// which is cheaper:
//  - FilterFirst: find every matching row (model index, date range, full-text index), then
//    sort them. Cost grows with the number of matches: right for a rare word or model.
//  - WalkOrder: walk the index of the sort column and test each row against the filter, until
//    the page is full. Cost grows with the rows skipped: right when most rows match. The
//    filter's own indexes are hidden from the planner with unary + (and the search becomes a
//    per-row EXISTS probe), except on the sort column itself, whose range is the walk.
// With a million rows the wrong choice costs seconds (sorting 150,000 matches, or probing
// 100,000 rows for a word in 1,000), the right one milliseconds.
EntryCatalog::Where EntryCatalog::where(const EntryFilter &filter, Plan plan,
                                        SortColumn sort) const
{
    const bool walk = plan == Plan::WalkOrder;
    const auto column = [&](const char *name, bool isSortColumn) -> QString {
        return (walk && !isSortColumn ? QStringLiteral("+") : QString()) + QLatin1String(name);
    };
    Where w;
    if (!filter.model.isEmpty()) {
        w.conditions.append(column("model", sort == SortColumn::Model) + u" = ?");
        w.binds.append(filter.model);
    }
    if (filter.route) {
        w.conditions.append(column("route", false) + u" = ?");
        w.binds.append(*filter.route);
    }
    if (filter.fromMs > 0) {
        w.conditions.append(column("created_at", sort == SortColumn::Created) + u" >= ?");
        w.binds.append(filter.fromMs);
    }
    if (filter.toMs > 0) {
        w.conditions.append(column("created_at", sort == SortColumn::Created) + u" < ?");
        w.binds.append(filter.toMs);
    }
    if (m_hasFts) {
        const QString match = ftsQuery(filter.search);
        if (!match.isEmpty()) {
            w.conditions.append(walk ? QStringLiteral("EXISTS (SELECT 1 FROM entries_fts WHERE "
                                                      "entries_fts MATCH ? AND rowid = entries.id)")
                                     : QStringLiteral("id IN (SELECT rowid FROM entries_fts "
                                                      "WHERE entries_fts MATCH ?)"));
            w.binds.append(match);
        }
    } else {
        // A file from before schema version 2 has no full-text index: slow, but still right.
        for (const QString &word : filter.search.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
            w.conditions.append(QStringLiteral("prompt_text LIKE ? ESCAPE '\\'"));
            w.binds.append(likeAnywhere(word));
        }
    }
    return w;
}

// Walking the order reads about rowsNeeded × total / matching rows; filtering first reads the
// matching rows once. A full-text probe per row costs far more than reading a row from the
// doclist (about 150 times, measured), a model or date test about the same.
EntryCatalog::Plan EntryCatalog::planFor(const EntryFilter &filter, qint64 rowsNeeded) const
{
    if (filter == EntryFilter {} || !(m_counted.filter == filter) || m_counted.matching <= 0)
        return Plan::FilterFirst;
    const double total = double(qMax(m_counted.total, m_counted.matching));
    const double matching = double(m_counted.matching);
    const double probeCost = ftsQuery(filter.search).isEmpty() || !m_hasFts ? 2.0 : 150.0;
    return double(rowsNeeded) * total / matching * probeCost < matching ? Plan::WalkOrder
                                                                        : Plan::FilterFirst;
}

QSqlQuery EntryCatalog::newQuery() const
{
    QSqlQuery query(isOpen() ? m_connection->database() : QSqlDatabase());
    query.setForwardOnly(true);   // else QSQLITE keeps every row it has read
    return query;
}

bool EntryCatalog::run(QSqlQuery &query, const QString &sql, const QVariantList &binds) const
{
    if (!isOpen()) {
        m_error = QStringLiteral("The cache database is not open.");
        return false;
    }
    QString problem;
    if (!prepare(query, sql, &problem)) {
        fail(problem);
        return false;
    }
    for (int i = 0; i < binds.size(); ++i)
        query.bindValue(i, binds.at(i));
    if (!exec(query, &problem)) {
        fail(problem);
        return false;
    }
    m_error.clear();
    return true;
}

void EntryCatalog::fail(const QString &message) const
{
    m_error = QStringLiteral("Reading the cache database failed: %1").arg(message);
    qWarning("cachette catalog: %s", qPrintable(message));
}

qint64 EntryCatalog::count(const EntryFilter &filter) const
{
    // A search alone is counted in the full-text index, without visiting a million rows.
    const QString match = m_hasFts ? ftsQuery(filter.search) : QString();
    EntryFilter rest = filter;
    rest.search.clear();
    const bool searchOnly = !match.isEmpty() && rest == EntryFilter {};
    const Where w = where(filter, Plan::FilterFirst, SortColumn::Created);
    QSqlQuery query = newQuery();
    const bool ok = searchOnly
        ? run(query, QStringLiteral("SELECT count(*) FROM entries_fts WHERE entries_fts MATCH ?"), { match })
        : run(query, QStringLiteral("SELECT count(*) FROM entries") + w.sql(), w.binds);
    if (!ok || !query.next())
        return 0;
    const qint64 matching = query.value(0).toLongLong();
    query.finish();
    // Kept to choose how to read this filter's pages (planFor), with the table's size. The
    // unfiltered count (the browser's "of N entries") must not push it out.
    if (!(filter == EntryFilter {}))
        m_counted = { filter, matching, tableSize() };
    return matching;
}

// About how many entries there are, in one index seek: ids only grow, so max(id) is close
// enough for choosing a plan (deletes only make it an overestimate).
qint64 EntryCatalog::tableSize() const
{
    QSqlQuery query = newQuery();
    if (!run(query, QStringLiteral("SELECT coalesce(max(id), 0) FROM entries"), {}) || !query.next())
        return 0;
    return query.value(0).toLongLong();
}

QList<EntrySummary> EntryCatalog::select(const Where &w, const Ordering &ordering, qint64 offset,
                                         qint64 limit) const
{
    QList<EntrySummary> rows;
    if (limit <= 0)
        return rows;
    QSqlQuery query = newQuery();
    const QString sql = QStringLiteral("SELECT %1 FROM entries%2 ORDER BY %3 LIMIT ? OFFSET ?")
                            .arg(summaryColumns(ordering.expression), w.sql(), ordering.orderBy());
    if (!run(query, sql, w.binds + QVariantList { limit, qMax<qint64>(0, offset) }))
        return rows;
    rows.reserve(int(qMin<qint64>(limit, 4096)));
    while (query.next())
        rows.append(summaryFromRow(query));
    return rows;
}

QList<EntrySummary> EntryCatalog::page(const EntryFilter &filter, SortColumn sort,
                                       Qt::SortOrder order, qint64 offset, int limit,
                                       qint64 total) const
{
    const Ordering ordering { sortExpression(sort), order == Qt::AscendingOrder };
    // OFFSET steps through every skipped index entry: from the far end of a million rows
    // that is tens of milliseconds, so past the middle read the reversed order instead.
    if (total >= 0 && offset > total / 2) {
        const qint64 end = qMin<qint64>(offset + limit, total);
        const Where w = where(filter, planFor(filter, total - offset), sort);
        QList<EntrySummary> rows = select(w, ordering.flipped(), total - end, end - offset);
        std::reverse(rows.begin(), rows.end());
        return rows;
    }
    return select(where(filter, planFor(filter, offset + limit), sort), ordering, offset, limit);
}

QList<EntrySummary> EntryCatalog::pageFrom(const EntryFilter &filter, SortColumn sort,
                                           Qt::SortOrder order, const EntrySummary &anchor,
                                           bool after, int limit, qint64 skip) const
{
    Ordering ordering { sortExpression(sort), order == Qt::AscendingOrder };
    if (!after)
        ordering = ordering.flipped();   // walk backwards from the anchor, then turn around
    Where w = where(filter, planFor(filter, skip + limit), sort);
    ordering.after(&w, anchor.sortValue, anchor.id);
    QList<EntrySummary> rows = select(w, ordering, skip, limit);
    if (!after)
        std::reverse(rows.begin(), rows.end());
    return rows;
}

QList<EntrySummary> EntryCatalog::pageAfter(const EntryFilter &filter, SortColumn sort,
                                            Qt::SortOrder order, const EntrySummary &last,
                                            int limit, qint64 skip) const
{
    return pageFrom(filter, sort, order, last, true, limit, skip);
}

QList<EntrySummary> EntryCatalog::pageBefore(const EntryFilter &filter, SortColumn sort,
                                             Qt::SortOrder order, const EntrySummary &first,
                                             int limit, qint64 skip) const
{
    return pageFrom(filter, sort, order, first, false, limit, skip);
}

qint64 EntryCatalog::rowOf(const EntryFilter &filter, SortColumn sort, Qt::SortOrder order,
                           const QByteArray &key) const
{
    const Ordering ordering { sortExpression(sort), order == Qt::AscendingOrder };
    Where w = where(filter, Plan::FilterFirst, sort);
    w.conditions.prepend(QStringLiteral("key = ?"));
    w.binds.prepend(rows::keyText(key));
    QSqlQuery query = newQuery();
    if (!run(query, QStringLiteral("SELECT %1, id FROM entries").arg(ordering.expression)
                        + w.sql(), w.binds)
        || !query.next())
        return -1;
    const QVariant value = query.value(0);
    const qint64 id = query.value(1).toLongLong();
    query.finish();
    // Its row number is how many rows come before it: those after it in the reversed order.
    Where before = where(filter, Plan::FilterFirst, sort);
    ordering.flipped().after(&before, value, id);
    if (!run(query, QStringLiteral("SELECT count(*) FROM entries") + before.sql(), before.binds)
        || !query.next())
        return -1;
    return query.value(0).toLongLong();
}

QList<QByteArray> EntryCatalog::keysAt(const EntryFilter &filter, SortColumn sort,
                                       Qt::SortOrder order, qint64 offset, qint64 limit) const
{
    QList<QByteArray> keys;
    const Ordering ordering { sortExpression(sort), order == Qt::AscendingOrder };
    const Where w = where(filter, planFor(filter, offset + limit), sort);
    QSqlQuery query = newQuery();
    if (!run(query, QStringLiteral("SELECT key FROM entries%1 ORDER BY %2 LIMIT ? OFFSET ?")
                        .arg(w.sql(), ordering.orderBy()),
             w.binds + QVariantList { limit, offset }))
        return keys;
    while (query.next())
        keys.append(query.value(0).toString().toLatin1());
    return keys;
}

std::optional<CacheEntry> EntryCatalog::entry(const QByteArray &key) const
{
    QSqlQuery query = newQuery();
    if (!run(query, QStringLiteral("SELECT %1 FROM entries WHERE key = ?").arg(rows::entryColumns()),
             { rows::keyText(key) })
        || !query.next())
        return std::nullopt;
    return rows::entryFromRow(query);
}

// DISTINCT would read the whole index; this hops from one value to the next, a seek per
// distinct value. column is "model" or "route", each with an index of its own.
QStringList EntryCatalog::distinctValues(const char *column) const
{
    QStringList values;
    QSqlQuery query = newQuery();
    if (!run(query, QStringLiteral(
                        "WITH RECURSIVE m(v) AS (SELECT min(%1) FROM entries UNION ALL "
                        "SELECT (SELECT min(%1) FROM entries WHERE %1 > m.v) FROM m "
                        "WHERE m.v IS NOT NULL) SELECT v FROM m WHERE v IS NOT NULL")
                        .arg(QLatin1String(column)),
             {}))
        return values;
    while (query.next())
        values.append(query.value(0).toString());
    return values;
}

QStringList EntryCatalog::models() const
{
    return distinctValues("model");
}

QStringList EntryCatalog::routes() const
{
    return distinctValues("route");
}

qint64 EntryCatalog::oldestCreatedAt() const
{
    QSqlQuery query = newQuery();
    if (!run(query, QStringLiteral("SELECT coalesce(min(created_at), 0) FROM entries"), {})
        || !query.next())
        return 0;
    return query.value(0).toLongLong();
}

QList<QByteArray> EntryCatalog::keysMatching(const EntryFilter &filter) const
{
    QList<QByteArray> keys;
    const Where w = where(filter, Plan::FilterFirst, SortColumn::Created);
    QSqlQuery query = newQuery();
    if (!run(query, QStringLiteral("SELECT key FROM entries") + w.sql() + u" ORDER BY id",
             w.binds))
        return keys;
    while (query.next())
        keys.append(query.value(0).toString().toLatin1());
    return keys;
}

} // namespace cachette::store
