#pragma once

#include "timewindow.h"

#include <QDate>
#include <QStringList>
#include <QWidget>

class QButtonGroup;
class QComboBox;
class QDateEdit;

namespace cachette::ui {

// The dashboard's choice of what to show: the ranges as one segmented control and the model
// filter at the right, the custom range's dates on a row of their own (so they fit at 800 px
// beside everything else). Says changed() when the user picks something else; the setters
// are silent.
class DashboardRangeBar : public QWidget
{
    Q_OBJECT
public:
    explicit DashboardRangeBar(QWidget *parent = nullptr);

    RangeKind range() const { return m_range; }
    void setRange(RangeKind kind);
    QDate customFrom() const;
    QDate customTo() const;
    void setCustomDates(QDate from, QDate to);

    QString model() const;                    // "" = all models
    void selectModel(const QString &model);   // all models when it is not offered
    QStringList models() const;               // offered, "All models" aside
    void setModels(const QStringList &names); // keeps the choice when it is still offered

Q_SIGNALS:
    void changed();

private:
    QLayout *buildRangeRow();
    QWidget *buildCustomDates();

    RangeKind m_range = RangeKind::Week;
    QButtonGroup *m_rangeButtons = nullptr;
    QComboBox *m_model = nullptr;
    QWidget *m_customDates = nullptr;
    QDateEdit *m_from = nullptr;
    QDateEdit *m_to = nullptr;
};

} // namespace cachette::ui
