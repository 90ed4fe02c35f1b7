#pragma once

#include "store/entrycatalog.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QDateEdit;
class QLineEdit;
class QToolButton;

namespace cachette::ui {

class RouteFilterBox;

// The cache browser's filters: a search box, a model, a route and a day range. Says
// changed() once per edit (typing is debounced) and reads back as a store::EntryFilter.
class EntryFilterBar : public QWidget
{
    Q_OBJECT
public:
    explicit EntryFilterBar(QWidget *parent = nullptr);

    store::EntryFilter filter() const;
    // Back to "everything", announced once rather than once per widget.
    void clear();
    // The Clear button is there while something is filtered.
    void setFiltered(bool filtered);
    // The choices follow what the cache holds: its models, its routes, and dates from the day
    // before its oldest entry (oldestMs 0: empty). A chosen model or route stays chosen.
    void setChoices(const QStringList &models, const QStringList &routes, qint64 oldestMs);

Q_SIGNALS:
    void changed();

private:
    QDateEdit *makeDateEdit(const QString &name);
    void setModels(const QStringList &models);
    void announce();

    QLineEdit *m_search;
    QComboBox *m_model;
    RouteFilterBox *m_route;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QToolButton *m_clear;
    QTimer m_searchTimer;   // debounces typing in the search box
};

} // namespace cachette::ui
