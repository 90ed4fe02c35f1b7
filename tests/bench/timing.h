#pragma once

// Shared by the GUI benchmarks (browser_bench, dashboard_bench): the median of several runs of
// one piece of work, as docs/benchmarks.md records them (the machine is noisy: medians only).

#include <QElapsedTimer>
#include <QString>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

namespace cachette::bench {

struct Result
{
    double median, min, max;   // milliseconds
};

inline Result measure(int runs, const std::function<void()> &work)
{
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        QElapsedTimer timer;
        timer.start();
        work();
        ms.push_back(timer.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.front(), ms.back()};
}

// One line of a report: what, padded to width, then the median and the range.
inline void report(const QString &what, const Result &r, int width = 58)
{
    std::printf("%-*s %9.2f ms  (min %.2f, max %.2f)\n", width, qPrintable(what), r.median, r.min, r.max);
}

} // namespace cachette::bench
