#pragma once

#include "store/cacheentry.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QtCore/qnamespace.h>

#include <memory>
#include <optional>

class QIODevice;
class QSqlQuery;

namespace cachette::store {

class Connection;

// Which entries the cache browser shows. Empty fields do not filter.
struct EntryFilter
{
    QString search;     // words to find in prompts and answers (all of them; the last as a prefix)
    QString model;      // exact model name
    std::optional<QString> route;   // a provider route ("" the default /v1); none: every route
    qint64 fromMs = 0;  // created_at >= fromMs (ms since the epoch), 0 = no lower bound
    qint64 toMs = 0;    // created_at < toMs, 0 = no upper bound

    bool operator==(const EntryFilter &) const = default;
};

// The browser's columns, each sortable by an index of schema version 2.
enum class SortColumn { Created, Model, Prompt, Tokens, Hits, LastHit, Expires, Size, Pinned };

// One row of the browser: the small columns only, never the request or answer blobs.
struct EntrySummary
{
    qint64 id = 0;
    QByteArray key;
    qint64 createdAt = 0;
    QString model;
    QString endpoint;
    QString promptPreview;   // the first kPreviewLength characters of the prompt text
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 hitCount = 0;
    qint64 lastHitAt = 0;
    qint64 expiresAt = 0;    // 0 = never
    qint64 sizeBytes = 0;
    bool pinned = false;
    QVariant sortValue;      // the row's ORDER BY value: where a keyset page after it starts
};

// A read-only view of the cache database for the GUI, on a connection of its own (so it may
// live on the GUI thread while the engine writes on its own: WAL lets both run). Nothing here
// writes; changes go through the engine so its in-memory view of the cache stays right.
//
// Every list is paged in SQL (ORDER BY … LIMIT) over indexes, so a million entries cost what a
// hundred do: count() walks one index, a page reads only its own rows. page() goes by offset
// (from whichever end is nearer when the total is given); pageAfter()/pageBefore() continue
// from a row already seen (keyset), which is what scrolling does and costs nothing however far
// down the list it is.
class EntryCatalog
{
public:
    static constexpr int kPreviewLength = 200;

    EntryCatalog();
    ~EntryCatalog();
    Q_DISABLE_COPY_MOVE(EntryCatalog)

    // Opens an existing cache file (it never creates one: the engine does) with
    // PRAGMA query_only. Fails with a sentence saying why.
    bool open(const QString &databasePath, QString *error = nullptr);
    void close();
    bool isOpen() const;
    QString databasePath() const { return m_path; }
    // The last failure of a read, for the GUI to show; cleared by the next successful one.
    QString lastError() const { return m_error; }
    // False on a file older than schema version 2: search then falls back to LIKE on prompts.
    bool hasFullTextSearch() const { return m_hasFts; }

    qint64 count(const EntryFilter &filter) const;
    // Rows offset … offset+limit-1 in this order. total (the count for this filter, if known)
    // lets a page near the end be read backwards from the end instead of skipping to it.
    QList<EntrySummary> page(const EntryFilter &filter, SortColumn sort, Qt::SortOrder order,
                             qint64 offset, int limit, qint64 total = -1) const;
    // The limit rows right after (before) a row returned by an earlier page with the same
    // filter and order, in display order; skip rows first leaves out that many next to the
    // row (a jump near a page already read costs the skipped rows, not the whole offset).
    QList<EntrySummary> pageAfter(const EntryFilter &filter, SortColumn sort,
                                  Qt::SortOrder order, const EntrySummary &last, int limit,
                                  qint64 skip = 0) const;
    QList<EntrySummary> pageBefore(const EntryFilter &filter, SortColumn sort,
                                   Qt::SortOrder order, const EntrySummary &first, int limit,
                                   qint64 skip = 0) const;
    // The row an entry is at in this order, or -1 when it is absent or filtered out.
    qint64 rowOf(const EntryFilter &filter, SortColumn sort, Qt::SortOrder order,
                 const QByteArray &key) const;
    // Keys only, for acting on a range of rows (a large selection).
    QList<QByteArray> keysAt(const EntryFilter &filter, SortColumn sort, Qt::SortOrder order,
                             qint64 offset, qint64 limit) const;

    std::optional<CacheEntry> entry(const QByteArray &key) const;
    QStringList models() const;   // distinct, sorted
    QStringList routes() const;   // distinct, sorted; "" is the default /v1
    qint64 oldestCreatedAt() const;   // 0 when empty
    QList<QByteArray> keysMatching(const EntryFilter &filter) const;

    // One JSON object per line and per key (skipping keys no longer stored): key, namespace,
    // model, endpoint, created (ISO 8601 UTC), status, request and response (parsed JSON),
    // usage (null when unknown), hits, pinned.
    bool exportJsonl(const QList<QByteArray> &keys, QIODevice *device,
                     QString *error = nullptr) const;

    // The FTS5 MATCH expression for what a person typed: each word quoted (so punctuation and
    // operators like AND, -, * or " are plain text), all required, the last one a prefix.
    // Empty when nothing searchable is left.
    static QString ftsQuery(const QString &search);

private:
    struct Where;
    struct Ordering;
    enum class Plan { FilterFirst, WalkOrder };
    struct Counted   // the last count(), for choosing how to read that filter's pages
    {
        EntryFilter filter;
        qint64 matching = -1;
        qint64 total = 0;
    };

    Where where(const EntryFilter &filter, Plan plan, SortColumn sort) const;
    Plan planFor(const EntryFilter &filter, qint64 rowsNeeded) const;
    qint64 tableSize() const;
    QList<EntrySummary> select(const Where &where, const Ordering &ordering, qint64 offset,
                               qint64 limit) const;
    QList<EntrySummary> pageFrom(const EntryFilter &filter, SortColumn sort, Qt::SortOrder order,
                                 const EntrySummary &anchor, bool after, int limit,
                                 qint64 skip) const;
    QSqlQuery newQuery() const;
    bool run(QSqlQuery &query, const QString &sql, const QVariantList &binds) const;
    QStringList distinctValues(const char *column) const;
    void fail(const QString &message) const;

    QString m_path;
    std::unique_ptr<Connection> m_connection;
    bool m_hasFts = false;
    mutable Counted m_counted;
    mutable QString m_error;
};

} // namespace cachette::store
