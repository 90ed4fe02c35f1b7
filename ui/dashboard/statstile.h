#pragma once

#include <QFrame>

class QLabel;

namespace cachette::ui {

// One figure on the dashboard: a caption, the value in large type, and a note under it that
// qualifies the value ("excl. 3 unpriced requests") or puts it in context ("21 of 50").
class StatsTile : public QFrame
{
    Q_OBJECT
public:
    StatsTile(const QString &objectName, const QString &caption, QWidget *parent = nullptr);

    void setValue(const QString &value, const QString &toolTip = {});
    void setNote(const QString &note);
    QString value() const;
    QString note() const;

private:
    QLabel *m_value;
    QLabel *m_note;
};

} // namespace cachette::ui
