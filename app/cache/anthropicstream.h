#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>

// Anthropic Messages streams: named events message_start, content_block_start/_delta/_stop,
// message_delta, message_stop; no [DONE]. Usage is split: input counts in message_start,
// the final output count in message_delta.
namespace cachette::cache::anthropic {

bool isStop(const QJsonObject &event);   // message_stop: the stream ended cleanly
// The usage fields an event carries (empty for most events); later ones override earlier.
QJsonObject usageIn(const QJsonObject &event);
// The Message object built from the events (data objects in stream order).
QJsonObject assembleMessage(const QList<QJsonObject> &events, const QJsonObject &usage);
// SSE events ("event: …\ndata: …\n\n") replaying a stored Message.
QList<QByteArray> synthesizeStream(const QJsonObject &message);

} // namespace cachette::cache::anthropic
