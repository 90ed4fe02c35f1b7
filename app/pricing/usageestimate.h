#pragma once

#include "store/cacheentry.h"

#include <QByteArray>
#include <QJsonObject>

namespace cachette::pricing {

// About four characters per token: the usual rule of thumb for English text and code with
// OpenAI-style tokenizers. At least 1.
qint64 estimateTokens(qsizetype characters);

// Token counts guessed from the text when an answer carried no usage (some local servers):
// the prompt from the request's messages (text parts, tool calls, tool definitions), prompt
// or input; the completion from the answer's text and tool calls (0 for embeddings, which
// produce no text). The result has known = false and estimated = true.
store::TokenUsage estimateUsage(const QJsonObject &request, const QByteArray &responseBody);

} // namespace cachette::pricing
