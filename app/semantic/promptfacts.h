#pragma once

#include "guards.h"

#include <QString>
#include <QStringList>

#include <string>
#include <unordered_set>
#include <vector>

namespace cachette::semantic {

class Lexicon;

// One unit of a prompt as the match verifier compares it: a word or phrase of the lexicon, a
// number, or an exact token (identifier, file name, path, URL, flag).
struct PromptItem
{
    enum class Kind { Word, Number, Exact };
    Kind kind = Kind::Word;
    QString surface;         // as written: "Deleting", "login.py"
    std::string key;         // stemmed ("delet"), the number ("30") or the token itself
    std::string canonical;   // the synonym group's representative key (words), else key
    bool stop = false;       // a function word: never has to be matched
    bool light = false;      // may go unmatched in standard mode ("please", "best way")
    bool capitalized = false;   // a capital not at the start of a sentence: likely a name
    int marker = -1;         // a directional word (from, to, than, ...): its class, else -1
};

// What the verifier needs of one prompt, worked out once (a cached entry keeps its facts).
struct PromptFacts
{
    GuardFacts guards;                 // numbers, negation, literals
    std::vector<PromptItem> items;     // in the order written
    QStringList exact;                 // exact tokens, in order
    std::unordered_set<std::string> keys;        // every item's key, as written (stemmed)
    std::unordered_set<std::string> canonicals;  // every item's canonical form

    static PromptFacts of(const QString &text, const Lexicon &lexicon);
};

// Directional words: the words after them must agree ("from A to B" is not "from B to A").
int markerClassOf(const std::string &word);
QString markerName(int markerClass);

} // namespace cachette::semantic
