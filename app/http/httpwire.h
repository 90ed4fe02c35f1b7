#pragma once

// Private helpers for writing HTTP/1.1 responses; not part of the library's API.

#include "httprequest.h"

#include <QByteArray>

namespace cachette::http::wire {

// "HTTP/1.1 200 OK\r\n"
void appendStatusLine(QByteArray &out, int status);
void appendNumber(QByteArray &out, qint64 value);
void appendHex(QByteArray &out, qint64 value);
void appendHeader(QByteArray &out, const QByteArray &name, const QByteArray &value);

// Headers the server owns because they frame the message on the wire: a caller's copy (often
// forwarded from upstream) would contradict the framing we actually use.
bool isFramingHeader(const QByteArray &name);
// CR or LF in a header would let a value inject its own headers (response splitting).
bool isSafeHeaderValue(const QByteArray &value);
bool statusAllowsBody(int status);
bool equalsIgnoreCase(const QByteArray &a, const char *b);

// A complete response that closes the connection, for answers given without an exchange.
QByteArray closingResponse(int status, const QByteArray &contentType, const QByteArray &body);

} // namespace cachette::http::wire
