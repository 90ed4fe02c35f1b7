#pragma once

#include "engineconfig.h"

#include <QSet>
#include <QString>
#include <QStringList>

namespace cachette {

// What the command line asks for. The same flags work headless and (later) in the GUI, where
// they override the saved settings for that run only: `given` says which flags were present.
struct CommandLine
{
    enum class Action { Run, ShowHelp, ShowVersion, Error };

    Action action = Action::Run;
    bool headless = false;
    EngineConfig config;
    QSet<QString> given;   // long names of the flags that were present
    QString message;       // help text, version line or the error
};

// args includes the program name, as QCoreApplication::arguments() gives it.
// CACHETTE_ACCESS_TOKEN in the environment sets the token without showing it in `ps`.
CommandLine parseCommandLine(const QStringList &args, const EngineConfig &defaults);

// "1073741824", "512M", "1G", "64K" → bytes; false on anything else.
bool parseByteSize(const QString &text, qint64 *bytes);

} // namespace cachette
