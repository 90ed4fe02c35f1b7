// The key-field tables (app/cache/keyfields.h), field by field: every field a table puts out of
// the key leaves the key unchanged when it is added or changed, every field it keeps changes
// the key, and the nested rules (Anthropic cache hints and eager_input_streaming, the ids of
// Responses input items) touch only what they name.
#include "cache/cachekey.h"
#include "cache/keyfields.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

#include <cstring>

using namespace cachette::cache;

namespace {

const QString kEndpoints[] = {QStringLiteral("chat/completions"), QStringLiteral("completions"),
                              QStringLiteral("embeddings"), QStringLiteral("messages"),
                              QStringLiteral("responses")};

QJsonObject baseBody(EndpointKind kind)
{
    switch (kind) {
    case EndpointKind::Completions:
        return {{"model", "m"}, {"prompt", "say hi"}};
    case EndpointKind::Embeddings:
        return {{"model", "m"}, {"input", "say hi"}};
    case EndpointKind::Responses:
        return {{"model", "m"}, {"input", "say hi"}};
    default:
        return {{"model", "m"}, {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", "say hi"}}}}};
    }
}

QByteArray canonicalOf(const QJsonObject &body, const QString &endpoint)
{
    CanonicalRequest request;
    QString error;
    if (!canonicalize(QJsonDocument(body).toJson(), &request, &error, endpoint))
        qFatal("%s", qPrintable(error));
    return request.canonical;
}

// The top-level names a row lists ("temperature, top_p" → both); none for a row that describes
// nested paths or headers ("cache_control (top level, system, …)"), which have tests of their own.
QStringList namesIn(const char *path)
{
    static const QRegularExpression plain(QStringLiteral("^[a-z_]+(, [a-z_]+)*$"));
    const QString text = QString::fromLatin1(path);
    return plain.match(text).hasMatch() ? text.split(QStringLiteral(", ")) : QStringList();
}

} // namespace

class TestKeyFields : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyTopLevelFieldFollowsItsRow_data()
    {
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QString>("field");
        QTest::addColumn<bool>("inKey");
        for (const QString &endpoint : kEndpoints) {
            for (const KeyField &row : keyFieldTable(endpointKind(endpoint))) {
                for (const QString &name : namesIn(row.path)) {
                    if (name == QLatin1String("model") || name == QLatin1String("messages")
                        || name == QLatin1String("input") || name == QLatin1String("prompt"))
                        continue;   // in the base body; changed in differentValuesChangeTheKey
                    QTest::addRow("%s %s", qPrintable(endpoint), qPrintable(name)) << endpoint << name << row.inKey;
                }
            }
        }
    }

    void everyTopLevelFieldFollowsItsRow()
    {
        QFETCH(QString, endpoint);
        QFETCH(QString, field);
        QFETCH(bool, inKey);
        const QJsonObject base = baseBody(endpointKind(endpoint));
        QJsonObject with = base;
        with.insert(field, QJsonObject{{"some", "value"}});
        QJsonObject other = base;
        other.insert(field, 42);
        const QByteArray plain = canonicalOf(base, endpoint);
        if (inKey) {
            QVERIFY(canonicalOf(with, endpoint) != plain);
            QVERIFY(canonicalOf(with, endpoint) != canonicalOf(other, endpoint));
        } else {
            QCOMPARE(canonicalOf(with, endpoint), plain);
            QCOMPARE(canonicalOf(other, endpoint), plain);
        }
    }

    void differentValuesChangeTheKey()
    {
        for (const QString &endpoint : kEndpoints) {
            const QJsonObject base = baseBody(endpointKind(endpoint));
            for (const QString &field : base.keys()) {
                QJsonObject changed = base;
                changed.insert(field, QStringLiteral("something else"));
                QVERIFY2(canonicalOf(changed, endpoint) != canonicalOf(base, endpoint),
                         qPrintable(endpoint + QLatin1Char(' ') + field));
            }
        }
    }

    // Every endpoint, embeddings included (it never streams, but a client may say so): the same
    // request streamed, with stream_options, or by another user keys the same entry.
    void deliveryFieldsAreOutEverywhere()
    {
        for (const QString &endpoint : kEndpoints) {
            QJsonObject body = baseBody(endpointKind(endpoint));
            const QByteArray plain = canonicalOf(body, endpoint);
            body.insert(QStringLiteral("stream"), true);
            body.insert(QStringLiteral("stream_options"), QJsonObject{{"include_usage", true}});
            body.insert(QStringLiteral("user"), QStringLiteral("someone"));
            QVERIFY2(canonicalOf(body, endpoint) == plain, qPrintable(endpoint));
        }
    }

    void unknownFieldsStayInTheKey()
    {
        for (const QString &endpoint : kEndpoints) {
            QJsonObject body = baseBody(endpointKind(endpoint));
            const QByteArray plain = canonicalOf(body, endpoint);
            body.insert(QStringLiteral("x_new_provider_option"), true);
            QVERIFY2(canonicalOf(body, endpoint) != plain, qPrintable(endpoint));
        }
    }

    // Codex renews the ids of the messages and tool outputs it sends; the items it got from the
    // provider (reasoning, function_call) and an item_reference keep theirs in the key.
    void responsesInputItemIds()
    {
        const auto body = [](const QString &suffix) {
            const QJsonArray input{
                QJsonObject{{"type", "message"}, {"role", "user"}, {"id", QStringLiteral("msg_%1").arg(suffix)},
                            {"content", QJsonArray{QJsonObject{{"type", "input_text"}, {"text", "hi"}}}}},
                QJsonObject{{"role", "user"}, {"id", QStringLiteral("short_%1").arg(suffix)}, {"content", "again"}},
                QJsonObject{{"type", "function_call_output"}, {"id", QStringLiteral("fco_%1").arg(suffix)},
                            {"call_id", "call_1"}, {"output", "ok"}},
                QJsonObject{{"type", "custom_tool_call_output"}, {"id", QStringLiteral("cto_%1").arg(suffix)},
                            {"call_id", "call_2"}, {"output", "ok"}}};
            return QJsonObject{{"model", "m"}, {"input", input}};
        };
        const QString responses = QStringLiteral("responses");
        QCOMPARE(canonicalOf(body("run1"), responses), canonicalOf(body("run2"), responses));

        for (const char *type : {"reasoning", "function_call", "item_reference"}) {
            const auto withItem = [type](const QString &id) {
                const QJsonArray input{QJsonObject{{"type", type}, {"id", id}}};
                return QJsonObject{{"model", "m"}, {"input", input}};
            };
            QVERIFY2(canonicalOf(withItem("a"), responses) != canonicalOf(withItem("b"), responses), type);
        }
        // The same ids under chat are fields of a message like any other: kept.
        QJsonObject chat = baseBody(EndpointKind::Chat);
        QJsonObject chatWithId = chat;
        chatWithId.insert(QStringLiteral("messages"),
                          QJsonArray{QJsonObject{{"role", "user"}, {"content", "say hi"}, {"id", "x"}}});
        QVERIFY(canonicalOf(chat, QStringLiteral("chat/completions"))
                != canonicalOf(chatWithId, QStringLiteral("chat/completions")));
    }

    void anthropicEagerInputStreamingIsOutOfTheKey()
    {
        const auto body = [](bool eager) {
            QJsonObject tool{{"name", "shell"}, {"input_schema", QJsonObject{{"type", "object"}}}};
            if (eager)
                tool.insert(QStringLiteral("eager_input_streaming"), true);
            QJsonObject b = baseBody(EndpointKind::AnthropicMessages);
            b.insert(QStringLiteral("tools"), QJsonArray{tool});
            return b;
        };
        const QString messages = QStringLiteral("messages");
        QCOMPARE(canonicalOf(body(true), messages), canonicalOf(body(false), messages));
        // Only on a tool: inside an input schema a property may carry any name.
        QJsonObject schema = baseBody(EndpointKind::AnthropicMessages);
        const QJsonObject properties{{"eager_input_streaming", QJsonObject{{"type", "boolean"}}}};
        schema.insert(QStringLiteral("tools"),
                      QJsonArray{QJsonObject{{"name", "t"},
                                             {"input_schema", QJsonObject{{"type", "object"}, {"properties", properties}}}}});
        QVERIFY(canonicalOf(schema, messages).contains("eager_input_streaming"));
    }

    void everyRowSaysWhy()
    {
        for (const QString &endpoint : kEndpoints) {
            for (const KeyField &row : keyFieldTable(endpointKind(endpoint)))
                QVERIFY2(std::strlen(row.why) > 10, row.path);
        }
    }
};

QTEST_GUILESS_MAIN(TestKeyFields)
#include "TestKeyFields.moc"
