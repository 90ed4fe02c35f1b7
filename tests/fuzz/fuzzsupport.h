#pragma once

// Shared by the fuzz programs: a failed invariant must abort (libFuzzer records an abort as a
// crash and saves the input), Qt's warnings must stay quiet (they would flood the log at
// thousands of runs a second), and inputs are split into reads without a framing byte of ours
// so the seed corpora stay plain real requests and streams.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QtGlobal>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace fuzzsupport {

[[noreturn]] inline void fail(const char *file, int line, const char *what)
{
    std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    std::abort();
}

// Drops Qt's messages (QIODevice warnings, JSON parse notes); fatal ones still abort.
inline void silenceQt()
{
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &) {
        if (type == QtFatalMsg)
            std::abort();
    });
}

// Cuts data into pieces of 1..64 bytes (now and then larger), the cuts chosen by a PRNG seeded
// from the bytes themselves: every mutation of the input also moves the cuts, and a saved crash
// input replays with the same cuts.
inline QList<QByteArrayView> splitDeterministically(const uint8_t *data, size_t size)
{
    uint64_t state = 1469598103934665603ull;   // FNV-1a offset basis
    for (size_t i = 0; i < size; ++i)
        state = (state ^ data[i]) * 1099511628211ull;
    auto next = [&state] {   // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 2685821657736338717ull;
    };
    QList<QByteArrayView> pieces;
    size_t pos = 0;
    while (pos < size) {
        const uint64_t r = next();
        size_t length = (r & 7) == 0 ? 1 + (r >> 8) % 1024 : 1 + (r >> 8) % 64;
        if (length > size - pos)
            length = size - pos;
        pieces.append(QByteArrayView(reinterpret_cast<const char *>(data) + pos, qsizetype(length)));
        pos += length;
    }
    return pieces;
}

} // namespace fuzzsupport

#define FUZZ_CHECK(condition) \
    ((condition) ? void(0) : fuzzsupport::fail(__FILE__, __LINE__, #condition))
