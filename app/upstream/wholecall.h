#pragma once

#include "upstreamreply.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

namespace cachette::upstream {

class CurlMulti;

// The whole answer to one of the engine's own calls to a provider.
struct WholeAnswer
{
    int status = 0;          // 0 when no answer came
    QByteArray body;
    bool timedOut = false;   // the deadline passed first
    QString error;           // why status is 0 or the body stopped short; empty when whole
    bool isWhole() const { return status != 0 && error.isEmpty(); }
};

// The engine's own calls to a provider (a batch of embeddings, a model check) are billed like the
// proxy's: they go through libcurl and are written at most once (QNetworkAccessManager resends a
// POST when a reused connection dies before the answer). One request, the whole answer at once,
// within timeoutMs (0: no deadline). done() runs on context's thread, never after context is
// gone: the call is cut, silently, when context is destroyed.
void callWhole(CurlMulti *multi, const UpstreamRequest &request, int timeoutMs, QObject *context,
               std::function<void(const WholeAnswer &)> done);

} // namespace cachette::upstream
