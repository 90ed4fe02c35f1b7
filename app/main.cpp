// cachette: the local caching proxy. The desktop app by default; `--headless` runs the engine
// alone (servers, CI, tests).

#include "cli/commandline.h"
#include "cli/signalwatcher.h"
#include "cli/statscommand.h"
#include "engine.h"
#include "proxy/routetable.h"

#include <QCoreApplication>

#ifdef CACHETTE_HAVE_GUI
#include "shell/desktopapp.h"
#endif

#include <cstdio>

namespace {

void print(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

int runHeadless(const cachette::EngineConfig &config)
{
    cachette::Engine engine;
    QString error;
    if (!engine.configure(config, &error) || !engine.start(&error)) {
        print(stderr, QStringLiteral("cachette: %1").arg(error));
        return 1;
    }
    // Scripts and tests wait for exactly this line.
    print(stdout, QStringLiteral("listening on %1").arg(engine.baseUrl()));
    print(stdout, QStringLiteral("upstream %1, data in %2")
                      .arg(config.upstream.toString(), config.dataDir));
    QString root = engine.baseUrl();
    root.chop(2);   // "v1": the routes go under the same root, "http://HOST:PORT/"
    const auto routes = cachette::proxy::RouteTable::withOverrides(config.routes).routes();
    for (auto it = routes.begin(); it != routes.end(); ++it)
        print(stdout, QStringLiteral("route %1%2/v1 -> %3")
                          .arg(root, it.key(), it.value().toString()));

    cachette::SignalWatcher signals;
    QObject::connect(&signals, &cachette::SignalWatcher::terminationRequested, qApp,
                     [](int) { QCoreApplication::quit(); });
    const int code = QCoreApplication::exec();
    engine.shutdown();   // finishes every queued write before the process ends
    print(stdout, QStringLiteral("stopped"));
    return code;
}

} // namespace

int main(int argc, char *argv[])
{
    // `cachette stats`, `cachette export-log`: read the data and exit, no proxy, no window.
    if (cachette::isSubcommand(argc, argv))
        return cachette::runSubcommand(argc, argv);
#ifdef CACHETTE_HAVE_GUI
    // Decided before any application object exists: a QApplication needs a display.
    if (cachette::ui::wantsDesktop(argc, argv))
        return cachette::ui::runDesktop(argc, argv);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cachette"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CACHETTE_VERSION));

    const cachette::CommandLine cli =
        cachette::parseCommandLine(QCoreApplication::arguments(), cachette::EngineConfig());
    switch (cli.action) {
    case cachette::CommandLine::Action::ShowHelp:
    case cachette::CommandLine::Action::ShowVersion:
        print(stdout, cli.message);
        return 0;
    case cachette::CommandLine::Action::Error:
        print(stderr, QStringLiteral("cachette: %1").arg(cli.message));
        return 2;
    case cachette::CommandLine::Action::Run:
        break;
    }
    return runHeadless(cli.config);
}
