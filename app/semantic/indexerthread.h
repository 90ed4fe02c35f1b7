#pragma once

#include "threadhandoff.h"

#include <QString>
#include <QtGlobal>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace cachette::semantic {

// SemanticCache's indexer: a thread of its own that calls work(id) for every post(id), in
// order. Ids are handed over under a std::mutex rather than as queued calls through Qt's event
// loop, whose ordering ThreadSanitizer cannot see (threadhandoff.h). work() does its own
// locking of what it shares with the posting thread.
class IndexerThread
{
public:
    IndexerThread(const QString &name, std::function<void(quint32)> work);
    ~IndexerThread();   // ids still waiting are dropped; the one being worked on finishes
    Q_DISABLE_COPY_MOVE(IndexerThread)

    void post(quint32 id);
    // Blocks until every id posted so far has been worked on.
    void waitUntilIdle();

private:
    void run();

    const std::function<void(quint32)> m_work;
    std::mutex m_mutex;
    std::condition_variable m_wake;   // for the thread: an id, or stopping
    std::condition_variable m_idle;   // for waitUntilIdle()
    std::deque<quint32> m_ids;
    bool m_busy = false;              // work() is running
    bool m_stopping = false;
    std::unique_ptr<JoinableThread> m_thread;
};

} // namespace cachette::semantic
