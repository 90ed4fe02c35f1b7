#include "semanticcache.h"

#include "semanticcacheloading.h"

#include <QElapsedTimer>
#include <QJsonArray>

#include <algorithm>
#include <mutex>

namespace cachette::semantic {

namespace {

constexpr int kRecentVectors = 512;
// Vectors waiting for the indexer are scanned one by one by every lookup: past this many (the
// indexer falling behind a burst of misses), add() indexes on the calling thread instead.
constexpr int kMaxUnindexed = 1024;

QString modelOf(const QJsonObject &body)
{
    return body.value(QLatin1String("model")).toString();
}

// Tools offered (OpenAI "tools" or legacy "functions", Anthropic "tools"): the answer may be a
// tool call that an agent executes.
bool offersTools(const QJsonObject &body)
{
    return !body.value(QLatin1String("tools")).toArray().isEmpty()
        || !body.value(QLatin1String("functions")).toArray().isEmpty();
}

} // namespace

QString outcomeName(Decision::Outcome outcome)
{
    switch (outcome) {
    case Decision::Outcome::Hit:
        return QStringLiteral("hit");
    case Decision::Outcome::Miss:
        return QStringLiteral("miss");
    case Decision::Outcome::Refused:
        return QStringLiteral("refused");
    case Decision::Outcome::NotApplicable:
        return QStringLiteral("not-applicable");
    case Decision::Outcome::NotReady:
        return QStringLiteral("not-ready");
    case Decision::Outcome::EmbedderError:
        return QStringLiteral("embedder-error");
    }
    return QString();
}

SemanticCache::SemanticCache(std::unique_ptr<Embedder> embedder, QObject *parent,
                             const IndexOptions &indexOptions)
    : QObject(parent)
    , m_embedder(std::move(embedder))
    , m_indexOptions(indexOptions)
{
    qRegisterMetaType<cachette::semantic::VectorRecord>();
    resetIndex();
    m_indexer = std::make_unique<IndexerThread>(QStringLiteral("cachette-semantic-index"),
                                                [this](quint32 id) { indexOne(id); });
}

SemanticCache::~SemanticCache()
{
    m_indexer.reset();   // pending indexOne() calls are dropped: the index goes too
    if (m_loading && m_loading->thread) {
        m_loading->thread->disconnect(this);
        m_loading->thread->join();
        delete m_loading->thread;
    }
}

void SemanticCache::resetIndex()
{
    const int dim = m_embedder->dimension();
    {
        // indexOne() calls still queued find nothing to do once m_unindexed is empty.
        std::unique_lock locker(m_indexLock);
        m_index = dim > 0 ? std::make_unique<VectorIndex>(dim, m_indexOptions) : nullptr;
        m_unindexed.clear();
    }
    m_entries.clear();
    m_freeIds.clear();
    m_ids.clear();
    m_pendingAdds.clear();
    m_recentVectors.clear();
}

void SemanticCache::setSettings(const SemanticSettings &settings)
{
    // Entries' facts depend on the lexicon alone, so they stay valid when the rules change.
    if (settings.refusalRules != m_settings.refusalRules)
        m_verifier = MatchVerifier({}, settings.refusalRules);
    m_settings = settings;
}

void SemanticCache::setEmbedder(std::unique_ptr<Embedder> embedder)
{
    if (m_loading && m_loading->thread) {
        m_loading->thread->disconnect(this);
        m_loading->thread->join();
        delete m_loading->thread;
    }
    m_loading.reset();
    m_embedder = std::move(embedder);
    ++m_generation;
    resetIndex();
}

// --- lookup ------------------------------------------------------------------------------

SemanticCache::Prepared SemanticCache::prepare(const QString &cacheNamespace,
                                               const QString &endpoint,
                                               const QJsonObject &body) const
{
    Prepared p;
    Decision &d = p.decision;
    d.model = modelOf(body);
    d.threshold = m_settings.thresholdFor(d.model);
    d.outcome = Decision::Outcome::NotApplicable;
    if (!m_settings.isOnFor(d.model)) {
        d.reason = QStringLiteral("semantic matching is off for %1")
                       .arg(d.model.isEmpty() ? QStringLiteral("this request") : d.model);
        return p;
    }
    p.key = promptKey(cacheNamespace, endpoint, body, m_settings.scopeFor(d.model));
    if (!p.key.usable) {
        d.reason = p.key.reason;
        return p;
    }
    if (isLoading()) {
        d.outcome = Decision::Outcome::NotReady;
        d.reason = QStringLiteral("the semantic index is still loading");
        return p;
    }
    p.proceed = true;
    p.strict = m_settings.isStrictFor(d.model, offersTools(body));
    d.strict = p.strict;
    return p;
}

Decision SemanticCache::decide(const QString &cacheNamespace, const QString &endpoint,
                               const QJsonObject &body)
{
    Prepared p = prepare(cacheNamespace, endpoint, body);
    if (!p.proceed)
        return p.decision;
    QElapsedTimer timer;
    timer.start();
    Vector query;
    if (const Vector *known = recentVector(p.key.text)) {
        query = *known;
    } else {
        const Embeddings result = m_embedder->embedNow({p.key.text});
        if (!result.ok() || result.vectors.size() != 1) {
            p.decision.outcome = Decision::Outcome::EmbedderError;
            p.decision.reason = result.ok() ? QStringLiteral("the embedder returned no vector")
                                            : result.error;
            return p.decision;
        }
        query = result.vectors.first();
        normalize(query);
        rememberVector(p.key.text, query);
    }
    p.decision.embedMicros = timer.nsecsElapsed() / 1000;
    finishDecision(p.decision, p.key, query);
    return p.decision;
}

std::optional<Match> SemanticCache::lookup(const QString &cacheNamespace, const QString &endpoint,
                                           const QJsonObject &body, Decision *details)
{
    Decision decision = decide(cacheNamespace, endpoint, body);
    std::optional<Match> match = decision.match;
    if (details)
        *details = std::move(decision);
    return match;
}

void SemanticCache::lookupAsync(const QString &cacheNamespace, const QString &endpoint,
                                const QJsonObject &body, QObject *receiver,
                                std::function<void(const Decision &)> done)
{
    Prepared p = prepare(cacheNamespace, endpoint, body);
    if (!p.proceed || m_embedder->isSynchronous() || recentVector(p.key.text)) {
        if (!p.proceed) {
            done(p.decision);
            return;
        }
        checkWithModel(decide(cacheNamespace, endpoint, body), p.key.text, receiver, std::move(done));
        return;
    }
    QElapsedTimer timer;
    timer.start();
    QPointer<SemanticCache> self(this);
    QPointer<QObject> guard(receiver);
    const quint64 generation = m_generation;
    m_embedder->embed({p.key.text}, [=, decision = p.decision, key = p.key](const Embeddings &result) mutable {
        if (!self || !guard)
            return;
        decision.embedMicros = timer.nsecsElapsed() / 1000;
        if (generation != self->m_generation) {
            decision.reason = QStringLiteral("the embedder changed during the lookup");
        } else if (!result.ok() || result.vectors.size() != 1) {
            decision.outcome = Decision::Outcome::EmbedderError;
            decision.reason = result.ok() ? QStringLiteral("the embedder returned no vector")
                                          : result.error;
        } else {
            Vector query = result.vectors.first();
            normalize(query);
            self->rememberVector(key.text, query);
            self->finishDecision(decision, key, query);
            self->checkWithModel(decision, key.text, guard, std::move(done));
            return;
        }
        done(decision);
    });
}

void SemanticCache::finishDecision(Decision &decision, const PromptKey &key,
                                   const Vector &query) const
{
    QElapsedTimer timer;
    timer.start();
    decision.outcome = Decision::Outcome::Miss;
    if (!m_index || int(query.size()) != m_index->dimension()) {
        decision.reason = m_index ? QStringLiteral("the query vector has the wrong dimension")
                                  : QStringLiteral("nothing is indexed yet");
        return;
    }
    std::vector<quint32> ids;
    for (const Neighbor &n : nearest(key.contextHash, query, std::max(1, m_settings.candidates))) {
        const Entry &entry = m_entries[n.id];
        ids.push_back(n.id);
        // Signed feature hashing can give unrelated texts a slightly negative cosine; the
        // similarity people see and set thresholds on is in [0, 1].
        const float similarity = std::max(0.0f, n.similarity);
        decision.candidates.push_back({entry.key, similarity, entry.text,
                                       similarity >= decision.threshold, Guard::None, QString(), false});
    }
    judgeCandidates(decision, key.text, ids);
    decision.searchMicros = timer.nsecsElapsed() / 1000;
}

// The index's nearest plus those of the vectors still waiting for the indexer.
std::vector<Neighbor> SemanticCache::nearest(quint64 context, const Vector &query, int k) const
{
    std::shared_lock locker(m_indexLock);
    std::vector<Neighbor> found = m_index->search(context, query.data(), k);
    if (m_unindexed.isEmpty())
        return found;
    // Compared with the index's own kernel on the codes it stores, so a similarity does not
    // move, not even by a rounding step, when the vector reaches the index (a float dot of the
    // dequantised vectors differed in the last bits: a threshold set at a similarity flipped
    // between hit and miss with the indexer's timing).
    const VectorIndex::Code queryCode = m_index->encoded(query.data());
    for (auto it = m_unindexed.cbegin(); it != m_unindexed.cend(); ++it) {
        if (it->context == context)
            found.push_back({it.key(), m_index->similarity(queryCode, it->code)});
    }
    std::sort(found.begin(), found.end(),
              [](const Neighbor &a, const Neighbor &b) { return a.similarity > b.similarity; });
    if (found.size() > size_t(k))
        found.resize(size_t(k));
    return found;
}

// --- add / remove --------------------------------------------------------------------------

void SemanticCache::add(const QByteArray &entryKey, const QString &cacheNamespace,
                        const QString &endpoint, const QJsonObject &body)
{
    const QString model = modelOf(body);
    // Matching off for this model: no embedding on the miss path. Should it be turned on
    // later, the engine's re-embed job gives these entries their vectors then.
    if (!m_settings.isOnFor(model))
        return;
    const PromptKey key = promptKey(cacheNamespace, endpoint, body, m_settings.scopeFor(model));
    if (!key.usable || entryKey.isEmpty())
        return;
    VectorRecord record{entryKey, m_embedder->id(), key.contextHash, key.text, {}};
    if (const Vector *known = recentVector(key.text)) {
        record.vector = *known;
        if (insert(record))
            Q_EMIT vectorAdded(record);
        return;
    }
    const quint64 serial = ++m_serial;
    m_pendingAdds.insert(entryKey, serial);
    QPointer<SemanticCache> self(this);
    const quint64 generation = m_generation;
    m_embedder->embed({key.text}, [=, record = std::move(record)](const Embeddings &result) mutable {
        if (!self || generation != self->m_generation
            || self->m_pendingAdds.value(record.entryKey) != serial)
            return;   // removed (or embedder switched) while embedding
        self->m_pendingAdds.remove(record.entryKey);
        if (!result.ok() || result.vectors.size() != 1) {
            Q_EMIT self->embedderFailed(result.ok() ? QStringLiteral("the embedder returned no vector")
                                                    : result.error);
            return;
        }
        record.vector = result.vectors.first();
        normalize(record.vector);
        self->rememberVector(record.text, record.vector);
        if (self->insert(record))
            Q_EMIT self->vectorAdded(record);
    });
}

bool SemanticCache::insert(const VectorRecord &record)
{
    if (record.embedderId != m_embedder->id() || record.vector.empty() || record.entryKey.isEmpty())
        return false;
    {
        std::unique_lock locker(m_indexLock);
        if (!m_index)   // a remote embedder's dimension is known from its first vector
            m_index = std::make_unique<VectorIndex>(int(record.vector.size()), m_indexOptions);
        if (int(record.vector.size()) != m_index->dimension())
            return false;
    }
    Vector unit = record.vector;
    normalize(unit);
    remove({record.entryKey});
    const quint32 id = allocate(record.entryKey, record.text, record.contextHash);
    indexLater(id, record.contextHash, std::move(unit));
    return true;
}

void SemanticCache::indexLater(quint32 id, quint64 context, Vector unit)
{
    std::unique_lock locker(m_indexLock);
    if (m_unindexed.size() >= kMaxUnindexed) {
        m_index->insert(id, context, unit.data());
        return;
    }
    VectorIndex::Code code = m_index->encoded(unit.data());
    m_unindexed.insert(id, Unindexed{context, std::move(unit), std::move(code)});
    m_indexer->post(id);
}

// On the indexer thread. The id may have been removed meanwhile (nothing to do), or removed
// and given to another entry (whose vector is then the one indexed: same outcome as its own
// call, which will find nothing left to do).
void SemanticCache::indexOne(quint32 id)
{
    std::unique_lock locker(m_indexLock);
    const auto it = m_unindexed.find(id);
    if (it == m_unindexed.end())
        return;
    m_index->insert(id, it->context, it->vector.data());
    m_unindexed.erase(it);
}

void SemanticCache::waitUntilIndexed()
{
    m_indexer->waitUntilIdle();
}

qsizetype SemanticCache::size() const
{
    std::shared_lock locker(m_indexLock);
    return (m_index ? m_index->size() : 0) + m_unindexed.size();
}

void SemanticCache::remove(const QList<QByteArray> &entryKeys)
{
    for (const QByteArray &key : entryKeys) {
        m_pendingAdds.remove(key);
        const auto it = m_ids.constFind(key);
        if (it == m_ids.constEnd())
            continue;
        const quint32 id = *it;
        m_ids.erase(it);
        {
            std::unique_lock locker(m_indexLock);
            if (!m_unindexed.remove(id) && m_index)
                m_index->remove(id);
        }
        release(id);
    }
}

quint32 SemanticCache::allocate(const QByteArray &key, const QString &text, quint64 context)
{
    quint32 id;
    if (!m_freeIds.empty()) {
        id = m_freeIds.back();
        m_freeIds.pop_back();
    } else {
        id = quint32(m_entries.size());
        m_entries.emplace_back();
    }
    m_entries[id] = Entry{key, text, context, true, nullptr};
    m_ids.insert(key, id);
    return id;
}

void SemanticCache::release(quint32 id)
{
    m_entries[id] = Entry();
    if (m_loading)
        m_loading->removed.insert(id);   // reused only after the loaded index is swapped in
    else
        m_freeIds.push_back(id);
}

qint64 SemanticCache::indexMemoryBytes() const
{
    std::shared_lock locker(m_indexLock);
    qint64 bytes = m_index ? m_index->memoryBytes() : 0;
    for (const Entry &entry : m_entries)
        bytes += qint64(sizeof(Entry)) + entry.key.capacity() + entry.text.capacity() * 2 + 48;
    return bytes + m_ids.capacity() * 16;
}

// --- recent query vectors ------------------------------------------------------------------

const Vector *SemanticCache::recentVector(const QString &text) const
{
    const auto it = m_recentVectors.constFind(text);
    return it == m_recentVectors.constEnd() ? nullptr : &*it;
}

void SemanticCache::rememberVector(const QString &text, const Vector &vector)
{
    // A miss is usually followed by add() of the same text once the answer arrives: keeping
    // the last queries' vectors saves that second embedding (a second API call when remote).
    if (m_recentVectors.size() >= kRecentVectors)
        m_recentVectors.clear();
    m_recentVectors.insert(text, vector);
}

} // namespace cachette::semantic
