// The real coding-agent CLIs from npm (tests/agents/package.json: Codex CLI, Claude Code,
// opencode), each run twice with the same prompt through ONE real `cachette` in front of the
// fake provider: the second run must never reach the provider, and the agent must print the
// same answer. Run 1's requests are checked against the fake's answers, so the text really
// went through the agent; when run 2 does reach the provider, the failure lists every field
// the agent changed between the runs (what a cache key must leave out).
//
// initTestCase installs the CLIs with npm (the lock file) into <build>/tests/agents-node (about 1 GB; the
// npm registry must be reachable; reused while package-lock.json is unchanged). The agents
// themselves run offline: see agentrunner.h.

#include "agentrunner.h"
#include "cachetteprocess.h"
#include "fakeupstream.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

#ifndef CACHETTE_AGENTS_DIR
#define CACHETTE_AGENTS_DIR ""
#endif

using namespace cachette::test;
using namespace cachette::test::agents;

namespace {

const QString kInstallHint = QStringLiteral("run ./packaging/install-deps.sh (it installs nodejs and npm)");
constexpr int kAgentTimeoutMs = 120'000;

// --- The one place that says where each agent points -----------------------------------
// Each agent on its provider's route of one Cachette, as the README sets them up: Codex and
// opencode on /openai, Claude Code on /anthropic; both routes lead to the fake provider, and
// the default /v1 leads nowhere (port 9), so an agent on the wrong route fails.
QString agentRoot(const CachetteProcess &proxy, const QString &route)
{
    return proxy.rootUrl() + QLatin1Char('/') + route;   // "openai" or "anthropic"
}

QStringList proxyArguments(const FakeUpstream &fake)
{
    return {QStringLiteral("--route"), QStringLiteral("openai=") + fake.baseUrl(),
            QStringLiteral("--route"), QStringLiteral("anthropic=") + fake.baseUrl()};
}

// One agent's two runs, as the log check needs them.
struct AgentRecord
{
    QString name;
    qint64 run1From = 0, run1To = 0, run2From = 0, run2To = 0;
    int providerCalls = 0;   // in run 1
    bool done = false;
};

// The cells of one RFC 4180 line (quotes and doubled quotes; no line breaks inside cells).
QStringList csvCells(const QString &line)
{
    QStringList cells;
    QString cell;
    bool quoted = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (quoted && c == QLatin1Char('"') && i + 1 < line.size() && line.at(i + 1) == QLatin1Char('"')) {
            cell += c;
            ++i;
        } else if (c == QLatin1Char('"')) {
            quoted = !quoted;
        } else if (c == QLatin1Char(',') && !quoted) {
            cells << cell;
            cell.clear();
        } else {
            cell += c;
        }
    }
    cells << cell;
    return cells;
}

QString textFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

} // namespace

class TestAgents : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void codexSecondRunFromCache();
    void codexLeavingAtCompletedStillStored();
    void claudeCodeSecondRunFromCache();
    void opencodeSecondRunFromCache();
    void requestLogShowsSecondRunsAsHits();
    void cleanupTestCase();

private:
    // What an agent printed as its answer, from one run.
    using AnswerOf = std::function<QString(const AgentRun &)>;
    struct Agent
    {
        QString name;
        QString program;
        QStringList arguments;
        QProcessEnvironment environment;
        QString workDir;
        QByteArray path;        // the provider path its answer comes from
        AnswerOf answerOf;
    };
    // Both runs; the second must not reach the provider.
    void runTwice(const Agent &agent);
    // An agent with its CLI, arguments, offline environment and working dir under dir.
    Agent makeAgent(const QString &name, const QString &cli, const QString &dir, const QStringList &arguments) const;
    // Codex CLI on a provider model; QVERIFYs inside, so check QTest::currentTestFailed().
    void makeCodexAgent(const QString &model, Agent *agent);
    QString bin(const QString &name) const { return m_installDir + QStringLiteral("/node_modules/.bin/") + name; }
    // A fresh HOME and working dir for one agent, kept for both of its runs.
    QString makeDir(const QString &name);

    QString m_installDir;
    std::unique_ptr<FakeUpstream> m_fake;
    std::unique_ptr<CachetteProcess> m_proxy;
    QList<std::shared_ptr<QTemporaryDir>> m_dirs;
    QList<AgentRecord> m_records;
};

void TestAgents::initTestCase()
{
    const QString binary = CachetteProcess::binaryPath();
    QVERIFY2(!binary.isEmpty(), "CACHETTE_BINARY is not set: run through ctest");
    QVERIFY2(QFileInfo(binary).isExecutable(), qPrintable(binary + QStringLiteral(" is not an executable")));
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty(),
             qPrintable(QStringLiteral("Node.js (node) is not in PATH (codex.js needs it): ") + kInstallHint));
    const QString npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
    QVERIFY2(!npm.isEmpty(), qPrintable(QStringLiteral("npm is not in PATH: ") + kInstallHint));
    const QString sourceDir = QStringLiteral(CACHETTE_AGENTS_DIR);
    QVERIFY2(!sourceDir.isEmpty(), "CACHETTE_AGENTS_DIR is not defined: build through tests/CMakeLists.txt");

    m_installDir = QCoreApplication::applicationDirPath() + QStringLiteral("/agents-node");
    const QStringList clis{QStringLiteral("codex"), QStringLiteral("claude"), QStringLiteral("opencode")};
    QStringList expected;
    for (const QString &cli : clis)
        expected << QStringLiteral("node_modules/.bin/") + cli;
    QString error;
    QVERIFY2(installPinnedPackages(npm, sourceDir, m_installDir, expected, &error), qPrintable(error));

    // Each CLI answers --version with the pinned version (a platform package or an install
    // script that did not run shows here, not as a confusing failure later).
    const QJsonObject pins = QJsonDocument::fromJson(textFile(sourceDir + QStringLiteral("/package.json")).toUtf8())
                                 .object().value(QLatin1String("dependencies")).toObject();
    const QStringList packages{QStringLiteral("@openai/codex"), QStringLiteral("@anthropic-ai/claude-code"),
                               QStringLiteral("opencode-ai")};
    QTemporaryDir home;
    for (int i = 0; i < clis.size(); ++i) {
        const AgentRun run = runAgent(bin(clis[i]), {QStringLiteral("--version")}, offlineEnvironment(home.path()),
                                      home.path(), 30'000);
        const QString version = pins.value(packages[i]).toString();
        QVERIFY2(run.ok() && QString::fromUtf8(run.out).contains(version),
                 qPrintable(QStringLiteral("%1 --version does not say %2:").arg(clis[i], version) + run.describe()));
        qInfo().noquote() << packages[i] << version;
    }

    m_fake = std::make_unique<FakeUpstream>();
    QVERIFY2(m_fake->start(&error), qPrintable(QStringLiteral("fake provider: ") + error));
    Scenario quick;   // answers are a word a frame: Claude Code's prompt makes a long one
    quick.chunkDelayMs = 1;
    quick.endDelayMs = 0;   // the body ends with the last event, as providers write them
    m_fake->setDefaultScenario(quick);
    Scenario lingering = quick;   // the body ends a while after response.completed
    lingering.endDelayMs = 300;
    m_fake->setScenarioForModel(QStringLiteral("gpt-5-fake-lingering"), lingering);
    m_proxy = std::make_unique<CachetteProcess>(QStringLiteral("http://127.0.0.1:9/v1"),
                                                proxyArguments(*m_fake));
    QVERIFY2(m_proxy->start(&error), qPrintable(error));
}

QString TestAgents::makeDir(const QString &name)
{
    auto dir = std::make_shared<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/cachette-%1-XXXXXX").arg(name));
    m_dirs << dir;
    QDir().mkpath(dir->filePath(QStringLiteral("home")));
    QDir().mkpath(dir->filePath(QStringLiteral("work")));
    return dir->path();
}

void TestAgents::runTwice(const Agent &agent)
{
    QVERIFY2(m_proxy && m_proxy->isRunning(), "the proxy is not running (see initTestCase)");
    AgentRecord record;
    record.name = agent.name;

    const int before = m_fake->requestCount();
    const AgentRun first = runAgent(agent.program, agent.arguments, agent.environment, agent.workDir, kAgentTimeoutMs);
    QVERIFY2(first.ok(), qPrintable(QStringLiteral("%1, run 1:").arg(agent.name) + first.describe()));
    const QList<RecordedRequest> firstCalls = m_fake->requests().mid(before);
    record.run1From = first.startedAtMs;
    record.run1To = first.finishedAtMs;
    record.providerCalls = int(firstCalls.size());
    QVERIFY2(!firstCalls.isEmpty(), qPrintable(agent.name + QStringLiteral(" never reached the provider in run 1")
                                               + first.describe()));

    // The answer went through the agent: it is one of the fake's answers to run 1.
    const QString answer = agent.answerOf(first).trimmed();
    QStringList expected;
    for (const RecordedRequest &r : firstCalls) {
        if (r.path == agent.path)
            expected << FakeUpstream::answerText(r.callNumber, FakeUpstream::promptOf(r.path, r.json())).trimmed();
    }
    QVERIFY2(expected.contains(answer),
             qPrintable(QStringLiteral("%1 printed %2\nnot one of the provider's answers:\n%3\nrequests:\n%4")
                            .arg(agent.name, answer.left(400), expected.join(QStringLiteral("\n")).left(2000),
                                 describeRequests(firstCalls)) + first.describe()));

    const int middle = m_fake->requestCount();
    const AgentRun second = runAgent(agent.program, agent.arguments, agent.environment, agent.workDir, kAgentTimeoutMs);
    QVERIFY2(second.ok(), qPrintable(QStringLiteral("%1, run 2:").arg(agent.name) + second.describe()));
    record.run2From = second.startedAtMs;
    record.run2To = second.finishedAtMs;
    const QList<RecordedRequest> secondCalls = m_fake->requests().mid(middle);
    QStringList report;   // what changed: each request of run 2 against run 1's to the same path
    for (const RecordedRequest &r : secondCalls) {
        auto same = std::find_if(firstCalls.cbegin(), firstCalls.cend(),
                                 [&](const RecordedRequest &q) { return q.path == r.path && q.method == r.method; });
        report << describeRequests({r})
               << (same == firstCalls.cend() ? QStringLiteral("(no such request in run 1)")
                                             : requestDifferences(*same, r));
    }
    QVERIFY2(secondCalls.isEmpty(),
             qPrintable(QStringLiteral("%1 reached the provider %2 time(s) in run 2 (run 1: %3):\n%4")
                            .arg(agent.name).arg(secondCalls.size()).arg(firstCalls.size())
                            .arg(report.join(QLatin1Char('\n')))));
    QCOMPARE(agent.answerOf(second).trimmed(), answer);
    record.done = true;
    m_records << record;
    qInfo().noquote() << QStringLiteral("%1: run 1 %2 s, %3 provider call(s):\n%4\nrun 2 %5 s, 0 provider calls")
                             .arg(agent.name).arg(first.seconds(), 0, 'f', 1).arg(firstCalls.size())
                             .arg(describeRequests(firstCalls)).arg(second.seconds(), 0, 'f', 1);
}

TestAgents::Agent TestAgents::makeAgent(const QString &name, const QString &cli, const QString &dir,
                                       const QStringList &arguments) const
{
    Agent agent;
    agent.name = name;
    agent.program = bin(cli);
    agent.arguments = arguments;
    agent.environment = offlineEnvironment(dir + QStringLiteral("/home"));
    agent.workDir = dir + QStringLiteral("/work");
    return agent;
}

// Codex CLI: a custom Responses provider in a temporary CODEX_HOME, `codex exec`, no
// approvals, read-only sandbox, no update check, no analytics, no WebSocket.
void TestAgents::makeCodexAgent(const QString &model, Agent *agent)
{
    const QString dir = makeDir(QStringLiteral("codex"));
    const QString codexHome = dir + QStringLiteral("/home/.codex");
    const QByteArray config = QStringLiteral(
        "model = \"%1\"\n"
        "model_provider = \"cachette\"\n"
        "approval_policy = \"never\"\n"
        "sandbox_mode = \"read-only\"\n"
        "check_for_update_on_startup = false\n"
        "\n"
        "[model_providers.cachette]\n"
        "name = \"Cachette\"\n"
        "base_url = \"%2/v1\"\n"
        "wire_api = \"responses\"\n"
        "env_key = \"CACHETTE_TEST_OPENAI_KEY\"\n"
        "supports_websockets = false\n"
        "request_max_retries = 0\n"
        "stream_max_retries = 0\n"
        "\n"
        "[analytics]\n"
        "enabled = false\n").arg(model, agentRoot(*m_proxy, QStringLiteral("openai"))).toUtf8();
    QString error;
    QVERIFY2(writeTextFile(codexHome + QStringLiteral("/config.toml"), config, &error), qPrintable(error));

    const QString lastMessage = dir + QStringLiteral("/last-message.txt");
    *agent = makeAgent(QStringLiteral("Codex CLI (%1)").arg(model), QStringLiteral("codex"), dir,
                       {QStringLiteral("exec"), QStringLiteral("--strict-config"), QStringLiteral("--skip-git-repo-check"),
                        QStringLiteral("--color"), QStringLiteral("never"), QStringLiteral("-o"), lastMessage,
                        QStringLiteral("Name one prime number.")});
    agent->environment.insert(QStringLiteral("CODEX_HOME"), codexHome);
    agent->environment.insert(QStringLiteral("CACHETTE_TEST_OPENAI_KEY"), QStringLiteral("sk-cachette-agents-codex"));
    agent->path = "/v1/responses";
    agent->answerOf = [lastMessage](const AgentRun &) {
        const QString text = textFile(lastMessage);
        QFile::remove(lastMessage);   // run 2 must write its own
        return text;
    };
}

void TestAgents::codexSecondRunFromCache()
{
    Agent agent;
    makeCodexAgent(QStringLiteral("gpt-5-fake"), &agent);
    if (QTest::currentTestFailed())
        return;
    runTwice(agent);
}

// Codex closes the connection as soon as response.completed arrives. When the provider's body
// ends a little later, Cachette once took that for a client that left mid-answer (499),
// aborted the upstream and stored nothing, so run 2 reached the provider again.
void TestAgents::codexLeavingAtCompletedStillStored()
{
    Agent agent;
    makeCodexAgent(QStringLiteral("gpt-5-fake-lingering"), &agent);
    if (QTest::currentTestFailed())
        return;
    runTwice(agent);
}

// Claude Code: ANTHROPIC_BASE_URL (without /v1: it appends /v1/messages), a dummy key, no
// telemetry, no auto-update, no nonessential traffic; `claude -p`, JSON result.
void TestAgents::claudeCodeSecondRunFromCache()
{
    const QString dir = makeDir(QStringLiteral("claude"));
    Agent agent = makeAgent(QStringLiteral("Claude Code"), QStringLiteral("claude"), dir,
                            {QStringLiteral("-p"), QStringLiteral("--output-format"), QStringLiteral("json"),
                             QStringLiteral("Name one even number.")});
    const QList<QPair<QString, QString>> vars{
        {QStringLiteral("ANTHROPIC_BASE_URL"), agentRoot(*m_proxy, QStringLiteral("anthropic"))},
        {QStringLiteral("ANTHROPIC_API_KEY"), QStringLiteral("sk-ant-cachette-agents")},
        {QStringLiteral("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"), QStringLiteral("1")},
        {QStringLiteral("DISABLE_AUTOUPDATER"), QStringLiteral("1")},
        {QStringLiteral("DISABLE_TELEMETRY"), QStringLiteral("1")},
        {QStringLiteral("DISABLE_ERROR_REPORTING"), QStringLiteral("1")},
    };
    for (const auto &var : vars)
        agent.environment.insert(var.first, var.second);
    agent.path = "/v1/messages";
    agent.answerOf = [](const AgentRun &run) {
        const QJsonObject result = QJsonDocument::fromJson(run.out.trimmed()).object();
        return result.value(QLatin1String("is_error")).toBool() ? QStringLiteral("<is_error>")
                                                               : result.value(QLatin1String("result")).toString();
    };
    runTwice(agent);
}

// opencode: an OpenAI-compatible provider (chat completions) in the user config under a
// temporary XDG_CONFIG_HOME, no models.dev fetch, no auto-update, no sharing, no default
// plugins or LSP downloads; `opencode run --format json`.
void TestAgents::opencodeSecondRunFromCache()
{
    const QString dir = makeDir(QStringLiteral("opencode"));
    QJsonObject model;
    model.insert(QStringLiteral("name"), QStringLiteral("Fake model"));
    QJsonObject models;
    models.insert(QStringLiteral("gpt-fake"), model);
    const QJsonObject provider{
        {"npm", "@ai-sdk/openai-compatible"},
        {"name", "Cachette"},
        {"options", QJsonObject{{"baseURL", QString(agentRoot(*m_proxy, QStringLiteral("openai")) + QStringLiteral("/v1"))},
                                {"apiKey", "sk-cachette-agents-opencode"}}},
        {"models", models}};
    QJsonObject providers;
    providers.insert(QStringLiteral("cachette"), provider);
    const QJsonObject config{{"$schema", "https://opencode.ai/config.json"},
                             {"provider", providers},
                             {"model", "cachette/gpt-fake"},
                             {"small_model", "cachette/gpt-fake"},
                             {"autoupdate", false},
                             {"share", "disabled"}};
    QString error;
    QVERIFY2(writeTextFile(dir + QStringLiteral("/home/.config/opencode/opencode.json"),
                           QJsonDocument(config).toJson(), &error),
             qPrintable(error));

    Agent agent = makeAgent(QStringLiteral("opencode"), QStringLiteral("opencode"), dir,
                            {QStringLiteral("run"), QStringLiteral("--format"), QStringLiteral("json"),
                             QStringLiteral("Name one odd number.")});
    for (const char *name : {"OPENCODE_DISABLE_MODELS_FETCH", "OPENCODE_DISABLE_AUTOUPDATE", "OPENCODE_DISABLE_SHARE",
                             "OPENCODE_DISABLE_DEFAULT_PLUGINS", "OPENCODE_DISABLE_LSP_DOWNLOAD"})
        agent.environment.insert(QString::fromLatin1(name), QStringLiteral("1"));
    agent.path = "/v1/chat/completions";
    agent.answerOf = [](const AgentRun &run) {   // the text parts of its JSON event lines
        QString text;
        for (const QByteArray &line : run.out.split('\n')) {
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            if (event.value(QLatin1String("type")).toString() == QLatin1String("text"))
                text += event.value(QLatin1String("part"))[QLatin1String("text")].toString();
        }
        return text;
    };
    runTwice(agent);
}

// Cachette's own record agrees: every request of a second run is a hit, as many as run 1 made.
void TestAgents::requestLogShowsSecondRunsAsHits()
{
    QVERIFY2(!m_records.isEmpty(), "no agent completed both runs: nothing to check");
    QString error;
    QVERIFY2(m_proxy->stop(&error), qPrintable(error));   // flushes the request log
    const CachetteProcess::RunResult exported = CachetteProcess::run(
        {QStringLiteral("export-log"), QStringLiteral("--csv"), QStringLiteral("-"), QStringLiteral("--data-dir"),
         m_proxy->dataDir()}, 30'000);
    QVERIFY2(exported.exitCode == 0 && !exported.timedOut,
             qPrintable(QString::fromUtf8(exported.err + exported.out).left(2000)));
    const QStringList lines = QString::fromUtf8(exported.out).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
    QVERIFY(!lines.isEmpty());
    const QStringList header = csvCells(lines.first());
    const qsizetype ts = header.indexOf(QStringLiteral("ts_ms"));
    const qsizetype outcome = header.indexOf(QStringLiteral("outcome"));
    const qsizetype endpoint = header.indexOf(QStringLiteral("endpoint"));
    QVERIFY2(ts >= 0 && outcome >= 0 && endpoint >= 0, qPrintable(lines.first()));

    for (const AgentRecord &record : std::as_const(m_records)) {
        QStringList run1, run2;
        for (const QString &line : lines.mid(1)) {
            const QStringList cells = csvCells(line);
            const qint64 at = cells.value(ts).toLongLong();
            const QString what = cells.value(endpoint) + QLatin1Char(' ') + cells.value(outcome);
            if (at >= record.run1From && at <= record.run1To)
                run1 << what;
            else if (at >= record.run2From && at <= record.run2To)
                run2 << what;
        }
        const QString seen = QStringLiteral("%1: run 1 [%2], run 2 [%3]")
                                 .arg(record.name, run1.join(QStringLiteral(", ")), run2.join(QStringLiteral(", ")));
        QVERIFY2(run1.size() == record.providerCalls, qPrintable(seen));
        QVERIFY2(run2.size() == run1.size(), qPrintable(seen));
        for (const QString &what : std::as_const(run2))
            QVERIFY2(what.endsWith(QLatin1String(" hit")), qPrintable(seen));
        qInfo().noquote() << seen;
    }
}

void TestAgents::cleanupTestCase()
{
    m_proxy.reset();
    m_fake.reset();
    m_dirs.clear();
}

QTEST_GUILESS_MAIN(TestAgents)
#include "TestAgents.moc"
