// Must not compile: the GUI reads the store through its query objects, never its SQL plumbing.
#include "store/database.h"
