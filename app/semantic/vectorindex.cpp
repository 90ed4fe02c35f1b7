#include "vectorindex.h"

#include "embedder.h"

// hnswlib 0.6 defines non-inline functions in its headers: include it in this one file only.
#include <hnswlib/hnswlib.h>

#include <QThread>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

namespace cachette::semantic {

namespace {

constexpr quint32 kNoId = 0xffffffffu;
// Smaller batches go into a graph from one thread: they take well under a second, and the graph
// stays the same from run to run (concurrent insertion order varies).
constexpr size_t kParallelMin = 1024;

// A code is dim int8 components, then a float: 1 / the int8 vector's length.
float scaleOf(const qint8 *code, size_t dim)
{
    float scale;
    std::memcpy(&scale, code + dim, sizeof scale);
    return scale;
}

// The cosine of two quantised vectors.
float codeSimilarity(const qint8 *a, const qint8 *b, size_t dim)
{
    return float(dotInt8(a, b, int(dim))) * scaleOf(a, dim) * scaleOf(b, dim);
}

// Walsh–Hadamard transform of each power-of-two block of v (512 is one block; 768 is 512 + 256),
// normalised: orthogonal, and its own inverse.
void hadamard(float *v, int dim)
{
    for (int offset = 0, rest = dim; rest > 0;) {
        const int n = 1 << (31 - __builtin_clz(unsigned(rest)));
        float *block = v + offset;
        for (int len = 1; len < n; len <<= 1) {
            for (int i = 0; i < n; i += 2 * len) {
                for (int j = i; j < i + len; ++j) {
                    const float a = block[j], b = block[j + len];
                    block[j] = a + b;
                    block[j + len] = a - b;
                }
            }
        }
        const float norm = 1.0f / std::sqrt(float(n));
        for (int i = 0; i < n; ++i)
            block[i] *= norm;
        offset += n;
        rest -= n;
    }
}

// Fixed pseudo-random signs (splitmix64 of the component's position).
std::vector<float> randomSigns(int dim)
{
    std::vector<float> signs(size_t(dim), 1.0f);
    for (int i = 0; i < dim; ++i) {
        quint64 z = quint64(i) * 0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        if ((z ^ (z >> 31)) >> 63)
            signs[size_t(i)] = -1.0f;
    }
    return signs;
}

// Cosine distance on codes with our own kernel: hnswlib 0.6 only knows float vectors, and picks
// its SIMD at compile time anyway (SSE in a portable build) where dotInt8() picks it at run time.
class Int8CosineSpace : public hnswlib::SpaceInterface<float>
{
public:
    explicit Int8CosineSpace(size_t dim) : m_dim(dim) {}
    size_t get_data_size() override { return m_dim + sizeof(float); }
    hnswlib::DISTFUNC<float> get_dist_func() override { return &distance; }
    void *get_dist_func_param() override { return &m_dim; }

private:
    static float distance(const void *a, const void *b, const void *param)
    {
        return 1.0f - codeSimilarity(static_cast<const qint8 *>(a), static_cast<const qint8 *>(b),
                                     *static_cast<const size_t *>(param));
    }
    size_t m_dim;
};

// Runs body(0..n-1) on one thread per core (one thread for a small n), in no particular order.
void parallelFor(size_t n, const std::function<void(size_t)> &body)
{
    const int threads = n < kParallelMin ? 1 : std::max(1, QThread::idealThreadCount());
    std::atomic<size_t> next{0};
    const auto work = [&] {
        for (size_t i = next++; i < n; i = next++)
            body(i);
    };
    std::vector<std::thread> helpers;
    for (int t = 1; t < threads; ++t)
        helpers.emplace_back(work);
    work();
    for (std::thread &helper : helpers)
        helper.join();
}

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

// hnswlib's ef for a search of k neighbours in a graph of n live nodes.
size_t searchWidth(const IndexOptions &options, size_t n, int k)
{
    const double grown = options.graphEfScale * std::sqrt(double(n));
    return size_t(std::max({double(options.graphEfSearch), double(k), std::ceil(grown)}));
}

} // namespace

struct VectorIndex::Bucket
{
    // Flat: ids[i] owns the code at codes[i * codeSize].
    std::vector<quint32> ids;
    Code codes;
    // Graph: labels are positions in labelIds; a removed label maps to kNoId.
    std::unique_ptr<Int8CosineSpace> space;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
    std::vector<quint32> labelIds;
    size_t graphLive = 0;

    size_t size() const { return graph ? graphLive : ids.size(); }
};

VectorIndex::VectorIndex(int dimension, const IndexOptions &options)
    : m_dimension(dimension)
    , m_codeSize(size_t(dimension) + sizeof(float))
    , m_signs(randomSigns(dimension))
    , m_options(options)
{
}

VectorIndex::~VectorIndex() = default;

// The vector is rotated first (random signs, then Hadamard): cosines do not change, but the
// weight spreads evenly over every component. The local embedder's vectors are sparse, 40–120
// components of 512 with the largest ~3× the typical one; quantised as they are, the int8 step
// set by that largest one gave errors up to 0.008 (tests/unit/TestVectorIndex.cpp), rotated
// they behave like dense Gaussian vectors (worst ~0.002).
// The largest component then becomes ±127, so each vector uses the int8 range as finely as it
// can. The scale is taken from the rounded components, so equal vectors score 1 (float error).
void VectorIndex::encode(const float *v, qint8 *code) const
{
    std::vector<float> rotated(v, v + m_dimension);
    for (int i = 0; i < m_dimension; ++i)
        rotated[size_t(i)] *= m_signs[size_t(i)];
    hadamard(rotated.data(), m_dimension);
    float maxAbs = 0;
    for (float x : rotated)
        maxAbs = std::max(maxAbs, std::abs(x));
    const float toInt = maxAbs > 0 ? 127.0f / maxAbs : 0.0f;
    qint64 squares = 0;
    for (int i = 0; i < m_dimension; ++i) {
        code[i] = qint8(std::lrint(rotated[size_t(i)] * toInt));
        squares += code[i] * code[i];
    }
    const float scale = squares > 0 ? float(1.0 / std::sqrt(double(squares))) : 0.0f;
    std::memcpy(code + m_dimension, &scale, sizeof scale);
}

VectorIndex::Bucket &VectorIndex::bucketFor(quint64 context)
{
    std::unique_ptr<Bucket> &bucket = m_buckets[context];
    if (!bucket)
        bucket = std::make_unique<Bucket>();
    return *bucket;
}

void VectorIndex::insert(quint32 id, quint64 context, const float *v)
{
    remove(id);
    Code code(m_codeSize);
    encode(v, code.data());
    Bucket &bucket = bucketFor(context);
    if (bucket.graph) {
        addToGraph(bucket, context, {id}, [&code](size_t, qint8 *) { return code.data(); });
        return;
    }
    insertFlat(bucket, id, context, code.data());
    if (bucket.ids.size() > size_t(m_options.graphThreshold))
        rebuild(bucket, context);
}

// Grouped by context so that a large bucket is filled in one batch, which addToGraph() spreads
// over the cores: building a 1M-entry graph one point at a time takes tens of minutes.
void VectorIndex::insertMany(const std::vector<IndexItem> &items)
{
    std::vector<quint64> contexts;   // in order of first appearance
    std::unordered_map<quint64, std::vector<size_t>> positions;
    for (size_t i = 0; i < items.size(); ++i) {
        remove(items[i].id);
        std::vector<size_t> &group = positions[items[i].context];
        if (group.empty())
            contexts.push_back(items[i].context);
        group.push_back(i);
    }
    for (quint64 context : contexts) {
        const std::vector<size_t> &group = positions[context];
        Bucket &bucket = bucketFor(context);
        if (bucket.graph) {
            std::vector<quint32> ids;
            ids.reserve(group.size());
            for (size_t i : group)
                ids.push_back(items[i].id);
            addToGraph(bucket, context, ids, [&](size_t k, qint8 *buffer) {
                encode(items[group[k]].vector.data(), buffer);
                return buffer;
            });
            continue;
        }
        // A flat bucket takes them all, then becomes a graph at once if it is too large.
        Code code(m_codeSize);
        for (size_t i : group) {
            encode(items[i].vector.data(), code.data());
            insertFlat(bucket, items[i].id, context, code.data());
        }
        if (bucket.ids.size() > size_t(m_options.graphThreshold))
            rebuild(bucket, context);
    }
}

void VectorIndex::insertFlat(Bucket &bucket, quint32 id, quint64 context, const qint8 *code)
{
    m_where.insert(id, {context, quint32(bucket.ids.size()), false});
    bucket.ids.push_back(id);
    bucket.codes.insert(bucket.codes.end(), code, code + m_codeSize);
}

void VectorIndex::addToGraph(Bucket &bucket, quint64 context, const std::vector<quint32> &ids,
                             const CodeSource &code)
{
    hnswlib::HierarchicalNSW<float> &graph = *bucket.graph;
    const size_t needed = graph.cur_element_count + ids.size();
    if (needed > graph.max_elements_)
        graph.resizeIndex(std::max(graph.max_elements_ * 2, needed));
    const size_t first = bucket.labelIds.size();
    for (size_t i = 0; i < ids.size(); ++i) {
        bucket.labelIds.push_back(ids[i]);
        m_where.insert(ids[i], {context, quint32(first + i), true});
    }
    bucket.graphLive += ids.size();
    // hnswlib 0.6 takes concurrent addPoint() calls with distinct labels as long as the graph is
    // not resized meanwhile; its Python bindings build graphs this way. (The random level of a new
    // node then comes from a generator the threads share unlocked, as there: levels stay random.)
    parallelFor(ids.size(), [&](size_t i) {
        Code buffer(m_codeSize);
        graph.addPoint(code(i, buffer.data()), first + i);
    });
}

// Moves a bucket to the form its size calls for: a fresh graph (compacting removed nodes away,
// which hnswlib 0.6 never reuses) above the threshold, a flat array below half of it (the
// hysteresis keeps a bucket at the edge from flipping on every insert and remove).
void VectorIndex::rebuild(Bucket &bucket, quint64 context)
{
    std::vector<quint32> ids;
    Code codes;
    if (bucket.graph) {
        ids.reserve(bucket.graphLive);
        codes.reserve(bucket.graphLive * m_codeSize);
        for (size_t label = 0; label < bucket.labelIds.size(); ++label) {
            if (bucket.labelIds[label] == kNoId)
                continue;
            ids.push_back(bucket.labelIds[label]);
            const auto *data = reinterpret_cast<const qint8 *>(
                bucket.graph->getDataByInternalId(bucket.graph->label_lookup_.at(label)));
            codes.insert(codes.end(), data, data + m_codeSize);
        }
    } else {
        ids = std::move(bucket.ids);
        codes = std::move(bucket.codes);
    }
    bucket = Bucket();
    for (quint32 id : ids)
        m_where.remove(id);

    if (ids.size() * 2 <= size_t(m_options.graphThreshold)) {
        for (size_t i = 0; i < ids.size(); ++i)
            insertFlat(bucket, ids[i], context, codes.data() + i * m_codeSize);
        return;
    }
    bucket.space = std::make_unique<Int8CosineSpace>(size_t(m_dimension));
    bucket.graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        bucket.space.get(), std::max<size_t>(ids.size() * 2, 1024), size_t(m_options.graphM),
        size_t(m_options.graphEfConstruction));
    addToGraph(bucket, context, ids,
               [&](size_t i, qint8 *) { return codes.data() + i * m_codeSize; });
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

// Swap-remove: the last code moves into the hole.
void VectorIndex::removeFlat(Bucket &bucket, quint32 slot)
{
    const size_t last = bucket.ids.size() - 1;
    if (slot != last) {
        bucket.ids[slot] = bucket.ids[last];
        std::copy_n(bucket.codes.begin() + last * m_codeSize, m_codeSize,
                    bucket.codes.begin() + slot * m_codeSize);
        m_where[bucket.ids[slot]].slot = slot;
    }
    bucket.ids.pop_back();
    bucket.codes.resize(last * m_codeSize);
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
    Code q(m_codeSize);
    encode(query, q.data());
    TopK best(k, minSimilarity);
    if (!bucket.graph) {
        const size_t dim = size_t(m_dimension);
        for (size_t i = 0; i < bucket.ids.size(); ++i) {
            best.offer(bucket.ids[i],
                       codeSimilarity(q.data(), bucket.codes.data() + i * m_codeSize, dim));
        }
        return best.take();
    }
    bucket.graph->setEf(searchWidth(m_options, bucket.graphLive, k));
    auto found = bucket.graph->searchKnn(q.data(), size_t(k));
    for (; !found.empty(); found.pop()) {
        const quint32 id = bucket.labelIds[found.top().second];
        if (id != kNoId)
            best.offer(id, 1.0f - found.top().first);
    }
    return best.take();
}

const qint8 *VectorIndex::code(quint32 id) const
{
    const auto where = m_where.constFind(id);
    if (where == m_where.constEnd())
        return nullptr;
    const Bucket &bucket = *m_buckets.at(where->context);
    if (!where->inGraph)
        return bucket.codes.data() + size_t(where->slot) * m_codeSize;
    return reinterpret_cast<const qint8 *>(
        bucket.graph->getDataByInternalId(bucket.graph->label_lookup_.at(where->slot)));
}

std::vector<float> VectorIndex::vector(quint32 id) const
{
    const qint8 *c = code(id);
    return c ? decode(c) : std::vector<float>();
}

VectorIndex::Code VectorIndex::encoded(const float *v) const
{
    Code c(m_codeSize);
    encode(v, c.data());
    return c;
}

// The flat scan's kernel, in its argument order; the graph's 1 - (1 - s) gives s back exactly
// for any s in [0.5, 1] (both subtractions are exact there), where thresholds live.
float VectorIndex::similarity(const Code &query, const Code &stored) const
{
    return codeSimilarity(query.data(), stored.data(), size_t(m_dimension));
}

std::vector<float> VectorIndex::decode(const qint8 *c) const
{
    const float scale = scaleOf(c, size_t(m_dimension));
    std::vector<float> v(size_t(m_dimension), 0.0f);
    for (int i = 0; i < m_dimension; ++i)
        v[size_t(i)] = float(c[i]) * scale;
    hadamard(v.data(), m_dimension);
    for (int i = 0; i < m_dimension; ++i)
        v[size_t(i)] *= m_signs[size_t(i)];
    return v;
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
        bytes += qint64(bucket->codes.capacity());
        if (!bucket->graph)
            continue;
        const hnswlib::HierarchicalNSW<float> &graph = *bucket->graph;
        // Level 0 (links, code, label) of every node (the spare capacity is malloc'ed but never
        // touched, so not resident), upper-level links for the nodes that have them (1/M of them
        // on average), a lock and a level for every slot, the label map, the visited-list pool.
        bytes += qint64(graph.cur_element_count * graph.size_data_per_element_);
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
