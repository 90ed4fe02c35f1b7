#include "agentrunner.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QSaveFile>
#include <QTest>

#include <csignal>
#include <unistd.h>

namespace cachette::test::agents {

namespace {

// Nothing listens on the discard port: an agent's call to the internet fails at once.
const QString kDeadProxy = QStringLiteral("http://127.0.0.1:9");
const QString kStampName = QStringLiteral(".cachette-installed-lock.json");

QString tail(const QByteArray &bytes, int size = 4000)
{
    return QString::fromUtf8(bytes.right(size));
}

void killGroup(qint64 pid)
{
    if (pid > 0)
        ::kill(-pid_t(pid), SIGKILL);   // the agent's own group (setsid below), nothing else
}

} // namespace

QString AgentRun::describe() const
{
    const QString state = !started ? QStringLiteral("did not start")
                          : timedOut ? QStringLiteral("timed out (killed)")
                          : crashed  ? QStringLiteral("crashed")
                                     : QStringLiteral("exit code %1").arg(exitCode);
    return QStringLiteral("\n  command: %1 %2\n  %3 after %4 s\n  --- stdout ---\n%5\n  --- stderr ---\n%6")
        .arg(program, arguments.join(QLatin1Char(' ')), state)
        .arg(seconds(), 0, 'f', 1)
        .arg(tail(out), tail(err));
}

AgentRun runAgent(const QString &program, const QStringList &arguments,
                  const QProcessEnvironment &environment, const QString &workDir, int timeoutMs)
{
    AgentRun run;
    run.program = program;
    run.arguments = arguments;
    QProcess process;
    process.setProgram(program);
    process.setArguments(arguments);
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(workDir);
    // A group of its own, so a timeout also ends the helpers it started (codex.js runs the
    // Rust binary as a child).
    process.setChildProcessModifier([] { ::setsid(); });
    run.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    process.start();
    run.started = process.waitForStarted(30'000);
    if (!run.started) {
        run.err = process.errorString().toUtf8();
        run.finishedAtMs = QDateTime::currentMSecsSinceEpoch();
        return run;
    }
    process.closeWriteChannel();   // agents read a prompt from stdin when it is open
    const qint64 pid = process.processId();
    // Not waitForFinished(): the fake provider answers from this thread's event loop.
    const bool finished = QTest::qWaitFor([&] {
        run.out += process.readAllStandardOutput();
        run.err += process.readAllStandardError();
        return process.state() == QProcess::NotRunning;
    }, timeoutMs);
    if (!finished) {
        run.timedOut = true;
        killGroup(pid);
        process.waitForFinished(5000);
    }
    killGroup(pid);   // what it left behind
    run.out += process.readAllStandardOutput();
    run.err += process.readAllStandardError();
    run.finishedAtMs = QDateTime::currentMSecsSinceEpoch();
    run.crashed = process.exitStatus() != QProcess::NormalExit;
    run.exitCode = process.exitCode();
    return run;
}

QProcessEnvironment offlineEnvironment(const QString &home)
{
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    QProcessEnvironment env;
    env.insert(QStringLiteral("PATH"), system.value(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin")));
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/.config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/.local/share"));
    env.insert(QStringLiteral("XDG_STATE_HOME"), home + QStringLiteral("/.local/state"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/.cache"));
    env.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
    env.insert(QStringLiteral("TERM"), QStringLiteral("dumb"));
    env.insert(QStringLiteral("NO_COLOR"), QStringLiteral("1"));
    for (const char *name : {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"})
        env.insert(QString::fromLatin1(name), kDeadProxy);
    env.insert(QStringLiteral("NO_PROXY"), QStringLiteral("127.0.0.1,localhost"));
    env.insert(QStringLiteral("no_proxy"), QStringLiteral("127.0.0.1,localhost"));
    env.insert(QStringLiteral("npm_config_offline"), QStringLiteral("true"));
    env.insert(QStringLiteral("npm_config_update_notifier"), QStringLiteral("false"));
    return env;
}

bool writeTextFile(const QString &path, const QByteArray &content, QString *error)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size() || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool installPinnedPackages(const QString &npm, const QString &sourceDir, const QString &installDir,
                           const QStringList &expectedFiles, QString *error)
{
    QFile lockSource(sourceDir + QStringLiteral("/package-lock.json"));
    QFile manifest(sourceDir + QStringLiteral("/package.json"));
    if (!lockSource.open(QIODevice::ReadOnly) || !manifest.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1/package.json and package-lock.json").arg(sourceDir);
        return false;
    }
    const QByteArray lock = lockSource.readAll();
    const auto installed = [&] {
        for (const QString &file : expectedFiles) {
            if (!QFileInfo::exists(installDir + QLatin1Char('/') + file))
                return false;
        }
        return true;
    };
    QFile stamp(installDir + QLatin1Char('/') + kStampName);
    if (stamp.open(QIODevice::ReadOnly) && stamp.readAll() == lock && installed())
        return true;   // the same pinned versions are there already (the install is ~1 GB)
    stamp.close();

    QDir().mkpath(installDir);
    if (!writeTextFile(installDir + QStringLiteral("/package.json"), manifest.readAll(), error)
        || !writeTextFile(installDir + QStringLiteral("/package-lock.json"), lock, error))
        return false;
    QFile::remove(stamp.fileName());
    QDir(installDir + QStringLiteral("/node_modules")).removeRecursively();

    // `npm install` with the lock, not `npm ci`: the lock holds only the platform packages the
    // registry had (opencode-ai names platform packages some registries lack, and npm leaves
    // them out of the lock), which `npm ci` refuses as "out of sync". Every version is still
    // pinned: the CLIs exactly in package.json, their platform packages by the CLIs.
    QProcess process;
    process.setProgram(npm);
    process.setArguments({QStringLiteral("install"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
                          QStringLiteral("--no-save"), QStringLiteral("--prefix"), installDir});
    process.setWorkingDirectory(installDir);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start();
    if (!process.waitForStarted(30'000)) {
        *error = QStringLiteral("cannot start npm: ") + process.errorString();
        return false;
    }
    if (!process.waitForFinished(240'000)) {
        process.kill();
        process.waitForFinished(5000);
        *error = QStringLiteral("npm install did not finish within 4 minutes (is the npm registry reachable?):\n")
                 + tail(process.readAll());
        return false;
    }
    const QByteArray output = process.readAll();
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        *error = QStringLiteral("npm install --prefix %1 failed (exit code %2):\n%3")
                     .arg(installDir).arg(process.exitCode()).arg(tail(output));
        return false;
    }
    if (!installed()) {
        *error = QStringLiteral("npm install left no %1 in %2 (were install scripts skipped?):\n%3")
                     .arg(expectedFiles.join(QStringLiteral(", ")), installDir, tail(output));
        return false;
    }
    return writeTextFile(stamp.fileName(), lock, error);
}

namespace {

void flatten(const QJsonValue &value, const QString &path, QMap<QString, QString> *out)
{
    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            flatten(it.value(), path + QLatin1Char('.') + it.key(), out);
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            flatten(array.at(i), path + QStringLiteral("[%1]").arg(i), out);
    } else {
        out->insert(path, QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact)).mid(1).chopped(1));
    }
}

QString shorten(const QString &text)
{
    return text.size() <= 160 ? text : text.left(150) + QStringLiteral("…(%1 chars)").arg(text.size());
}

} // namespace

QString requestDifferences(const RecordedRequest &a, const RecordedRequest &b)
{
    QStringList lines;
    if (a.target != b.target)
        lines << QStringLiteral("target: %1 | %2").arg(QString::fromUtf8(a.target), QString::fromUtf8(b.target));
    QMap<QString, QString> ha, hb;
    for (const auto &h : a.headers)
        ha.insert(QString::fromLatin1(h.first).toLower(), QString::fromUtf8(h.second));
    for (const auto &h : b.headers)
        hb.insert(QString::fromLatin1(h.first).toLower(), QString::fromUtf8(h.second));
    QMap<QString, QString> fa, fb;
    flatten(QJsonDocument::fromJson(a.body).object(), QString(), &fa);
    flatten(QJsonDocument::fromJson(b.body).object(), QString(), &fb);
    const auto compare = [&](const QString &kind, const QMap<QString, QString> &x, const QMap<QString, QString> &y) {
        QStringList keys = x.keys() + y.keys();
        keys.removeDuplicates();
        keys.sort();
        for (const QString &key : std::as_const(keys)) {
            if (x.value(key, QStringLiteral("<absent>")) != y.value(key, QStringLiteral("<absent>")))
                lines << QStringLiteral("%1 %2: %3 | %4").arg(kind, key, shorten(x.value(key, QStringLiteral("<absent>"))),
                                                            shorten(y.value(key, QStringLiteral("<absent>"))));
        }
    };
    compare(QStringLiteral("header"), ha, hb);
    compare(QStringLiteral("body"), fa, fb);
    return lines.isEmpty() ? QStringLiteral("(identical)") : lines.join(QLatin1Char('\n'));
}

QString describeRequests(const QList<RecordedRequest> &requests)
{
    QStringList lines;
    for (const RecordedRequest &r : requests)
        lines << QStringLiteral("#%1 %2 %3 (%4 bytes)").arg(r.callNumber).arg(QString::fromLatin1(r.method),
                                                                           QString::fromUtf8(r.target))
                     .arg(r.body.size());
    return lines.join(QLatin1Char('\n'));
}

} // namespace cachette::test::agents
