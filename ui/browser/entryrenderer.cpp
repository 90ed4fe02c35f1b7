#include "entryrenderer.h"

#include "clock.h"
#include "common/format.h"

#include "cache/conversation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStringList>

namespace cachette::ui::entryrenderer {

namespace {

namespace fmt = format;

// Qt lays out rich text in one go: a 400 KB answer (or one long unbroken line) takes it
// seconds. Past this, a message shows its beginning and says how much is left out; the
// export has everything.
constexpr qsizetype kMaxShownChars = 20000;
// The raw JSON tabs lay out lazily, line by line, so they can take more, but not megabytes.
constexpr qsizetype kMaxPrettyBytes = 256 * 1024;

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString shortened(const QString &text)
{
    if (text.size() <= kMaxShownChars)
        return text;
    return text.left(kMaxShownChars)
           + QStringLiteral("\n… %1 more characters (export the entry to see all of it)")
                 .arg(fmt::count(text.size() - kMaxShownChars));
}

QString str(const QJsonObject &object, const char *key)
{
    return object.value(QLatin1String(key)).toString();
}

QColor roleColor(const QString &role)
{
    if (role == u"user")
        return QColor(0x25, 0x63, 0xeb);
    if (role == u"assistant" || role == u"answer")
        return QColor(0x05, 0x96, 0x69);
    if (role == u"tool" || role == u"function")
        return QColor(0xd9, 0x77, 0x06);
    return QColor(0x6b, 0x72, 0x80);   // system, developer, anything else
}

// Builds the HTML piece by piece; each method appends one kind of block.
class Html
{
public:
    explicit Html(const Style &style) : m_style(style) {}

    void heading(const QString &text)
    {
        m_out += QStringLiteral("<h3 style=\"margin-top:14px; margin-bottom:6px\">%1</h3>").arg(esc(text));
    }
    void role(const QString &role, const QString &note = {})
    {
        const QString label = role.toUpper();
        m_out += QStringLiteral("<p style=\"margin-top:12px; margin-bottom:3px\">"
                                "<span style=\"background-color:%1; color:#ffffff; font-weight:600\">"
                                "&nbsp;%2&nbsp;</span>")
                     .arg(roleColor(role).name(), esc(label));
        if (!note.isEmpty())
            m_out += QStringLiteral("&nbsp; <span style=\"color:%1\">%2</span>").arg(m_style.muted.name(), esc(note));
        m_out += QStringLiteral("</p>");
    }
    void text(const QString &text)
    {
        if (text.isEmpty())
            return;
        m_out += QStringLiteral("<p style=\"white-space:pre-wrap; margin-top:0; margin-bottom:4px\">%1</p>")
                     .arg(esc(shortened(text)));
    }
    void muted(const QString &text)
    {
        m_out += QStringLiteral("<p style=\"color:%1; margin-top:2px; margin-bottom:4px\">%2</p>")
                     .arg(m_style.muted.name(), esc(text));
    }
    void code(const QString &text)
    {
        // A one-cell table: QTextDocument paints a cell background reliably, a <pre> one not.
        m_out += QStringLiteral("<table width=\"100%\" cellpadding=\"6\" cellspacing=\"0\" "
                                "style=\"margin-top:2px; margin-bottom:6px\"><tr><td bgcolor=\"%1\">"
                                "<pre style=\"margin:0\">%2</pre></td></tr></table>")
                     .arg(m_style.code.name(), esc(shortened(text)));
    }
    void toolCall(const QString &name, const QJsonValue &arguments);
    void row(const QString &name, const QString &value)
    {
        m_rows += QStringLiteral("<tr><td style=\"color:%1; padding-right:16px\">%2</td><td>%3</td></tr>")
                      .arg(m_style.muted.name(), esc(name), esc(value));
    }
    void flushRows()
    {
        m_out += QStringLiteral("<table cellspacing=\"0\" cellpadding=\"2\">%1</table>").arg(m_rows);
        m_rows.clear();
    }
    QString result() const { return m_out; }

private:
    const Style &m_style;
    QString m_out;
    QString m_rows;
};

QString prettyValue(const QJsonValue &value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Indented)).trimmed();
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Indented)).trimmed();
    if (value.isString())
        return prettyJson(value.toString().toUtf8());   // tool arguments are JSON in a string
    return value.toVariant().toString();
}

// The arguments pretty-printed, then every multi-line string argument as it reads: the code
// of Open Interpreter's execute(language, code) is code, not a JSON string full of \n.
void Html::toolCall(const QString &name, const QJsonValue &arguments)
{
    m_out += QStringLiteral("<p style=\"margin-top:6px; margin-bottom:2px\">Tool call "
                            "<b><code>%1</code></b></p>").arg(esc(name.isEmpty() ? QStringLiteral("?") : name));
    code(prettyValue(arguments));
    const QJsonObject object = arguments.isString()
                                   ? QJsonDocument::fromJson(arguments.toString().toUtf8()).object()
                                   : arguments.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString text = it.value().toString();
        if (!text.contains(QLatin1Char('\n')))
            continue;
        muted(it.key() + QLatin1Char(':'));
        code(text);
    }
}

void reasoning(Html &html, const cache::Part &part)
{
    if (part.type == u"thinking")
        html.muted(QStringLiteral("Thinking: ") + part.text);
    else if (part.text.isEmpty())   // redacted thinking, or reasoning kept encrypted
        html.muted(QStringLiteral("[%1, encrypted]").arg(part.type));
    else
        html.muted(QStringLiteral("Reasoning summary: ") + part.text);
}

void other(Html &html, const cache::Part &part)
{
    if (part.type == u"refusal")
        html.muted(QStringLiteral("Refused: ") + part.text);
    else if (part.type == u"tokens")
        html.muted(QStringLiteral("[%1 token ids]").arg(part.text));
    else if (part.type == u"item_reference")
        html.muted(QStringLiteral("Item reference %1").arg(part.text));
    else if (!part.type.isEmpty())
        html.muted(QStringLiteral("[%1]").arg(part.type));
}

void renderPart(Html &html, const cache::Part &part)
{
    using Kind = cache::Part::Kind;
    switch (part.kind) {
    case Kind::Text:
        html.text(part.text);
        break;
    case Kind::Image:
        html.muted(QStringLiteral("[image]"));
        break;
    case Kind::Audio:
        html.muted(QStringLiteral("[audio]"));
        break;
    case Kind::File:
        html.muted(QStringLiteral("[%1]").arg(part.type));
        break;
    case Kind::ToolCall:
        html.toolCall(part.name, part.arguments);
        break;
    case Kind::ToolResult:
        html.muted(QStringLiteral("Result of %1").arg(part.callId));
        html.text(part.text);
        break;
    case Kind::Reasoning:
        reasoning(html, part);
        break;
    case Kind::Other:
        other(html, part);
        break;
    }
}

void renderParts(Html &html, const QList<cache::Part> &parts)
{
    for (const cache::Part &part : parts)
        renderPart(html, part);
}

void renderTurn(Html &html, const cache::Turn &turn)
{
    const QString note = turn.callId.isEmpty() ? turn.name
                                               : QStringLiteral("result of %1").arg(turn.callId);
    html.role(turn.role.isEmpty() ? QStringLiteral("message") : turn.role, note);
    renderParts(html, turn.parts);
}

void toolsOffered(Html &html, const QJsonObject &request)
{
    QStringList names;
    for (const QJsonValue &toolValue : request.value(QLatin1String("tools")).toArray()) {
        const QJsonObject tool = toolValue.toObject();
        const QString name = tool.contains(QLatin1String("function"))
                                 ? str(tool.value(QLatin1String("function")).toObject(), "name")
                                 : str(tool, "name");
        if (!name.isEmpty())
            names.append(name);
    }
    if (!names.isEmpty())
        html.muted(QStringLiteral("Tools offered: %1").arg(names.join(QStringLiteral(", "))));
}

void answer(Html &html, const QJsonObject &response)
{
    if (response.value(QLatin1String("type")).toString() == u"message") {   // Anthropic
        html.role(QStringLiteral("answer"), str(response, "stop_reason"));
        renderParts(html, cache::messageTurn(response).parts);
        return;
    }
    if (response.value(QLatin1String("object")).toString() == u"response") {   // Responses
        html.role(QStringLiteral("answer"), str(response, "status"));
        for (const cache::Turn &item : cache::responsesTurns(response.value(QLatin1String("output")).toArray()))
            renderParts(html, item.parts);
        return;
    }
    const QJsonArray choices = response.value(QLatin1String("choices")).toArray();
    for (const QJsonValue &choiceValue : choices) {
        const QJsonObject choice = choiceValue.toObject();
        QString note = str(choice, "finish_reason");
        if (choices.size() > 1)
            note = QStringLiteral("choice %1 %2").arg(choice.value(QLatin1String("index")).toInt() + 1).arg(note);
        html.role(QStringLiteral("answer"), note.trimmed());
        if (choice.contains(QLatin1String("text"))) {   // completions
            html.text(str(choice, "text"));
            continue;
        }
        renderParts(html, cache::messageTurn(choice.value(QLatin1String("message")).toObject()).parts);
    }
    const QJsonArray data = response.value(QLatin1String("data")).toArray();   // embeddings
    if (choices.isEmpty() && !data.isEmpty()) {
        const QJsonValue vector = data.first().toObject().value(QLatin1String("embedding"));
        html.role(QStringLiteral("answer"));
        html.text(vector.isArray() ? QStringLiteral("%1 embedding(s) of %2 dimensions")
                                         .arg(data.size()).arg(vector.toArray().size())
                                   : QStringLiteral("%1 embedding(s), base64-encoded").arg(data.size()));
    }
}

void usage(Html &html, const store::CacheEntry &e)
{
    const qint64 now = clock::nowMs();
    html.heading(QStringLiteral("Usage"));
    // Without usage from the upstream the engine estimates the counts: say so.
    const QString estimated = e.usage.known ? QString() : QStringLiteral(" (estimated)");
    if (e.usage.known || e.usage.promptTokens + e.usage.completionTokens > 0) {
        html.row(QStringLiteral("Prompt tokens"), fmt::count(e.usage.promptTokens) + estimated);
        if (e.usage.cachedPromptTokens > 0)
            html.row(QStringLiteral("  of which cached upstream"), fmt::count(e.usage.cachedPromptTokens));
        html.row(QStringLiteral("Completion tokens"), fmt::count(e.usage.completionTokens) + estimated);
        html.row(QStringLiteral("Total tokens"),
                 fmt::count(e.usage.promptTokens + e.usage.completionTokens) + estimated);
    } else {
        html.row(QStringLiteral("Tokens"), QStringLiteral("not reported by the upstream"));
    }
    if (e.costUsd >= 0)
        html.row(QStringLiteral("Cost"), QStringLiteral("$%1").arg(e.costUsd, 0, 'f', 6));
    if (e.upstreamLatencyMs > 0)
        html.row(QStringLiteral("Upstream took"), QStringLiteral("%1 ms").arg(fmt::count(e.upstreamLatencyMs)));
    html.row(QStringLiteral("Served from cache"),
             e.hitCount == 0 ? QStringLiteral("not yet")
                             : e.hitCount == 1 ? QStringLiteral("once")
                                               : QStringLiteral("%1 times").arg(fmt::count(e.hitCount)));
    html.row(QStringLiteral("Last hit"), e.lastHitAt > 0 ? fmt::fullTime(e.lastHitAt) : QStringLiteral("never"));
    html.row(QStringLiteral("Created"), fmt::fullTime(e.createdAt));
    html.row(QStringLiteral("Expires"), e.expiresAt > 0 ? fmt::fullTime(e.expiresAt) + QStringLiteral(" (")
                                                          + fmt::expiry(e.expiresAt, now) + QLatin1Char(')')
                                                    : QStringLiteral("never"));
    html.row(QStringLiteral("Size"), fmt::size(e.sizeBytes()));
    if (!e.cacheNamespace.isEmpty())
        html.row(QStringLiteral("Namespace"), e.cacheNamespace);
    html.row(QStringLiteral("Key"), QString::fromLatin1(e.key));
    html.flushRows();
}

} // namespace

QString prettyJson(const QByteArray &json)
{
    if (json.size() > kMaxPrettyBytes)
        return QString::fromUtf8(json.left(kMaxPrettyBytes))
               + QStringLiteral("\n… %1 more bytes (export the entry to see all of it)")
                     .arg(fmt::count(json.size() - kMaxPrettyBytes));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        return QString::fromUtf8(json);
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
}

QString conversationHtml(const store::CacheEntry &entry, const Style &style)
{
    Html html(style);
    const QJsonObject request = QJsonDocument::fromJson(entry.clientRequest()).object();
    const QJsonObject response = QJsonDocument::fromJson(entry.responseBody).object();
    const cache::Conversation conversation = cache::Conversation::fromRequest(entry.endpoint, request);
    if (!conversation.turns.isEmpty()) {
        toolsOffered(html, request);
        for (const cache::Turn &turn : conversation.turns)
            renderTurn(html, turn);
    } else {
        html.role(QStringLiteral("request"));
        html.code(prettyJson(entry.clientRequest()));
    }
    if (response.isEmpty()) {
        html.role(QStringLiteral("answer"));
        html.code(prettyJson(entry.responseBody));
    } else {
        answer(html, response);
    }
    usage(html, entry);
    return html.result();
}

QString summaryLine(const store::CacheEntry &e)
{
    QStringList parts { e.model.isEmpty() ? QStringLiteral("(no model)") : e.model, e.endpoint };
    if (!e.route.isEmpty())
        parts.append(QStringLiteral("route /%1").arg(e.route));
    if (e.usage.known)
        parts.append(QStringLiteral("%1 tokens").arg(fmt::count(e.usage.promptTokens + e.usage.completionTokens)));
    parts.append(e.hitCount == 1 ? QStringLiteral("1 hit") : QStringLiteral("%1 hits").arg(fmt::count(e.hitCount)));
    if (e.isStreamed())
        parts.append(QStringLiteral("streamed"));
    if (e.pinned)
        parts.append(QStringLiteral("pinned"));
    if (e.status != 200)
        parts.append(QStringLiteral("HTTP %1").arg(e.status));
    return parts.join(QStringLiteral("  ·  "));
}

namespace {

QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// The namespace the client named with X-Cachette-Namespace, without the part Cachette derives
// from the API key ("team/key-0123…" or just "key-0123…"), which the key itself re-creates.
QString explicitNamespace(const QString &ns)
{
    static const QRegularExpression keyPart(QStringLiteral("(^|/)key-[0-9a-f]{16}$"));
    QString name = ns;
    name.remove(keyPart);
    return name;
}

} // namespace

QString curlCommand(const store::CacheEntry &entry, const QString &baseUrl)
{
    QString endpoint = entry.endpoint;
    while (endpoint.startsWith(QLatin1Char('/')))
        endpoint.remove(0, 1);
    if (endpoint.startsWith(QLatin1String("v1/")))
        endpoint.remove(0, 3);
    QString base = baseUrl;
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    if (!entry.route.isEmpty() && base.endsWith(QLatin1String("/v1")))   // the entry's route
        base.insert(base.size() - 3, QLatin1Char('/') + entry.route);

    // The cache key ignores "stream": put it back so the answer comes the way it was cached.
    QJsonObject body = QJsonDocument::fromJson(entry.clientRequest()).object();
    const bool stream = entry.isStreamed();
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    const QString json = body.isEmpty() ? QString::fromUtf8(entry.clientRequest())
                                        : QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact));

    QStringList lines { QStringLiteral("curl %1%2").arg(stream ? QStringLiteral("-N ") : QString(),
                                                         shellQuote(base + QLatin1Char('/') + endpoint)) };
    lines.append(QStringLiteral("-H 'Content-Type: application/json'"));
    if (endpoint == u"messages") {
        lines.append(QStringLiteral("-H \"x-api-key: $ANTHROPIC_API_KEY\""));
        lines.append(QStringLiteral("-H 'anthropic-version: 2023-06-01'"));
    } else {
        lines.append(QStringLiteral("-H \"Authorization: Bearer $OPENAI_API_KEY\""));
    }
    const QString ns = explicitNamespace(entry.cacheNamespace);
    if (!ns.isEmpty())
        lines.append(QStringLiteral("-H %1").arg(shellQuote(QStringLiteral("X-Cachette-Namespace: ") + ns)));
    lines.append(QStringLiteral("-d %1").arg(shellQuote(json)));
    return lines.join(QStringLiteral(" \\\n  "));
}

} // namespace cachette::ui::entryrenderer
