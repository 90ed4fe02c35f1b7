#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

class QWidget;

namespace cachette::store {
class EntryCatalog;
}

namespace cachette::ui {

// Asks where to, then writes the entries with these keys there as JSON Lines; says so when
// the file cannot be written. what names them in the dialog and the suggested file name
// ("selected", "matching").
void exportEntries(QWidget *parent, const store::EntryCatalog &catalog,
                   const QList<QByteArray> &keys, const QString &what);

} // namespace cachette::ui
