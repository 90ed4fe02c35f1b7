#pragma once

#include "store/entrycatalog.h"

#include <QHash>
#include <QList>
#include <QPair>
#include <QTimer>
#include <QWidget>

class QAction;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QSplitter;
class QStackedWidget;
class QTableView;
class QToolButton;

namespace cachette::ui {

class RouteFilterBox;

class EngineHost;
class EntryDetailView;
class EntryTableModel;

// The Cache page: every cached answer, searchable and sortable however many there are, with
// the selected one in full below. Reads through a store::EntryCatalog of its own; deletes and
// pins go through the EngineHost. Follows the engine live (entryStored / entriesRemoved)
// without losing the scroll position or the selection.
class CacheBrowserView : public QWidget
{
    Q_OBJECT
public:
    explicit CacheBrowserView(EngineHost *host, QWidget *parent = nullptr);
    ~CacheBrowserView() override;

    // For tests and the shell.
    QTableView *table() const { return m_table; }
    EntryTableModel *model() const { return m_model; }
    EntryDetailView *detail() const { return m_detail; }
    QList<QByteArray> selectedKeys() const;

public Q_SLOTS:
    // Selects and shows one entry (from the requests view), clearing filters that hide it.
    void showEntry(const QByteArray &key);
    // Re-reads the database now rather than at the next change notification.
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    // Where the user is, by key rather than by row, so it survives rows moving.
    struct Place
    {
        QList<QPair<QByteArray, int>> selected;   // key and row; empty when rows are used
        QList<QPair<int, int>> selectedRows;      // first, last: for selections too big to key
        QByteArray current;
        int currentRow = -1;
        int currentColumn = 0;
        QByteArray top;
        int topRow = -1;
        bool atTop = true;
    };

    QWidget *buildFilterBar();
    QWidget *buildActionBar();
    void buildTable();
    void buildPages();
    void buildActions();
    void fitColumns();
    void connectEngine();

    bool ensureCatalog();
    void scheduleRefresh();
    void applyFilter();
    void clearFilters();
    store::EntryFilter filterFromWidgets() const;
    void updateModels();
    void updateState();
    void updateActions();
    bool selectionPinned(int *selectedRows = nullptr) const;
    void showCurrentEntry();
    QString emptyStateText() const;

    Place capturePlace() const;
    void restorePlace(const Place &place, bool rowsMoved);
    void selectRows(QList<int> rows, int currentRow, int currentColumn);

    void deleteSelected();
    void deleteMatching();
    void removeKeys(const QList<QByteArray> &keys);
    void sendDeleteChunk();
    void togglePin();
    void exportKeys(const QList<QByteArray> &keys, const QString &what);
    void copyAsCurl();
    bool confirm(const QString &title, const QString &text, const QString &action);

    EngineHost *m_host;
    store::EntryCatalog m_catalog;
    QString m_catalogError;        // why the catalog could not be opened, "" when not an error
    EntryTableModel *m_model;
    QTableView *m_table = nullptr;
    EntryDetailView *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_emptyLabel = nullptr;
    QLabel *m_errorLabel = nullptr;
    QLabel *m_countLabel = nullptr;
    QLineEdit *m_search = nullptr;
    QComboBox *m_modelFilter = nullptr;
    RouteFilterBox *m_routeFilter = nullptr;
    QDateEdit *m_from = nullptr;
    QDateEdit *m_to = nullptr;
    QToolButton *m_clearFilters = nullptr;
    QAction *m_pinAction = nullptr;
    QAction *m_deleteAction = nullptr;
    QAction *m_deleteMatchingAction = nullptr;
    QAction *m_exportSelectedAction = nullptr;
    QAction *m_exportMatchingAction = nullptr;
    QAction *m_copyCurlAction = nullptr;
    QTimer m_filterTimer;          // debounces typing in the search box
    QTimer m_refreshTimer;         // coalesces bursts of engine notifications
    QTimer m_deleteTimer;          // sends the next delete chunk if the last went unannounced
    QList<QByteArray> m_deleteQueue;   // keys to delete not yet sent to the engine
    Place m_resetPlace;            // saved across a model reset (sort, filter)
    qint64 m_totalEntries = 0;     // unfiltered
    bool m_dirty = false;          // changed while hidden
    bool m_restoring = false;
    bool m_splitterSized = false;
    QHash<int, int> m_hiddenWidths;   // columns fitColumns() hid, and their widths
};

} // namespace cachette::ui
