#pragma once

#include <QString>

#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <string>
#include <vector>

namespace cachette::semantic {

// The word lists the match verifier reads prompts with: synonym groups, antonym sets and
// light words (resources/semantic/*.txt, compiled in; a user's own additions in
// ~/.config/cachette/ are read at start). Every entry is kept as its stemmed form, so
// "deleting", "deleted" and "delete" are one entry; a phrase of up to kMaxPhrase words
// ("state of the art", "log in") is one entry too.
class Lexicon
{
public:
    static constexpr int kMaxPhrase = 4;

    // The built-in lists plus the user's files (synonyms.txt, antonyms.txt, lightwords.txt in
    // configDir; missing files are fine). Made once; shared by every verifier.
    static std::shared_ptr<const Lexicon> standard();
    static QString userDirectory();   // ~/.config/cachette (XDG_CONFIG_HOME)

    // Adds the lines of one list (the formats are described at the top of each file).
    void addSynonyms(const QString &text);
    void addAntonyms(const QString &text);
    void addLightWords(const QString &text);

    // The key of a word or phrase: each word case-folded and stemmed, joined by spaces.
    static std::string keyOf(const QString &wordOrPhrase);
    bool knows(const std::string &key) const { return m_known.count(key) > 0; }

    // The synonym group's representative key (the key itself when it is in no group).
    const std::string &canonical(const std::string &key) const;
    bool isVerb(const std::string &key) const { return m_verbs.count(key) > 0; }
    bool isLight(const std::string &key) const { return m_light.count(key) > 0; }
    bool opposes(const std::string &a, const std::string &b) const;

private:
    void mergeGroup(const std::vector<std::string> &keys, bool verb);

    std::unordered_map<std::string, std::string> m_canonical;   // key → representative
    std::unordered_map<std::string, std::vector<std::string>> m_members;   // representative → keys
    std::unordered_map<std::string, std::vector<int>> m_antonymSides;   // key → side ids (line*2+side)
    std::unordered_set<std::string> m_verbs;
    std::unordered_set<std::string> m_light;
    std::unordered_set<std::string> m_known;
    int m_antonymLines = 0;
};

} // namespace cachette::semantic
