#pragma once

#include <QString>
#include <QStringList>

namespace cachette::pricing {

// The names under which a request's model may be priced, best first:
//   1. the name as sent, then lowercased;
//   2. without provider prefixes ("openai/gpt-4o" → "gpt-4o", "models/gemini-1.5-pro" →
//      "gemini-1.5-pro"); OpenRouter ids stay first because the table has them with their
//      own prices;
//   3. dated snapshots and aliases mapped to their family, one suffix at a time:
//      "-2024-08-06", "-20241022", "-05-20", "-0613"/"-2411", "-001", "-latest", "-preview",
//      "-exp", "-instruct", "-versatile", "-instant", and OpenRouter's routing variants
//      (":nitro", ":floor", ":beta", ":extended", ":thinking", ":online", ":exacto");
//   4. dotted versions in Anthropic's dashed style ("claude-3.5-sonnet" → "claude-3-5-sonnet").
// Only whole suffixes of those shapes go: "gpt-4o" never becomes "gpt-4", "o3-mini" never
// "o3", and an unknown tag such as Ollama's "llama3.1:70b" is kept (and then finds no price).
QStringList priceLookupNames(const QString &model);

// OpenRouter's ":free" variants cost nothing, whatever the paid model costs.
bool isFreeVariant(const QString &model);

} // namespace cachette::pricing
