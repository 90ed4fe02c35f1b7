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
    // End of input. Yields an event whose closing blank line ended in a CR as the last byte
    // fed (it waits to see whether an LF follows); an event never ended by a blank line is
    // dropped, as WHATWG says.
    QList<SseEvent> finish();
    // Bytes of an event not yet ended by a blank line.
    bool hasPartialEvent() const { return !m_current.raw.isEmpty() || !m_line.isEmpty(); }

private:
    void takeLine(QByteArrayView line, QByteArrayView terminator, bool mayFollowLf,
                  QList<SseEvent> &out);
    void takeField(QByteArrayView line);
    void dispatch(QList<SseEvent> &out);

    QByteArray m_line;       // current incomplete line
    SseEvent m_current;
    bool m_hasData = false;
    bool m_hasField = false;   // a non-comment line: the block is a real event
    bool m_hasComment = false;
    bool m_pendingCr = false;  // the last byte fed was a CR that ended a line; an LF may follow
    bool m_dispatchPending = false;   // ...and that line was the blank one ending the event
};

} // namespace cachette::cache
