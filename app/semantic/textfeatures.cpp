#include "textfeatures.h"

#include <QChar>

#include <algorithm>
#include <unordered_set>

namespace cachette::semantic {

std::vector<std::string> normalizeWords(const QString &text)
{
    const QString folded = text.toCaseFolded();
    std::vector<std::string> words;
    QString current;
    auto flush = [&] {
        if (!current.isEmpty())
            words.push_back(current.toStdString());
        current.clear();
    };
    for (qsizetype i = 0; i < folded.size(); ++i) {
        const QChar c = folded.at(i);
        if (c.isLetterOrNumber() || c.isMark()) {
            current.append(c);
        } else if ((c == u'\'' || c == u'\u2019') && !current.isEmpty() && i + 1 < folded.size()
                   && folded.at(i + 1).isLetter()) {
            continue;   // an apostrophe inside a word joins it: "doesn't" → "doesnt"
        } else if (c.isHighSurrogate() && i + 1 < folded.size()
                   && QChar::isLetterOrNumber(QChar::surrogateToUcs4(c, folded.at(i + 1)))) {
            current.append(c).append(folded.at(++i));
        } else {
            flush();
        }
    }
    flush();
    return words;
}

bool isStopWord(const std::string &word)
{
    static const std::unordered_set<std::string> words = {
        "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
        "any", "are", "aren", "arent", "as", "at", "be", "because", "been", "before", "being",
        "below", "between", "both", "but", "by", "can", "cannot", "cant", "could", "couldnt",
        "did", "didnt", "do", "does", "doesnt", "doing", "dont", "down", "during", "each", "either",
        "else", "etc", "even", "ever", "every", "few", "for", "from", "further", "get", "gets",
        "had", "hadnt", "has", "hasnt", "have", "havent", "having", "he", "her", "here", "hers",
        "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is",
        "isnt", "it", "its", "itself", "just", "let", "lets", "may", "me", "might", "more",
        "most", "much", "must", "mustnt", "my", "myself", "neither", "never", "no", "nor", "not",
        "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours",
        "ourselves", "out", "over", "own", "please", "same", "shall", "she", "should",
        "shouldnt", "so", "some", "such", "than", "that", "thats", "the", "their", "theirs",
        "them", "themselves", "then", "there", "these", "they", "this", "those", "through",
        "thus", "to", "too", "under", "until", "up", "upon", "us", "very", "via", "was", "wasnt",
        "we", "were", "werent", "what", "whats", "when", "where", "whether", "which", "while",
        "who", "whom", "whose", "why", "will", "with", "within", "without", "wont", "would",
        "wouldnt", "yes", "yet", "you", "your", "yours", "yourself", "yourselves",
    };
    return words.count(word) > 0;
}

quint64 stableHash(const char *data, size_t size, quint64 seed)
{
    quint64 h = 0xcbf29ce484222325ULL ^ (seed * 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < size; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= 0x100000001b3ULL;
    }
    // FNV's low bits mix poorly; fmix64 spreads every input bit over the whole word.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

// --- Porter stemmer --------------------------------------------------------------------------
namespace {

class PorterStemmer
{
public:
    explicit PorterStemmer(std::string word) : b(std::move(word)) {}

    std::string run()
    {
        if (b.size() <= 2)
            return b;
        step1ab();
        step1c();
        step2();
        step3();
        step4();
        step5();
        return b;
    }

private:
    std::string b;
    size_t j = 0;   // end of the stem (exclusive) once ends() matched

    bool cons(size_t i) const
    {
        switch (b[i]) {
        case 'a': case 'e': case 'i': case 'o': case 'u':
            return false;
        case 'y':
            return i == 0 || !cons(i - 1);
        default:
            return true;
        }
    }
    // m(): the number of vowel-consonant sequences in b[0, j).
    int m() const
    {
        int n = 0;
        size_t i = 0;
        while (i < j && cons(i))
            ++i;
        while (i < j) {
            while (i < j && !cons(i))
                ++i;
            if (i >= j)
                break;
            ++n;
            while (i < j && cons(i))
                ++i;
        }
        return n;
    }
    bool vowelInStem() const
    {
        for (size_t i = 0; i < j; ++i)
            if (!cons(i))
                return true;
        return false;
    }
    bool doubleC(size_t i) const { return i >= 1 && b[i] == b[i - 1] && cons(i); }
    bool cvc(size_t i) const
    {
        if (i < 2 || !cons(i) || cons(i - 1) || !cons(i - 2))
            return false;
        return b[i] != 'w' && b[i] != 'x' && b[i] != 'y';
    }
    bool ends(const char *s)
    {
        const size_t n = std::char_traits<char>::length(s);
        if (n > b.size() || b.compare(b.size() - n, n, s) != 0)
            return false;
        j = b.size() - n;
        return true;
    }
    void setTo(const char *s) { b.replace(j, std::string::npos, s); }
    void r(const char *s)
    {
        if (m() > 0)
            setTo(s);
    }

    void step1ab()
    {
        if (b.back() == 's') {
            if (ends("sses"))
                b.resize(b.size() - 2);
            else if (ends("ies"))
                setTo("i");
            else if (b.size() >= 2 && b[b.size() - 2] != 's')
                b.pop_back();
        }
        if (ends("eed")) {
            if (m() > 0)
                b.pop_back();
        } else if ((ends("ed") || ends("ing")) && vowelInStem()) {
            b.resize(j);
            if (ends("at") || ends("bl") || ends("iz")) {
                b += 'e';
            } else if (doubleC(b.size() - 1)) {
                const char c = b.back();
                if (c != 'l' && c != 's' && c != 'z')
                    b.pop_back();
            } else {
                j = b.size();
                if (m() == 1 && cvc(b.size() - 1))
                    b += 'e';
            }
        }
    }
    void step1c()
    {
        if (ends("y") && vowelInStem())
            b.back() = 'i';
    }
    void step2()
    {
        static const std::pair<const char *, const char *> rules[] = {
            {"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"},
            {"izer", "ize"},    {"bli", "ble"},     {"alli", "al"},    {"entli", "ent"},
            {"eli", "e"},       {"ousli", "ous"},   {"ization", "ize"}, {"ation", "ate"},
            {"ator", "ate"},    {"alism", "al"},    {"iveness", "ive"}, {"fulness", "ful"},
            {"ousness", "ous"}, {"aliti", "al"},    {"iviti", "ive"},  {"biliti", "ble"},
            {"logi", "log"},
        };
        for (const auto &[suffix, replacement] : rules) {
            if (ends(suffix)) {
                r(replacement);
                return;
            }
        }
    }
    void step3()
    {
        static const std::pair<const char *, const char *> rules[] = {
            {"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"},
            {"ical", "ic"},  {"ful", ""},   {"ness", ""},
        };
        for (const auto &[suffix, replacement] : rules) {
            if (ends(suffix)) {
                r(replacement);
                return;
            }
        }
    }
    void step4()
    {
        static const char *suffixes[] = {"al",  "ance", "ence", "er",  "ic",  "able", "ible",
                                         "ant", "ement", "ment", "ent", "ion", "ou",   "ism",
                                         "ate", "iti",  "ous",  "ive", "ize"};
        for (const char *suffix : suffixes) {
            if (!ends(suffix))
                continue;
            if (std::string_view(suffix) == "ion" && !(j > 0 && (b[j - 1] == 's' || b[j - 1] == 't')))
                return;
            if (m() > 1)
                b.resize(j);
            return;
        }
    }
    void step5()
    {
        j = b.size();
        if (b.back() == 'e') {
            j = b.size() - 1;
            const int n = m();
            if (n > 1 || (n == 1 && !cvc(b.size() - 2)))
                b.pop_back();
        }
        j = b.size();
        if (b.back() == 'l' && doubleC(b.size() - 1) && m() > 1)
            b.pop_back();
    }
};

bool isLowerAscii(const std::string &word)
{
    return std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

} // namespace

std::string stem(const std::string &word)
{
    if (word.size() <= 2 || !isLowerAscii(word))
        return word;
    return PorterStemmer(word).run();
}

} // namespace cachette::semantic
