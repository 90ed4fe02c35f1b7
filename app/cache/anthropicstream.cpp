#include "anthropicstream.h"
#include "jsonhelpers.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <map>

namespace cachette::cache::anthropic {

namespace {

QString typeOf(const QJsonObject &object)
{
    return object.value(QLatin1String("type")).toString();
}

struct BlockParts
{
    QJsonObject block;
    QString partialJson;   // tool input arrives as JSON text fragments
};

void appendString(QJsonObject &block, QLatin1String key, const QJsonValue &fragment)
{
    block.insert(key, QString(block.value(key).toString() + fragment.toString()));
}

void applyDelta(BlockParts &parts, const QJsonObject &delta)
{
    const QString type = typeOf(delta);
    if (type == u"text_delta") {
        appendString(parts.block, QLatin1String("text"), delta.value(QLatin1String("text")));
    } else if (type == u"input_json_delta") {
        parts.partialJson += delta.value(QLatin1String("partial_json")).toString();
    } else if (type == u"thinking_delta") {
        appendString(parts.block, QLatin1String("thinking"),
                     delta.value(QLatin1String("thinking")));
    } else if (type == u"signature_delta") {
        appendString(parts.block, QLatin1String("signature"),
                     delta.value(QLatin1String("signature")));
    } else if (type == u"citations_delta") {
        QJsonArray citations = parts.block.value(QLatin1String("citations")).toArray();
        citations.append(delta.value(QLatin1String("citation")));
        parts.block.insert(QLatin1String("citations"), citations);
    }
}

// Tool input is only valid JSON once every fragment is in, so it is parsed at the end.
QJsonObject finishedBlock(const BlockParts &parts)
{
    QJsonObject block = parts.block;
    if (!parts.partialJson.isEmpty())
        block.insert(QLatin1String("input"),
                     QJsonDocument::fromJson(parts.partialJson.toUtf8()).object());
    return block;
}

QByteArray event(const QJsonObject &data)
{
    return "event: " + typeOf(data).toUtf8() + "\ndata: " + json::compact(data) + "\n\n";
}

// content_block_start carries the block with its streamed parts emptied.
QJsonObject blockSkeleton(const QJsonObject &block)
{
    QJsonObject skeleton = block;
    const QString type = typeOf(block);
    if (type == u"text") {
        skeleton.insert(QLatin1String("text"), QString());
        skeleton.remove(QLatin1String("citations"));
    } else if (type == u"thinking") {
        skeleton.insert(QLatin1String("thinking"), QString());
        skeleton.insert(QLatin1String("signature"), QString());
    } else if (block.contains(QLatin1String("input"))) {
        skeleton.insert(QLatin1String("input"), QJsonObject());
    }
    return skeleton;
}

QList<QJsonObject> blockDeltas(const QJsonObject &block)
{
    QList<QJsonObject> deltas;
    auto add = [&](const char *type, const char *key, const QJsonValue &value) {
        deltas.append(QJsonObject{{QLatin1String("type"), QLatin1String(type)},
                                  {QLatin1String(key), value}});
    };
    const QString type = typeOf(block);
    if (type == u"text") {
        if (!block.value(QLatin1String("text")).toString().isEmpty())
            add("text_delta", "text", block.value(QLatin1String("text")));
        for (const QJsonValue &citation : block.value(QLatin1String("citations")).toArray())
            add("citations_delta", "citation", citation);
    } else if (type == u"thinking") {
        add("thinking_delta", "thinking", block.value(QLatin1String("thinking")));
        add("signature_delta", "signature", block.value(QLatin1String("signature")));
    } else if (!block.value(QLatin1String("input")).toObject().isEmpty()) {
        const QJsonObject input = block.value(QLatin1String("input")).toObject();
        add("input_json_delta", "partial_json", QString::fromUtf8(json::compact(input)));
    }
    return deltas;
}

QList<QByteArray> blockEvents(int index, const QJsonObject &block)
{
    QList<QByteArray> events;
    events.append(event({{QLatin1String("type"), QLatin1String("content_block_start")},
                         {QLatin1String("index"), index},
                         {QLatin1String("content_block"), blockSkeleton(block)}}));
    for (const QJsonObject &delta : blockDeltas(block)) {
        events.append(event({{QLatin1String("type"), QLatin1String("content_block_delta")},
                             {QLatin1String("index"), index},
                             {QLatin1String("delta"), delta}}));
    }
    events.append(event({{QLatin1String("type"), QLatin1String("content_block_stop")},
                         {QLatin1String("index"), index}}));
    return events;
}

} // namespace

bool isStop(const QJsonObject &event)
{
    return typeOf(event) == u"message_stop";
}

QJsonObject usageIn(const QJsonObject &event)
{
    const QString type = typeOf(event);
    if (type == u"message_start")
        return event.value(QLatin1String("message")).toObject().value(QLatin1String("usage")).toObject();
    if (type == u"message_delta")
        return event.value(QLatin1String("usage")).toObject();
    return QJsonObject();
}

QJsonObject assembleMessage(const QList<QJsonObject> &events, const QJsonObject &usage)
{
    QJsonObject message;
    std::map<int, BlockParts> blocks;
    for (const QJsonObject &event : events) {
        const QString type = typeOf(event);
        const int index = event.value(QLatin1String("index")).toInt();
        if (type == u"message_start") {
            message = event.value(QLatin1String("message")).toObject();
        } else if (type == u"content_block_start") {
            blocks[index].block = event.value(QLatin1String("content_block")).toObject();
        } else if (type == u"content_block_delta") {
            applyDelta(blocks[index], event.value(QLatin1String("delta")).toObject());
        } else if (type == u"message_delta") {
            const QJsonObject delta = event.value(QLatin1String("delta")).toObject();
            for (auto it = delta.begin(); it != delta.end(); ++it)
                message.insert(it.key(), it.value());
        }
    }
    QJsonArray content;
    for (const auto &[index, parts] : blocks)
        content.append(finishedBlock(parts));
    message.insert(QLatin1String("content"), content);
    if (!usage.isEmpty())
        message.insert(QLatin1String("usage"), usage);
    return message;
}

QList<QByteArray> synthesizeStream(const QJsonObject &message)
{
    // The whole usage goes into message_start so a client sees input counts first, as from
    // Anthropic; message_delta repeats the final output count.
    QJsonObject start = message;
    start.insert(QLatin1String("content"), QJsonArray());
    start.insert(QLatin1String("stop_reason"), QJsonValue::Null);
    start.insert(QLatin1String("stop_sequence"), QJsonValue::Null);
    QList<QByteArray> events;
    events.append(event({{QLatin1String("type"), QLatin1String("message_start")},
                         {QLatin1String("message"), start}}));

    const QJsonArray content = message.value(QLatin1String("content")).toArray();
    for (int i = 0; i < content.size(); ++i)
        events.append(blockEvents(i, content.at(i).toObject()));

    const QJsonObject usage = message.value(QLatin1String("usage")).toObject();
    QJsonObject delta{{QLatin1String("stop_reason"), message.value(QLatin1String("stop_reason"))},
                      {QLatin1String("stop_sequence"), message.value(QLatin1String("stop_sequence"))}};
    QJsonObject messageDelta{{QLatin1String("type"), QLatin1String("message_delta")},
                             {QLatin1String("delta"), delta}};
    if (usage.contains(QLatin1String("output_tokens")))
        messageDelta.insert(QLatin1String("usage"),
                            QJsonObject{{QLatin1String("output_tokens"),
                                         usage.value(QLatin1String("output_tokens"))}});
    events.append(event(messageDelta));
    events.append(event({{QLatin1String("type"), QLatin1String("message_stop")}}));
    return events;
}

} // namespace cachette::cache::anthropic
