#pragma once

#include <QComboBox>
#include <QStringList>

#include <optional>

namespace cachette::ui {

// "All routes", "Default (/v1)" and each provider route the cache holds entries of. Hidden
// while the cache holds the default route's entries only (most people never add a route) and
// no route is chosen.
class RouteFilterBox : public QComboBox
{
    Q_OBJECT
public:
    explicit RouteFilterBox(QWidget *parent = nullptr);

    // The routes there are entries of ("" = the default); the choice is kept, even when its
    // last entry is gone.
    void setRoutes(const QStringList &routes);
    // nullopt: every route.
    std::optional<QString> selectedRoute() const;
    void selectAll() { setCurrentIndex(0); }
};

} // namespace cachette::ui
