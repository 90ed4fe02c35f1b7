#pragma once

#include "engine.h"
#include "store/outcome.h"

#include <QColor>
#include <QIcon>
#include <QString>

namespace cachette::ui {

// How every view names and colours the proxy's state, so the status bar, the tray and the
// banner never disagree.
QString stateName(Engine::State state);     // "Running", "Stopped", "Error"
QColor stateColor(Engine::State state);     // the dot next to the name
QIcon stateDotIcon(Engine::State state, int size = 12);
QIcon trayIcon(Engine::State state);        // resources/icons/tray-*.svg

// "port 8787 on 127.0.0.1 is already in use" → "Port 8787 on 127.0.0.1 is already in use."
// Engine errors are sentence fragments (they also go after "cachette: " on the CLI).
QString asSentence(const QString &fragment);

// Colours of request outcomes (hit, miss, refresh, bypass, error).
QColor outcomeColor(store::Outcome outcome);

} // namespace cachette::ui
