#include "entryexport.h"

#include "common/format.h"
#include "store/entrycatalog.h"

#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QMessageBox>
#include <QSaveFile>
#include <QStandardPaths>

namespace cachette::ui {

void exportEntries(QWidget *parent, const store::EntryCatalog &catalog,
                   const QList<QByteArray> &keys, const QString &what)
{
    if (keys.isEmpty())
        return;
    const QString suggested = QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                                  .filePath(QStringLiteral("cachette-%1.jsonl").arg(what));
    const QString path = QFileDialog::getSaveFileName(
        parent, QStringLiteral("Export %1 cached answers").arg(format::count(keys.size())), suggested,
        QStringLiteral("JSON Lines (*.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    QSaveFile file(path);
    QString error;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const bool ok = file.open(QIODevice::WriteOnly) && catalog.exportJsonl(keys, &file, &error)
                    && file.commit();
    QApplication::restoreOverrideCursor();
    if (!ok)
        QMessageBox::warning(parent, QStringLiteral("Export failed"),
                             QStringLiteral("Could not write %1: %2")
                                 .arg(QDir::toNativeSeparators(path),
                                      error.isEmpty() ? file.errorString() : error));
}

} // namespace cachette::ui
