#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

// OpenAI Responses API streams (POST /v1/responses, "stream": true): named events
// "event: <type>\ndata: {"type":"<type>",…,"sequence_number":N}", no [DONE]. The stream ends
// with response.completed (carrying the whole Response object, usage included), or with
// response.failed / response.incomplete / a top-level error event.
namespace cachette::cache::responses {

bool isCompleted(const QJsonObject &event);   // response.completed: the stream ended cleanly
// error, response.failed or response.incomplete: a stream carrying one is never stored.
bool isFailure(const QJsonObject &event);
// The OpenAI-style body {"error":{"message","type","param","code"}} a non-stream client
// should get for a failure event (empty for any other event).
QJsonObject errorBody(const QJsonObject &event);
// response.usage of response.completed (input_tokens, output_tokens, input_tokens_details,
// output_tokens_details, total_tokens); empty for every other event.
QJsonObject usageIn(const QJsonObject &event);
// The Response object a non-stream request would have got: the one response.completed (or
// response.incomplete / response.failed) carries. When its output is missing or empty while
// the stream carried items, output is rebuilt in output_index order from output_item.done
// items, or from the deltas where an item never got its done event. Empty without any
// terminal event.
QJsonObject assembleResponse(const QList<QJsonObject> &events);
// SSE events replaying a stored Response, in the order and shapes OpenAI streams them.
QList<QByteArray> synthesizeStream(const QJsonObject &response);
// The text of every output_text part of the message items, concatenated (what the SDKs
// expose as response.output_text), for display.
QString outputText(const QJsonObject &response);

} // namespace cachette::cache::responses
