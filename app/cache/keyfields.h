#pragma once

#include "endpointkind.h"

#include <QJsonObject>
#include <QList>
#include <QString>

// Which fields of a request body are part of its cache key, per dialect: one table, so the rule
// is visible (the README copies it) and tested field by field. A field in the key is one that
// can change the answer; a field out of it only says how the answer is delivered, who is billed
// or how the client tags its session. A field a table does not name stays in the key: an
// unknown field might change the answer, and a needless miss costs less than a wrong hit.
namespace cachette::cache {

struct KeyField
{
    const char *path;   // "stream", "tools[].eager_input_streaming", "input[].id (messages, outputs)"
    bool inKey;
    const char *why;
};

// Every field the dialect's table names, in the order the README lists them.
const QList<KeyField> &keyFieldTable(EndpointKind kind);

// The body without the fields that are out of the key (nested ones included): what the
// canonical form serialises.
QJsonObject keyedFields(QJsonObject body, EndpointKind kind);

} // namespace cachette::cache
