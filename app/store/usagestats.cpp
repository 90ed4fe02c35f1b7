#include "usagestats.h"

#include "database.h"
#include "rows.h"

#include <QFileInfo>
#include <QMap>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace cachette::store {

namespace {

// The first schema version with the cost columns.
constexpr int kCostsVersion = 3;

constexpr qint64 kHourMs = 3'600'000;
// Beyond this many hours cut by bucket boundaries (short buckets off the hour), one scan of the
// lines is cheaper than a query per cut hour.
constexpr qint64 kMaxCutHours = 2000;

// Every aggregate query returns these columns per group of (bucket, model, outcome): from
// request_log_hourly for whole hours, from request_log for the hours only partly in a bucket.
// Grouping by outcome rather than computing CASE WHEN outcome = 'hit' per line keeps the
// per-line work to plain SUMs; fold() turns the groups into spent and saved.
enum SumColumn { SBucket, SModel, SOutcome, SCount, SPrompt, SCompletion, SCost, SSaved,
                 SSavedMs, SPriced, SEstimated };
const char kHourlySums[] =
    "model, outcome, SUM(requests), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd), "
    "SUM(saved_usd), SUM(saved_ms), SUM(priced), SUM(estimated) FROM request_log_hourly";
#define CACHETTE_LINE_SUMS(group)                                                          \
    group ", outcome, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), TOTAL(cost_usd), " \
          "TOTAL(saved_usd), SUM(saved_ms), SUM(price_known), SUM(usage_estimated) FROM request_log"
const char kLineSums[] = CACHETTE_LINE_SUMS("model");
// The same per route: the route stands where the model does (SModel).
const char kRouteLineSums[] = CACHETTE_LINE_SUMS("route");
#undef CACHETTE_LINE_SUMS

// Sums by (bucket start, model), in that order.
using Sums = QMap<std::pair<qint64, QString>, UsageTotals>;

// One SQL aggregate over a time range: whole hours [begin, end) of request_log_hourly (those
// that lie inside one bucket), or the lines [begin, end) ms of request_log.
struct RangeQuery
{
    bool hourly = false;
    qint64 begin = 0;
    qint64 end = 0;
};

// Where [fromMs, toMs) is read from, for buckets of bucketMs counted from fromMs (0: one
// bucket). An hour lies inside one bucket unless a bucket boundary falls strictly inside it:
// those hours, and the partial hours at the range's ends, are read from the lines; every
// other hour from the hourly sums. With buckets on whole hours from an hour, nothing is cut;
// daily buckets from a UTC+5:30 midnight cut one hour a day.
QList<RangeQuery> split(qint64 fromMs, qint64 toMs, qint64 bucketMs)
{
    const qint64 firstHour = fromMs / kHourMs + (fromMs % kHourMs != 0 ? 1 : 0);
    const qint64 endHour = toMs / kHourMs;
    const bool subHourBuckets = bucketMs > 0 && bucketMs < kHourMs;
    if (subHourBuckets || firstHour >= endHour)
        return {RangeQuery{false, fromMs, toMs}};
    QList<RangeQuery> parts{RangeQuery{true, firstHour, endHour}};
    if (fromMs < firstHour * kHourMs)
        parts.append(RangeQuery{false, fromMs, firstHour * kHourMs});
    if (endHour * kHourMs < toMs)
        parts.append(RangeQuery{false, endHour * kHourMs, toMs});
    if (bucketMs <= 0 || (bucketMs % kHourMs == 0 && fromMs % kHourMs == 0))
        return parts;   // every boundary on an hour: no hour is cut
    const qint64 firstCut = (firstHour * kHourMs - fromMs) / bucketMs + 1;
    for (qint64 boundary = fromMs + firstCut * bucketMs; boundary < endHour * kHourMs;
         boundary += bucketMs) {
        if (boundary % kHourMs == 0)
            continue;
        if (parts.size() > kMaxCutHours)
            return {RangeQuery{false, fromMs, toMs}};
        const qint64 hourStart = boundary / kHourMs * kHourMs;
        parts.append(RangeQuery{false, hourStart, hourStart + kHourMs});
    }
    return parts;
}

void addMoney(std::optional<double> &sum, double value)
{
    sum = sum.value_or(0.0) + value;
}

// Folds one (bucket, model, outcome) group into totals.
void fold(UsageTotals &t, const QSqlQuery &q)
{
    const qint64 count = q.value(SCount).toLongLong();
    const qint64 priced = q.value(SPriced).toLongLong();
    t.requests += count;
    if (isHit(parseOutcome(q.value(SOutcome).toString()).value_or(Outcome::Error))) {
        t.hits += count;
        t.tokensSaved += q.value(SPrompt).toLongLong() + q.value(SCompletion).toLongLong();
        t.savedMs += q.value(SSavedMs).toLongLong();
    } else {
        t.promptTokens += q.value(SPrompt).toLongLong();
        t.completionTokens += q.value(SCompletion).toLongLong();
    }
    if (priced > 0) {   // sums of lines without a figure are 0 and must stay "no price"
        addMoney(t.costUsd, q.value(SCost).toDouble());
        addMoney(t.savedUsd, q.value(SSaved).toDouble());
    }
    t.unpricedRequests += count - priced;
    t.estimatedRequests += q.value(SEstimated).toLongLong();
}

// next() returns false both at the end and on an error (a lock held past busy_timeout).
bool finish(QSqlQuery &query, QString *error)
{
    const QSqlError failure = query.lastError();
    query.finish();   // outside a transaction this ends the read: WAL checkpoints go on
    if (!failure.isValid())
        return true;
    setError(error, QStringLiteral("reading the request log failed: %1").arg(describe(failure)));
    return false;
}

// Runs one part and adds its groups to sums. bucketMs 0: one bucket (a report).
bool accumulate(const QSqlDatabase &db, const RangeQuery &part, qint64 fromMs, qint64 bucketMs,
                const QString &model, Sums &sums, QString *error)
{
    const QString time = part.hourly ? QStringLiteral("hour") : QStringLiteral("ts");
    const QString bucket = bucketMs <= 0 ? QStringLiteral("0")
                           : part.hourly ? QStringLiteral("(hour * 3600000 - ?) / ?")
                                         : QStringLiteral("(ts - ?) / ?");
    // The hours a bucket boundary cuts through are read from the lines instead (split()).
    const bool skipCutHours = part.hourly && bucketMs > 0;
    const QString sql =
        QStringLiteral("SELECT %1 AS bucket, %2 WHERE %3 >= ? AND %3 < ? %4 %5 "
                       "GROUP BY %6model, outcome")
            .arg(bucket, QLatin1String(part.hourly ? kHourlySums : kLineSums), time,
                 skipCutHours ? QStringLiteral("AND (hour * 3600000 - ?) % ? <= ? - 3600000")
                              : QString(),
                 model.isEmpty() ? QString() : QStringLiteral("AND model = ?"),
                 bucketMs <= 0 ? QString() : QStringLiteral("bucket, "));
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!prepare(query, sql, error))
        return false;
    if (bucketMs > 0) {
        query.addBindValue(fromMs);
        query.addBindValue(bucketMs);
    }
    query.addBindValue(part.begin);
    query.addBindValue(part.end);
    if (skipCutHours) {
        for (const qint64 value : { fromMs, bucketMs, bucketMs })
            query.addBindValue(value);
    }
    if (!model.isEmpty())
        query.addBindValue(model);
    if (!exec(query, error))
        return false;
    while (query.next()) {
        const qint64 start = fromMs + query.value(SBucket).toLongLong() * bucketMs;
        fold(sums[{ start, query.value(SModel).toString() }], query);
    }
    return finish(query, error);
}

// MAX(ts) from the ts index; nothing when the log is empty.
std::optional<qint64> lastTimestamp(const QSqlDatabase &db, bool *ok, QString *error)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    *ok = prepare(query, QStringLiteral("SELECT MAX(ts) FROM request_log"), error)
          && exec(query, error);
    if (!*ok || !query.next() || query.isNull(0))
        return std::nullopt;
    return query.value(0).toLongLong();
}

// Several reads, one snapshot: a read transaction around them, so a line committed between
// two of them is counted in neither or in both.
bool aggregate(const QString &connection, qint64 fromMs, qint64 toMs, qint64 bucketMs,
               const QString &model, Sums &sums, QString *error)
{
    if (connection.isEmpty()) {
        setError(error, QStringLiteral("the usage statistics are not open"));
        return false;
    }
    const QSqlDatabase db = QSqlDatabase::database(connection, false);
    fromMs = qMax<qint64>(0, fromMs);
    toMs = qMax(fromMs, toMs);
    if (!exec(db, QStringLiteral("BEGIN"), error))
        return false;
    bool ok = true;
    const std::optional<qint64> last = lastTimestamp(db, &ok, error);
    // A range open at the end (kOpenEnd) stops after the last line, so bucket boundaries
    // between here and the end of time are never walked.
    if (last && *last < toMs)
        toMs = qMax(fromMs, *last + 1);
    if (last) {
        for (const RangeQuery &part : split(fromMs, toMs, bucketMs))
            ok = ok && accumulate(db, part, fromMs, bucketMs, model, sums, error);
    }
    exec(db, QStringLiteral("COMMIT"), nullptr);
    return ok;
}

bool checkSchema(const QSqlDatabase &db, QString *error)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
        setError(error, QStringLiteral("cannot read %1: %2")
                            .arg(db.databaseName(), describe(query.lastError())));
        return false;
    }
    const int version = query.value(0).toInt();
    if (version < kCostsVersion) {
        setError(error, QStringLiteral("%1 was written by an older Cachette (schema version %2) "
                                       "and has no cost columns yet: start cachette once with "
                                       "this data directory to upgrade it")
                            .arg(db.databaseName()).arg(version));
        return false;
    }
    return true;
}

} // namespace

void UsageTotals::add(const UsageTotals &o)
{
    requests += o.requests;
    hits += o.hits;
    promptTokens += o.promptTokens;
    completionTokens += o.completionTokens;
    tokensSaved += o.tokensSaved;
    savedMs += o.savedMs;
    if (o.costUsd)
        addMoney(costUsd, *o.costUsd);
    if (o.savedUsd)
        addMoney(savedUsd, *o.savedUsd);
    unpricedRequests += o.unpricedRequests;
    estimatedRequests += o.estimatedRequests;
}

UsageStats::UsageStats() = default;

UsageStats::~UsageStats()
{
    close();
}

bool UsageStats::open(const QString &databasePath, QString *error)
{
    close();
    // Read-only: the CLI must never create, migrate or lock a running proxy's file.
    auto connection = std::make_unique<Connection>();
    if (!connection->openReadOnly(databasePath, QStringLiteral("stats"), 5000, error)
        || !checkSchema(connection->database(), error))
        return false;
    m_connection = std::move(connection);
    return true;
}

void UsageStats::close()
{
    m_connection.reset();
}

bool UsageStats::isOpen() const
{
    return m_connection && m_connection->isOpen();
}

QString UsageStats::connectionName() const
{
    return m_connection ? m_connection->name() : QString();
}

std::optional<UsageReport> UsageStats::report(qint64 fromMs, qint64 toMs, QString *error) const
{
    Sums sums;
    if (!aggregate(connectionName(), fromMs, toMs, 0, QString(), sums, error))
        return std::nullopt;
    UsageReport result;
    for (auto it = sums.cbegin(); it != sums.cend(); ++it) {
        result.models.append(ModelUsage { it.key().second, it.value() });
        result.totals.add(it.value());
    }
    return result;
}

std::optional<QList<RouteUsage>> UsageStats::reportByRoute(qint64 fromMs, qint64 toMs,
                                                           QString *error) const
{
    if (!isOpen()) {
        setError(error, QStringLiteral("the usage statistics are not open"));
        return std::nullopt;
    }
    QSqlQuery query(m_connection->database());
    query.setForwardOnly(true);
    const QString sql = QStringLiteral("SELECT 0, %1 WHERE ts >= ? AND ts < ? GROUP BY route, "
                                       "outcome ORDER BY route")
                            .arg(QLatin1String(kRouteLineSums));
    if (!prepare(query, sql, error))
        return std::nullopt;
    query.addBindValue(qMax<qint64>(0, fromMs));
    query.addBindValue(toMs);
    if (!exec(query, error))
        return std::nullopt;
    QMap<QString, UsageTotals> byRoute;
    while (query.next())
        fold(byRoute[query.value(SModel).toString()], query);
    if (!finish(query, error))
        return std::nullopt;
    QList<RouteUsage> rows;
    for (auto it = byRoute.cbegin(); it != byRoute.cend(); ++it)
        rows.append(RouteUsage{it.key(), it.value()});
    return rows;
}

QList<BucketRow> UsageStats::series(qint64 fromMs, qint64 toMs, qint64 bucketMs,
                                    const QString &modelFilter, QString *error) const
{
    QList<BucketRow> rows;
    Sums sums;
    if (bucketMs <= 0) {
        setError(error, QStringLiteral("the bucket size must be positive"));
        return rows;
    }
    if (!aggregate(connectionName(), fromMs, toMs, bucketMs, modelFilter, sums, error))
        return rows;
    for (auto it = sums.cbegin(); it != sums.cend(); ++it)
        rows.append(BucketRow { it.key().first, it.key().second, it.value() });
    return rows;
}

bool UsageStats::forEachRequest(qint64 fromMs, qint64 toMs,
                                const std::function<bool(const RequestLogRecord &)> &visit,
                                QString *error) const
{
    if (!isOpen()) {
        setError(error, QStringLiteral("the usage statistics are not open"));
        return false;
    }
    QSqlQuery query(m_connection->database());
    query.setForwardOnly(true);
    const QString sql = QStringLiteral("SELECT %1 FROM request_log WHERE ts >= ? AND ts < ? "
                                       "ORDER BY ts, id")
                            .arg(rows::logColumns());
    if (!prepare(query, sql, error))
        return false;
    query.addBindValue(fromMs);
    query.addBindValue(toMs);
    if (!exec(query, error))
        return false;
    while (query.next()) {
        if (!visit(rows::logRecordFromRow(query))) {
            query.finish();
            return true;
        }
    }
    return finish(query, error);
}

} // namespace cachette::store
