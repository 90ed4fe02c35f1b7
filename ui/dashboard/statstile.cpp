#include "statstile.h"

#include <QLabel>
#include <QVBoxLayout>

namespace cachette::ui {

StatsTile::StatsTile(const QString &objectName, const QString &caption, QWidget *parent)
    : QFrame(parent)
    , m_value(new QLabel)
    , m_note(new QLabel)
{
    setObjectName(objectName);
    setProperty("dashboardCard", true);   // styled with the charts by the view's style sheet

    auto *title = new QLabel(caption);
    title->setObjectName(QStringLiteral("caption"));
    title->setForegroundRole(QPalette::PlaceholderText);

    m_value->setObjectName(QStringLiteral("value"));
    QFont big = m_value->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setWeight(QFont::DemiBold);
    m_value->setFont(big);
    m_value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Shrinks with the tile rather than forcing the row wider; the tooltip keeps the figure.
    m_value->setMinimumWidth(1);

    m_note->setObjectName(QStringLiteral("note"));
    m_note->setForegroundRole(QPalette::PlaceholderText);
    QFont small = m_note->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    m_note->setFont(small);
    m_note->setMinimumWidth(1);
    m_note->setWordWrap(true);   // a narrow tile wraps its note rather than cut it

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 10, 14, 10);
    layout->setSpacing(2);
    layout->addWidget(title);
    layout->addWidget(m_value);
    layout->addWidget(m_note);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void StatsTile::setValue(const QString &value, const QString &toolTip)
{
    m_value->setText(value);
    setToolTip(toolTip);
}

void StatsTile::setNote(const QString &note)
{
    // A space keeps the line's height, so tiles in a row stay level when one has no note.
    m_note->setText(note.isEmpty() ? QStringLiteral(" ") : note);
}

QString StatsTile::value() const
{
    return m_value->text();
}

QString StatsTile::note() const
{
    return m_note->text().trimmed();
}

} // namespace cachette::ui
