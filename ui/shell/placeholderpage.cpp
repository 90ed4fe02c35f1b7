#include "placeholderpage.h"

#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QVBoxLayout>

namespace cachette::ui {

PlaceholderPage::PlaceholderPage(const QString &iconPath, const QString &title,
                                 const QString &text, QWidget *parent)
    : QWidget(parent)
{
    auto *icon = new QLabel;
    icon->setPixmap(QIcon(iconPath).pixmap(56, 56, QIcon::Disabled));
    icon->setAlignment(Qt::AlignCenter);

    auto *heading = new QLabel(title);
    QFont font = heading->font();
    font.setPointSizeF(font.pointSizeF() * 1.35);
    font.setWeight(QFont::DemiBold);
    heading->setFont(font);
    heading->setAlignment(Qt::AlignCenter);

    auto *body = new QLabel(text);
    body->setObjectName(QStringLiteral("placeholderText"));
    body->setWordWrap(true);
    body->setAlignment(Qt::AlignCenter);
    body->setForegroundRole(QPalette::PlaceholderText);

    // A column of limited width, centred by stretches rather than by alignment flags: a layout
    // item with an alignment loses height-for-width, and the wrapped text would be cut.
    auto *column = new QWidget;
    column->setMaximumWidth(460);
    auto *columnLayout = new QVBoxLayout(column);
    columnLayout->setContentsMargins(0, 0, 0, 0);
    columnLayout->setSpacing(12);
    columnLayout->addWidget(icon);
    columnLayout->addWidget(heading);
    columnLayout->addWidget(body);

    auto *row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 4);
    row->addStretch(1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(32, 32, 32, 32);
    layout->addStretch(1);
    layout->addLayout(row);
    layout->addStretch(1);
}

} // namespace cachette::ui
