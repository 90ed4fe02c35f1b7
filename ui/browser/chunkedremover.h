#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QTimer>

namespace cachette::ui {

class EngineHost;

// Deletes cache entries through the engine a chunk at a time. The engine's writer commits
// everything queued in one transaction: a million keys at once would hold every other write
// (new answers, hit counts) for a minute or more. Chunks go one at a time, the next when the
// engine reports the previous one gone (or after a timeout, when its keys were already gone
// and nothing was announced). Says progressed() after each chunk sent.
class ChunkedRemover : public QObject
{
    Q_OBJECT
public:
    explicit ChunkedRemover(EngineHost *host, QObject *parent = nullptr);

    void remove(const QList<QByteArray> &keys);
    qsizetype pending() const { return m_queue.size(); }

Q_SIGNALS:
    void progressed();

private:
    void sendChunk();

    EngineHost *m_host;
    QList<QByteArray> m_queue;   // keys to delete not yet sent to the engine
    QTimer m_timer;              // sends the next chunk if the last went unannounced
};

} // namespace cachette::ui
