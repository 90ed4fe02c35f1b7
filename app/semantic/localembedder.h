#pragma once

#include "embedder.h"

#include <string>
#include <vector>

namespace cachette::semantic {

// Weights of the local embedder's three kinds of features. The defaults come from the
// benchmark on GPTCache's paraphrase pairs (docs/benchmarks.md, "Semantic cache (issue #4)").
struct LocalEmbedderOptions
{
    int dimension = 512;         // hashed feature space; vectors are dense float32 of this size
    float wordWeight = 1.0f;     // stemmed content words
    float bigramWeight = 0.8f;   // adjacent content-word pairs (word order matters a little)
    float charWeight = 3.0f;     // all 3–5-grams of one word together (morphology, typos)
    int minGram = 3;
    int maxGram = 5;

    bool operator==(const LocalEmbedderOptions &) const = default;
};

// A hashed feature and its weight before folding into the vector (the 64-bit hash says which
// feature it is; the fold keeps its low bits for the slot and one bit for the sign).
struct Feature
{
    quint64 hash;
    float weight;
};

// The built-in embedder: no network, no model file. A text becomes a bag of features —
// stemmed content words, content-word bigrams and character 3–5-grams of each content word
// (fastText-style, with word boundary marks) — each feature hashed into `dimension` slots with
// a hash-chosen sign (so collisions cancel out on average instead of adding fake similarity),
// weighted by sublinear term frequency, then L2-normalised. Deterministic: the same text gives
// the same vector on every run and machine, so stored vectors stay valid.
//
// Why no IDF: measured on the benchmark, document frequencies learned from the cache gained
// little over the stop-word list (see docs/benchmarks.md) while making every stored vector
// depend on the cache's contents at the time it was embedded — a vector embedded early and one
// embedded late would not be comparable, and the threshold would drift as the cache grows.
// The stop-word list is the fixed IDF: words that appear in most prompts weigh zero.
class LocalEmbedder : public Embedder
{
public:
    explicit LocalEmbedder(const LocalEmbedderOptions &options = {});

    QString id() const override;
    QString displayName() const override { return builtInName(); }
    static QString builtInName() { return QStringLiteral("the built-in embedder"); }
    int dimension() const override { return m_options.dimension; }
    bool isSynchronous() const override { return true; }
    Embeddings embedNow(const QStringList &texts) override;
    void embed(const QStringList &texts, EmbedCallback done) override;

    Vector embedOne(const QString &text) const;
    std::vector<Feature> features(const QString &text) const;
    const LocalEmbedderOptions &options() const { return m_options; }

private:
    void addWordFeatures(const std::vector<std::string> &words, std::vector<Feature> &out) const;

    LocalEmbedderOptions m_options;
};

} // namespace cachette::semantic
