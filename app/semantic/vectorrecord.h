#pragma once

#include "embedder.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>

namespace cachette::semantic {

// One entry's vector as it is persisted (store::EmbeddingStore keeps the same fields) and
// loaded back at start. text is the compared text: the guards need it, the tuner shows it, and
// a re-embed with another embedder starts from it without parsing the request again.
struct VectorRecord
{
    QByteArray entryKey;
    QString embedderId;
    quint64 contextHash = 0;
    QString text;
    Vector vector;
};

} // namespace cachette::semantic

Q_DECLARE_METATYPE(cachette::semantic::VectorRecord)
