#pragma once

#include <QObject>

class QAction;
class QLabel;
class QMenu;
class QToolButton;
class QWidget;

namespace cachette::ui {

// What the cache browser does to entries: pin, copy as curl, export and delete, the selected
// ones or all that match. The same actions fill the bar above the table and its context menu;
// their shortcuts are the table's alone, so Delete in the search box deletes text, not answers.
class EntryActions : public QObject
{
    Q_OBJECT
public:
    explicit EntryActions(QWidget *table, QObject *parent = nullptr);

    QAction *pin() const { return m_pin; }
    QAction *copyCurl() const { return m_copyCurl; }
    QAction *exportSelected() const { return m_exportSelected; }
    QAction *exportMatching() const { return m_exportMatching; }
    QAction *deleteSelected() const { return m_deleteSelected; }
    QAction *deleteMatching() const { return m_deleteMatching; }

    // The bar: the count at the left, the actions at the right.
    QWidget *buildBar(QLabel *count);
    void fillMenu(QMenu *menu) const;
    // Enabled and named for what they would act on.
    void update(int selected, bool allPinned, qint64 matching, bool hasCurrent);

private:
    QAction *make(const QString &text, const QString &name);

    QWidget *m_table;
    QAction *m_pin;
    QAction *m_copyCurl;
    QAction *m_exportSelected;
    QAction *m_exportMatching;
    QAction *m_deleteSelected;
    QAction *m_deleteMatching;
    QToolButton *m_exportButton = nullptr;
    QToolButton *m_deleteButton = nullptr;
};

} // namespace cachette::ui
