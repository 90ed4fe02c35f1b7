#include "localembedder.h"

#include "textfeatures.h"

#include <cmath>
#include <unordered_map>

namespace cachette::semantic {

namespace {

// Seeds keep a word, a bigram and a character n-gram with the same bytes apart.
constexpr quint64 kWordSeed = 1;
constexpr quint64 kBigramSeed = 2;
constexpr quint64 kCharSeed = 3;

// Bumped whenever features or hashing change: it is part of id(), so old stored vectors are
// recognised as another embedder's and re-embedded instead of being compared.
constexpr int kVersion = 1;

} // namespace

LocalEmbedder::LocalEmbedder(const LocalEmbedderOptions &options)
    : m_options(options)
{
    if (m_options.dimension < 16)
        m_options.dimension = 16;
}

QString LocalEmbedder::id() const
{
    QString id = QStringLiteral("local-hash-v%1-d%2").arg(kVersion).arg(m_options.dimension);
    if (!(m_options == LocalEmbedderOptions{m_options.dimension})) {
        // Non-default weights make different vectors: say so in the id.
        const QString spec = QStringLiteral("%1/%2/%3/%4-%5")
                                 .arg(m_options.wordWeight).arg(m_options.bigramWeight)
                                 .arg(m_options.charWeight).arg(m_options.minGram)
                                 .arg(m_options.maxGram);
        const QByteArray utf8 = spec.toUtf8();
        id += QStringLiteral("-w%1").arg(stableHash(utf8.constData(), size_t(utf8.size())) & 0xffffff,
                                        6, 16, QLatin1Char('0'));
    }
    return id;
}

std::vector<Feature> LocalEmbedder::features(const QString &text) const
{
    std::vector<std::string> words;
    for (std::string &word : normalizeWords(text)) {
        if (!isStopWord(word))
            words.push_back(std::move(word));
    }
    std::vector<Feature> out;
    out.reserve(words.size() * 12);
    addWordFeatures(words, out);
    return out;
}

void LocalEmbedder::addWordFeatures(const std::vector<std::string> &words,
                                    std::vector<Feature> &out) const
{
    std::string previous;
    for (const std::string &word : words) {
        const std::string stemmed = stem(word);
        out.push_back({stableHash(stemmed, kWordSeed), m_options.wordWeight});
        if (!previous.empty()) {
            const std::string pair = previous + ' ' + stemmed;
            out.push_back({stableHash(pair, kBigramSeed), m_options.bigramWeight});
        }
        previous = stemmed;

        // Character n-grams of the unstemmed word, with boundary marks. A word's n-grams share
        // charWeight between them (1/√count each, so together they weigh like one feature of
        // charWeight): long words would otherwise drown short ones.
        const std::string marked = '<' + word + '>';
        const int size = int(marked.size());
        int count = 0;
        for (int n = m_options.minGram; n <= m_options.maxGram; ++n)
            count += std::max(0, size - n + 1);
        if (count == 0)
            continue;
        const float weight = m_options.charWeight / std::sqrt(float(count));
        for (int n = m_options.minGram; n <= m_options.maxGram; ++n) {
            for (int i = 0; i + n <= size; ++i)
                out.push_back({stableHash(marked.data() + i, size_t(n), kCharSeed), weight});
        }
    }
}

Vector LocalEmbedder::embedOne(const QString &text) const
{
    // Term frequency per feature first, so repeats count sublinearly (1 + ln tf).
    std::unordered_map<quint64, std::pair<float, int>> bag;
    for (const Feature &f : features(text)) {
        auto &slot = bag[f.hash];
        slot.first = f.weight;
        ++slot.second;
    }
    Vector v(size_t(m_options.dimension), 0.0f);
    const quint64 dim = quint64(m_options.dimension);
    for (const auto &[hash, weightAndCount] : bag) {
        const float weight = weightAndCount.first * (1.0f + std::log(float(weightAndCount.second)));
        const float sign = (hash >> 63) ? -1.0f : 1.0f;
        v[size_t((hash & 0x7fffffffffffffffULL) % dim)] += sign * weight;
    }
    normalize(v);
    return v;
}

Embeddings LocalEmbedder::embedNow(const QStringList &texts)
{
    Embeddings result;
    result.vectors.reserve(texts.size());
    for (const QString &text : texts)
        result.vectors.append(embedOne(text));
    return result;
}

void LocalEmbedder::embed(const QStringList &texts, EmbedCallback done)
{
    done(embedNow(texts));
}

} // namespace cachette::semantic
