#pragma once

#include "store/requestlog.h"
#include "store/cacheentry.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace cachette::ui {

class EngineHost;
class RequestFilterModel;
class RequestLogModel;

// The Requests page: what the proxy answered lately, newest on top, as it happens.
// It starts from the last rows of request_log (read through its own read-only connection)
// and then grows from EngineHost::requestLogged.
class RequestsView : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kInitialRows = 1000;

    explicit RequestsView(EngineHost *host, QWidget *parent = nullptr);

    RequestLogModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    int visibleRowCount() const;
    void reload();   // from the database, e.g. after the data directory changed

Q_SIGNALS:
    // The person asked to see the cache entry behind a request (double click, Enter or the
    // "Show in cache" button). Plain selection does not: arrowing through rows must not
    // throw them onto another page.
    void entrySelected(const QByteArray &key);

private:
    QWidget *buildFilterBar();
    void onRequestLogged(const store::RequestLogRecord &record);
    void onStateChanged();
    void openEntry(const QModelIndex &index);
    void updateSelectionActions();
    void updateCounts();

    EngineHost *m_host;
    store::RequestLog m_reader;
    RequestLogModel *m_model;
    RequestFilterModel *m_filter;
    QComboBox *m_outcome = nullptr;
    QLineEdit *m_search = nullptr;
    QLabel *m_count = nullptr;
    QPushButton *m_showEntry = nullptr;
    QStackedWidget *m_stack;
    QTableView *m_table;
    QLabel *m_empty;
    qint64 m_newestLoadedId = 0;
};

} // namespace cachette::ui
