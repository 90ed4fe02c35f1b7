#include "dashboardrangebar.h"

#include "clock.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDateEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

namespace cachette::ui {

DashboardRangeBar::DashboardRangeBar(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(8);
    layout->addLayout(buildRangeRow());
    layout->addWidget(buildCustomDates());
}

QLayout *DashboardRangeBar::buildRangeRow()
{
    auto *row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(0);
    m_rangeButtons = new QButtonGroup(this);
    const std::pair<RangeKind, QString> ranges[] = {
        {RangeKind::Today, QStringLiteral("Today")},   {RangeKind::Week, QStringLiteral("7 days")},
        {RangeKind::Month, QStringLiteral("30 days")}, {RangeKind::All, QStringLiteral("All")},
        {RangeKind::Custom, QStringLiteral("Custom")},
    };
    for (const auto &[kind, name] : ranges) {
        auto *button = new QToolButton;
        button->setText(name);
        button->setCheckable(true);
        button->setProperty("rangeButton", true);
        button->setProperty("first", kind == RangeKind::Today);
        button->setProperty("last", kind == RangeKind::Custom);
        button->setObjectName(QStringLiteral("range%1").arg(int(kind)));
        m_rangeButtons->addButton(button, int(kind));
        row->addWidget(button);
    }
    m_rangeButtons->button(int(m_range))->setChecked(true);
    connect(m_rangeButtons, &QButtonGroup::idClicked, this, [this](int id) {
        setRange(RangeKind(id));
        Q_EMIT changed();
    });
    row->addStretch(1);
    row->addSpacing(12);
    m_model = new QComboBox;
    m_model->setObjectName(QStringLiteral("modelFilter"));
    m_model->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_model->setMinimumContentsLength(16);
    m_model->addItem(QStringLiteral("All models"), QString());
    connect(m_model, &QComboBox::activated, this, &DashboardRangeBar::changed);
    row->addWidget(m_model);
    return row;
}

QWidget *DashboardRangeBar::buildCustomDates()
{
    m_customDates = new QWidget;
    auto *layout = new QHBoxLayout(m_customDates);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    m_from = new QDateEdit(clock::now().date().addDays(-13));
    m_to = new QDateEdit(clock::now().date());
    for (QDateEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("d MMM yyyy"));
        edit->setMaximumDate(clock::now().date().addYears(1));
        connect(edit, &QDateEdit::dateChanged, this, [this] {
            if (m_range == RangeKind::Custom)
                Q_EMIT changed();
        });
    }
    m_from->setObjectName(QStringLiteral("customFrom"));
    m_to->setObjectName(QStringLiteral("customTo"));
    layout->addWidget(new QLabel(QStringLiteral("From")));
    layout->addWidget(m_from);
    layout->addWidget(new QLabel(QStringLiteral("to")));
    layout->addWidget(m_to);
    layout->addStretch(1);
    m_customDates->setVisible(false);
    return m_customDates;
}

void DashboardRangeBar::setRange(RangeKind kind)
{
    m_range = kind;
    m_rangeButtons->button(int(kind))->setChecked(true);
    m_customDates->setVisible(kind == RangeKind::Custom);
}

QDate DashboardRangeBar::customFrom() const
{
    return m_from->date();
}

QDate DashboardRangeBar::customTo() const
{
    return m_to->date();
}

void DashboardRangeBar::setCustomDates(QDate from, QDate to)
{
    const QSignalBlocker blockFrom(m_from);
    const QSignalBlocker blockTo(m_to);
    m_from->setDate(from);
    m_to->setDate(to);
}

QString DashboardRangeBar::model() const
{
    return m_model->currentData().toString();
}

void DashboardRangeBar::selectModel(const QString &model)
{
    m_model->setCurrentIndex(qMax(0, m_model->findData(model)));
}

QStringList DashboardRangeBar::models() const
{
    QStringList names;
    for (int i = 1; i < m_model->count(); ++i)
        names.append(m_model->itemData(i).toString());
    return names;
}

void DashboardRangeBar::setModels(const QStringList &names)
{
    const QString current = model();
    const QSignalBlocker blocker(m_model);
    m_model->clear();
    m_model->addItem(QStringLiteral("All models"), QString());
    for (const QString &name : names)
        m_model->addItem(name, name);
    m_model->setCurrentIndex(qMax(0, m_model->findData(current)));
}

} // namespace cachette::ui
