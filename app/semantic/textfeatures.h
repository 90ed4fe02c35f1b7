#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <string>
#include <vector>

namespace cachette::semantic {

// Text normalisation shared by the local embedder and the guards.
//
// normalizeWords() case-folds, drops apostrophes inside words ("doesn't" → "doesnt", so a
// contraction stays one token) and turns every other non-letter, non-digit character into a
// separator. The result is UTF-8 words, in order.
std::vector<std::string> normalizeWords(const QString &text);

// English function words that carry no topic ("the", "how", "can"...). Negations are in the
// list too: the negation guard, not the embedding, decides on them.
bool isStopWord(const std::string &word);

// Porter's suffix-stripping stemmer (1980) for ASCII words; other words come back unchanged.
// "loading", "loaded", "loads" → "load"; "inspection" → "inspect".
std::string stem(const std::string &word);

// 64-bit FNV-1a with a murmur finaliser: stable across runs, platforms and Qt versions (qHash is
// seeded per process), which matters because hashed features end up in stored vectors.
quint64 stableHash(const char *data, size_t size, quint64 seed = 0);
inline quint64 stableHash(const std::string &s, quint64 seed = 0)
{
    return stableHash(s.data(), s.size(), seed);
}

} // namespace cachette::semantic
