#include "schema.h"

#include "database.h"

#include <QStringList>

namespace cachette::store::schema {

namespace {

// The sums request_log_hourly keeps per (model, outcome, hour). Money is summed with NULL as 0:
// `priced` says how many lines had a figure, which is what "no price" is decided on.
const char kHourlyColumns[] =
    "requests, prompt_tokens, completion_tokens, cost_usd, saved_usd, saved_ms, priced, estimated";

// Adds (sign "+") or takes away (sign "-") one request_log line, NEW or OLD in a trigger.
QString applyLine(const QString &row, const QString &sign)
{
    const QString key =
        QStringLiteral("model = %1.model AND outcome = %1.outcome AND hour = %1.ts / 3600000").arg(row);
    if (sign == QLatin1String("-")) {
        return QStringLiteral(
                   "UPDATE request_log_hourly SET requests = requests - 1, "
                   "prompt_tokens = prompt_tokens - %1.prompt_tokens, "
                   "completion_tokens = completion_tokens - %1.completion_tokens, "
                   "cost_usd = cost_usd - COALESCE(%1.cost_usd, 0), "
                   "saved_usd = saved_usd - COALESCE(%1.saved_usd, 0), "
                   "saved_ms = saved_ms - %1.saved_ms, priced = priced - %1.price_known, "
                   "estimated = estimated - %1.usage_estimated WHERE %2; "
                   "DELETE FROM request_log_hourly WHERE %2 AND requests <= 0;")
            .arg(row, key);
    }
    return QStringLiteral(
               "INSERT INTO request_log_hourly (model, outcome, hour, %2) VALUES (%1.model, "
               "%1.outcome, %1.ts / 3600000, 1, %1.prompt_tokens, %1.completion_tokens, "
               "COALESCE(%1.cost_usd, 0), COALESCE(%1.saved_usd, 0), %1.saved_ms, "
               "%1.price_known, %1.usage_estimated) "
               "ON CONFLICT (model, outcome, hour) DO UPDATE SET requests = requests + 1, "
               "prompt_tokens = prompt_tokens + excluded.prompt_tokens, "
               "completion_tokens = completion_tokens + excluded.completion_tokens, "
               "cost_usd = cost_usd + excluded.cost_usd, saved_usd = saved_usd + excluded.saved_usd, "
               "saved_ms = saved_ms + excluded.saved_ms, priced = priced + excluded.priced, "
               "estimated = estimated + excluded.estimated;")
        .arg(row, QLatin1String(kHourlyColumns));
}

const char kAggregatedColumns[] =
    "ts, model, outcome, prompt_tokens, completion_tokens, cost_usd, saved_usd, saved_ms, "
    "price_known, usage_estimated";

} // namespace

// Version 3: cost and savings in the request log, for the dashboard and `cachette stats`.
//
// request_log gains what each request spent and saved (RequestLogRecord says what the values
// mean); money is NULL when unknown so SUM() adds only what is known. Lines written before this
// version keep NULL costs and price_known 0: they show as "no price", never as free.
// entries gains usage_estimated, so a hit on an answer whose tokens were estimated says so too.
//
// request_log_hourly holds the log's sums per (model, outcome, hour), kept exact by triggers in
// the same transaction as every insert, delete or update of a line. Aggregating a million lines
// means sorting them for GROUP BY, which took seconds even from a covering index (measured: the
// sort, not the reading, dominates); the hourly table is ~10x smaller and already in
// (model, outcome) order. UsageStats reads whole hours from it and only the partial hours at a
// range's ends from request_log (docs/benchmarks.md has the numbers).
bool createVersion3Costs(const QSqlDatabase &db, QString *error)
{
    const QStringList statements = {
        QStringLiteral("ALTER TABLE request_log ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE request_log ADD COLUMN cost_usd REAL"),
        QStringLiteral("ALTER TABLE request_log ADD COLUMN saved_usd REAL"),
        QStringLiteral("ALTER TABLE request_log ADD COLUMN saved_ms INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE request_log ADD COLUMN price_known INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE entries ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral(R"(CREATE TABLE request_log_hourly (
               model TEXT NOT NULL,
               outcome TEXT NOT NULL,
               hour INTEGER NOT NULL,
               requests INTEGER NOT NULL,
               prompt_tokens INTEGER NOT NULL,
               completion_tokens INTEGER NOT NULL,
               cost_usd REAL NOT NULL,
               saved_usd REAL NOT NULL,
               saved_ms INTEGER NOT NULL,
               priced INTEGER NOT NULL,
               estimated INTEGER NOT NULL,
               PRIMARY KEY (model, outcome, hour)) WITHOUT ROWID)"),
        QStringLiteral("INSERT INTO request_log_hourly (model, outcome, hour, %1) "
                       "SELECT model, outcome, ts / 3600000, COUNT(*), SUM(prompt_tokens), "
                       "SUM(completion_tokens), TOTAL(cost_usd), TOTAL(saved_usd), SUM(saved_ms), "
                       "SUM(price_known), SUM(usage_estimated) FROM request_log "
                       "GROUP BY model, outcome, ts / 3600000")
            .arg(QLatin1String(kHourlyColumns)),
        QStringLiteral("CREATE TRIGGER request_log_hourly_insert AFTER INSERT ON request_log "
                       "BEGIN %1 END")
            .arg(applyLine(QStringLiteral("NEW"), QStringLiteral("+"))),
        QStringLiteral("CREATE TRIGGER request_log_hourly_delete AFTER DELETE ON request_log "
                       "BEGIN %1 END")
            .arg(applyLine(QStringLiteral("OLD"), QStringLiteral("-"))),
        QStringLiteral("CREATE TRIGGER request_log_hourly_update AFTER UPDATE OF %1 ON request_log "
                       "BEGIN %2 %3 END")
            .arg(QLatin1String(kAggregatedColumns),
                 applyLine(QStringLiteral("OLD"), QStringLiteral("-")),
                 applyLine(QStringLiteral("NEW"), QStringLiteral("+"))),
    };
    for (const QString &sql : statements) {
        if (!exec(db, sql, error))
            return false;
    }
    return true;
}

} // namespace cachette::store::schema
