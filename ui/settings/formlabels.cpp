#include "formlabels.h"

#include "common/proxystate.h"

#include <QLabel>
#include <QPalette>

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

} // namespace cachette::ui
