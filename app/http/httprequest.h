#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>

namespace cachette::http {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// One parsed HTTP/1.1 request. Header names keep the client's spelling; lookups ignore case.
struct HttpRequest
{
    QByteArray method;       // "GET", "POST", ...
    QByteArray target;       // as sent: "/v1/chat/completions?x=1"
    QByteArray path;         // "/v1/chat/completions"
    QByteArray query;        // "x=1" (without '?'), empty when absent
    HeaderList headers;
    QByteArray body;         // de-chunked when the client sent Transfer-Encoding: chunked
    int httpMinor = 1;       // HTTP/1.x
    QHostAddress peer;

    // First value of the named header (case-insensitive), or an empty array.
    QByteArray header(const QByteArray &name) const;
    bool hasHeader(const QByteArray &name) const;
};

} // namespace cachette::http
