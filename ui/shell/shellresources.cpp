#include "shellresources.h"

#include <QtGlobal>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initCachetteResources()
{
    Q_INIT_RESOURCE(resources);
}

namespace cachette::ui {

void ensureResources()
{
    static const bool once = (initCachetteResources(), true);
    Q_UNUSED(once);
}

} // namespace cachette::ui
