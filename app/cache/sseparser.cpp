#include "sseparser.h"

namespace cachette::cache {

namespace {

// Index of the first CR or LF at or after from, or -1.
qsizetype findLineEnd(const char *data, qsizetype size, qsizetype from)
{
    for (qsizetype i = from; i < size; ++i) {
        if (data[i] == '\n' || data[i] == '\r')
            return i;
    }
    return -1;
}

} // namespace

QList<SseEvent> SseParser::feed(const QByteArray &bytes)
{
    QList<SseEvent> out;
    const char *data = bytes.constData();
    const qsizetype size = bytes.size();
    qsizetype pos = 0;

    // A CR ended the previous feed: an LF starting this one belongs to the same line end.
    if (m_pendingCr && size > 0) {
        m_pendingCr = false;
        if (data[0] == '\n') {
            m_current.raw.append('\n');
            pos = 1;
        }
        if (m_dispatchPending)
            dispatch(out);
    }

    while (pos < size) {
        const qsizetype end = findLineEnd(data, size, pos);
        if (end < 0) {
            m_line.append(data + pos, size - pos);
            break;
        }
        qsizetype next = end + 1;
        if (data[end] == '\r' && next < size && data[next] == '\n')
            ++next;
        const bool loneCrAtEnd = data[end] == '\r' && next == end + 1 && next == size;
        const QByteArrayView terminator(data + end, next - end);
        // Copy only when a line spans feeds; a line inside one feed is parsed in place.
        if (m_line.isEmpty()) {
            takeLine(QByteArrayView(data + pos, end - pos), terminator, loneCrAtEnd, out);
        } else {
            m_line.append(data + pos, end - pos);
            takeLine(m_line, terminator, loneCrAtEnd, out);
            m_line.clear();
        }
        pos = next;
    }
    return out;
}

QList<SseEvent> SseParser::finish()
{
    QList<SseEvent> out;
    if (m_dispatchPending)
        dispatch(out);
    m_pendingCr = false;
    m_line.clear();
    m_current = SseEvent();
    m_hasData = m_hasField = m_hasComment = false;
    return out;
}

void SseParser::takeLine(QByteArrayView line, QByteArrayView terminator, bool mayFollowLf,
                         QList<SseEvent> &out)
{
    m_current.raw.append(line.data(), line.size()).append(terminator.data(), terminator.size());
    m_pendingCr = mayFollowLf;
    if (!line.isEmpty()) {
        if (line.front() == ':')
            m_hasComment = true;
        else
            takeField(line);
        return;
    }
    if (mayFollowLf)
        m_dispatchPending = true;   // the event's raw bytes may still gain that LF
    else
        dispatch(out);
}

void SseParser::takeField(QByteArrayView line)
{
    m_hasField = true;
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView name = colon < 0 ? line : line.first(colon);
    QByteArrayView value = colon < 0 ? QByteArrayView() : line.sliced(colon + 1);
    if (value.startsWith(' '))
        value = value.sliced(1);

    if (name == "data") {
        if (m_hasData)
            m_current.data.append('\n');
        m_current.data.append(value.data(), value.size());
        m_hasData = true;
    } else if (name == "event") {
        m_current.eventName = value.toByteArray();
    }
    // id, retry and unknown fields carry nothing the cache uses; the bytes stay in raw.
}

void SseParser::dispatch(QList<SseEvent> &out)
{
    m_dispatchPending = false;
    // A blank line with nothing before it (a stray extra line end) is no event at all.
    if (m_hasField || m_hasComment) {
        m_current.commentOnly = !m_hasField;
        out.append(std::move(m_current));
    }
    m_current = SseEvent();
    m_hasData = m_hasField = m_hasComment = false;
}

} // namespace cachette::cache
