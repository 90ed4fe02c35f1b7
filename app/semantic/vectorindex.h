#pragma once

#include <QHash>
#include <QtGlobal>

#include <memory>
#include <unordered_map>
#include <vector>

namespace cachette::semantic {

struct IndexOptions
{
    // A context bucket is scanned exhaustively up to this many vectors and gets its own HNSW
    // graph beyond. Measured crossover on 512-d vectors: ~2k (docs/benchmarks.md).
    int graphThreshold = 2048;
    int graphM = 16;               // hnswlib M: links per node
    int graphEfConstruction = 100;
    int graphEfSearch = 64;
};

struct Neighbor
{
    quint32 id;
    float similarity;   // cosine (vectors are unit length)
};

// Unit vectors grouped by context hash, searched only within one context. Most contexts are
// tiny (one conversation prefix each), a few are huge (one system prompt, many questions):
// one global graph with a filter would walk through other contexts' nodes to find a handful of
// its own, so each context is its own bucket — a flat array scanned with SIMD while small, a
// hnswlib graph once it is large. Ids are the caller's and may be reused after remove().
// Not thread-safe: one thread at a time (the semantic cache's).
class VectorIndex
{
public:
    explicit VectorIndex(int dimension, const IndexOptions &options = {});
    ~VectorIndex();
    Q_DISABLE_COPY_MOVE(VectorIndex)

    int dimension() const { return m_dimension; }
    // v must be unit length with dimension() floats. An id already present is replaced.
    void insert(quint32 id, quint64 context, const float *v);
    bool remove(quint32 id);
    bool contains(quint32 id) const { return m_where.contains(id); }
    const float *vector(quint32 id) const;   // nullptr when absent; valid until the next change
    // The k most similar vectors of that context, most similar first, none below minSimilarity.
    std::vector<Neighbor> search(quint64 context, const float *query, int k,
                                 float minSimilarity = -1.0f) const;

    qsizetype size() const { return m_where.size(); }
    qsizetype contextCount() const { return qsizetype(m_buckets.size()); }
    qsizetype graphCount() const;
    qint64 memoryBytes() const;   // vectors, graphs and bookkeeping, approximately
    void clear();

private:
    struct Bucket;
    struct Location
    {
        quint64 context;
        quint32 slot;     // position in the flat array, or graph label
        bool inGraph;
    };

    void insertFlat(Bucket &bucket, quint32 id, quint64 context, const float *v);
    void addToGraph(Bucket &bucket, quint32 id, quint64 context, const float *v);
    void rebuild(Bucket &bucket, quint64 context);
    void removeFlat(Bucket &bucket, quint32 slot);
    void removeFromGraph(Bucket &bucket, quint64 context, quint32 label);

    int m_dimension;
    IndexOptions m_options;
    std::unordered_map<quint64, std::unique_ptr<Bucket>> m_buckets;
    QHash<quint32, Location> m_where;
};

} // namespace cachette::semantic
