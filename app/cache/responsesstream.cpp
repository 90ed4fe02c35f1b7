#include "responsesstream.h"
#include "jsonhelpers.h"

#include <QJsonArray>

#include <map>

namespace cachette::cache::responses {

namespace {

QString typeOf(const QJsonObject &object)
{
    return object.value(QLatin1String("type")).toString();
}

QString str(const QJsonObject &object, const char *key)
{
    return object.value(QLatin1String(key)).toString();
}

// --- Assembly from deltas ---------------------------------------------------------------------

// One output item as its events build it. Only used when the terminal event came without
// output, so the pieces are kept apart until the end rather than patched into the item.
struct ItemParts
{
    QJsonObject item;                      // from output_item.added, then output_item.done
    std::map<int, QJsonObject> content;    // message content parts / reasoning_text parts
    std::map<int, QJsonObject> summary;    // reasoning summary parts
    QString arguments;                     // function_call arguments fragments
    bool hasArguments = false;
    bool done = false;                     // output_item.done gave the finished item
};

void appendTo(QJsonObject &part, QLatin1String key, const QJsonValue &fragment)
{
    part.insert(key, QString(part.value(key).toString() + fragment.toString()));
}

QJsonObject finishedItem(const ItemParts &parts)
{
    if (parts.done)
        return parts.item;
    QJsonObject item = parts.item;
    auto toArray = [](const std::map<int, QJsonObject> &map) {
        QJsonArray array;
        for (const auto &[index, part] : map)
            array.append(part);
        return array;
    };
    if (!parts.content.empty())
        item.insert(QLatin1String("content"), toArray(parts.content));
    if (!parts.summary.empty())
        item.insert(QLatin1String("summary"), toArray(parts.summary));
    if (parts.hasArguments)
        item.insert(QLatin1String("arguments"), parts.arguments);
    return item;
}

// The items of a stream by output_index. Compatible servers sometimes leave output_index
// out of the delta events and only name the item, so item_id is mapped back to its index.
class ItemCollector
{
public:
    void take(const QJsonObject &event);
    QJsonArray output() const;
    bool isEmpty() const { return m_items.empty(); }

private:
    ItemParts &partsFor(const QJsonObject &event);

    std::map<int, ItemParts> m_items;
    std::map<QString, int> m_indexOfId;
};

ItemParts &ItemCollector::partsFor(const QJsonObject &event)
{
    const QJsonValue index = event.value(QLatin1String("output_index"));
    if (index.isDouble())
        return m_items[index.toInt()];
    QString id = str(event, "item_id");
    if (id.isEmpty())
        id = str(event.value(QLatin1String("item")).toObject(), "id");
    const auto known = m_indexOfId.find(id);
    if (known != m_indexOfId.end())
        return m_items[known->second];
    const int next = m_items.empty() ? 0 : m_items.rbegin()->first + 1;
    if (!id.isEmpty())
        m_indexOfId[id] = next;
    return m_items[next];
}

void ItemCollector::take(const QJsonObject &event)
{
    const QString type = typeOf(event);
    if (!type.startsWith(u"response.") || type == u"response.created"
        || type == u"response.in_progress" || type == u"response.completed"
        || type == u"response.failed" || type == u"response.incomplete")
        return;
    ItemParts &parts = partsFor(event);
    const int contentIndex = event.value(QLatin1String("content_index")).toInt();
    const int summaryIndex = event.value(QLatin1String("summary_index")).toInt();
    const QJsonValue delta = event.value(QLatin1String("delta"));
    if (type == u"response.output_item.added" || type == u"response.output_item.done") {
        parts.item = event.value(QLatin1String("item")).toObject();
        parts.done = type.endsWith(u".done");
        const QString id = str(parts.item, "id");
        if (!id.isEmpty() && event.value(QLatin1String("output_index")).isDouble())
            m_indexOfId[id] = event.value(QLatin1String("output_index")).toInt();
    } else if (type == u"response.content_part.added" || type == u"response.content_part.done") {
        parts.content[contentIndex] = event.value(QLatin1String("part")).toObject();
    } else if (type == u"response.output_text.delta" || type == u"response.reasoning_text.delta") {
        QJsonObject &part = parts.content[contentIndex];
        if (!part.contains(QLatin1String("type")))
            part.insert(QLatin1String("type"), type == u"response.output_text.delta"
                                                   ? QLatin1String("output_text")
                                                   : QLatin1String("reasoning_text"));
        appendTo(part, QLatin1String("text"), delta);
    } else if (type == u"response.output_text.done" || type == u"response.reasoning_text.done") {
        parts.content[contentIndex].insert(QLatin1String("text"), event.value(QLatin1String("text")));
    } else if (type == u"response.output_text.annotation.added") {
        QJsonObject &part = parts.content[contentIndex];
        QJsonArray annotations = part.value(QLatin1String("annotations")).toArray();
        annotations.append(event.value(QLatin1String("annotation")));
        part.insert(QLatin1String("annotations"), annotations);
    } else if (type == u"response.refusal.delta") {
        QJsonObject &part = parts.content[contentIndex];
        part.insert(QLatin1String("type"), QLatin1String("refusal"));
        appendTo(part, QLatin1String("refusal"), delta);
    } else if (type == u"response.refusal.done") {
        parts.content[contentIndex].insert(QLatin1String("refusal"),
                                           event.value(QLatin1String("refusal")));
    } else if (type == u"response.function_call_arguments.delta") {
        parts.arguments += delta.toString();
        parts.hasArguments = true;
    } else if (type == u"response.function_call_arguments.done") {
        parts.arguments = str(event, "arguments");
        parts.hasArguments = true;
    } else if (type == u"response.reasoning_summary_part.added"
               || type == u"response.reasoning_summary_part.done") {
        parts.summary[summaryIndex] = event.value(QLatin1String("part")).toObject();
    } else if (type == u"response.reasoning_summary_text.delta") {
        QJsonObject &part = parts.summary[summaryIndex];
        if (!part.contains(QLatin1String("type")))
            part.insert(QLatin1String("type"), QLatin1String("summary_text"));
        appendTo(part, QLatin1String("text"), delta);
    } else if (type == u"response.reasoning_summary_text.done") {
        parts.summary[summaryIndex].insert(QLatin1String("text"), event.value(QLatin1String("text")));
    }
}

QJsonArray ItemCollector::output() const
{
    QJsonArray output;
    for (const auto &[index, parts] : m_items) {
        if (!parts.item.isEmpty() || parts.hasArguments || !parts.content.empty()
            || !parts.summary.empty())
            output.append(finishedItem(parts));
    }
    return output;
}

// --- Synthesis --------------------------------------------------------------------------------

class Emitter
{
public:
    void emitEvent(const char *type, QJsonObject data)
    {
        data.insert(QLatin1String("type"), QLatin1String(type));
        data.insert(QLatin1String("sequence_number"), m_sequence++);
        m_events.append("event: " + QByteArray(type) + "\ndata: " + json::compact(data) + "\n\n");
    }
    QList<QByteArray> events() const { return m_events; }

private:
    QList<QByteArray> m_events;
    int m_sequence = 0;
};

// Where an item's sub-events point: item_id and output_index, as OpenAI puts them on each.
struct ItemRef
{
    QString id;
    int outputIndex;

    QJsonObject with(std::initializer_list<std::pair<QString, QJsonValue>> fields) const
    {
        QJsonObject data{{QLatin1String("item_id"), id}, {QLatin1String("output_index"), outputIndex}};
        for (const auto &[key, value] : fields)
            data.insert(key, value);
        return data;
    }
};

// output_item.added carries the item as it starts: streamed parts emptied, in progress.
QJsonObject itemSkeleton(const QJsonObject &item)
{
    QJsonObject skeleton = item;
    const QString type = typeOf(item);
    if (item.contains(QLatin1String("status")))
        skeleton.insert(QLatin1String("status"), QLatin1String("in_progress"));
    if (type == u"message" || (type == u"reasoning" && item.contains(QLatin1String("content"))))
        skeleton.insert(QLatin1String("content"), QJsonArray());
    if (type == u"reasoning")
        skeleton.insert(QLatin1String("summary"), QJsonArray());
    if (type == u"function_call")
        skeleton.insert(QLatin1String("arguments"), QString());
    return skeleton;
}

// content_part.added carries the part with its text emptied.
QJsonObject partSkeleton(const QJsonObject &part)
{
    QJsonObject skeleton = part;
    for (const char *key : {"text", "refusal"}) {
        if (part.contains(QLatin1String(key)))
            skeleton.insert(QLatin1String(key), QString());
    }
    for (const char *key : {"annotations", "logprobs"}) {
        if (part.contains(QLatin1String(key)))
            skeleton.insert(QLatin1String(key), QJsonArray());
    }
    return skeleton;
}

void messagePartEvents(Emitter &out, const ItemRef &ref, int index, const QJsonObject &part)
{
    const QString type = typeOf(part);
    const QJsonValue contentIndex(index);
    out.emitEvent("response.content_part.added",
                  ref.with({{QStringLiteral("content_index"), contentIndex},
                            {QStringLiteral("part"), partSkeleton(part)}}));
    if (type == u"output_text") {
        const QJsonValue text = part.value(QLatin1String("text"));
        const QJsonValue logprobs = part.contains(QLatin1String("logprobs"))
                                        ? part.value(QLatin1String("logprobs"))
                                        : QJsonValue(QJsonArray());
        if (!text.toString().isEmpty())
            out.emitEvent("response.output_text.delta",
                          ref.with({{QStringLiteral("content_index"), contentIndex},
                                    {QStringLiteral("delta"), text},
                                    {QStringLiteral("logprobs"), logprobs}}));
        const QJsonArray annotations = part.value(QLatin1String("annotations")).toArray();
        for (int i = 0; i < annotations.size(); ++i)
            out.emitEvent("response.output_text.annotation.added",
                          ref.with({{QStringLiteral("content_index"), contentIndex},
                                    {QStringLiteral("annotation_index"), i},
                                    {QStringLiteral("annotation"), annotations.at(i)}}));
        out.emitEvent("response.output_text.done",
                      ref.with({{QStringLiteral("content_index"), contentIndex},
                                {QStringLiteral("text"), text},
                                {QStringLiteral("logprobs"), logprobs}}));
    } else if (type == u"refusal") {
        const QJsonValue refusal = part.value(QLatin1String("refusal"));
        out.emitEvent("response.refusal.delta",
                      ref.with({{QStringLiteral("content_index"), contentIndex},
                                {QStringLiteral("delta"), refusal}}));
        out.emitEvent("response.refusal.done",
                      ref.with({{QStringLiteral("content_index"), contentIndex},
                                {QStringLiteral("refusal"), refusal}}));
    } else if (type == u"reasoning_text") {
        // Raw reasoning text (gpt-oss, open-weight models behind compatible servers).
        const QJsonValue text = part.value(QLatin1String("text"));
        out.emitEvent("response.reasoning_text.delta",
                      ref.with({{QStringLiteral("content_index"), contentIndex},
                                {QStringLiteral("delta"), text}}));
        out.emitEvent("response.reasoning_text.done",
                      ref.with({{QStringLiteral("content_index"), contentIndex},
                                {QStringLiteral("text"), text}}));
    }
    out.emitEvent("response.content_part.done",
                  ref.with({{QStringLiteral("content_index"), contentIndex},
                            {QStringLiteral("part"), part}}));
}

void reasoningEvents(Emitter &out, const ItemRef &ref, const QJsonObject &item)
{
    const QJsonArray summary = item.value(QLatin1String("summary")).toArray();
    for (int i = 0; i < summary.size(); ++i) {
        const QJsonObject part = summary.at(i).toObject();
        const QJsonValue text = part.value(QLatin1String("text"));
        out.emitEvent("response.reasoning_summary_part.added",
                      ref.with({{QStringLiteral("summary_index"), i},
                                {QStringLiteral("part"), partSkeleton(part)}}));
        out.emitEvent("response.reasoning_summary_text.delta",
                      ref.with({{QStringLiteral("summary_index"), i},
                                {QStringLiteral("delta"), text}}));
        out.emitEvent("response.reasoning_summary_text.done",
                      ref.with({{QStringLiteral("summary_index"), i},
                                {QStringLiteral("text"), text}}));
        out.emitEvent("response.reasoning_summary_part.done",
                      ref.with({{QStringLiteral("summary_index"), i},
                                {QStringLiteral("part"), part}}));
    }
    const QJsonArray content = item.value(QLatin1String("content")).toArray();
    for (int i = 0; i < content.size(); ++i)
        messagePartEvents(out, ref, i, content.at(i).toObject());
}

void itemEvents(Emitter &out, int outputIndex, const QJsonObject &item)
{
    const ItemRef ref{str(item, "id"), outputIndex};
    const QString type = typeOf(item);
    const bool known = type == u"message" || type == u"function_call" || type == u"reasoning";
    out.emitEvent("response.output_item.added",
                  {{QLatin1String("output_index"), outputIndex},
                   {QLatin1String("item"), known ? itemSkeleton(item) : item}});
    if (type == u"message") {
        const QJsonArray content = item.value(QLatin1String("content")).toArray();
        for (int i = 0; i < content.size(); ++i)
            messagePartEvents(out, ref, i, content.at(i).toObject());
    } else if (type == u"function_call") {
        const QJsonValue arguments = item.value(QLatin1String("arguments"));
        if (!arguments.toString().isEmpty())
            out.emitEvent("response.function_call_arguments.delta",
                          ref.with({{QStringLiteral("delta"), arguments}}));
        out.emitEvent("response.function_call_arguments.done",
                      ref.with({{QStringLiteral("arguments"), arguments.toString()}}));
    } else if (type == u"reasoning") {
        reasoningEvents(out, ref, item);
    }
    out.emitEvent("response.output_item.done",
                  {{QLatin1String("output_index"), outputIndex}, {QLatin1String("item"), item}});
}

bool isTerminal(const QString &type)
{
    return type == u"response.completed" || type == u"response.incomplete"
           || type == u"response.failed";
}

} // namespace

bool isCompleted(const QJsonObject &event)
{
    return typeOf(event) == u"response.completed";
}

bool isFailure(const QJsonObject &event)
{
    const QString type = typeOf(event);
    return type == u"error" || type == u"response.failed" || type == u"response.incomplete";
}

QJsonObject errorBody(const QJsonObject &event)
{
    const QString type = typeOf(event);
    QJsonObject error{{QLatin1String("message"), QString()},
                      {QLatin1String("type"), QLatin1String("server_error")},
                      {QLatin1String("param"), QJsonValue::Null},
                      {QLatin1String("code"), QJsonValue::Null}};
    auto copy = [&error](const QJsonObject &from, const char *key) {
        const QJsonValue value = from.value(QLatin1String(key));
        if (!value.isUndefined() && !value.isNull())
            error.insert(QLatin1String(key), value);
    };
    const QJsonObject response = event.value(QLatin1String("response")).toObject();
    if (type == u"error") {
        // OpenAI puts code/message/param on the event itself; some compatible servers nest
        // them in an "error" object, Anthropic-style.
        const QJsonObject nested = event.value(QLatin1String("error")).toObject();
        const QJsonObject &from = nested.isEmpty() ? event : nested;
        for (const char *key : {"message", "param", "code"})
            copy(from, key);
        if (!nested.isEmpty() && typeOf(nested) != u"error")
            copy(nested, "type");
    } else if (type == u"response.failed") {
        const QJsonObject failure = response.value(QLatin1String("error")).toObject();
        copy(failure, "message");
        copy(failure, "code");
        if (str(error, "message").isEmpty())
            error.insert(QLatin1String("message"), QLatin1String("The response failed."));
    } else if (type == u"response.incomplete") {
        // Not a server fault: the model stopped early (max_output_tokens, content_filter).
        const QString reason = str(response.value(QLatin1String("incomplete_details")).toObject(),
                                   "reason");
        error.insert(QLatin1String("type"), QLatin1String("incomplete_response"));
        error.insert(QLatin1String("message"),
                     reason.isEmpty() ? QStringLiteral("The response is incomplete.")
                                      : QStringLiteral("The response is incomplete: %1.").arg(reason));
        if (!reason.isEmpty())
            error.insert(QLatin1String("code"), reason);
    } else {
        return QJsonObject();
    }
    if (str(error, "message").isEmpty())
        error.insert(QLatin1String("message"), QLatin1String("The upstream stream reported an error."));
    return QJsonObject{{QLatin1String("error"), error}};
}

QJsonObject usageIn(const QJsonObject &event)
{
    if (!isCompleted(event))
        return QJsonObject();
    return event.value(QLatin1String("response")).toObject().value(QLatin1String("usage")).toObject();
}

QJsonObject assembleResponse(const QList<QJsonObject> &events)
{
    QJsonObject response;
    bool terminal = false;
    ItemCollector items;
    for (const QJsonObject &event : events) {
        const QString type = typeOf(event);
        if (isTerminal(type)) {
            response = event.value(QLatin1String("response")).toObject();
            terminal = true;
        } else {
            items.take(event);
        }
    }
    if (!terminal)
        return QJsonObject();
    // Some providers and compatible servers send a slim terminal event without the items.
    if (response.value(QLatin1String("output")).toArray().isEmpty() && !items.isEmpty())
        response.insert(QLatin1String("output"), items.output());
    return response;
}

QList<QByteArray> synthesizeStream(const QJsonObject &response)
{
    // created and in_progress carry the response as it starts, as OpenAI sends them.
    QJsonObject start = response;
    start.insert(QLatin1String("status"), QLatin1String("in_progress"));
    start.insert(QLatin1String("output"), QJsonArray());
    start.insert(QLatin1String("usage"), QJsonValue::Null);
    for (const char *key : {"completed_at", "incomplete_details", "error"}) {
        if (start.contains(QLatin1String(key)))
            start.insert(QLatin1String(key), QJsonValue::Null);
    }
    Emitter out;
    out.emitEvent("response.created", {{QLatin1String("response"), start}});
    out.emitEvent("response.in_progress", {{QLatin1String("response"), start}});
    const QJsonArray output = response.value(QLatin1String("output")).toArray();
    for (int i = 0; i < output.size(); ++i)
        itemEvents(out, i, output.at(i).toObject());
    out.emitEvent("response.completed", {{QLatin1String("response"), response}});
    return out.events();
}

QString outputText(const QJsonObject &response)
{
    QString text;
    for (const QJsonValue &item : response.value(QLatin1String("output")).toArray()) {
        if (typeOf(item.toObject()) != u"message")
            continue;
        for (const QJsonValue &part : item[QLatin1String("content")].toArray()) {
            if (typeOf(part.toObject()) == u"output_text")
                text += part[QLatin1String("text")].toString();
        }
    }
    return text;
}

} // namespace cachette::cache::responses
