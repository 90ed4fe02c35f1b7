#include "indexerthread.h"

namespace cachette::semantic {

IndexerThread::IndexerThread(const QString &name, std::function<void(quint32)> work)
    : m_work(std::move(work))
{
    m_thread = std::make_unique<JoinableThread>([this] { run(); });
    m_thread->setObjectName(name);
    // An HNSW insert is ~0.3-1 ms of CPU: below the network thread's work.
    m_thread->start(QThread::LowPriority);
}

IndexerThread::~IndexerThread()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_ids.clear();
    }
    m_wake.notify_all();
    m_thread->join();
}

void IndexerThread::post(quint32 id)
{
    {
        std::lock_guard lock(m_mutex);
        m_ids.push_back(id);
    }
    m_wake.notify_one();
}

void IndexerThread::waitUntilIdle()
{
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return (m_ids.empty() && !m_busy) || m_stopping; });
}

void IndexerThread::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return !m_ids.empty() || m_stopping; });
        if (m_stopping)
            return;
        const quint32 id = m_ids.front();
        m_ids.pop_front();
        m_busy = true;
        lock.unlock();
        m_work(id);
        lock.lock();
        m_busy = false;
        if (m_ids.empty())
            m_idle.notify_all();
    }
}

} // namespace cachette::semantic
