#pragma once

// Shared by the suites that fill a store or read its file (TestStore, TestStoreHits,
// TestEntryCatalog, TestUsageStats, TestCacheBrowser): cached chat entries and a connection
// of the test's own. White-box: store/database.h is not a public header, so these suites
// link cachette_engine_internals.

#include "e2e.h"
#include "store/cacheentry.h"
#include "store/database.h"
#include "store/requestlog.h"
#include "store/store.h"

#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>

#include <algorithm>

namespace cachette::test {

// 64 characters like a real key (a SHA-256 in hex), sorting as i does.
inline QByteArray entryKey(int i)
{
    return QByteArray::number(i).rightJustified(64, '0');
}

// A non-streamed chat completion whose one choice says content.
inline QByteArray chatCompletionBody(const QString &content)
{
    return toJson(QJsonObject {
        { "object", "chat.completion" },
        { "choices", QJsonArray { QJsonObject { { "index", 0 }, { "finish_reason", "stop" },
                                                { "message", QJsonObject { { "role", "assistant" },
                                                                           { "content", content } } } } } },
        { "usage", QJsonObject { { "prompt_tokens", 12 }, { "completion_tokens", 34 } } } });
}

// A cached chat completion as the proxy stores one: prompt asked of model, answer returned,
// 12 + 34 tokens; the suites vary the rest (times, hits, pins) to suit what they assert.
inline store::CacheEntry chatEntry(const QByteArray &key, const QString &model, const QString &prompt,
                                   const QString &answer)
{
    store::CacheEntry e;
    e.key = key;
    e.endpoint = QStringLiteral("chat/completions");
    e.model = model;
    e.promptText = prompt;
    e.canonicalRequest = toJson(chatBody(prompt, model));
    e.responseBody = chatCompletionBody(answer);
    e.status = 200;
    e.usage = { 12, 34, 0, true };
    return e;
}

// A fully populated entry of the store suites: every entry made here has the same sizeBytes()
// (for a body of at most 16 characters), so caps can be counted in entries.
inline store::CacheEntry sameSizeEntry(const QByteArray &name, qint64 createdAt, const QByteArray &body = "body")
{
    store::CacheEntry e = chatEntry(name.rightJustified(16, '0'), QStringLiteral("gpt-4o-mini"),
                                    QStringLiteral("hi"), QString::fromUtf8(body.leftJustified(16, '.')));
    e.cacheNamespace = QStringLiteral("team-a");
    e.streamEvents = "data: {\"x\":1}\n\ndata: [DONE]\n\n";
    e.usage = { 12, 34, 5, true };
    e.costUsd = 0.00125;
    e.upstreamLatencyMs = 812;
    e.createdAt = createdAt;
    return e;
}

// A request-log line with every field set.
inline store::RequestLogRecord fullRecord(qint64 ts)
{
    store::RequestLogRecord r;
    r.timestamp = ts;
    r.endpoint = QStringLiteral("chat/completions");
    r.model = QStringLiteral("claude-3-haiku");
    r.outcome = store::Outcome::Miss;
    r.usage = { 101, 202, 33, true };
    r.latencyUs = 123456;
    r.upstreamLatencyUs = 120000;
    r.status = 201;
    r.entryKey = "abcdef0123456789";
    r.cacheNamespace = QStringLiteral("ns1");
    r.streamed = true;
    return r;
}

// Everything a stored entry keeps of what was put (not the id, hits or last hit).
inline void compareContent(const store::CacheEntry &a, const store::CacheEntry &b)
{
    QCOMPARE(a.key, b.key);
    QCOMPARE(a.cacheNamespace, b.cacheNamespace);
    QCOMPARE(a.endpoint, b.endpoint);
    QCOMPARE(a.model, b.model);
    QCOMPARE(a.canonicalRequest, b.canonicalRequest);
    QCOMPARE(a.promptText, b.promptText);
    QCOMPARE(a.responseBody, b.responseBody);
    QCOMPARE(a.streamEvents, b.streamEvents);
    QCOMPARE(a.status, b.status);
    QCOMPARE(a.usage.promptTokens, b.usage.promptTokens);
    QCOMPARE(a.usage.completionTokens, b.usage.completionTokens);
    QCOMPARE(a.usage.cachedPromptTokens, b.usage.cachedPromptTokens);
    QCOMPARE(a.usage.known, b.usage.known);
    QCOMPARE(a.costUsd, b.costUsd);
    QCOMPARE(a.upstreamLatencyMs, b.upstreamLatencyMs);
    QCOMPARE(a.createdAt, b.createdAt);
    QCOMPARE(a.expiresAt, b.expiresAt);
    QCOMPARE(a.pinned, b.pinned);
}

// A connection of the test's own to a store's file, as another program reading it would have.
class RawDb
{
public:
    explicit RawDb(const QString &path)
    {
        QString error;
        if (!m_connection.open(path, QStringLiteral("test"), &error))
            qFatal("cannot open %s: %s", qPrintable(path), qPrintable(error));
    }
    QSqlDatabase db() const { return m_connection.database(); }

    // The first column of the first row, or "<error: …>".
    QVariant scalar(const QString &sql, const QVariantList &args = {}) const
    {
        QSqlQuery q = run(sql, args);
        return q.isActive() && q.next() ? q.value(0) : QStringLiteral("<error: %1>").arg(q.lastError().text());
    }
    QSqlRecord row(const QString &sql, const QVariantList &args = {}) const
    {
        QSqlQuery q = run(sql, args);
        return q.isActive() && q.next() ? q.record() : QSqlRecord();
    }
    bool exec(const QString &sql) const { return QSqlQuery(db()).exec(sql); }

    // Rows of entries matching where (all of them without), or -1 on an error.
    qint64 entryCount(const QString &where = {}) const
    {
        const QVariant n = scalar(QStringLiteral("SELECT count(*) FROM entries")
                                  + (where.isEmpty() ? QString() : u" WHERE " + where));
        return n.typeId() == QMetaType::QString ? -1 : n.toLongLong();
    }

    // The keys in the entries table, sorted, comma-separated.
    QString storedKeys() const
    {
        return scalar(QStringLiteral("SELECT group_concat(key) FROM (SELECT key FROM entries ORDER BY key)"))
            .toString();
    }

private:
    QSqlQuery run(const QString &sql, const QVariantList &args) const
    {
        QSqlQuery q(db());
        q.prepare(sql);
        for (int i = 0; i < args.size(); ++i)
            q.bindValue(i, args.at(i));
        q.exec();
        return q;
    }

    store::Connection m_connection;
};

// The request log as a reader sees it: through RequestLog's own read-only connection.
inline QList<store::RequestLogRecord> recentRequests(const store::Store &store, int limit)
{
    store::RequestLog log;
    if (!log.open(store.databasePath()))
        return {};
    return log.recent(limit);
}

// keys sorted and comma-separated, as RawDb::storedKeys() says them.
inline QString sortedKeys(QList<QByteArray> keys)
{
    std::sort(keys.begin(), keys.end());
    return QString::fromLatin1(keys.join(','));
}

// Every key a spy on Store::entriesRemoved has seen, in order.
inline QList<QByteArray> removedKeys(const QSignalSpy &spy)
{
    QList<QByteArray> keys;
    for (const QList<QVariant> &args : spy)
        keys += args.at(0).value<QList<QByteArray>>();
    return keys;
}

} // namespace cachette::test
