#pragma once

#include <QJsonObject>
#include <QList>

// Builds the non-stream answer from the JSON objects of a recorded OpenAI stream (Anthropic:
// anthropicstream.h). usage is the usage object the stream reported (empty: none was sent).
namespace cachette::cache {

QJsonObject assembleChatCompletion(const QList<QJsonObject> &chunks, const QJsonObject &usage);
QJsonObject assembleTextCompletion(const QList<QJsonObject> &chunks, const QJsonObject &usage);

} // namespace cachette::cache
