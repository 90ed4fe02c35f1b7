// Semantic cache benchmark (issue #4): quality on GPTCache's paraphrase pairs, and the speed and
// memory of a lookup (embed + search + guards) at 10k–1M entries. A timed program with medians
// rather than Google Benchmark fixtures: a 1M-entry index takes minutes to build, once.
//
//   bench_semantic quality [mock_data.json]   precision / hit rate per threshold, false hits
//   bench_semantic crossover                  flat scan vs HNSW per bucket size
//   bench_semantic speed [10000 100000 ...]   lookup p50/p99, build time, index memory
//   bench_semantic recall N [ef ...]           graph recall@1 against an exact scan, per ef
//   bench_semantic pairs [semantic_pairs.json] hard negatives and paraphrases, verifier cost
//
// Index knobs (speed and recall): CACHETTE_BENCH_M=n and CACHETTE_BENCH_EFC=n set hnswlib's M and
// ef_construction, CACHETTE_BENCH_EF=n the search ef floor, CACHETTE_BENCH_EF_SCALE=x the ef
// growth (IndexOptions::graphEfScale; 0: a fixed ef), CACHETTE_BENCH_FLAT=1 an exact scan.
//
// The data file defaults to ../shared/data/semantic/mock_data.json from the repository root
// (or /work/shared/...); it is only read.
#include "semantic/localembedder.h"
#include "semantic/promptcontext.h"
#include "semantic/semanticcache.h"
#include "semantic/vectorindex.h"
#include "semanticpairs.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include <malloc.h>
#include <sys/resource.h>
#include <time.h>

using namespace cachette::semantic;

namespace {

const QString kChat = QStringLiteral("chat/completions");

QJsonObject chat(const QString &question)
{
    return QJsonObject{{"model", "gpt-4o-mini"},
                       {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", question}}}}};
}

// After malloc_trim(): freed heap (the load's float vectors) is given back and not counted.
qint64 rssKiB()
{
    malloc_trim(0);
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return 0;
}

// This thread's CPU time: the machines are shared (2 cores), and wall-clock percentiles there
// mostly measure other people's builds. Both are reported.
double threadCpuMicros()
{
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// CPU time of every thread of the process (a graph is built from one thread per core).
double processCpuSeconds()
{
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// IndexOptions from the CACHETTE_BENCH_* variables (see the top of this file).
IndexOptions benchIndexOptions()
{
    IndexOptions options;
    if (qEnvironmentVariableIsSet("CACHETTE_BENCH_M"))
        options.graphM = qEnvironmentVariableIntValue("CACHETTE_BENCH_M");
    if (qEnvironmentVariableIsSet("CACHETTE_BENCH_EFC"))
        options.graphEfConstruction = qEnvironmentVariableIntValue("CACHETTE_BENCH_EFC");
    if (qEnvironmentVariableIsSet("CACHETTE_BENCH_EF"))
        options.graphEfSearch = qEnvironmentVariableIntValue("CACHETTE_BENCH_EF");
    if (qEnvironmentVariableIsSet("CACHETTE_BENCH_EF_SCALE"))
        options.graphEfScale = qEnvironmentVariable("CACHETTE_BENCH_EF_SCALE").toDouble();
    if (qEnvironmentVariableIntValue("CACHETTE_BENCH_FLAT"))
        options.graphThreshold = 1 << 30;
    std::fprintf(stderr, "index: M %d, ef_construction %d, ef %d, ef scale %.2f%s\n", options.graphM,
                 options.graphEfConstruction, options.graphEfSearch, options.graphEfScale,
                 options.graphThreshold > 1 << 29 ? ", flat" : "");
    return options;
}

double percentile(std::vector<double> values, double p)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[std::min(values.size() - 1, size_t(p * double(values.size())))];
}

// --- quality ---------------------------------------------------------------------------------

struct Pair { QString origin, similar; };

QList<Pair> readPairs(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s\n", qPrintable(path));
        return {};
    }
    QList<Pair> pairs;
    for (const QJsonValue &v : QJsonDocument::fromJson(file.readAll()).array())
        pairs.append({v["origin"].toString(), v["similar"].toString()});
    return pairs;
}

QString defaultDataPath()
{
    const QStringList candidates = {
        // This file is <repo>/tests/bench/bench_semantic.cpp; the data sits beside the repo.
        QFileInfo(QStringLiteral(__FILE__)).absolutePath() + QStringLiteral("/../../../shared/data/semantic/mock_data.json"),
        QStringLiteral("/work/shared/data/semantic/mock_data.json"),
    };
    for (const QString &path : candidates) {
        if (QFile::exists(path))
            return QDir::cleanPath(path);
    }
    return candidates.first();
}

struct Counts { int correct = 0, wrong = 0, miss = 0, refused = 0; };

void quality(const QString &path, bool guardsOn)
{
    const QList<Pair> pairs = readPairs(path);
    if (pairs.isEmpty())
        return;
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    // Every origin is its own single-turn conversation with the same model: one context.
    // Identical origins (the file has 35 repeats) are one entry, as in the real cache.
    // Each entry indexed before the next is added: the indexer thread's order varies from run to
    // run, and decides between origins with equal vectors (the tables would vary by a hit or two).
    const auto add = [&cache](const QByteArray &key, const QString &ns, const QString &text) {
        cache.add(key, ns, kChat, chat(text));
        cache.waitUntilIndexed();
    };
    for (const Pair &p : pairs)
        add(p.origin.toUtf8().toBase64(), {}, p.origin);
    // Random unrelated pairs: each similar against one other origin alone (a namespace each).
    std::mt19937 rng(42);
    for (qsizetype i = 0; i < pairs.size(); ++i) {
        qsizetype j;
        do { j = qsizetype(rng() % pairs.size()); } while (pairs[j].origin == pairs[i].origin);
        add("u" + QByteArray::number(i), QStringLiteral("pair-%1").arg(i), pairs[j].origin);
    }

    const float thresholds[] = {0.95f, 0.9f, 0.85f, 0.8f, 0.75f, 0.7f, 0.65f, 0.6f};
    std::printf("\nLocal embedder (%s), guards %s, %lld pairs, %lld distinct origins cached\n",
                qPrintable(cache.embedderId()), guardsOn ? "on" : "off", qlonglong(pairs.size()),
                qlonglong(cache.size() - pairs.size()));
    std::printf("| threshold | correct hits | wrong hits | misses | refused by a guard | precision | hit rate "
                "| false hits, unrelated pairs | false hits, nearest other origin |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    for (float threshold : thresholds) {
        SemanticSettings settings;
        settings.threshold = threshold;
        settings.guards = GuardOptions{guardsOn, guardsOn, guardsOn};
        cache.setSettings(settings);
        Counts c;
        int unrelated = 0, otherOrigin = 0;
        for (qsizetype i = 0; i < pairs.size(); ++i) {
            const Decision d = cache.decide({}, kChat, chat(pairs[i].similar));
            if (d.isHit())
                (d.match->matchedPrompt == pairs[i].origin ? c.correct : c.wrong)++;
            else
                c.miss++;
            // CACHETTE_BENCH_DUMP=0.85 lists that threshold's wrong hits, to read them.
            if (d.isHit() && d.match->matchedPrompt != pairs[i].origin
                && qEnvironmentVariable("CACHETTE_BENCH_DUMP").toFloat() == threshold) {
                std::printf("  wrong %.3f\n    asked:  %s\n    served: %s\n    own:    %s\n",
                            d.match->similarity, qPrintable(pairs[i].similar),
                            qPrintable(d.match->matchedPrompt), qPrintable(pairs[i].origin));
            }
            c.refused += d.outcome == Decision::Outcome::Refused ? 1 : 0;
            unrelated += cache.decide(QStringLiteral("pair-%1").arg(i), kChat, chat(pairs[i].similar)).isHit();
        }
        // Nearest *other* origin: ask each similar with its own origin taken out of the cache.
        for (qsizetype i = 0; i < pairs.size(); ++i) {
            const QByteArray own = pairs[i].origin.toUtf8().toBase64();
            cache.remove({own});
            otherOrigin += cache.decide({}, kChat, chat(pairs[i].similar)).isHit();
            add(own, {}, pairs[i].origin);
        }
        const int hits = c.correct + c.wrong;
        std::printf("| %.2f | %d | %d | %d | %d | %.1f %% | %.1f %% | %d | %d |\n", threshold, c.correct,
                    c.wrong, c.miss, c.refused, hits ? 100.0 * c.correct / hits : 100.0,
                    100.0 * hits / double(pairs.size()), unrelated, otherOrigin);
    }
}

// --- synthetic prompts -----------------------------------------------------------------------

// Pseudo-English: a 20k-word vocabulary of syllable words, Zipf-distributed, 6–24 words a prompt.
class PromptMaker
{
public:
    explicit PromptMaker(quint32 seed) : m_rng(seed)
    {
        const char *syllables[] = {"ka", "lo", "mi", "ren", "tas", "vo", "pel", "din", "so", "qua",
                                   "ber", "nix", "tor", "fa", "gel", "hu", "jin", "ul", "zer", "wa"};
        for (int i = 0; i < 20000; ++i) {
            QString word;
            for (int s = 0, n = 2 + i % 3, x = i; s < n; ++s, x /= 20)
                word += QLatin1String(syllables[(x + s * 7) % 20]);
            m_words.append(word);
        }
    }
    QString make()
    {
        std::uniform_int_distribution<int> length(6, 24);
        QStringList words;
        for (int n = length(m_rng); n > 0; --n)
            words.append(m_words[zipf()]);
        return words.join(QLatin1Char(' '));
    }
    // A near-repeat: one word replaced.
    QString perturb(const QString &prompt)
    {
        QStringList words = prompt.split(QLatin1Char(' '));
        words[int(m_rng() % words.size())] = m_words[zipf()];
        return words.join(QLatin1Char(' '));
    }

private:
    int zipf()
    {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        return std::min(19999, int(std::pow(20000.0, u(m_rng))) - 1);
    }
    std::mt19937 m_rng;
    QStringList m_words;
};

// --- crossover -------------------------------------------------------------------------------

void crossover()
{
    LocalEmbedder embedder;
    PromptMaker maker(7);
    std::vector<Vector> vectors;
    for (int i = 0; i < 16384; ++i)
        vectors.push_back(embedder.embedOne(maker.make()));
    std::printf("\n| bucket size | flat scan p50 (µs) | HNSW search p50 (µs) |\n|---|---|---|\n");
    for (int size : {256, 512, 1024, 2048, 4096, 8192, 16384}) {
        IndexOptions flatOnly, graphOnly;
        flatOnly.graphThreshold = 1 << 30;
        graphOnly.graphThreshold = 0;
        VectorIndex flat(embedder.dimension(), flatOnly), graph(embedder.dimension(), graphOnly);
        for (int i = 0; i < size; ++i) {
            flat.insert(quint32(i), 1, vectors[size_t(i)].data());
            graph.insert(quint32(i), 1, vectors[size_t(i)].data());
        }
        std::vector<double> flatTimes, graphTimes;
        for (int q = 0; q < 400; ++q) {
            const float *query = vectors[size_t((q * 37) % size)].data();
            QElapsedTimer t;
            t.start();
            volatile size_t n = flat.search(1, query, 5).size();
            flatTimes.push_back(t.nsecsElapsed() / 1000.0);
            t.restart();
            n = graph.search(1, query, 5).size();
            graphTimes.push_back(t.nsecsElapsed() / 1000.0);
            (void)n;
        }
        std::printf("| %d | %.1f | %.1f |\n", size, percentile(flatTimes, 0.5), percentile(graphTimes, 0.5));
    }
}

// --- speed -----------------------------------------------------------------------------------

struct BuildTimes
{
    double embedCpu = 0;    // s, this thread
    double indexWall = 0;   // s, loadInBackground() until loaded()
};

// The way the app fills the index at start: stored vectors (embedded here first) through
// loadInBackground(), whose worker builds a large graph from every core at once.
BuildTimes buildByLoading(SemanticCache &cache, const std::vector<QString> &prompts)
{
    LocalEmbedder embedder;
    BuildTimes times;
    const double embedStart = threadCpuMicros();
    QList<VectorRecord> records;
    records.reserve(qsizetype(prompts.size()));
    // Keys and texts first, vectors after them: the cache keeps the former (sharing them), the
    // latter are freed after the load in one stretch of heap that malloc_trim() can give back.
    for (size_t i = 0; i < prompts.size(); ++i) {
        const PromptKey key = promptKey({}, kChat, chat(prompts[i]));
        records.append({QByteArray::number(qulonglong(i)), embedder.id(), key.contextHash, key.text, {}});
    }
    for (VectorRecord &record : records)
        record.vector = embedder.embedOne(record.text);
    times.embedCpu = (threadCpuMicros() - embedStart) / 1e6;
    QElapsedTimer wall;
    wall.start();
    QEventLoop loop;
    QObject::connect(&cache, &SemanticCache::loaded, &loop, &QEventLoop::quit);
    cache.loadInBackground(std::move(records));
    if (cache.isLoading())
        loop.exec();
    times.indexWall = wall.nsecsElapsed() / 1e9;
    return times;
}

void speed(int entries)
{
    PromptMaker maker(11);
    std::vector<QString> prompts;
    prompts.reserve(size_t(entries));
    for (int i = 0; i < entries; ++i)
        prompts.push_back(maker.make());
    const qint64 rssBefore = rssKiB();
    // CACHETTE_BENCH_FLAT=1 scans every bucket flat (exact): comparing hits against it measures
    // the graph's recall. The other CACHETTE_BENCH_* variables set the graph's options.
    const IndexOptions options = benchIndexOptions();
    const double cpuStart = processCpuSeconds();
    SemanticCache cache(std::make_unique<LocalEmbedder>(), nullptr, options);
    const BuildTimes build = buildByLoading(cache, prompts);
    const double buildCpu = processCpuSeconds() - cpuStart - build.embedCpu;
    const qint64 rssAfter = rssKiB();

    // Half near-repeats of cached prompts (hits), half new prompts (misses).
    std::vector<double> times, cpuTimes, embedTimes;
    int hits = 0;
    const int queries = 2000;
    for (int q = 0; q < queries; ++q) {
        const QString text = q % 2 ? maker.make() : maker.perturb(prompts[size_t((q * 7919) % entries)]);
        const QJsonObject body = chat(text);
        QElapsedTimer t;
        t.start();
        const double cpu = threadCpuMicros();
        const Decision d = cache.decide({}, kChat, body);
        cpuTimes.push_back(threadCpuMicros() - cpu);
        times.push_back(t.nsecsElapsed() / 1000.0);
        embedTimes.push_back(double(d.embedMicros));
        hits += d.isHit();
    }
    std::fprintf(stderr, "index build, CPU of all threads: %.1f s\n", buildCpu);
    std::printf("| %d | %.0f / %.0f | %.0f / %.0f | %.0f | %.1f + %.1f | %.0f MiB | %.0f MiB | %.1f %% |\n",
                entries, percentile(cpuTimes, 0.5), percentile(times, 0.5), percentile(cpuTimes, 0.99),
                percentile(times, 0.99), percentile(embedTimes, 0.5), build.embedCpu, build.indexWall,
                (rssAfter - rssBefore) / 1024.0, cache.indexMemoryBytes() / 1048576.0,
                100.0 * hits / queries);
    std::fflush(stdout);
}

// --- recall ----------------------------------------------------------------------------------

// The graph's recall@1 on near-repeats, against an exact scan of the same int8 vectors, for each
// search width, on one build. search() with k = ef searches with width ef (hnswlib's search takes
// max(ef, k)) whatever the options' ef, so the ef floor and growth are turned off here.
void recall(int entries, const QList<int> &efs)
{
    LocalEmbedder embedder;
    PromptMaker maker(11);
    std::vector<QString> prompts;
    std::vector<IndexItem> items;
    for (int i = 0; i < entries; ++i) {
        prompts.push_back(maker.make());
        items.push_back({quint32(i), 1, embedder.embedOne(prompts.back())});
    }
    IndexOptions options = benchIndexOptions();
    options.graphEfSearch = 1;
    options.graphEfScale = 0;
    IndexOptions flatOnly;
    flatOnly.graphThreshold = 1 << 30;
    const qint64 rssBefore = rssKiB();
    const double cpuStart = processCpuSeconds();
    QElapsedTimer wall;
    wall.start();
    VectorIndex graph(embedder.dimension(), options);
    graph.insertMany(items);
    const double buildWall = wall.nsecsElapsed() / 1e9, buildCpu = processCpuSeconds() - cpuStart;
    const qint64 rssGraph = rssKiB() - rssBefore;
    VectorIndex flat(embedder.dimension(), flatOnly);
    flat.insertMany(items);
    items.clear();
    items.shrink_to_fit();

    const int queries = 1000;
    std::vector<Vector> queryVectors;
    std::vector<float> best;
    for (int q = 0; q < queries; ++q) {
        queryVectors.push_back(embedder.embedOne(maker.perturb(prompts[size_t((q * 7919) % entries)])));
        best.push_back(flat.search(1, queryVectors.back().data(), 1).at(0).similarity);
    }
    std::printf("| M %d, ef_construction %d, %d entries: build %.1f s wall, %.1f s CPU, RSS %.0f B/entry, "
                "estimate %.0f B/entry |\n", options.graphM, options.graphEfConstruction, entries, buildWall,
                buildCpu, rssGraph * 1024.0 / entries, double(graph.memoryBytes()) / entries);
    std::printf("| ef | recall@1 | search p50 / p99, CPU (µs) |\n|---|---|---|\n");
    for (int ef : efs) {
        std::vector<double> cpuTimes;
        int found = 0;
        for (int q = 0; q < queries; ++q) {
            const double cpu = threadCpuMicros();
            const std::vector<Neighbor> result = graph.search(1, queryVectors[size_t(q)].data(), ef);
            cpuTimes.push_back(threadCpuMicros() - cpu);
            found += !result.empty() && result.front().similarity >= best[size_t(q)] - 1e-6f;
        }
        std::printf("| %d | %.1f %% | %.0f / %.0f |\n", ef, 100.0 * found / queries, percentile(cpuTimes, 0.5),
                    percentile(cpuTimes, 0.99));
        std::fflush(stdout);
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    const QString mode = args.value(0, QStringLiteral("quality"));
    if (mode == u"quality") {
        const QString path = args.value(1, defaultDataPath());
        quality(path, true);
        quality(path, false);
    } else if (mode == u"pairs") {
        nearTwins(args.value(1, defaultPairsPath()));
    } else if (mode == u"crossover") {
        crossover();
    } else if (mode == u"speed") {
        std::printf("\n| entries | lookup p50, CPU / wall (µs) | lookup p99, CPU / wall (µs) | embed p50 (µs) "
                    "| build: embed CPU + index wall (s) | RSS delta | index estimate | hits |\n"
                    "|---|---|---|---|---|---|---|---|\n");
        const QStringList sizes = args.size() > 1 ? args.mid(1) : QStringList{"10000", "100000"};
        for (const QString &size : sizes)
            speed(size.toInt());
    } else if (mode == u"recall") {
        QList<int> efs;
        for (const QString &ef : args.mid(2))
            efs.append(ef.toInt());
        recall(args.value(1, QStringLiteral("100000")).toInt(), efs.isEmpty() ? QList<int>{32, 64, 128, 256} : efs);
    } else {
        std::fprintf(stderr, "usage: bench_semantic quality [mock_data.json] | crossover | speed [sizes...] "
                             "| recall N [ef...] | pairs [semantic_pairs.json]\n");
        return 2;
    }
    return 0;
}
