#pragma once

#include <QByteArray>
#include <QList>

namespace cachette::cache {

// One server-sent event as it arrived. raw holds its exact bytes including the blank line that
// ended it, so a relay can forward it unchanged.
struct SseEvent
{
    QByteArray raw;
    QByteArray eventName;   // "event:" field, empty for the default "message"
    QByteArray data;        // "data:" lines joined with '\n'
    bool commentOnly = false;   // only ':' comment lines (": OPENROUTER PROCESSING")

    bool isDone() const { return data == "[DONE]"; }
};

// Incremental SSE parser (WHATWG framing): accepts bytes in any split, LF, CRLF or CR line ends,
// and yields whole events only. Comment lines never break parsing.
class SseParser
{
public:
    QList<SseEvent> feed(const QByteArray &bytes);
    // Bytes of an event not yet ended by a blank line.
    bool hasPartialEvent() const { return !m_current.raw.isEmpty() || !m_line.isEmpty(); }

private:
    void takeLine(const QByteArray &line, const QByteArray &rawLine, QList<SseEvent> &out);

    QByteArray m_line;       // current incomplete line
    SseEvent m_current;
    bool m_hasData = false;
    bool m_hasField = false;
    bool m_pendingCr = false;
};

} // namespace cachette::cache
