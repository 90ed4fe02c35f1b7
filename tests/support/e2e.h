#pragma once

// Shared helpers for the end-to-end suites: the fake upstream, the real binary, a client.

#include "cachetteprocess.h"
#include "fakeupstream.h"
#include "proxyclient.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QTest>

namespace cachette::test {

inline QByteArray toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

inline QJsonObject parseObject(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

// {"model": model, "messages": [{"role":"system",…},{"role":"user","content": prompt}]}
inline QJsonObject chatBody(const QString &prompt, const QString &model = QStringLiteral("gpt-4o-mini"))
{
    const QJsonArray messages{QJsonObject{{"role", "system"}, {"content", "You are a test."}},
                              QJsonObject{{"role", "user"}, {"content", prompt}}};
    return QJsonObject{{"model", model}, {"messages", messages}};
}

inline QJsonObject streamed(QJsonObject body, bool includeUsage = false)
{
    body.insert(QStringLiteral("stream"), true);
    if (includeUsage)
        body.insert(QStringLiteral("stream_options"), QJsonObject{{"include_usage", true}});
    return body;
}

// True when body is {"error": {"message": non-empty string, "type": string, "code": present}}.
inline bool isProxyError(const QByteArray &body, QString *why = nullptr)
{
    const QJsonObject error = parseObject(body).value(QLatin1String("error")).toObject();
    QString problem;
    if (error.isEmpty())
        problem = QStringLiteral("no \"error\" object");
    else if (error.value(QLatin1String("message")).toString().isEmpty())
        problem = QStringLiteral("error.message missing or empty");
    else if (!error.value(QLatin1String("type")).isString())
        problem = QStringLiteral("error.type missing");
    else if (!error.contains(QLatin1String("code")))
        problem = QStringLiteral("error.code missing");
    if (why)
        *why = problem + QStringLiteral(" in: ") + QString::fromUtf8(body.left(500));
    return problem.isEmpty();
}

// The raw bytes of each event of a streamed answer, for replay-is-identical checks.
inline QList<QByteArray> rawEvents(const HttpResult &result)
{
    QList<QByteArray> raw;
    for (const cache::SseEvent &event : result.events)
        raw << event.raw;
    return raw;
}

inline QString chatText(const QByteArray &chatCompletion)
{
    return AssembledAnswer::fromResponse(parseObject(chatCompletion)).content;
}

} // namespace cachette::test

// For initTestCase(): the suite fails (it never skips) when CACHETTE_BINARY is unset or is not
// an executable, so a misconfigured run cannot pass with nothing tested.
#define E2E_REQUIRE_BINARY()                                                                       \
    do {                                                                                           \
        const QString e2eBinary_ = cachette::test::CachetteProcess::binaryPath();                  \
        QVERIFY2(!e2eBinary_.isEmpty(), "CACHETTE_BINARY is not set: run through ctest");          \
        QVERIFY2(QFileInfo(e2eBinary_).isExecutable(),                                             \
                 qPrintable(e2eBinary_ + QStringLiteral(" is not an executable")));                \
    } while (false)

// Starts a FakeUpstream named `name` on 127.0.0.1:<any>.
#define E2E_START_UPSTREAM(name)                                                                   \
    cachette::test::FakeUpstream name;                                                             \
    do {                                                                                           \
        QString e2eError_;                                                                         \
        QVERIFY2(name.start(&e2eError_), qPrintable(QStringLiteral("fake upstream: ") + e2eError_)); \
    } while (false)

// Starts the real binary: E2E_START_PROXY(proxy, upstream.baseUrl(), {"--isolate-by-api-key"}).
#define E2E_START_PROXY(name, ...)                                                                 \
    cachette::test::CachetteProcess name(__VA_ARGS__);                                             \
    do {                                                                                           \
        QString e2eError_;                                                                         \
        QVERIFY2(name.start(&e2eError_), qPrintable(e2eError_));                                   \
    } while (false)

// QVERIFY with the result's description in the message.
#define E2E_VERIFY_RESULT(condition, result) QVERIFY2(condition, qPrintable((result).describe()))
