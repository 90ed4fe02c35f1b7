// SingleInstance: the second launch raises the first; a dead owner's lock is taken over.

#include "shell/singleinstance.h"
#include "uitest.h"

#include <QLockFile>
#include <QProcess>
#include <QSignalSpy>
#include <QSysInfo>

using cachette::ui::SingleInstance;

class TestSingleInstance : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void secondLaunchRaisesTheFirst()
    {
        QTemporaryDir dir;
        SingleInstance first(dir.path());
        QCOMPARE(first.acquire(), SingleInstance::Role::Primary);
        QSignalSpy raised(&first, &SingleInstance::raiseRequested);

        SingleInstance second(dir.path());
        QCOMPARE(second.acquire(), SingleInstance::Role::Secondary);
        QTRY_COMPARE(raised.count(), 1);
    }

    void defaultDirectoryIsTheRuntimeDir()
    {
        QCOMPARE(SingleInstance::defaultDirectory(), qEnvironmentVariable("XDG_RUNTIME_DIR"));
    }

    void aDeadOwnersLockIsTakenOver()
    {
        QTemporaryDir dir;
        // What a crashed Cachette leaves behind: a lock naming a process that no longer exists,
        // and its socket file.
        QFile lock(dir.filePath(QStringLiteral("cachette.lock")));
        QVERIFY(lock.open(QIODevice::WriteOnly));
        lock.write(QByteArray::number(deadPid()) + "\ncachette\n"
                   + QSysInfo::machineHostName().toUtf8() + '\n');
        lock.close();
        QFile socket(dir.filePath(QStringLiteral("cachette.socket")));
        QVERIFY(socket.open(QIODevice::WriteOnly));
        socket.close();

        SingleInstance next(dir.path());
        QCOMPARE(next.acquire(), SingleInstance::Role::Primary);
        QSignalSpy raised(&next, &SingleInstance::raiseRequested);
        SingleInstance later(dir.path());
        QCOMPARE(later.acquire(), SingleInstance::Role::Secondary);
        QTRY_COMPARE(raised.count(), 1);
    }

    void lockIsReleasedOnExit()
    {
        QTemporaryDir dir;
        {
            SingleInstance first(dir.path());
            QCOMPARE(first.acquire(), SingleInstance::Role::Primary);
        }
        SingleInstance next(dir.path());
        QCOMPARE(next.acquire(), SingleInstance::Role::Primary);
    }

private:
    // A process id that is certainly free: one of a child that has exited and been reaped.
    static qint64 deadPid()
    {
        QProcess child;
        child.start(QStringLiteral("true"), QStringList());
        child.waitForStarted();
        const qint64 pid = child.processId();
        child.waitForFinished();
        return pid;
    }
};

CACHETTE_UI_TEST_MAIN(TestSingleInstance)
#include "TestSingleInstance.moc"
