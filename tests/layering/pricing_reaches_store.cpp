// Must not compile: pricing links the records (store/cacheentry.h), not the database.
#include "store/store.h"
