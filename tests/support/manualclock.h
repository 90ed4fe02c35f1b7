#pragma once

#include "clock.h"

namespace cachette::test {

// Sets the engine's wall clock (app/clock.h) for its lifetime: the time stands still until
// the test moves it, and the real clock is back once it goes out of scope.
class ManualClock
{
public:
    explicit ManualClock(qint64 nowMs) { set(nowMs); }
    ~ManualClock() { clock::fixedNowMs().store(0); }
    ManualClock(const ManualClock &) = delete;
    ManualClock &operator=(const ManualClock &) = delete;

    void set(qint64 nowMs) { clock::fixedNowMs().store(nowMs); }
    void advance(qint64 ms) { clock::fixedNowMs().fetch_add(ms); }
    qint64 nowMs() const { return clock::fixedNowMs().load(); }
};

} // namespace cachette::test
