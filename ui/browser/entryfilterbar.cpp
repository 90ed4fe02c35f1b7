#include "entryfilterbar.h"

#include "clock.h"
#include "routefilterbox.h"

#include <QComboBox>
#include <QDateEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace cachette::ui {

namespace {

constexpr int kSearchDelayMs = 250;   // typing pause before the search runs

} // namespace

EntryFilterBar::EntryFilterBar(QWidget *parent)
    : QWidget(parent)
    , m_search(new QLineEdit)
    , m_model(new QComboBox)
    , m_route(new RouteFilterBox)
    , m_from(makeDateEdit(QStringLiteral("fromDate")))
    , m_to(makeDateEdit(QStringLiteral("toDate")))
    , m_clear(new QToolButton)
{
    m_searchTimer.setSingleShot(true);
    m_searchTimer.setInterval(kSearchDelayMs);
    connect(&m_searchTimer, &QTimer::timeout, this, &EntryFilterBar::announce);

    m_search->setObjectName(QStringLiteral("cacheSearch"));
    m_search->setPlaceholderText(QStringLiteral("Search prompts and answers"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, &m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_search, &QLineEdit::returnPressed, this, &EntryFilterBar::announce);

    m_model->setObjectName(QStringLiteral("modelFilter"));
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_model->setMinimumContentsLength(10);
    m_model->addItem(QStringLiteral("All models"), QString());
    connect(m_model, &QComboBox::currentIndexChanged, this, &EntryFilterBar::announce);
    connect(m_route, &QComboBox::currentIndexChanged, this, &EntryFilterBar::announce);

    m_clear->setObjectName(QStringLiteral("clearFilters"));
    m_clear->setText(QStringLiteral("Clear"));
    m_clear->setToolTip(QStringLiteral("Show every entry again"));
    m_clear->setEnabled(false);
    connect(m_clear, &QToolButton::clicked, this, &EntryFilterBar::clear);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_search, 1);
    layout->addWidget(m_model);
    layout->addWidget(m_route);
    layout->addSpacing(6);
    layout->addWidget(new QLabel(QStringLiteral("From")));
    layout->addWidget(m_from);
    layout->addWidget(new QLabel(QStringLiteral("to")));
    layout->addWidget(m_to);
    layout->addWidget(m_clear);
}

// "any" is the minimum date (the day before the oldest entry, so the calendar opens near the
// entries rather than in the year 2000).
QDateEdit *EntryFilterBar::makeDateEdit(const QString &name)
{
    auto *edit = new QDateEdit;
    edit->setObjectName(name);
    edit->setCalendarPopup(true);
    edit->setDisplayFormat(QStringLiteral("d MMM yyyy"));
    edit->setSpecialValueText(QStringLiteral("any"));
    edit->setMinimumDate(clock::now().date().addDays(-1));
    edit->setDate(edit->minimumDate());
    connect(edit, &QDateEdit::dateChanged, this, &EntryFilterBar::announce);
    return edit;
}

void EntryFilterBar::announce()
{
    m_searchTimer.stop();   // whatever was typed is in this filter already
    Q_EMIT changed();
}

store::EntryFilter EntryFilterBar::filter() const
{
    store::EntryFilter filter;
    if (!m_search->text().trimmed().isEmpty())
        filter.search = m_search->text();
    filter.model = m_model->currentData().toString();
    filter.route = m_route->selectedRoute();
    if (m_from->date() > m_from->minimumDate())
        filter.fromMs = m_from->date().startOfDay().toMSecsSinceEpoch();
    if (m_to->date() > m_to->minimumDate())
        filter.toMs = m_to->date().addDays(1).startOfDay().toMSecsSinceEpoch();   // whole day
    return filter;
}

void EntryFilterBar::clear()
{
    const std::initializer_list<QWidget *> filters{m_search, m_model, m_route, m_from, m_to};
    for (QWidget *w : filters)
        w->blockSignals(true);
    m_search->clear();
    m_model->setCurrentIndex(0);
    m_route->selectAll();
    m_from->setDate(m_from->minimumDate());
    m_to->setDate(m_to->minimumDate());
    for (QWidget *w : filters)
        w->blockSignals(false);
    announce();
}

void EntryFilterBar::setFiltered(bool filtered)
{
    m_clear->setEnabled(filtered);
}

void EntryFilterBar::setChoices(const QStringList &models, const QStringList &routes, qint64 oldestMs)
{
    setModels(models);
    m_route->setRoutes(routes);
    const QDate anyDate = (oldestMs > 0 ? QDateTime::fromMSecsSinceEpoch(oldestMs).date()
                                        : clock::now().date()).addDays(-1);
    for (QDateEdit *edit : { m_from, m_to }) {
        if (edit->minimumDate() == anyDate)
            continue;
        const QSignalBlocker blocker(edit);
        const bool any = edit->date() <= edit->minimumDate();
        edit->setMinimumDate(anyDate);
        if (any)
            edit->setDate(anyDate);
    }
}

void EntryFilterBar::setModels(const QStringList &models)
{
    QStringList shown;
    for (int i = 1; i < m_model->count(); ++i)
        shown.append(m_model->itemData(i).toString());
    if (models == shown)
        return;
    const QString selected = m_model->currentData().toString();
    const QSignalBlocker blocker(m_model);
    while (m_model->count() > 1)
        m_model->removeItem(1);
    for (const QString &model : models)
        m_model->addItem(model, model);
    // A filtered model stays chosen even once its last entry is gone.
    if (!selected.isEmpty() && !models.contains(selected))
        m_model->addItem(selected, selected);
    m_model->setCurrentIndex(qMax(0, m_model->findData(selected)));
}

} // namespace cachette::ui
