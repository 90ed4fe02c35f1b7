#pragma once

#include <QString>

class QLabel;

namespace cachette::ui {

// The Settings page's two kinds of note under a field: what is wrong (red, hidden while there is
// nothing to say) and what the field means (grey).
QLabel *makeErrorLabel(const QString &objectName);
QLabel *makeHintLabel(const QString &text);
// Shows error as a sentence under its field, or hides the label when error is empty.
void showFieldError(QLabel *label, const QString &error);

} // namespace cachette::ui
