#pragma once

// The wire formats the fake upstream speaks, shared by its server (fakeupstream.cpp) and the
// expected bodies tests compare with (fakeupstreambodies.cpp).

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace cachette::test::wire {

inline QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

inline QByteArray dataFrame(const QJsonObject &object)
{
    return "data: " + compact(object) + "\n\n";
}

inline bool isChat(const QByteArray &path) { return path.endsWith("/chat/completions"); }
inline bool isCompletions(const QByteArray &path) { return path.endsWith("/completions") && !isChat(path); }
inline bool isEmbeddings(const QByteArray &path) { return path.endsWith("/embeddings"); }
inline bool isAnthropic(const QByteArray &path) { return path.endsWith("/messages"); }
inline bool isResponses(const QByteArray &path) { return path.endsWith("/responses"); }

// An Anthropic SSE frame: the event name repeats the data's "type".
inline QByteArray namedFrame(const QJsonObject &object)
{
    return "event: " + object.value(QLatin1String("type")).toString().toUtf8() + "\ndata: "
           + compact(object) + "\n\n";
}

inline qint64 created(int callNumber) { return 1700000000 + callNumber; }

inline int wordCount(const QString &text)
{
    return int(text.split(QLatin1Char(' '), Qt::SkipEmptyParts).size());
}



// "answer #1 to: hello world" → "answer ", "#1 ", "to: ", "hello ", "world"
inline QStringList splitWords(const QString &text)
{
    QStringList pieces;
    QString current;
    for (QChar c : text) {
        current += c;
        if (c == QLatin1Char(' ')) {
            pieces << current;
            current.clear();
        }
    }
    if (!current.isEmpty())
        pieces << current;
    return pieces;
}

inline QStringList splitEvery(const QString &text, int size)
{
    QStringList pieces;
    for (qsizetype i = 0; i < text.size(); i += size)
        pieces << text.mid(i, size);
    return pieces;
}

inline QString textOfContent(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    QStringList parts;
    const QJsonArray array = content.toArray();
    for (const QJsonValue &part : array) {
        const QString type = part[QLatin1String("type")].toString();
        if (type == QLatin1String("text") || type == QLatin1String("input_text"))
            parts << part[QLatin1String("text")].toString();
    }
    return parts.join(QLatin1Char('\n'));
}

inline bool wantsUsage(const QJsonObject &request)
{
    return request.value(QLatin1String("stream_options")).toObject()
        .value(QLatin1String("include_usage")).toBool();
}

} // namespace cachette::test::wire
