#include "semantic/localembedder.h"
#include "semantic/reembedjob.h"
#include "semantic/semanticcache.h"
#include "store/embeddingstore.h"
#include "store/store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QDir>
#include <QFile>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <utility>

using namespace cachette::semantic;
using cachette::store::EmbeddingStore;
using cachette::store::StoredEmbedding;

namespace {

const QString kChat = QStringLiteral("chat/completions");

QJsonObject chat(const QString &question, const QString &model = QStringLiteral("gpt-4o-mini"))
{
    return QJsonObject{{"model", model},
                       {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", question}}}}};
}

// Distinct prompts on varied topics, so each has itself as its clear nearest neighbour.
QString prompt(int i)
{
    static const char *verbs[] = {"explain", "compare", "summarise", "list", "debug", "optimise", "translate", "test"};
    static const char *things[] = {"binary trees", "TCP sockets", "Rust lifetimes", "SQL joins", "CSS grids",
                                   "Kafka topics", "Docker layers", "Python decorators", "git rebase",
                                   "neural networks", "hash maps", "OAuth flows", "regex lookahead"};
    static const char *contexts[] = {"for beginners", "in production", "on Windows", "with examples",
                                     "for a job interview", "under heavy load", "in embedded firmware"};
    return QStringLiteral("%1 %2 %3 variant %4")
        .arg(QLatin1String(verbs[i % 8]), QLatin1String(things[(i / 8) % 13]),
             QLatin1String(contexts[(i / 104) % 7]), QString::number(i));
}

cachette::store::CacheEntry entryFor(const QByteArray &key, const QJsonObject &body,
                                     const QString &endpoint = kChat)
{
    cachette::store::CacheEntry e;
    e.key = key;
    e.endpoint = endpoint;
    e.model = body.value("model").toString();
    e.canonicalRequest = QJsonDocument(body).toJson(QJsonDocument::Compact);
    e.responseBody = "{}";
    return e;
}

VectorRecord toRecord(StoredEmbedding &&e)
{
    return {e.entryKey, e.embedderId, e.contextHash, e.text, std::move(e.vector)};
}

StoredEmbedding toStored(const VectorRecord &r)
{
    return {r.entryKey, r.embedderId, r.contextHash, r.text, r.vector};
}

} // namespace

class TestSemanticCache : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void thresholdEdges();
    void thresholdOneDisablesPerModel();
    void identicalTextIsSimilarityOne();
    void flatAndGraphAgree();
    void deletesLeaveNoTrace();
    void addsAreMatchableWhileIndexing();
    void matchingOffEmbedsNothing();
    void turningMatchingOnIsDetected();
    void reinsertReplaces();
    void persistsAndReloads();
    void otherEmbedderVectorsAreIgnored();
    void entryDeletionRemovesVectors();
    void vectorsGoThroughTheStoresWriter();
    void loadsInBackground();
    void reembedJobFillsMissingVectors();
    void reembedJobCancels();
};

void TestSemanticCache::thresholdEdges()
{
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    cache.add("origin", {}, kChat, chat(QStringLiteral("How do I undo the last git commit but keep my changes?")));
    const QJsonObject query = chat(QStringLiteral("How can I undo my last git commit, but retain the changes?"));

    SemanticSettings settings;
    settings.threshold = 0.0f;
    cache.setSettings(settings);
    const float similarity = cache.decide({}, kChat, query).bestSimilarity();
    QVERIFY2(similarity > 0.5f && similarity < 1.0f, qPrintable(QString::number(similarity)));

    settings.threshold = similarity;   // exactly at the threshold: a hit
    cache.setSettings(settings);
    Decision d = cache.decide({}, kChat, query);
    QCOMPARE(d.outcome, Decision::Outcome::Hit);
    QCOMPARE(d.match->similarity, similarity);
    QCOMPARE(d.threshold, similarity);

    settings.threshold = std::nextafter(similarity, 2.0f);   // the smallest step above: a miss
    cache.setSettings(settings);
    d = cache.decide({}, kChat, query);
    QVERIFY2(d.outcome == Decision::Outcome::Miss, qPrintable(d.reason + QString::number(settings.threshold)));
    QCOMPARE(d.candidates.size(), size_t(1));   // still reported to the tuner
    QVERIFY(!d.candidates[0].aboveThreshold);
    QCOMPARE(d.candidates[0].similarity, similarity);
}

void TestSemanticCache::thresholdOneDisablesPerModel()
{
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    const QString text = QStringLiteral("What is the boiling point of water at sea level?");
    cache.add("mini", {}, kChat, chat(text));
    cache.add("big", {}, kChat, chat(text, QStringLiteral("gpt-4o")));
    SemanticSettings settings;
    settings.modelThresholds.insert(QStringLiteral("gpt-4o"), 1.0f);
    cache.setSettings(settings);
    const Decision off = cache.decide({}, kChat, chat(text, QStringLiteral("gpt-4o")));
    QCOMPARE(off.outcome, Decision::Outcome::NotApplicable);
    QVERIFY(off.reason.contains(QLatin1String("gpt-4o")));
    QVERIFY(cache.lookup({}, kChat, chat(text)));   // the other model keeps the default

    settings.modelThresholds.clear();
    settings.threshold = 1.0f;
    cache.setSettings(settings);
    QCOMPARE(cache.decide({}, kChat, chat(text)).outcome, Decision::Outcome::NotApplicable);
    settings.threshold = kDefaultThreshold;
    settings.enabled = false;
    cache.setSettings(settings);
    QCOMPARE(cache.decide({}, kChat, chat(text)).outcome, Decision::Outcome::NotApplicable);
}

void TestSemanticCache::identicalTextIsSimilarityOne()
{
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    SemanticSettings settings;
    settings.threshold = 0.9999f;
    cache.setSettings(settings);
    cache.add("k", {}, kChat, chat(QStringLiteral("Write a limerick about a cat")));
    const Decision d = cache.decide({}, kChat, chat(QStringLiteral("Write a limerick about a cat")));
    QCOMPARE(d.outcome, Decision::Outcome::Hit);
    QVERIFY(std::abs(d.match->similarity - 1.0f) < 1e-5f);
}

// Small graph threshold: the same data through the HNSW path and the flat scan.
void TestSemanticCache::flatAndGraphAgree()
{
    IndexOptions graph;
    graph.graphThreshold = 16;
    SemanticCache flatCache(std::make_unique<LocalEmbedder>());
    SemanticCache graphCache(std::make_unique<LocalEmbedder>(), nullptr, graph);
    for (int i = 0; i < 400; ++i) {
        const QByteArray key = "k" + QByteArray::number(i);
        flatCache.add(key, {}, kChat, chat(prompt(i)));
        graphCache.add(key, {}, kChat, chat(prompt(i)));
    }
    flatCache.waitUntilIndexed();
    graphCache.waitUntilIndexed();
    QCOMPARE(flatCache.index()->graphCount(), 0);
    QCOMPARE(graphCache.index()->graphCount(), 1);
    for (int i = 0; i < 400; i += 7) {
        const QJsonObject q = chat(prompt(i));
        const Decision a = flatCache.decide({}, kChat, q);
        const Decision b = graphCache.decide({}, kChat, q);
        QCOMPARE(a.match->entryKey, "k" + QByteArray::number(i));
        QCOMPARE(b.match->entryKey, a.match->entryKey);
        QVERIFY(std::abs(a.match->similarity - b.match->similarity) < 1e-5f);
    }
}

void TestSemanticCache::deletesLeaveNoTrace()
{
    IndexOptions graph;
    graph.graphThreshold = 32;
    SemanticCache cache(std::make_unique<LocalEmbedder>(), nullptr, graph);
    SemanticSettings settings;
    settings.threshold = 0.3f;
    settings.candidates = 10;
    cache.setSettings(settings);
    for (int i = 0; i < 300; ++i)
        cache.add("k" + QByteArray::number(i), {}, kChat, chat(prompt(i)));
    QCOMPARE(cache.size(), 300);
    QList<QByteArray> removed;
    for (int i = 0; i < 300; i += 2)
        removed.append("k" + QByteArray::number(i));
    cache.remove(removed);
    cache.remove({"never-added"});
    QCOMPARE(cache.size(), 150);
    for (int i = 0; i < 300; ++i) {
        const Decision d = cache.decide({}, kChat, chat(prompt(i)));
        for (const Candidate &c : d.candidates)
            QVERIFY2(!removed.contains(c.entryKey), c.entryKey.constData());
        if (i % 2 == 1)
            QCOMPARE(d.match->entryKey, "k" + QByteArray::number(i));
        else
            QVERIFY(!d.match || d.match->entryKey != "k" + QByteArray::number(i));
    }
    // Shrinking far below the threshold turns the graph back into a flat array.
    QList<QByteArray> rest;
    for (int i = 1; i < 290; i += 2)
        rest.append("k" + QByteArray::number(i));
    cache.remove(rest);
    QCOMPARE(cache.size(), 5);
    cache.waitUntilIndexed();
    QCOMPARE(cache.index()->graphCount(), 0);
    QCOMPARE(cache.decide({}, kChat, chat(prompt(299))).match->entryKey, QByteArray("k299"));
}

// add() leaves graph inserts to the indexer thread: every answer must be matchable at once,
// removals racing with the indexer must win, and the index must end up holding exactly the
// live entries (a removed id indexed late would be a vector pointing at nothing).
void TestSemanticCache::addsAreMatchableWhileIndexing()
{
    IndexOptions graph;
    graph.graphThreshold = 16;
    SemanticCache cache(std::make_unique<LocalEmbedder>(), nullptr, graph);
    QSet<QByteArray> removed;
    for (int i = 0; i < 1500; ++i) {
        const QByteArray key = "k" + QByteArray::number(i);
        cache.add(key, {}, kChat, chat(prompt(i)));
        const Decision d = cache.decide({}, kChat, chat(prompt(i)));
        QVERIFY2(d.isHit() && d.match->entryKey == key, key.constData());
        if (i % 3 == 0) {
            cache.remove({key});
            removed.insert(key);
        }
    }
    QCOMPARE(cache.size(), 1000);
    cache.waitUntilIndexed();
    QCOMPARE(cache.index()->size(), 1000);
    QCOMPARE(cache.size(), 1000);
    for (int i = 0; i < 1500; i += 11) {
        const QByteArray key = "k" + QByteArray::number(i);
        const Decision d = cache.decide({}, kChat, chat(prompt(i)));
        for (const Candidate &c : d.candidates)
            QVERIFY2(!removed.contains(c.entryKey), c.entryKey.constData());
        if (!removed.contains(key))
            QCOMPARE(d.match->entryKey, key);
    }
}

// Semantic matching off for a model: its misses cost no embedding and no index space.
void TestSemanticCache::matchingOffEmbedsNothing()
{
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    SemanticSettings settings;
    settings.modelThresholds.insert(QStringLiteral("gpt-4o"), 1.0f);
    cache.setSettings(settings);
    QSignalSpy added(&cache, &SemanticCache::vectorAdded);
    cache.add("off", {}, kChat, chat(QStringLiteral("What is a monad?"), QStringLiteral("gpt-4o")));
    cache.add("on", {}, kChat, chat(QStringLiteral("What is a functor?")));
    QCOMPARE(cache.size(), 1);
    QCOMPARE(added.size(), 1);
    QVERIFY(!cache.contains("off"));

    // The re-embed job that runs when matching is turned on skips what is still off.
    auto embedder = std::make_shared<LocalEmbedder>();
    bool served = false;
    ReembedJob job(embedder, settings, [&](int) {
        QList<ReembedItem> items;
        if (!std::exchange(served, true)) {
            items.append({"off", {}, kChat, chat(QStringLiteral("What is a monad?"), QStringLiteral("gpt-4o"))});
            items.append({"on", {}, kChat, chat(QStringLiteral("What is a functor?"))});
        }
        return items;
    }, 2);
    QSignalSpy ready(&job, &ReembedJob::vectorReady);
    QSignalSpy finished(&job, &ReembedJob::finished);
    job.start();
    QVERIFY(finished.wait(10000));
    QCOMPARE(ready.size(), 1);
    QCOMPARE(ready.first().first().value<VectorRecord>().entryKey, QByteArray("on"));
    QCOMPARE(job.skippedCount(), 1);
}

void TestSemanticCache::turningMatchingOnIsDetected()
{
    SemanticSettings on;
    SemanticSettings globalOff = on;
    globalOff.threshold = 1.0f;
    SemanticSettings disabled = on;
    disabled.enabled = false;
    SemanticSettings modelOff = on;
    modelOff.modelThresholds.insert(QStringLiteral("gpt-4o"), 1.0f);
    SemanticSettings stricter = on;
    stricter.threshold = 0.95f;
    QVERIFY(SemanticSettings::turnsMatchingOn(globalOff, on));
    QVERIFY(SemanticSettings::turnsMatchingOn(disabled, on));
    QVERIFY(SemanticSettings::turnsMatchingOn(modelOff, on));   // the override removed
    QVERIFY(!SemanticSettings::turnsMatchingOn(on, globalOff));
    QVERIFY(!SemanticSettings::turnsMatchingOn(on, modelOff));
    QVERIFY(!SemanticSettings::turnsMatchingOn(on, stricter));
    QVERIFY(!SemanticSettings::turnsMatchingOn(stricter, on));
    QVERIFY(!SemanticSettings::turnsMatchingOn(globalOff, disabled));
    // Global off, one model turned on by its own override.
    SemanticSettings oneModelOn = globalOff;
    oneModelOn.modelThresholds.insert(QStringLiteral("gpt-4o-mini"), 0.8f);
    QVERIFY(SemanticSettings::turnsMatchingOn(globalOff, oneModelOn));
    QVERIFY(!SemanticSettings::turnsMatchingOn(oneModelOn, globalOff));
}

void TestSemanticCache::reinsertReplaces()
{
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    cache.add("k", {}, kChat, chat(QStringLiteral("How tall is Mount Everest?")));
    cache.add("k", {}, kChat, chat(QStringLiteral("Explain quantum entanglement simply")));
    QCOMPARE(cache.size(), 1);
    QVERIFY(!cache.lookup({}, kChat, chat(QStringLiteral("How tall is Mount Everest?"))));
    QVERIFY(cache.lookup({}, kChat, chat(QStringLiteral("Explain quantum entanglement simply"))));
}

void TestSemanticCache::persistsAndReloads()
{
    QTemporaryDir dir;
    QList<Decision> before;
    QList<QJsonObject> queries;
    {
        cachette::store::Store store;
        QString error;
        QVERIFY2(store.open(dir.path(), &error), qPrintable(error));
        EmbeddingStore embeddings;
        QVERIFY2(embeddings.open(&store, &error), qPrintable(error));
        SemanticCache cache(std::make_unique<LocalEmbedder>());
        // The integration's wiring: vectors to the store, removals from the store.
        connect(&cache, &SemanticCache::vectorAdded, &embeddings,
                [&embeddings](const VectorRecord &r) { embeddings.put(toStored(r)); });
        connect(&store, &cachette::store::Store::entriesRemoved, &cache, &SemanticCache::remove);
        connect(&store, &cachette::store::Store::entriesRemoved, &embeddings, &EmbeddingStore::remove);
        for (int i = 0; i < 40; ++i) {
            const QByteArray key = "key" + QByteArray::number(i);
            store.put(entryFor(key, chat(prompt(i))));
            cache.add(key, {}, kChat, chat(prompt(i)));
        }
        store.removeEntries({"key3", "key4"});
        store.flush();
        embeddings.flush();
        QCOMPARE(cache.size(), 38);
        QCOMPARE(embeddings.count(cache.embedderId()), 38);
        for (int i = 0; i < 40; i += 3) {
            queries.append(chat(prompt(i).toUpper()));
            before.append(cache.decide({}, kChat, queries.last()));
        }
        // A vector whose entry never made it to the store is not loaded after a restart.
        embeddings.put({"orphan", cache.embedderId(), 1, QStringLiteral("x"), {1.0f, 0.0f}});
        embeddings.flush();
    }
    // Restart: everything from disk.
    cachette::store::Store store;
    QVERIFY(store.open(dir.path()));
    EmbeddingStore embeddings;
    QVERIFY(embeddings.open(&store));
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    QList<VectorRecord> records;
    embeddings.forEach(cache.embedderId(), [&records](StoredEmbedding &&e) { records.append(toRecord(std::move(e))); });
    QCOMPARE(cache.load(records), 38);
    QVERIFY(!cache.contains("key3"));
    QVERIFY(!cache.contains("orphan"));
    for (qsizetype i = 0; i < queries.size(); ++i) {
        const Decision after = cache.decide({}, kChat, queries[i]);
        QCOMPARE(after.outcome, before[i].outcome);
        QCOMPARE(after.candidates.size(), before[i].candidates.size());
        for (size_t c = 0; c < after.candidates.size(); ++c) {
            QCOMPARE(after.candidates[c].entryKey, before[i].candidates[c].entryKey);
            QCOMPARE(after.candidates[c].similarity, before[i].candidates[c].similarity);
            QCOMPARE(after.candidates[c].prompt, before[i].candidates[c].prompt);
        }
    }
}

void TestSemanticCache::otherEmbedderVectorsAreIgnored()
{
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    QVERIFY(!cache.insert({"k", QStringLiteral("remote:x@h/v1"), 1, QStringLiteral("t"), Vector(512, 0.1f)}));
    QVERIFY(!cache.insert({"k", cache.embedderId(), 1, QStringLiteral("t"), Vector(8, 0.1f)}));   // wrong dim
    QCOMPARE(cache.size(), 0);
    LocalEmbedderOptions wide;
    wide.dimension = 1024;
    cache.add("a", {}, kChat, chat(QStringLiteral("hello there")));
    cache.setEmbedder(std::make_unique<LocalEmbedder>(wide));
    QCOMPARE(cache.size(), 0);   // switching embedder empties the index
    QCOMPARE(cache.embedderId(), QStringLiteral("local-hash-v1-d1024"));
}

// The trigger from migration 4: however an entry goes (here straight through the Store, with
// no EmbeddingStore::remove), its vectors of every embedder go with it.
void TestSemanticCache::entryDeletionRemovesVectors()
{
    QTemporaryDir dir;
    cachette::store::Store store;
    QVERIFY(store.open(dir.path()));
    QVERIFY(store.schemaVersion() >= 4);   // the trigger came with version 4
    EmbeddingStore embeddings;
    QVERIFY(embeddings.open(&store));
    store.put(entryFor("a", chat(QStringLiteral("alpha"))));
    store.put(entryFor("b", chat(QStringLiteral("beta"))));
    store.flush();
    for (const char *embedder : {"e1", "e2"}) {
        embeddings.put({"a", QLatin1String(embedder), 7, QStringLiteral("alpha"), {0.6f, 0.8f}});
        embeddings.put({"b", QLatin1String(embedder), 7, QStringLiteral("beta"), {1.0f, 0.0f}});
    }
    embeddings.flush();
    QCOMPARE(embeddings.count(QStringLiteral("e1")), 2);
    store.removeEntries({"a"});
    store.flush();
    QCOMPARE(embeddings.count(QStringLiteral("e1")), 1);
    QCOMPARE(embeddings.count(QStringLiteral("e2")), 1);
    const QList<StoredEmbedding> rows = embeddings.load(QStringLiteral("e2"));
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].entryKey, QByteArray("b"));
    QCOMPARE(rows[0].contextHash, quint64(7));
    QCOMPARE(rows[0].text, QStringLiteral("beta"));
    QCOMPARE(rows[0].vector, std::vector<float>({1.0f, 0.0f}));
}

// Names of this process's threads whose name starts with prefix (Linux truncates to 15 bytes).
static int threadsNamed(const QByteArray &prefix)
{
    int count = 0;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(task + QStringLiteral("/comm")));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll().startsWith(prefix))
            ++count;
    }
    return count;
}

// One writer for the whole file (issue 12): vectors are changes of the Store, committed by its
// writer thread with the entries, so they never compete with it for SQLite's lock, one flush
// commits both, and the Store's open sweeps vectors whose entry had already gone.
void TestSemanticCache::vectorsGoThroughTheStoresWriter()
{
    QTemporaryDir dir;
    {
        cachette::store::Store store;
        QVERIFY(store.open(dir.path()));
        EmbeddingStore embeddings;
        QVERIFY(embeddings.open(&store));
        QCOMPARE(threadsNamed("cachette-store-"), 1);
        QCOMPARE(threadsNamed("cachette-embedd"), 0);   // the old embeddings writer

        store.put(entryFor("a", chat(QStringLiteral("alpha"))));
        embeddings.put({"a", QStringLiteral("e1"), 7, QStringLiteral("alpha"), {0.6f, 0.8f}});
        embeddings.put({"ghost", QStringLiteral("e1"), 7, QStringLiteral("gone"), {1.0f, 0.0f}});
        store.flush();   // not embeddings.flush(): the same queue
        QCOMPARE(embeddings.count(QStringLiteral("e1")), 2);
        QCOMPARE(embeddings.load(QStringLiteral("e1")).size(), 1);   // only rows with an entry
    }
    cachette::store::Store store;
    QVERIFY(store.open(dir.path()));
    EmbeddingStore embeddings;
    QVERIFY(embeddings.open(&store));
    store.flush();   // the sweep queued at open
    QCOMPARE(embeddings.count(QStringLiteral("e1")), 1);
    QCOMPARE(embeddings.load(QStringLiteral("e1")).first().entryKey, QByteArray("a"));
}

void TestSemanticCache::loadsInBackground()
{
    IndexOptions graph;
    graph.graphThreshold = 64;
    SemanticCache source(std::make_unique<LocalEmbedder>());
    QList<VectorRecord> records;
    connect(&source, &SemanticCache::vectorAdded, this, [&records](const VectorRecord &r) { records.append(r); });
    for (int i = 0; i < 1000; ++i)
        source.add("k" + QByteArray::number(i), {}, kChat, chat(prompt(i)));
    QCOMPARE(records.size(), 1000);

    SemanticCache cache(std::make_unique<LocalEmbedder>(), nullptr, graph);
    cache.add("early", {}, kChat, chat(QStringLiteral("Added before the load started")));
    QSignalSpy loaded(&cache, &SemanticCache::loaded);
    cache.loadInBackground(records);
    QVERIFY(cache.isLoading());
    QCOMPARE(cache.decide({}, kChat, chat(prompt(1))).outcome, Decision::Outcome::NotReady);
    // Changes made while loading survive the swap.
    cache.add("during", {}, kChat, chat(QStringLiteral("Added while the load was running")));
    cache.remove({"k5"});
    QVERIFY(loaded.wait(30000));
    QCOMPARE(loaded.first().first().toInt(), 1000);
    QVERIFY(!cache.isLoading());
    QCOMPARE(cache.size(), 1001);
    QCOMPARE(cache.decide({}, kChat, chat(prompt(7))).match->entryKey, QByteArray("k7"));
    QVERIFY(cache.lookup({}, kChat, chat(QStringLiteral("Added before the load started"))));
    QVERIFY(cache.lookup({}, kChat, chat(QStringLiteral("Added while the load was running"))));
    const Decision removed = cache.decide({}, kChat, chat(prompt(5)));
    QVERIFY(!removed.match || removed.match->entryKey != "k5");
    // Ids held back during the load are reusable now.
    cache.add("after", {}, kChat, chat(QStringLiteral("Added after the load")));
    QVERIFY(cache.lookup({}, kChat, chat(QStringLiteral("Added after the load"))));
}

void TestSemanticCache::reembedJobFillsMissingVectors()
{
    QTemporaryDir dir;
    cachette::store::Store store;
    QVERIFY(store.open(dir.path()));
    EmbeddingStore embeddings;
    QVERIFY(embeddings.open(&store));
    for (int i = 0; i < 25; ++i)
        store.put(entryFor("key" + QByteArray::number(i), chat(prompt(i))));
    store.put(entryFor("emb", QJsonObject{{"model", "e"}, {"input", "x"}}, QStringLiteral("embeddings")));
    store.flush();

    LocalEmbedderOptions options;
    options.dimension = 256;
    auto embedder = std::make_shared<LocalEmbedder>(options);
    QCOMPARE(embeddings.countWithoutVector(embedder->id()), 26);
    qint64 cursor = 0;
    ReembedJob job(embedder, SemanticSettings(), [&](int maxCount) {
        QList<ReembedItem> items;
        for (const auto &s : embeddings.entriesWithoutVector(embedder->id(), cursor, maxCount)) {
            cursor = s.rowId;
            items.append({s.entryKey, s.cacheNamespace, s.endpoint,
                          QJsonDocument::fromJson(s.canonicalRequest).object()});
        }
        return items;
    }, 26);
    job.setBatchSize(10);
    connect(&job, &ReembedJob::vectorReady, &embeddings,
            [&embeddings](const VectorRecord &r) { embeddings.put(toStored(r)); });
    QSignalSpy progress(&job, &ReembedJob::progress);
    QSignalSpy finished(&job, &ReembedJob::finished);
    job.start();
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.first().at(0).toBool(), true);
    QCOMPARE(job.doneCount(), 25);
    QCOMPARE(job.skippedCount(), 1);   // the embeddings request is never matched by similarity
    QCOMPARE(progress.size(), 3);
    QCOMPARE(progress.last().at(0).toLongLong(), 26);
    embeddings.flush();
    QCOMPARE(embeddings.count(embedder->id()), 25);
    QCOMPARE(embeddings.countWithoutVector(embedder->id()), 1);
    QVERIFY(embeddings.embedderIds().contains(embedder->id()));

    // The switch: a cache on the new embedder loads what the job built.
    SemanticCache cache(std::make_unique<LocalEmbedder>(options));
    QList<VectorRecord> records;
    embeddings.forEach(embedder->id(), [&records](StoredEmbedding &&e) { records.append(toRecord(std::move(e))); });
    QCOMPARE(cache.load(records), 25);
    QCOMPARE(cache.decide({}, kChat, chat(prompt(12))).match->entryKey, QByteArray("key12"));
    embeddings.removeEmbedder(embedder->id());
    embeddings.flush();
    QCOMPARE(embeddings.count(embedder->id()), 0);
}

void TestSemanticCache::reembedJobCancels()
{
    auto embedder = std::make_shared<LocalEmbedder>();
    int served = 0;
    ReembedJob job(embedder, SemanticSettings(), [&](int maxCount) {
        QList<ReembedItem> items;
        for (int i = 0; i < maxCount; ++i, ++served)
            items.append({"k" + QByteArray::number(served), {}, kChat, chat(prompt(served))});
        return items;   // never runs out
    });
    QSignalSpy finished(&job, &ReembedJob::finished);
    QSignalSpy progress(&job, &ReembedJob::progress);
    job.start();
    QVERIFY(progress.wait(5000));
    job.cancel();
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().at(0).toBool(), false);
    QCOMPARE(finished.first().at(1).toString(), QStringLiteral("cancelled"));
    const int servedAtCancel = served;
    QTest::qWait(50);   // deliberately: a job still running would embed another batch in that time
    QCOMPARE(served, servedAtCancel);
    QVERIFY(!job.isRunning());
}

QTEST_GUILESS_MAIN(TestSemanticCache)
#include "TestSemanticCache.moc"
