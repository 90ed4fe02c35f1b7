#pragma once

#include <QWidget>

namespace cachette::ui {

// A page whose feature has not landed yet: an icon, a title and one line on what will be here.
class PlaceholderPage : public QWidget
{
    Q_OBJECT
public:
    PlaceholderPage(const QString &iconPath, const QString &title, const QString &text,
                    QWidget *parent = nullptr);
};

} // namespace cachette::ui
