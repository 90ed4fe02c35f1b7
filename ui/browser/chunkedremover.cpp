#include "chunkedremover.h"

#include "host/enginehost.h"

namespace cachette::ui {

namespace {

// Deletions go to the engine this many keys at a time (about half a second of its writer).
constexpr int kDeleteChunk = 5000;
// A chunk whose removal was never announced (its keys were already gone) holds the next one
// back no longer than this.
constexpr int kDeleteChunkTimeoutMs = 3000;

} // namespace

ChunkedRemover::ChunkedRemover(EngineHost *host, QObject *parent)
    : QObject(parent)
    , m_host(host)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(kDeleteChunkTimeoutMs);
    connect(&m_timer, &QTimer::timeout, this, &ChunkedRemover::sendChunk);
    connect(m_host, &EngineHost::entriesRemoved, this, [this] {
        if (!m_queue.isEmpty())
            sendChunk();
    });
}

void ChunkedRemover::remove(const QList<QByteArray> &keys)
{
    const bool idle = m_queue.isEmpty();
    m_queue += keys;
    if (idle)
        sendChunk();
}

void ChunkedRemover::sendChunk()
{
    m_timer.stop();
    if (!m_queue.isEmpty()) {
        const qsizetype n = qMin<qsizetype>(kDeleteChunk, m_queue.size());
        m_host->removeEntries(m_queue.mid(0, n));
        m_queue.remove(0, n);
        if (!m_queue.isEmpty())
            m_timer.start();
    }
    Q_EMIT progressed();
}

} // namespace cachette::ui
