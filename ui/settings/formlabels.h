#pragma once

#include <QString>

class QFormLayout;
class QGroupBox;
class QLabel;
class QWidget;

namespace cachette::ui {

// The Settings page's two kinds of note under a field: what is wrong (red, hidden while there is
// nothing to say) and what the field means (grey).
QLabel *makeErrorLabel(const QString &objectName);
QLabel *makeHintLabel(const QString &text);
// Shows error as a sentence under its field, or hides the label when error is empty.
void showFieldError(QLabel *label, const QString &error);

// Shared by every group of the page (some live in files of their own), so they all look alike.
QFormLayout *makeSettingsForm(QGroupBox *group);
// A field and its two lines below it (what is wrong, what it means) as one form row.
QWidget *fieldWithNotes(QWidget *field, QLabel *error, QLabel *hint = nullptr);
// A widget left-aligned in its form row, at its own width rather than the row's.
QWidget *leftAligned(QWidget *widget);
// A row whose label is labelWidth wide: one width for every group lines all their fields up.
void addSettingsRow(QFormLayout *form, const QString &label, QWidget *field, int labelWidth);

} // namespace cachette::ui
