#pragma once

// Hand-offs between the engine's threads that ThreadSanitizer can see.
//
// Debian's Qt is not built with -fsanitize=thread, and the synchronisation it does inside
// libQt6Core (QMutex's futex, QSemaphore, the event queue, QThread::wait()) is invisible to
// TSan: data handed over that way looks like a race in our own frames. So the engine's threads
// never rely on Qt for ordering: they share data under std::mutex / std::shared_mutex /
// std::condition_variable (pthread, which TSan intercepts), and a thread is joined through
// JoinableThread::join(), which tells TSan what QThread::wait() established. Outside a TSan
// build the annotations compile to nothing.

#include <QThread>

#include <functional>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#define CACHETTE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CACHETTE_TSAN 1
#endif
#endif

#ifdef CACHETTE_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace cachette {

// Everything this thread did before tsanRelease(sync) happens before whatever another thread
// does after a later tsanAcquire(sync) (when the real ordering came from something TSan cannot
// see).
inline void tsanRelease(const void *sync)
{
#ifdef CACHETTE_TSAN
    __tsan_release(const_cast<void *>(sync));
#else
    Q_UNUSED(sync);
#endif
}

inline void tsanAcquire(const void *sync)
{
#ifdef CACHETTE_TSAN
    __tsan_acquire(const_cast<void *>(sync));
#else
    Q_UNUSED(sync);
#endif
}

// A QThread that runs one function (no event loop) and can be joined visibly: run() releases
// after the function returns, join() acquires after wait(). Unlike QThread::create(), nothing of
// ours (no std::future state) is touched on the thread after that release. finished() is
// emitted as for any QThread; a handler that reads what the function produced calls join()
// first (it returns at once, or after the last moments of Qt's own clean-up).
class JoinableThread : public QThread
{
public:
    explicit JoinableThread(std::function<void()> work, QObject *parent = nullptr)
        : QThread(parent), m_work(std::move(work))
    {
    }
    ~JoinableThread() override { join(); }

    void join()
    {
        wait();
        tsanAcquire(this);
    }

protected:
    void run() override
    {
        m_work();
        m_work = nullptr;   // captures go here, on this thread, before the release
        tsanRelease(this);
    }

private:
    std::function<void()> m_work;
};

} // namespace cachette
