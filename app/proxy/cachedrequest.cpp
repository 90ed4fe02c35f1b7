#include "cachedrequest.h"

#include <QElapsedTimer>

namespace cachette::proxy {

qint64 monotonicUs()
{
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.nsecsElapsed() / 1000;
}

} // namespace cachette::proxy
