#pragma once

// Running the real coding-agent CLIs (installed from npm, tests/agents/package.json) as a user
// would, but offline: a clean environment with a temporary HOME, every proxy variable pointing
// at a closed port (an agent that tries the internet fails at once instead of hanging) and npm
// offline (opencode installs plugins in the background).

#include "fakeupstream.h"

#include <QByteArray>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace cachette::test::agents {

// What one run of an agent did.
struct AgentRun
{
    QString program;
    QStringList arguments;
    int exitCode = -1;
    bool started = false;
    bool crashed = false;
    bool timedOut = false;
    QByteArray out;
    QByteArray err;
    qint64 startedAtMs = 0;    // wall clock (ms since the epoch), as the request log records it
    qint64 finishedAtMs = 0;

    bool ok() const { return started && !crashed && !timedOut && exitCode == 0; }
    double seconds() const { return double(finishedAtMs - startedAtMs) / 1000.0; }
    QString describe() const;   // command, exit, stdout and stderr tails, for failure messages
};

// Runs program to completion (≤ timeoutMs) in its own process group, stdin closed, while this
// thread's event loop keeps running (the fake provider answers from it). Whatever the agent
// left running in its group is killed when it ends.
AgentRun runAgent(const QString &program, const QStringList &arguments,
                  const QProcessEnvironment &environment, const QString &workDir, int timeoutMs);

// A clean environment: PATH, HOME=home and the XDG dirs under it, C.UTF-8, no colours, dead
// proxies (NO_PROXY for 127.0.0.1), npm offline. Nothing of the caller's own keys or base URLs.
QProcessEnvironment offlineEnvironment(const QString &home);

// `npm install` of sourceDir's package.json and package-lock.json into installDir, skipped when the
// same lock file was installed there before (a stamp file) and the CLIs are still present.
bool installPinnedPackages(const QString &npm, const QString &sourceDir, const QString &installDir,
                           const QStringList &expectedFiles, QString *error);

bool writeTextFile(const QString &path, const QByteArray &content, QString *error);

// The fields that differ between two requests the provider got (headers, then JSON paths of
// the bodies), one per line: what an agent changed between two runs.
QString requestDifferences(const RecordedRequest &a, const RecordedRequest &b);

// "#3 POST /v1/responses (40310 bytes)" per request, one per line.
QString describeRequests(const QList<RecordedRequest> &requests);

} // namespace cachette::test::agents
