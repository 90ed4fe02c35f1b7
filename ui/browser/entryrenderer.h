#pragma once

#include "store/cacheentry.h"

#include <QColor>
#include <QString>

namespace cachette::ui::entryrenderer {

// Colours the renderer cannot take from the widget's palette by itself.
struct Style
{
    QColor code = QColor(0xf3, 0xf4, 0xf6);   // background of code and arguments
    QColor muted = QColor(0x6b, 0x72, 0x80);  // secondary text
};

// The conversation of a cached entry as rich text for a QTextBrowser: each turn under its
// role (system, user, assistant, tool), as cache::Conversation reads it, then the cached answer:
// text, refusals, reasoning and tool calls with their name and pretty-printed arguments, and a
// usage table. Understands OpenAI chat, completions, embeddings and Responses (input items and
// output items) and Anthropic messages; anything else shows as JSON.
QString conversationHtml(const store::CacheEntry &entry, const Style &style = {});

// One line above the tabs: "gpt-4o · chat/completions · 46 tokens · 3 hits · streamed".
QString summaryLine(const store::CacheEntry &entry);

// JSON indented for reading; text that is not JSON comes back as it is.
QString prettyJson(const QByteArray &json);

// A shell command that sends this entry's request to the proxy at baseUrl (…/v1), so the
// answer comes back from the cache. The API key is a shell variable, never a real key.
QString curlCommand(const store::CacheEntry &entry, const QString &baseUrl);

} // namespace cachette::ui::entryrenderer
