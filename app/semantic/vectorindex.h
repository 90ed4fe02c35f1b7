#pragma once

#include <QHash>
#include <QtGlobal>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace cachette::semantic {

struct IndexOptions
{
    // A context bucket is scanned exhaustively up to this many vectors and gets its own HNSW
    // graph beyond. Measured crossover on 512-d vectors: ~2k (docs/benchmarks.md).
    int graphThreshold = 2048;
    // One bucket of 300k similar prompts (bench_semantic recall, docs/benchmarks.md): M 16 finds
    // the exact nearest one 74 % of the time at ef 64 and 90 % at ef 192 (1 ms of search); M 32
    // 91 % at ef 64 (0.55 ms), for 128 more bytes an entry and ~1.5× the build's CPU time.
    // ef_construction 200 gained 1–2 points more for twice the build: not taken.
    int graphM = 32;               // hnswlib M: links per node (2M at level 0)
    int graphEfConstruction = 100;
    // A graph's search width (hnswlib ef) is the largest of graphEfSearch, k and
    // graphEfScale × √(bucket size): recall at a fixed ef falls as the bucket grows. 0.2 keeps
    // ef 64 up to 100k (0.4 ms of search there) and gives 110 at 300k, 200 at 1M.
    int graphEfSearch = 64;
    double graphEfScale = 0.2;
};

struct Neighbor
{
    quint32 id;
    float similarity;   // cosine (vectors are unit length)
};

// One vector for VectorIndex::insertMany().
struct IndexItem
{
    quint32 id;
    quint64 context;
    std::vector<float> vector;   // unit length
};

// Unit vectors grouped by context hash, searched only within one context. Most contexts are
// tiny (one conversation prefix each), a few are huge (one system prompt, many questions):
// one global graph with a filter would walk through other contexts' nodes to find a handful of
// its own, so each context is its own bucket — a flat array scanned with SIMD while small, a
// hnswlib graph once it is large. Ids are the caller's and may be reused after remove().
//
// Vectors are kept as int8 with a per-vector scale (516 bytes at 512 dimensions instead of
// 2 KiB): a 1M-entry cache fits a desktop's memory, and a graph search reads a quarter of the
// bytes. They are rotated first (an orthogonal transform, see encode()), and similarities are
// the cosines of the quantised vectors: within 0.0012 of the float ones 99 % of the time, 0.0025
// at worst (docs/benchmarks.md). A query is quantised the same way, so equal texts score 1.
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
    // insert() for many vectors (distinct ids): a graph gets them from one thread per core.
    void insertMany(const std::vector<IndexItem> &items);
    bool remove(quint32 id);
    bool contains(quint32 id) const { return m_where.contains(id); }
    std::vector<float> vector(quint32 id) const;   // dequantised; empty when absent
    // v as the index stores it, and the similarity search() reports for a query's code and a
    // stored one, to the last bit: a vector scored this way before it is inserted scores the
    // same once it is in, so a threshold right at its similarity cannot flip with the timing.
    using Code = std::vector<qint8>;
    Code encoded(const float *v) const;
    float similarity(const Code &query, const Code &stored) const;
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

    // Where a batch's codes come from: point i's code, written into buffer if it must be.
    using CodeSource = std::function<const qint8 *(size_t i, qint8 *buffer)>;

    Bucket &bucketFor(quint64 context);
    void insertFlat(Bucket &bucket, quint32 id, quint64 context, const qint8 *code);
    void addToGraph(Bucket &bucket, quint64 context, const std::vector<quint32> &ids,
                    const CodeSource &code);
    void rebuild(Bucket &bucket, quint64 context);
    void removeFlat(Bucket &bucket, quint32 slot);
    void removeFromGraph(Bucket &bucket, quint64 context, quint32 label);
    const qint8 *code(quint32 id) const;
    void encode(const float *v, qint8 *code) const;
    std::vector<float> decode(const qint8 *code) const;

    int m_dimension;
    size_t m_codeSize;   // int8 components, then the float scale
    std::vector<float> m_signs;   // ±1: the first step of the rotation before quantising
    IndexOptions m_options;
    std::unordered_map<quint64, std::unique_ptr<Bucket>> m_buckets;
    QHash<quint32, Location> m_where;
};

} // namespace cachette::semantic
