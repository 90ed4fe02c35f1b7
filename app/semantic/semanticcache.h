#pragma once

#include "embedder.h"
#include "guards.h"
#include "indexerthread.h"
#include "matchverifier.h"
#include "modelcheck.h"
#include "semanticsettings.h"
#include "vectorindex.h"
#include "vectorrecord.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <vector>

namespace cachette::semantic {

// A semantic hit: the entry to serve.
struct Match
{
    QByteArray entryKey;
    float similarity = 0;
    QString matchedPrompt;   // the cached entry's compared text
};

// One of the nearest entries a lookup looked at.
struct Candidate
{
    QByteArray entryKey;
    float similarity = 0;
    QString prompt;
    bool aboveThreshold = false;
    Guard refusedBy = Guard::None;   // set when above the threshold but vetoed
    QString refusal;                 // the verifier's reason: "antonym: create ≠ delete"
    bool undecided = false;          // a rewording the model check may decide (Verdict)
};

// Everything a lookup decided and why, for the request log and the Thresholds tuner.
struct Decision
{
    enum class Outcome {
        Hit,             // match is set
        Miss,            // nearest below threshold, or no entry in this context
        Refused,         // above threshold, but a guard refused every such candidate
        NotApplicable,   // semantic matching off for this model, or nothing to compare (reason)
        NotReady,        // vectors still loading
        EmbedderError,   // reason says what went wrong
    };
    Outcome outcome = Outcome::Miss;
    std::optional<Match> match;
    QString model;
    float threshold = 0;
    Guard guard = Guard::None;         // the guard that refused the most similar candidate above
    // Its reason, as the log and the tuner show it. With no candidate above the threshold, the
    // verifier's word on the nearest one (when its similarity is kWhatIfFloor or more).
    QString refusal;
    bool strict = false;               // the verifier was strict (tools, or set so)
    std::vector<Candidate> candidates; // nearest first
    QString reason;
    qint64 embedMicros = 0;
    qint64 searchMicros = 0;

    bool isHit() const { return outcome == Outcome::Hit; }
    float bestSimilarity() const { return candidates.empty() ? 0.0f : candidates.front().similarity; }
};

QString outcomeName(Decision::Outcome outcome);

// The lowest threshold the Thresholds page offers: a nearest candidate below the threshold but
// above this is still verified, for the what-if replay.
constexpr float kWhatIfFloor = 0.5f;   // "hit", "miss", "refused", ...

// The semantic cache: compared texts → vectors → per-context index → threshold → guards.
// It holds no answers: a match names an entry key, which the proxy then reads from the Store
// like an exact hit (so expiry, max-age and pins apply unchanged).
//
// Lookup order in the proxy: the exact key first; on a miss, lookup() here; on a semantic miss,
// the upstream call, and when its answer is stored, add() with the same body.
//
// Wiring (engine and proxy), with store::Store *store and store::EmbeddingStore *vectors:
//   connect(cache, &SemanticCache::vectorAdded, vectors, [vectors](const VectorRecord &r) {
//       vectors->put({r.entryKey, r.embedderId, r.contextHash, r.text, r.vector}); });
//   connect(store, &store::Store::entriesRemoved, cache, &SemanticCache::remove);
//   connect(store, &store::Store::entriesRemoved, vectors, &store::EmbeddingStore::remove);
//   at start: vectors->forEach(cache->embedderId(), ...) into a QList<VectorRecord>, then
//   cache->loadInBackground(records).
//
// Threading: lives on the proxy's network thread; every method is called there. With the local
// embedder, lookup() embeds (~tens of µs) and searches (flat scan or HNSW) in well under a ms.
// With a remote embedder, use lookupAsync(): the network thread never waits for an embedding.
// Loading stored vectors (load()) builds the index on a worker thread and swaps it in.
// Adding to the index (an HNSW insert is ~0.3–1 ms) happens on an indexer thread of its own,
// so a miss does not pay for it: until then the vector waits in a small "unindexed" set that
// lookups scan exhaustively, so an answer is matchable from the moment add() returns.
class SemanticCache : public QObject
{
    Q_OBJECT
public:
    explicit SemanticCache(std::unique_ptr<Embedder> embedder, QObject *parent = nullptr,
                           const IndexOptions &indexOptions = {});
    ~SemanticCache() override;

    // Replaces the embedder: the index is emptied (vectors of different embedders are never
    // compared); load the new embedder's stored vectors and re-embed the rest (ReembedJob).
    void setEmbedder(std::unique_ptr<Embedder> embedder);
    Embedder *embedder() const { return m_embedder.get(); }
    QString embedderId() const { return m_embedder->id(); }

    void setSettings(const SemanticSettings &settings);
    // The optional model check for candidates the verifier cannot decide (lookupAsync() only).
    void setModelCheck(const ModelCheckConfig &config);
    const ModelChecker *modelChecker() const { return m_checker; }
    const SemanticSettings &settings() const { return m_settings; }

    // Synchronous lookup (local embedder). With an asynchronous embedder it answers
    // EmbedderError unless the query's vector is already known (see lookupAsync()).
    Decision decide(const QString &cacheNamespace, const QString &endpoint,
                    const QJsonObject &body);
    std::optional<Match> lookup(const QString &cacheNamespace, const QString &endpoint,
                                const QJsonObject &body, Decision *details = nullptr);
    // Works with any embedder; done runs on this thread (maybe before lookupAsync() returns),
    // and not at all if receiver is destroyed first.
    void lookupAsync(const QString &cacheNamespace, const QString &endpoint,
                     const QJsonObject &body, QObject *receiver,
                     std::function<void(const Decision &)> done);

    // An answer was stored under entryKey for this request: index it. Emits vectorAdded() for
    // persistence once the vector is known (at once with the local embedder). Requests that
    // cannot be matched (embeddings, no text) are ignored.
    void add(const QByteArray &entryKey, const QString &cacheNamespace, const QString &endpoint,
             const QJsonObject &body);
    // Indexes a vector computed elsewhere (a re-embed job's output, a stored vector).
    bool insert(const VectorRecord &record);
    // Entries deleted, evicted or expired (connect Store::entriesRemoved).
    void remove(const QList<QByteArray> &entryKeys);
    bool contains(const QByteArray &entryKey) const { return m_ids.contains(entryKey); }

    // Stored vectors at start. Records of another embedder id are skipped. load() blocks;
    // loadInBackground() builds on a worker thread, answers NotReady meanwhile, keeps add()
    // and remove() made meanwhile, and emits loaded() when the index is in use.
    int load(const QList<VectorRecord> &records);
    void loadInBackground(QList<VectorRecord> records);
    // The stored vectors are still being read (elsewhere) for loadInBackground(): lookups
    // answer NotReady meanwhile, as while the index is built.
    void setLoadPending(bool pending) { m_loadPending = pending; }
    bool isLoading() const { return m_loading != nullptr || m_loadPending; }

    qsizetype size() const;   // indexed and waiting to be indexed
    qint64 indexMemoryBytes() const;
    // Blocks until every vector added so far is in the index (tests, benchmarks).
    void waitUntilIndexed();
    // Only while nothing is being added (tests, benchmarks): the indexer writes to it.
    const VectorIndex *index() const { return m_index.get(); }

Q_SIGNALS:
    void vectorAdded(const cachette::semantic::VectorRecord &record);
    void loaded(int count);
    void embedderFailed(const QString &message);

private:
    struct Entry
    {
        QByteArray key;
        QString text;
        quint64 context = 0;
        bool live = false;
        // Worked out the first time this entry is a candidate above the threshold: a
        // near-repeat with another number is refused again and again, by the same facts.
        mutable std::unique_ptr<PromptFacts> facts;
    };
    struct Prepared
    {
        Decision decision;
        PromptKey key;
        bool proceed = false;
        bool strict = false;
    };
    struct Loading;
    struct Unindexed
    {
        quint64 context = 0;
        Vector vector;   // unit length, for the index
        VectorIndex::Code code;   // as the index stores it (VectorIndex::encoded()), for lookups
    };

    Prepared prepare(const QString &cacheNamespace, const QString &endpoint,
                     const QJsonObject &body) const;
    void finishDecision(Decision &decision, const PromptKey &key, const Vector &query) const;
    std::vector<Neighbor> nearest(quint64 context, const Vector &query, int k) const;
    void indexLater(quint32 id, quint64 context, Vector unit);
    void indexOne(quint32 id);
    void checkWithModel(Decision decision, const QString &queryText, QPointer<QObject> receiver,
                        std::function<void(const Decision &)> done);
    void judgeCandidates(Decision &decision, const QString &queryText,
                         const std::vector<quint32> &ids) const;
    const PromptFacts &factsOf(quint32 id) const;
    quint32 allocate(const QByteArray &key, const QString &text, quint64 context);
    void release(quint32 id);
    void resetIndex();
    void adoptLoaded();
    const Vector *recentVector(const QString &text) const;
    void rememberVector(const QString &text, const Vector &vector);

    std::unique_ptr<Embedder> m_embedder;
    IndexOptions m_indexOptions;
    SemanticSettings m_settings;
    MatchVerifier m_verifier;               // the second stage: rebuilt when the rules change
    ModelChecker *m_checker = nullptr;      // the optional third stage, a child of this
    // m_index and m_unindexed are shared with the indexer thread: the lock guards both (and
    // replacing m_index). Everything else here belongs to the owning thread alone.
    // std::shared_mutex rather than QReadWriteLock: ThreadSanitizer sees it (threadhandoff.h).
    mutable std::shared_mutex m_indexLock;
    std::unique_ptr<VectorIndex> m_index;
    QHash<quint32, Unindexed> m_unindexed;  // added, not yet in m_index, by id
    std::unique_ptr<IndexerThread> m_indexer;   // indexOne() runs there
    std::vector<Entry> m_entries;           // by id
    std::vector<quint32> m_freeIds;
    QHash<QByteArray, quint32> m_ids;       // entry key → id
    QHash<QByteArray, quint64> m_pendingAdds;   // remote embeds under way, by entry key → serial
    quint64 m_serial = 0;
    QHash<QString, Vector> m_recentVectors; // the last queries' vectors: a miss's add() reuses it
    std::unique_ptr<Loading> m_loading;
    bool m_loadPending = false;
    quint64 m_generation = 0;               // bumped by setEmbedder(): stale callbacks see it
};

} // namespace cachette::semantic
