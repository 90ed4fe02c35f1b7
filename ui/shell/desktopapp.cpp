#include "desktopapp.h"

#include "cli/commandline.h"
#include "cli/signalwatcher.h"
#include "host/enginehost.h"
#include "mainwindow.h"
#include "common/appsettings.h"
#include "settings/settingsview.h"
#include "shellresources.h"
#include "singleinstance.h"
#include "traycontroller.h"

#include <QApplication>
#include <QIcon>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

namespace cachette::ui {

namespace {

// Started from the autostart entry: stay in the tray rather than open a window at login.
const QString kHiddenFlag = QStringLiteral("--hidden");

void print(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

void setUpApplication()
{
    QApplication::setApplicationName(QStringLiteral("cachette"));
    QApplication::setOrganizationName(QStringLiteral("cachette"));
    QApplication::setApplicationDisplayName(QStringLiteral("Cachette"));
    QApplication::setApplicationVersion(QStringLiteral(CACHETTE_VERSION));
    // Wayland compositors and docks match windows to io.github.cachette.Cachette.desktop.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.cachette.Cachette"));
    ensureResources();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/cachette.svg")));
}

// Flags that override a saved setting, for SettingsView to mention.
QStringList overridingFlags(const CommandLine &cli)
{
    QStringList flags;
    for (const char *name : {"listen", "upstream", "route", "size-cap", "default-ttl",
                             "isolate-by-api-key", "allow-origin", "similarity-threshold",
                             "embeddings-url", "embeddings-model", "model-check-url",
                             "model-check-model"}) {
        if (cli.given.contains(QString::fromLatin1(name)))
            flags.append(QString::fromLatin1(name));
    }
    return flags;
}

// Scripts launching the desktop app from a terminal can wait for the same line as headless.
void announceFirstStart(EngineHost *host)
{
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = QObject::connect(host, &EngineHost::stateChanged, host, [host, connection] {
        if (host->state() != Engine::State::Running)
            return;
        print(stdout, QStringLiteral("listening on %1").arg(host->baseUrl()));
        QObject::disconnect(*connection);
    });
}

void wireWindowAndTray(QApplication &app, MainWindow &window, TrayController &tray,
                       SingleInstance &instance)
{
    window.setHidesToTray(tray.available());
    QApplication::setQuitOnLastWindowClosed(!tray.available());
    QObject::connect(&tray, &TrayController::toggleWindowRequested, &window,
                     &MainWindow::toggleVisible);
    QObject::connect(&tray, &TrayController::showWindowRequested, &window,
                     &MainWindow::bringToFront);
    // exit(), not quit(): Qt 6's quit() first asks every window to close, and the window
    // refuses (it hides to the tray instead), which would cancel the quit.
    QObject::connect(&tray, &TrayController::quitRequested, &app, [] { QApplication::exit(0); });
    QObject::connect(&window, &MainWindow::hiddenToTray, &tray,
                     &TrayController::notifyHiddenToTray);
    QObject::connect(&instance, &SingleInstance::raiseRequested, &window,
                     &MainWindow::bringToFront);
}

// QApplication aborts without a display; say what to do instead.
bool hasDisplay(int argc, char **argv)
{
    for (const char *variable : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) {
        if (!qEnvironmentVariableIsEmpty(variable))
            return true;
    }
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "-platform") == 0)
            return true;
    }
    return false;
}

// The exit code when this launch must end here (another instance runs, or cannot be told).
std::optional<int> claimInstance(SingleInstance &instance)
{
    switch (instance.acquire()) {
    case SingleInstance::Role::Primary:
        return std::nullopt;
    case SingleInstance::Role::Secondary:
        print(stdout, QStringLiteral("cachette is already running: showing its window"));
        return 0;
    case SingleInstance::Role::Failed:
        break;
    }
    print(stderr, QStringLiteral("cachette: %1").arg(instance.errorString()));
    return 1;
}

} // namespace

bool wantsDesktop(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        for (const char *flag : {"--headless", "--help", "-h", "-?", "--help-all", "--version",
                                 "-v"}) {
            if (std::strcmp(argv[i], flag) == 0)
                return false;
        }
    }
    return true;
}

int runDesktop(int &argc, char **argv)
{
    if (!hasDisplay(argc, argv)) {
        print(stderr, QStringLiteral("cachette: no display to show the window on (DISPLAY is "
                                     "not set); run \"cachette --headless\" for the proxy alone"));
        return 1;
    }
    QApplication app(argc, argv);
    setUpApplication();

    QStringList args = QApplication::arguments();
    const bool startHidden = args.removeAll(kHiddenFlag) > 0;
    const AppSettings saved = AppSettings::load(*openSettings());
    // The saved settings are the defaults; flags on the command line win for this run.
    const CommandLine cli = parseCommandLine(args, saved.toEngineConfig());
    if (cli.action == CommandLine::Action::Error) {
        print(stderr, QStringLiteral("cachette: %1").arg(cli.message));
        return 2;
    }

    SingleInstance instance;
    if (const std::optional<int> code = claimInstance(instance))
        return *code;

    EngineHost host;
    host.configure(cli.config);   // valid: parseCommandLine checked it
    announceFirstStart(&host);
    MainWindow window(&host);
    window.settingsView()->setCommandLineOverrides(overridingFlags(cli));
    TrayController tray(&host);
    wireWindowAndTray(app, window, tray, instance);

    SignalWatcher signalWatcher;   // SIGTERM from a session manager: quit cleanly
    QObject::connect(&signalWatcher, &SignalWatcher::terminationRequested, &app,
                     [] { QApplication::exit(0); });

    if (saved.startProxyAtLaunch)
        host.start();
    if (!(startHidden && tray.available()))
        window.show();
    return app.exec();   // ~EngineHost then stops the proxy and flushes the store
}

} // namespace cachette::ui
