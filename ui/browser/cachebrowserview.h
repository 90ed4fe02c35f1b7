#pragma once

#include "store/entrycatalog.h"

#include <QList>
#include <QTimer>
#include <QWidget>

class QLabel;
class QSplitter;
class QStackedWidget;
class QTableView;

namespace cachette::ui {

class ChunkedRemover;
class EngineHost;
class EntryActions;
class EntryDetailView;
class EntryFilterBar;
class EntryTableModel;
class EntryTableView;
class SelectionKeeper;

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
    QTableView *table() const;
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

private:
    QWidget *buildActionBar();
    void buildTable();
    void buildPages();
    void buildActions();
    void connectEngine();

    bool ensureCatalog();
    void scheduleRefresh();
    void applyFilter();
    void updateModels();
    void updateState();
    void updateActions();
    bool selectionPinned(int *selectedRows = nullptr) const;
    void showCurrentEntry();
    QString emptyStateText() const;

    void deleteSelected();
    void deleteMatching();
    void togglePin();
    void copyAsCurl();
    bool confirm(const QString &title, const QString &text, const QString &action);

    EngineHost *m_host;
    store::EntryCatalog m_catalog;
    QString m_catalogError;        // why the catalog could not be opened, "" when not an error
    EntryTableModel *m_model;
    ChunkedRemover *m_remover;
    EntryTableView *m_table = nullptr;
    SelectionKeeper *m_keeper = nullptr;
    EntryFilterBar *m_filterBar = nullptr;
    EntryDetailView *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;
    QStackedWidget *m_stack = nullptr;
    QLabel *m_emptyLabel = nullptr;
    QLabel *m_errorLabel = nullptr;
    QLabel *m_countLabel = nullptr;
    EntryActions *m_actions = nullptr;
    QTimer m_refreshTimer;         // coalesces bursts of engine notifications
    qint64 m_totalEntries = 0;     // unfiltered
    bool m_dirty = false;          // changed while hidden
    bool m_splitterSized = false;
};

} // namespace cachette::ui
