#pragma once

// SemanticCache's background load, shared by semanticcache.cpp (which cancels it) and
// semanticcache_load.cpp (which runs it). Internal to the semantic library.

#include "semanticcache.h"
#include "threadhandoff.h"
#include "vectorindex.h"

#include <QSet>

#include <memory>

namespace cachette::semantic {

// A background load: the worker fills `index` while this thread keeps serving from the old
// one. Ids freed meanwhile are held back (not reused) until the swap, so an id in the new
// index can only mean the entry it was loaded for.
struct SemanticCache::Loading
{
    std::unique_ptr<VectorIndex> index;
    JoinableThread *thread = nullptr;
    QSet<quint32> removed;
    int count = 0;
};

} // namespace cachette::semantic
