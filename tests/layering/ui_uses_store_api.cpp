// Must compile: the control for the probes above (the public store headers a view uses).
#include "store/entrycatalog.h"
#include "store/requestlog.h"
#include "store/store.h"
#include "store/usagestats.h"
