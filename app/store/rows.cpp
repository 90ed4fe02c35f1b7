#include "rows.h"

#include <QSqlQuery>
#include <QVariant>

namespace cachette::store::rows {

namespace {

enum EntryColumn {
    EId, EKey, ENamespace, EEndpoint, EModel, EStatus, EPromptTokens, ECompletionTokens,
    ECachedTokens, EUsageKnown, ECostUsd, EUpstreamLatencyMs, ECreatedAt, ELastHitAt, EHitCount,
    EExpiresAt, ESizeBytes, EPinned, EPromptText, ECanonicalRequest, EResponseBody, EStreamEvents,
    EUsageEstimated, ERoute,
};

enum LogColumn {
    LId, LTs, LEndpoint, LModel, LOutcome, LPromptTokens, LCompletionTokens, LCachedTokens,
    LUsageKnown, LLatencyUs, LUpstreamLatencyUs, LStatus, LEntryKey, LNamespace, LStreamed,
    LUsageEstimated, LCostUsd, LSavedUsd, LSavedMs, LPriceKnown, LSimilarity, LSemanticGuard,
    LAskedPrompt, LRoute,
};

// NULL for "unknown", so SUM() over money columns adds only what is known.
QVariant money(std::optional<double> usd)
{
    return usd ? QVariant(*usd) : QVariant(QMetaType::fromType<double>());
}

std::optional<double> moneyAt(const QSqlQuery &q, int column)
{
    return q.isNull(column) ? std::nullopt : std::optional<double>(q.value(column).toDouble());
}

// A null QString binds as SQL NULL, which the NOT NULL text columns refuse.
QString notNull(const QString &text)
{
    return text.isNull() ? QStringLiteral("") : text;
}

} // namespace

QString entryColumns()
{
    return QStringLiteral(
        "id, key, namespace, endpoint, model, status, prompt_tokens, completion_tokens, "
        "cached_tokens, usage_known, cost_usd, upstream_latency_ms, created_at, last_hit_at, "
        "hit_count, expires_at, size_bytes, pinned, prompt_text, canonical_request, "
        "response_body, stream_events, usage_estimated, route");
}

CacheEntry entryFromRow(const QSqlQuery &q)
{
    CacheEntry e;
    e.id = q.value(EId).toLongLong();
    e.key = q.value(EKey).toString().toLatin1();
    e.cacheNamespace = q.value(ENamespace).toString();
    e.endpoint = q.value(EEndpoint).toString();
    e.model = q.value(EModel).toString();
    e.status = q.value(EStatus).toInt();
    e.usage.promptTokens = q.value(EPromptTokens).toLongLong();
    e.usage.completionTokens = q.value(ECompletionTokens).toLongLong();
    e.usage.cachedPromptTokens = q.value(ECachedTokens).toLongLong();
    e.usage.known = q.value(EUsageKnown).toBool();
    e.costUsd = q.isNull(ECostUsd) ? -1 : q.value(ECostUsd).toDouble();
    e.upstreamLatencyMs = q.value(EUpstreamLatencyMs).toLongLong();
    e.createdAt = q.value(ECreatedAt).toLongLong();
    e.lastHitAt = q.value(ELastHitAt).toLongLong();
    e.hitCount = q.value(EHitCount).toLongLong();
    e.expiresAt = q.value(EExpiresAt).toLongLong();
    e.pinned = q.value(EPinned).toBool();
    e.promptText = q.value(EPromptText).toString();
    e.canonicalRequest = q.value(ECanonicalRequest).toByteArray();
    e.responseBody = q.value(EResponseBody).toByteArray();
    e.streamEvents = q.value(EStreamEvents).toByteArray();
    e.usage.estimated = q.value(EUsageEstimated).toBool();
    e.route = q.value(ERoute).toString();
    return e;
}

// Replacing keeps the row id and the pin (a user's pin outlives a refresh of the answer);
// every other column, hit_count and last_hit_at included, comes from the new entry.
QString upsertEntrySql()
{
    return QStringLiteral(
        "INSERT INTO entries (key, namespace, endpoint, model, status, prompt_tokens, "
        "completion_tokens, cached_tokens, usage_known, cost_usd, upstream_latency_ms, "
        "created_at, last_hit_at, hit_count, expires_at, size_bytes, pinned, prompt_text, "
        "canonical_request, response_body, stream_events, usage_estimated, route) "
        "VALUES (:key, :namespace, :endpoint, :model, :status, :prompt_tokens, "
        ":completion_tokens, :cached_tokens, :usage_known, :cost_usd, :upstream_latency_ms, "
        ":created_at, :last_hit_at, :hit_count, :expires_at, :size_bytes, :pinned, :prompt_text, "
        ":canonical_request, :response_body, :stream_events, :usage_estimated, :route) "
        "ON CONFLICT (key) DO UPDATE SET namespace = excluded.namespace, "
        "endpoint = excluded.endpoint, model = excluded.model, status = excluded.status, "
        "prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, "
        "cached_tokens = excluded.cached_tokens, usage_known = excluded.usage_known, "
        "cost_usd = excluded.cost_usd, upstream_latency_ms = excluded.upstream_latency_ms, "
        "created_at = excluded.created_at, last_hit_at = excluded.last_hit_at, "
        "hit_count = excluded.hit_count, expires_at = excluded.expires_at, "
        "size_bytes = excluded.size_bytes, pinned = (entries.pinned OR excluded.pinned), "
        "prompt_text = excluded.prompt_text, canonical_request = excluded.canonical_request, "
        "response_body = excluded.response_body, stream_events = excluded.stream_events, "
        "usage_estimated = excluded.usage_estimated, route = excluded.route");
}

void bindEntry(QSqlQuery &q, const CacheEntry &e)
{
    q.bindValue(QStringLiteral(":key"), keyText(e.key));
    q.bindValue(QStringLiteral(":namespace"), notNull(e.cacheNamespace));
    q.bindValue(QStringLiteral(":endpoint"), notNull(e.endpoint));
    q.bindValue(QStringLiteral(":model"), notNull(e.model));
    q.bindValue(QStringLiteral(":status"), e.status);
    q.bindValue(QStringLiteral(":prompt_tokens"), e.usage.promptTokens);
    q.bindValue(QStringLiteral(":completion_tokens"), e.usage.completionTokens);
    q.bindValue(QStringLiteral(":cached_tokens"), e.usage.cachedPromptTokens);
    q.bindValue(QStringLiteral(":usage_known"), int(e.usage.known));
    // NULL rather than -1 for "unknown", so SUM(cost_usd) in reports stays right.
    q.bindValue(QStringLiteral(":cost_usd"),
                e.costUsd < 0 ? QVariant(QMetaType::fromType<double>()) : QVariant(e.costUsd));
    q.bindValue(QStringLiteral(":upstream_latency_ms"), e.upstreamLatencyMs);
    q.bindValue(QStringLiteral(":created_at"), e.createdAt);
    q.bindValue(QStringLiteral(":last_hit_at"), e.lastHitAt);
    q.bindValue(QStringLiteral(":hit_count"), e.hitCount);
    q.bindValue(QStringLiteral(":expires_at"), e.expiresAt);
    q.bindValue(QStringLiteral(":size_bytes"), e.sizeBytes());
    q.bindValue(QStringLiteral(":pinned"), int(e.pinned));
    q.bindValue(QStringLiteral(":prompt_text"), e.promptText);
    q.bindValue(QStringLiteral(":canonical_request"), e.canonicalRequest);
    q.bindValue(QStringLiteral(":response_body"), e.responseBody);
    q.bindValue(QStringLiteral(":stream_events"), e.streamEvents);
    q.bindValue(QStringLiteral(":usage_estimated"), int(e.usage.estimated));
    q.bindValue(QStringLiteral(":route"), notNull(e.route));
}

QString logColumns()
{
    return QStringLiteral(
        "id, ts, endpoint, model, outcome, prompt_tokens, completion_tokens, cached_tokens, "
        "usage_known, latency_us, upstream_latency_us, status, entry_key, namespace, streamed, "
        "usage_estimated, cost_usd, saved_usd, saved_ms, price_known, similarity, "
        "semantic_guard, asked_prompt, route");
}

RequestLogRecord logRecordFromRow(const QSqlQuery &q)
{
    RequestLogRecord r;
    r.id = q.value(LId).toLongLong();
    r.timestamp = q.value(LTs).toLongLong();
    r.endpoint = q.value(LEndpoint).toString();
    r.model = q.value(LModel).toString();
    // A name this version does not know (a newer Cachette's) counts as neither hit nor saving.
    r.outcome = parseOutcome(q.value(LOutcome).toString()).value_or(Outcome::Error);
    r.usage.promptTokens = q.value(LPromptTokens).toLongLong();
    r.usage.completionTokens = q.value(LCompletionTokens).toLongLong();
    r.usage.cachedPromptTokens = q.value(LCachedTokens).toLongLong();
    r.usage.known = q.value(LUsageKnown).toBool();
    r.latencyUs = q.value(LLatencyUs).toLongLong();
    r.upstreamLatencyUs = q.value(LUpstreamLatencyUs).toLongLong();
    r.status = q.value(LStatus).toInt();
    r.entryKey = q.value(LEntryKey).toString().toLatin1();
    r.cacheNamespace = q.value(LNamespace).toString();
    r.streamed = q.value(LStreamed).toBool();
    r.usage.estimated = q.value(LUsageEstimated).toBool();
    r.costUsd = moneyAt(q, LCostUsd);
    r.savedUsd = moneyAt(q, LSavedUsd);
    r.savedMs = q.value(LSavedMs).toLongLong();
    r.priceKnown = q.value(LPriceKnown).toBool();
    r.similarity = q.isNull(LSimilarity) ? -1.0 : q.value(LSimilarity).toDouble();
    r.semanticGuard = q.value(LSemanticGuard).toString();
    r.askedPrompt = q.value(LAskedPrompt).toString();
    r.route = q.value(LRoute).toString();
    return r;
}

QString insertLogSql()
{
    return QStringLiteral(
        "INSERT INTO request_log (ts, endpoint, model, outcome, prompt_tokens, "
        "completion_tokens, cached_tokens, usage_known, latency_us, upstream_latency_us, status, "
        "entry_key, namespace, streamed, usage_estimated, cost_usd, saved_usd, saved_ms, "
        "price_known, similarity, semantic_guard, asked_prompt, route) VALUES (:ts, :endpoint, "
        ":model, "
        ":outcome, "
        ":prompt_tokens, :completion_tokens, :cached_tokens, :usage_known, :latency_us, "
        ":upstream_latency_us, :status, :entry_key, :namespace, :streamed, :usage_estimated, "
        ":cost_usd, :saved_usd, :saved_ms, :price_known, :similarity, :semantic_guard, "
        ":asked_prompt, :route)");
}

void bindLogRecord(QSqlQuery &q, const RequestLogRecord &r)
{
    q.bindValue(QStringLiteral(":ts"), r.timestamp);
    q.bindValue(QStringLiteral(":endpoint"), notNull(r.endpoint));
    q.bindValue(QStringLiteral(":model"), notNull(r.model));
    q.bindValue(QStringLiteral(":outcome"), QString(outcomeName(r.outcome)));
    q.bindValue(QStringLiteral(":prompt_tokens"), r.usage.promptTokens);
    q.bindValue(QStringLiteral(":completion_tokens"), r.usage.completionTokens);
    q.bindValue(QStringLiteral(":cached_tokens"), r.usage.cachedPromptTokens);
    q.bindValue(QStringLiteral(":usage_known"), int(r.usage.known));
    q.bindValue(QStringLiteral(":latency_us"), r.latencyUs);
    q.bindValue(QStringLiteral(":upstream_latency_us"), r.upstreamLatencyUs);
    q.bindValue(QStringLiteral(":status"), r.status);
    q.bindValue(QStringLiteral(":entry_key"), r.entryKey.isEmpty()
                                                   ? QVariant(QMetaType::fromType<QString>())
                                                   : QVariant(keyText(r.entryKey)));
    q.bindValue(QStringLiteral(":namespace"), notNull(r.cacheNamespace));
    q.bindValue(QStringLiteral(":streamed"), int(r.streamed));
    q.bindValue(QStringLiteral(":usage_estimated"), int(r.usage.estimated));
    q.bindValue(QStringLiteral(":cost_usd"), money(r.costUsd));
    q.bindValue(QStringLiteral(":saved_usd"), money(r.savedUsd));
    q.bindValue(QStringLiteral(":saved_ms"), r.savedMs);
    q.bindValue(QStringLiteral(":price_known"), int(r.priceKnown));
    q.bindValue(QStringLiteral(":similarity"), r.similarity < 0
                                                   ? QVariant(QMetaType::fromType<double>())
                                                   : QVariant(r.similarity));
    q.bindValue(QStringLiteral(":semantic_guard"), notNull(r.semanticGuard));
    q.bindValue(QStringLiteral(":asked_prompt"), notNull(r.askedPrompt));
    q.bindValue(QStringLiteral(":route"), notNull(r.route));
}

} // namespace cachette::store::rows
