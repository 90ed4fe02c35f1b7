#pragma once

namespace cachette::ui {

// Registers resources/resources.qrc. It is compiled into the static cachette_ui library, whose
// automatic registration the linker drops when nothing references it: every shell class that
// needs an icon calls this first. Safe to call any number of times.
void ensureResources();

} // namespace cachette::ui
