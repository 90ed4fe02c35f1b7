#include "formlabels.h"

#include "common/proxystate.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPalette>
#include <QVBoxLayout>

namespace cachette::ui {

QLabel *makeErrorLabel(const QString &objectName)
{
    auto *label = new QLabel;
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    QPalette palette = label->palette();
    palette.setColor(QPalette::WindowText, stateColor(Engine::State::Error));
    label->setPalette(palette);
    label->hide();
    return label;
}

QLabel *makeHintLabel(const QString &text)
{
    auto *label = new QLabel(text);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

void showFieldError(QLabel *label, const QString &error)
{
    label->setText(asSentence(error));
    label->setVisible(!error.isEmpty());
}

QFormLayout *makeSettingsForm(QGroupBox *group)
{
    auto *form = new QFormLayout(group);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->setRowWrapPolicy(QFormLayout::DontWrapRows);
    form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
    form->setVerticalSpacing(10);
    form->setHorizontalSpacing(14);
    return form;
}

QWidget *fieldWithNotes(QWidget *field, QLabel *error, QLabel *hint)
{
    auto *box = new QWidget;
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(3);
    layout->addWidget(field);
    layout->addWidget(error);
    if (hint)
        layout->addWidget(hint);
    return box;
}

QWidget *leftAligned(QWidget *widget)
{
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(widget);
    layout->addStretch(1);
    return row;
}

void addSettingsRow(QFormLayout *form, const QString &label, QWidget *field, int labelWidth)
{
    auto *name = new QLabel(label);
    name->setMinimumWidth(labelWidth);
    name->setAlignment(Qt::AlignRight | Qt::AlignTop);
    // Level with the first line of the field, which is taller than a label.
    name->setContentsMargins(0, label.isEmpty() ? 0 : 4, 0, 0);
    form->addRow(name, field);
}

} // namespace cachette::ui
