// The command line and engine configuration: flags, defaults and the messages for bad values.

#include "cli/commandline.h"
#include "proxy/routetable.h"

#include <QTest>

using cachette::CommandLine;
using cachette::EngineConfig;

class TestCommandLine : public QObject
{
    Q_OBJECT

private:
    static CommandLine parse(const QStringList &flags)
    {
        return cachette::parseCommandLine(QStringList{QStringLiteral("cachette")} + flags,
                                          EngineConfig());
    }

private Q_SLOTS:
    // --route adds a route or re-points a built-in; the table resolves /NAME/v1 to it.
    void routesFromTheCommandLine()
    {
        const CommandLine cli = parse({"--headless", "--route", "anthropic=http://127.0.0.1:5/v1",
                                       "--route", "team=https://llm.example.com/api/v1"});
        QCOMPARE(cli.action, CommandLine::Action::Run);
        const auto table = cachette::proxy::RouteTable::withOverrides(cli.config.routes);
        QCOMPARE(table.baseUrl(QStringLiteral("anthropic")), QUrl("http://127.0.0.1:5/v1"));
        QCOMPARE(table.baseUrl(QStringLiteral("team")), QUrl("https://llm.example.com/api/v1"));
        QCOMPARE(table.baseUrl(QStringLiteral("openrouter")), QUrl("https://openrouter.ai/api/v1"));

        const auto routed = table.resolve("/team/v1/chat/completions");
        QVERIFY(routed.found);
        QCOMPARE(routed.route, QStringLiteral("team"));
        QCOMPARE(routed.path, QByteArray("/v1/chat/completions"));
        const auto plain = table.resolve("/v1/messages");
        QVERIFY(plain.found && plain.route.isEmpty() && plain.path == "/v1/messages");
        QVERIFY(!table.resolve("/nobody/v1/chat/completions").found);
        QVERIFY(!table.resolve("/team/chat/completions").found);   // no /v1 after the name
        QVERIFY(!table.resolve("/api/chat").found);
        QVERIFY(!table.resolve("/").found);
    }

    void badRoutesAreExplained_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("message");
        QTest::newRow("no equals") << "anthropic" << "NAME=URL";
        QTest::newRow("reserved") << "v1=http://x/v1" << "Cachette answers /v1";
        QTest::newRow("upper case") << "Team=http://x/v1" << "lowercase";
        QTest::newRow("bad url") << "team=ftp://x" << "route \"team\"";
    }

    void badRoutesAreExplained()
    {
        QFETCH(QString, flag);
        QFETCH(QString, message);
        const CommandLine cli = parse({QStringLiteral("--headless"), QStringLiteral("--route"), flag});
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QVERIFY2(cli.message.contains(message), qPrintable(cli.message));
    }

    void defaultsListenOnLoopback8787()
    {
        const CommandLine cli = parse({QStringLiteral("--headless")});
        QCOMPARE(cli.action, CommandLine::Action::Run);
        QVERIFY(cli.headless);
        QCOMPARE(cli.config.listenAddress, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(cli.config.port, quint16(8787));
        QCOMPARE(cli.config.upstream, QUrl(QStringLiteral("https://api.openai.com/v1")));
        QVERIFY(cli.config.dataDir.endsWith(QStringLiteral("/cachette")));
        QCOMPARE(cli.config.baseUrl(), QStringLiteral("http://127.0.0.1:8787/v1"));
    }

    void flagsOverrideDefaults()
    {
        const CommandLine cli = parse({"--headless", "--listen", "127.0.0.1:0", "--upstream",
                                       "http://127.0.0.1:11434/v1", "--data-dir", "/tmp/x",
                                       "--size-cap", "512M", "--default-ttl", "60",
                                       "--upstream-timeout", "5", "--isolate-by-api-key",
                                       "--allow-origin", "http://localhost:3000"});
        QCOMPARE(cli.action, CommandLine::Action::Run);
        QCOMPARE(cli.config.port, quint16(0));
        QCOMPARE(cli.config.upstream.toString(), QStringLiteral("http://127.0.0.1:11434/v1"));
        QCOMPARE(cli.config.dataDir, QStringLiteral("/tmp/x"));
        QCOMPARE(cli.config.sizeCapBytes, 512LL * 1024 * 1024);
        QCOMPARE(cli.config.defaultTtlSeconds, 60);
        QCOMPARE(cli.config.upstreamTimeoutSeconds, 5);
        QVERIFY(cli.config.isolateByApiKey);
        QCOMPARE(cli.config.access.allowedOrigins,
                 QStringList{QStringLiteral("http://localhost:3000")});
        QVERIFY(cli.given.contains(QStringLiteral("upstream")));
        QVERIFY(!cli.given.contains(QStringLiteral("access-token")));
    }

    void ipv6ListenAddressFormatsBaseUrl()
    {
        const CommandLine cli = parse({"--listen", "[::1]:9000"});
        QCOMPARE(cli.action, CommandLine::Action::Run);
        QCOMPARE(cli.config.baseUrl(), QStringLiteral("http://[::1]:9000/v1"));
    }

    void badValuesGetReadableErrors_data()
    {
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("port too big") << QStringList{"--listen", "127.0.0.1:70000"} << "port";
        QTest::newRow("no port") << QStringList{"--listen", "127.0.0.1"} << "HOST:PORT";
        QTest::newRow("host name") << QStringList{"--listen", "example.com:80"}
                                   << "not an IP address";
        QTest::newRow("ftp upstream") << QStringList{"--upstream", "ftp://x/v1"} << "http://";
        QTest::newRow("no host") << QStringList{"--upstream", "http:///v1"} << "no host";
        QTest::newRow("query in upstream") << QStringList{"--upstream", "http://x/v1?a=1"}
                                           << "base URL";
        QTest::newRow("exposed without token") << QStringList{"--listen", "0.0.0.0:8787"}
                                               << "access token";
        QTest::newRow("size cap") << QStringList{"--size-cap", "lots"} << "--size-cap";
        QTest::newRow("ttl") << QStringList{"--default-ttl", "-3"} << "--default-ttl";
        QTest::newRow("timeout") << QStringList{"--upstream-timeout", "0"} << "--upstream-timeout";
        QTest::newRow("model check without model") << QStringList{"--model-check-url", "http://127.0.0.1:11434/v1"}
                                                   << "--model-check-model";
        QTest::newRow("model check URL") << QStringList{"--model-check-url", "ftp://x/v1", "--model-check-model", "m"}
                                         << "model check URL";
        QTest::newRow("unknown flag") << QStringList{"--frobnicate"} << "frobnicate";
        QTest::newRow("stray word") << QStringList{"serve"} << "serve";
    }

    void badValuesGetReadableErrors()
    {
        QFETCH(QStringList, flags);
        QFETCH(QString, mentions);
        const CommandLine cli = parse(flags);
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QVERIFY2(cli.message.contains(mentions), qPrintable(cli.message));
    }

    void modelCheckIsOffUnlessConfigured()
    {
        QVERIFY(!parse({}).config.semantic.modelCheck.isOn());
        QCOMPARE(parse({}).config.semantic.settings.threshold, 0.80f);
        qputenv("CACHETTE_MODEL_CHECK_API_KEY", "sk-check");
        const CommandLine cli = parse({"--model-check-url", "http://127.0.0.1:11434/v1",
                                       "--model-check-model", "qwen2.5:0.5b"});
        qunsetenv("CACHETTE_MODEL_CHECK_API_KEY");
        QCOMPARE(cli.action, CommandLine::Action::Run);
        QVERIFY(cli.config.semantic.modelCheck.isOn());
        QCOMPARE(cli.config.semantic.modelCheck.model, QStringLiteral("qwen2.5:0.5b"));
        QCOMPARE(cli.config.semantic.modelCheck.apiKey, QByteArray("sk-check"));   // from the environment only
    }

    void exposedListenerAcceptsAToken()
    {
        const CommandLine cli = parse({"--listen", "0.0.0.0:8787", "--access-token", "s3cret"});
        QCOMPARE(cli.action, CommandLine::Action::Run);
        QCOMPARE(cli.config.access.accessToken, QByteArray("s3cret"));
    }

    void helpAndVersion()
    {
        const CommandLine help = parse({"--help"});
        QCOMPARE(help.action, CommandLine::Action::ShowHelp);
        QVERIFY(help.message.contains(QStringLiteral("--headless")));
        QVERIFY(help.message.contains(QStringLiteral("--upstream")));
        const CommandLine version = parse({"--version"});
        QCOMPARE(version.action, CommandLine::Action::ShowVersion);
        QCOMPARE(version.message, QStringLiteral("cachette " CACHETTE_VERSION));
    }

    void byteSizes()
    {
        qint64 bytes = 0;
        QVERIFY(cachette::parseByteSize(QStringLiteral("1G"), &bytes));
        QCOMPARE(bytes, 1LL << 30);
        QVERIFY(cachette::parseByteSize(QStringLiteral("64k"), &bytes));
        QCOMPARE(bytes, 65536);
        QVERIFY(cachette::parseByteSize(QStringLiteral("2048"), &bytes));
        QCOMPARE(bytes, 2048);
        QVERIFY(!cachette::parseByteSize(QStringLiteral("-1M"), &bytes));
        QVERIFY(!cachette::parseByteSize(QString(), &bytes));
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "TestCommandLine.moc"
