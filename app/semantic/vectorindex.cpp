#include "vectorindex.h"

#include "embedder.h"

// hnswlib 0.6 defines non-inline functions in its headers: include it in this one file only.
#include <hnswlib/hnswlib.h>

#include <algorithm>

namespace cachette::semantic {

namespace {

constexpr quint32 kNoId = 0xffffffffu;

// Inner-product distance with our own kernel: hnswlib 0.6 picks its SIMD at compile time (SSE
// in a portable build), dot() picks AVX2/AVX-512 at run time. 2–3x faster graph searches.
class UnitDotSpace : public hnswlib::SpaceInterface<float>
{
public:
    explicit UnitDotSpace(size_t dim) : m_dim(dim) {}
    size_t get_data_size() override { return m_dim * sizeof(float); }
    hnswlib::DISTFUNC<float> get_dist_func() override { return &distance; }
    void *get_dist_func_param() override { return &m_dim; }

private:
    static float distance(const void *a, const void *b, const void *param)
    {
        const int dim = int(*static_cast<const size_t *>(param));
        return 1.0f - dot(static_cast<const float *>(a), static_cast<const float *>(b), dim);
    }
    size_t m_dim;
};

// Keeps the k best neighbours seen so far; the worst of them is at front() (a min-heap).
class TopK
{
public:
    TopK(int k, float minSimilarity) : m_k(size_t(std::max(k, 1))), m_min(minSimilarity) {}

    void offer(quint32 id, float similarity)
    {
        if (similarity < m_min)
            return;
        if (m_heap.size() == m_k) {
            if (similarity <= m_heap.front().similarity)
                return;
            std::pop_heap(m_heap.begin(), m_heap.end(), worseFirst);
            m_heap.pop_back();
        }
        m_heap.push_back({id, similarity});
        std::push_heap(m_heap.begin(), m_heap.end(), worseFirst);
    }
    std::vector<Neighbor> take()
    {
        std::sort_heap(m_heap.begin(), m_heap.end(), worseFirst);
        return std::move(m_heap);
    }

private:
    static bool worseFirst(const Neighbor &a, const Neighbor &b)
    {
        return a.similarity > b.similarity;
    }
    size_t m_k;
    float m_min;
    std::vector<Neighbor> m_heap;
};

} // namespace

struct VectorIndex::Bucket
{
    // Flat: ids[i] owns vectors[i * dim, (i + 1) * dim).
    std::vector<quint32> ids;
    std::vector<float> vectors;
    // Graph: labels are positions in labelIds; a removed label maps to kNoId.
    std::unique_ptr<UnitDotSpace> space;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
    std::vector<quint32> labelIds;
    size_t graphLive = 0;

    size_t size() const { return graph ? graphLive : ids.size(); }
};

VectorIndex::VectorIndex(int dimension, const IndexOptions &options)
    : m_dimension(dimension)
    , m_options(options)
{
}

VectorIndex::~VectorIndex() = default;

void VectorIndex::insert(quint32 id, quint64 context, const float *v)
{
    remove(id);
    std::unique_ptr<Bucket> &bucket = m_buckets[context];
    if (!bucket)
        bucket = std::make_unique<Bucket>();
    if (bucket->graph) {
        addToGraph(*bucket, id, context, v);
        return;
    }
    insertFlat(*bucket, id, context, v);
    if (bucket->ids.size() > size_t(m_options.graphThreshold))
        rebuild(*bucket, context);
}

void VectorIndex::insertFlat(Bucket &bucket, quint32 id, quint64 context, const float *v)
{
    m_where.insert(id, {context, quint32(bucket.ids.size()), false});
    bucket.ids.push_back(id);
    bucket.vectors.insert(bucket.vectors.end(), v, v + m_dimension);
}

void VectorIndex::addToGraph(Bucket &bucket, quint32 id, quint64 context, const float *v)
{
    hnswlib::HierarchicalNSW<float> &graph = *bucket.graph;
    if (graph.cur_element_count >= graph.max_elements_)
        graph.resizeIndex(graph.max_elements_ * 2);
    const quint32 label = quint32(bucket.labelIds.size());
    graph.addPoint(v, label);
    bucket.labelIds.push_back(id);
    ++bucket.graphLive;
    m_where.insert(id, {context, label, true});
}

// Moves a bucket to the form its size calls for: a fresh graph (compacting removed nodes away,
// which hnswlib 0.6 never reuses) above the threshold, a flat array below half of it (the
// hysteresis keeps a bucket at the edge from flipping on every insert and remove).
void VectorIndex::rebuild(Bucket &bucket, quint64 context)
{
    std::vector<quint32> ids;
    std::vector<float> vectors;
    if (bucket.graph) {
        ids.reserve(bucket.graphLive);
        vectors.reserve(bucket.graphLive * size_t(m_dimension));
        for (size_t label = 0; label < bucket.labelIds.size(); ++label) {
            if (bucket.labelIds[label] == kNoId)
                continue;
            ids.push_back(bucket.labelIds[label]);
            const auto *data = reinterpret_cast<const float *>(
                bucket.graph->getDataByInternalId(bucket.graph->label_lookup_.at(label)));
            vectors.insert(vectors.end(), data, data + m_dimension);
        }
    } else {
        ids = std::move(bucket.ids);
        vectors = std::move(bucket.vectors);
    }
    bucket = Bucket();
    for (quint32 id : ids)
        m_where.remove(id);

    if (ids.size() * 2 <= size_t(m_options.graphThreshold)) {
        for (size_t i = 0; i < ids.size(); ++i)
            insertFlat(bucket, ids[i], context, vectors.data() + i * size_t(m_dimension));
        return;
    }
    bucket.space = std::make_unique<UnitDotSpace>(size_t(m_dimension));
    bucket.graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        bucket.space.get(), std::max<size_t>(ids.size() * 2, 1024), size_t(m_options.graphM),
        size_t(m_options.graphEfConstruction));
    for (size_t i = 0; i < ids.size(); ++i)
        addToGraph(bucket, ids[i], context, vectors.data() + i * size_t(m_dimension));
}

bool VectorIndex::remove(quint32 id)
{
    const auto where = m_where.constFind(id);
    if (where == m_where.constEnd())
        return false;
    const Location location = *where;
    m_where.erase(where);
    const auto bucketIt = m_buckets.find(location.context);
    Bucket &bucket = *bucketIt->second;
    if (location.inGraph)
        removeFromGraph(bucket, location.context, location.slot);
    else
        removeFlat(bucket, location.slot);
    if (bucket.size() == 0)
        m_buckets.erase(bucketIt);
    return true;
}

// Swap-remove: the last vector moves into the hole.
void VectorIndex::removeFlat(Bucket &bucket, quint32 slot)
{
    const size_t last = bucket.ids.size() - 1;
    const size_t dim = size_t(m_dimension);
    if (slot != last) {
        bucket.ids[slot] = bucket.ids[last];
        std::copy_n(bucket.vectors.begin() + last * dim, dim, bucket.vectors.begin() + slot * dim);
        m_where[bucket.ids[slot]].slot = slot;
    }
    bucket.ids.pop_back();
    bucket.vectors.resize(last * dim);
}

void VectorIndex::removeFromGraph(Bucket &bucket, quint64 context, quint32 label)
{
    bucket.graph->markDelete(label);
    bucket.labelIds[label] = kNoId;
    --bucket.graphLive;
    const size_t removed = bucket.labelIds.size() - bucket.graphLive;
    if (bucket.graphLive * 2 <= size_t(m_options.graphThreshold) || removed > bucket.graphLive)
        rebuild(bucket, context);
}

std::vector<Neighbor> VectorIndex::search(quint64 context, const float *query, int k,
                                          float minSimilarity) const
{
    const auto it = m_buckets.find(context);
    if (it == m_buckets.end() || k <= 0)
        return {};
    const Bucket &bucket = *it->second;
    TopK best(k, minSimilarity);
    if (!bucket.graph) {
        const size_t dim = size_t(m_dimension);
        for (size_t i = 0; i < bucket.ids.size(); ++i)
            best.offer(bucket.ids[i], dot(query, bucket.vectors.data() + i * dim, m_dimension));
        return best.take();
    }
    bucket.graph->setEf(size_t(std::max(m_options.graphEfSearch, k)));
    auto found = bucket.graph->searchKnn(query, size_t(k));
    for (; !found.empty(); found.pop()) {
        const quint32 id = bucket.labelIds[found.top().second];
        if (id != kNoId)
            best.offer(id, 1.0f - found.top().first);
    }
    return best.take();
}

const float *VectorIndex::vector(quint32 id) const
{
    const auto where = m_where.constFind(id);
    if (where == m_where.constEnd())
        return nullptr;
    const Bucket &bucket = *m_buckets.at(where->context);
    if (!where->inGraph)
        return bucket.vectors.data() + size_t(where->slot) * size_t(m_dimension);
    return reinterpret_cast<const float *>(
        bucket.graph->getDataByInternalId(bucket.graph->label_lookup_.at(where->slot)));
}

qsizetype VectorIndex::graphCount() const
{
    return std::count_if(m_buckets.begin(), m_buckets.end(),
                         [](const auto &entry) { return entry.second->graph != nullptr; });
}

qint64 VectorIndex::memoryBytes() const
{
    qint64 bytes = m_where.capacity() * qint64(sizeof(Location) + sizeof(quint32) + 16);
    for (const auto &[context, bucket] : m_buckets) {
        bytes += qint64(sizeof(Bucket)) + 64;
        bytes += qint64(bucket->ids.capacity() * sizeof(quint32));
        bytes += qint64(bucket->vectors.capacity() * sizeof(float));
        if (!bucket->graph)
            continue;
        const hnswlib::HierarchicalNSW<float> &graph = *bucket->graph;
        // Level 0 (links, vector, label) for every slot, upper-level links for the nodes that
        // have them (1/M of them on average), the label map, the visited-list pool.
        bytes += qint64(graph.max_elements_ * graph.size_data_per_element_);
        bytes += qint64(graph.cur_element_count * graph.size_links_per_element_ / graph.M_);
        bytes += qint64(graph.max_elements_ * (sizeof(void *) + sizeof(int) + sizeof(std::mutex)));
        bytes += qint64(hnswlib::HierarchicalNSW<float>::max_update_element_locks * sizeof(std::mutex));
        bytes += qint64(graph.label_lookup_.size() * 32);
        bytes += qint64(graph.max_elements_ * sizeof(unsigned short));
        bytes += qint64(bucket->labelIds.capacity() * sizeof(quint32));
    }
    return bytes;
}

void VectorIndex::clear()
{
    m_buckets.clear();
    m_where.clear();
}

} // namespace cachette::semantic
