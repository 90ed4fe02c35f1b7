#pragma once

namespace cachette::ui {

// True when this run should open the window: not --headless, and not a question the command
// line answers by itself (--help, --version), which must work without a display.
bool wantsDesktop(int argc, char **argv);

// The desktop app: settings, then command-line flags on top (for this run only), one instance
// per user, the engine on its thread, the window and the tray icon. Creates the QApplication
// itself (hence argc by reference): Qt's own options (-platform, -style…) are removed from the
// arguments only then, before Cachette's flags are read. Returns the process exit code.
int runDesktop(int &argc, char **argv);

} // namespace cachette::ui
