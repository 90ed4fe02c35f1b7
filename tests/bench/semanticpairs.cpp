// bench_semantic pairs: the match verifier on hand-made near-twins (tests/bench/
// semantic_pairs.json): hard negatives (same wording, another meaning: an entity, an antonym,
// swapped roles, a qualifier, a number, a negation, a literal) and paraphrases, general
// questions and coding-agent instructions. Each pair is a context of its own, as a user would
// meet it: the first prompt cached, the second asked. Also the verifier's own cost.
#include "semanticpairs.h"

#include "semantic/guards.h"
#include "semantic/localembedder.h"
#include "semantic/matchverifier.h"
#include "semantic/semanticcache.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>

#include <algorithm>
#include <cstdio>

using namespace cachette::semantic;

namespace {

struct NearTwin
{
    QString cached, asked, kind, domain;
    bool same = false;
};

QList<NearTwin> readTwins(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s\n", qPrintable(path));
        return {};
    }
    QList<NearTwin> twins;
    for (const QJsonValue &v : QJsonDocument::fromJson(file.readAll()).array()) {
        twins.append({v["a"].toString(), v["b"].toString(), v["kind"].toString(),
                      v["domain"].toString(), v["same"].toBool()});
    }
    return twins;
}

// A chat request; with tools, as an agent sends it (the verifier is strict there by default).
QJsonObject request(const QString &prompt, bool tools)
{
    QJsonObject body{{"model", "gpt-4o-mini"},
                     {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", prompt}}}}};
    if (tools) {
        body.insert("tools", QJsonArray{QJsonObject{
                                 {"type", "function"},
                                 {"function", QJsonObject{{"name", "execute"},
                                                          {"parameters", QJsonObject{{"type", "object"}}}}}}});
    }
    return body;
}

struct Tally
{
    int wrong = 0, paraphraseHits = 0, wrongBefore = 0, paraphraseBefore = 0;
    QMap<QString, int> refusals;   // by kind, over the hard negatives and the paraphrases
    QMap<QString, int> wrongByKind;
};

void printTable(const QList<NearTwin> &twins, bool tools)
{
    const int negatives = int(std::count_if(twins.begin(), twins.end(), [](const NearTwin &t) { return !t.same; }));
    const int paraphrases = int(twins.size()) - negatives;
    SemanticCache cache(std::make_unique<LocalEmbedder>());
    const QString chat = QStringLiteral("chat/completions");
    for (qsizetype i = 0; i < twins.size(); ++i)
        cache.add("t" + QByteArray::number(i), QStringLiteral("pair-%1").arg(i), chat, request(twins[i].cached, tools));
    cache.waitUntilIndexed();
    std::printf("\n%s: %d hard negatives, %d paraphrases, each pair in a context of its own\n",
                tools ? "Requests with tools (strict verifier, the default for them)"
                      : "Requests without tools (standard verifier)",
                negatives, paraphrases);
    std::printf("| threshold | wrong hits | paraphrase hits | wrong hits before (guards only) "
                "| paraphrase hits before | refusals by reason (all pairs above the threshold) |\n"
                "|---|---|---|---|---|---|\n");
    for (float threshold : {0.95f, 0.9f, 0.85f, 0.8f, 0.75f, 0.7f, 0.6f, 0.5f}) {
        SemanticSettings settings;
        settings.threshold = threshold;
        cache.setSettings(settings);
        Tally t;
        for (qsizetype i = 0; i < twins.size(); ++i) {
            const NearTwin &twin = twins[i];
            const Decision d = cache.decide(QStringLiteral("pair-%1").arg(i), chat, request(twin.asked, tools));
            const bool above = !d.candidates.empty() && d.candidates.front().aboveThreshold;
            // Before the verifier: the first candidate above the threshold that the three
            // guards let through was served.
            const bool before = above
                && firstDifference(GuardFacts::of(twin.asked), GuardFacts::of(d.candidates.front().prompt),
                                   settings.guards) == Guard::None;
            (twin.same ? t.paraphraseBefore : t.wrongBefore) += before ? 1 : 0;
            if (d.isHit()) {
                (twin.same ? t.paraphraseHits : t.wrong)++;
                if (!twin.same)
                    t.wrongByKind[twin.kind]++;
                if (!twin.same && qEnvironmentVariableIsSet("CACHETTE_BENCH_DUMP"))
                    std::printf("  wrong hit %.3f [%s]\n    cached: %s\n    asked:  %s\n", d.match->similarity,
                                qPrintable(twin.kind), qPrintable(twin.cached), qPrintable(twin.asked));
            } else if (d.outcome == Decision::Outcome::Refused) {
                t.refusals[guardName(d.guard)]++;
            }
        }
        QStringList reasons;
        for (auto it = t.refusals.cbegin(); it != t.refusals.cend(); ++it)
            reasons.append(QStringLiteral("%1 %2").arg(it.key()).arg(it.value()));
        std::printf("| %.2f | %d | %d (%.1f %%) | %d | %d (%.1f %%) | %s |\n", threshold, t.wrong,
                    t.paraphraseHits, 100.0 * t.paraphraseHits / qMax(1, paraphrases), t.wrongBefore,
                    t.paraphraseBefore, 100.0 * t.paraphraseBefore / qMax(1, paraphrases),
                    qPrintable(reasons.join(QStringLiteral(", "))));
    }
}

// The verifier's share of a lookup: the asked prompt's facts, then a verdict against a cached
// entry's facts (kept with the entry, so not counted), per pair; CPU time of this thread.
void verifierCost(const QList<NearTwin> &twins)
{
    const MatchVerifier verifier;
    std::vector<PromptFacts> cached;
    for (const NearTwin &twin : twins)
        cached.push_back(verifier.factsOf(twin.cached));
    std::vector<double> micros;
    for (int round = 0; round < 20; ++round) {
        for (qsizetype i = 0; i < twins.size(); ++i) {
            QElapsedTimer timer;
            timer.start();
            const Verdict v = verifier.verify(verifier.factsOf(twins[i].asked), cached[size_t(i)]);
            micros.push_back(timer.nsecsElapsed() / 1000.0);
            (void)v;
        }
    }
    std::sort(micros.begin(), micros.end());
    std::printf("\nVerifier per candidate (facts of the asked prompt + verdict), %zu runs: "
                "p50 %.1f µs, p90 %.1f µs, p99 %.1f µs\n",
                micros.size(), micros[micros.size() / 2], micros[micros.size() * 9 / 10],
                micros[micros.size() * 99 / 100]);
}

} // namespace

QString defaultPairsPath()
{
    return QFileInfo(QStringLiteral(__FILE__)).absolutePath() + QStringLiteral("/semantic_pairs.json");
}

void nearTwins(const QString &path)
{
    const QList<NearTwin> twins = readTwins(path);
    if (twins.isEmpty())
        return;
    printTable(twins, false);
    printTable(twins, true);
    verifierCost(twins);
}
