#include "routefilterbox.h"

#include "common/routelabel.h"

namespace cachette::ui {

RouteFilterBox::RouteFilterBox(QWidget *parent)
    : QComboBox(parent)
{
    setObjectName(QStringLiteral("routeFilter"));
    setSizeAdjustPolicy(QComboBox::AdjustToContents);
    setToolTip(QStringLiteral("The provider route the entries were fetched through"));
    addItem(QStringLiteral("All routes"));   // no data: every route
    setVisible(false);
}

void RouteFilterBox::setRoutes(const QStringList &routes)
{
    const std::optional<QString> selected = selectedRoute();
    QStringList wanted = routes;
    if (selected && !wanted.contains(*selected))
        wanted.append(*selected);
    QStringList shown;
    for (int i = 1; i < count(); ++i)
        shown.append(itemData(i).toString());
    if (wanted != shown) {
        const QSignalBlocker blocker(this);
        while (count() > 1)
            removeItem(1);
        for (const QString &route : wanted)
            addItem(routeLabel(route), route);
        setCurrentIndex(selected ? qMax(0, findData(*selected)) : 0);
    }
    const bool onlyDefault = routes.isEmpty() || routes == QStringList{QString()};
    setVisible(!onlyDefault || selected.has_value());
}

std::optional<QString> RouteFilterBox::selectedRoute() const
{
    const QVariant data = currentData();
    if (!data.isValid())
        return std::nullopt;
    return data.toString();
}

} // namespace cachette::ui
