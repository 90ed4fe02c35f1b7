#include "promptfacts.h"

#include "lexicon.h"
#include "textfeatures.h"

#include <QRegularExpression>

#include <algorithm>

namespace cachette::semantic {

namespace {

// Function words: a prompt may add or drop them without asking anything else. Smaller than
// the embedder's list on purpose: "who", "where", "when", "why", "which", "only", "more" and
// "most" change a question, so they must be matched. Opposites among these words ("in"/"out",
// "and"/"or", "before"/"after") are still checked: the antonym check reads every word.
bool isFunctionWord(const std::string &word)
{
    static const std::unordered_set<std::string> words = {
        "a", "an", "the", "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "you",
        "your", "yours", "yourself", "he", "him", "his", "she", "her", "hers", "it", "its",
        "itself", "they", "them", "their", "theirs", "one", "someone", "is", "are", "was",
        "were", "be", "been", "being", "am", "im", "ive", "youre", "do", "does", "did", "doing",
        "done", "have", "has", "had", "having", "can", "could", "would", "should", "will",
        "shall", "may", "might", "must", "cannot", "cant", "wont", "dont", "doesnt", "didnt",
        "isnt", "arent", "wasnt", "werent", "havent", "hasnt", "shouldnt", "wouldnt",
        "couldnt", "not", "no", "never", "how", "hows", "what", "whats", "which", "that", "thats",
        "this", "these", "those", "there", "theres", "here", "of", "for", "in", "on", "at",
        "with", "without", "by", "about", "to", "from", "into", "onto", "than", "as", "via",
        "per", "and", "or", "nor", "but", "so", "if", "then", "also", "too", "very", "just",
        "all", "any", "some", "each", "every", "both", "either", "neither", "such", "own",
        "up", "down", "out", "off", "over", "under", "above", "below", "again", "further",
        "once", "within", "through", "across", "along", "around", "between", "among",
        "lets", "let", "get", "gets", "got", "getting", "go", "goes", "going", "please", "s",
        "t", "ok", "okay", "yes", "vs", "versus", "before", "after", "while", "during",
        "until", "upon", "onto", "whether", "etc", "eg", "ie",
        // Numbers are the numbers guard's: "seven" and "7" agree there.
        "zero", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand",
        "million", "billion", "dozen",
    };
    return words.count(word) > 0;
}

// Identifiers, file names, paths, URLs and flags: their exact spelling is their meaning.
const QRegularExpression &exactTokenPattern()
{
    static const QRegularExpression pattern(QStringLiteral(
        "[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'`<>]+"                  // URL
        "|(?:~|\\.{1,2})?/[^\\s\"'`<>]+"                            // absolute or ./ path
        "|[\\w.-]+(?:/[\\w.-]+)+/?"                                 // relative path a/b
        "|(?<![\\w-])--?[A-Za-z][\\w-]*(?:=[^\\s\"'`]+)?"           // --flag, -x, --k=v
        "|[$%@][A-Za-z_][\\w]*"                                     // $VAR, @decorator
        "|\\b[\\w-]+(?:\\.[\\w-]+)*\\.[A-Za-z][A-Za-z0-9]{0,9}\\b"   // file.ext, a.b.c
        "|\\b\\w*[a-z]\\w*_\\w+\\b|\\b\\w+_\\w*\\b"                   // snake_case, SNAKE_CASE
        "|\\b[a-z]+[A-Z]\\w*\\b|\\b[A-Z][a-z0-9]+[A-Z]\\w*\\b"        // camelCase, PascalCase
        "|\\b\\w+\\(\\)"));                                          // call()
    return pattern;
}

// "e.g." and "U.S." look like file names; a dotted run of single letters is an abbreviation.
bool isAbbreviation(const QString &token)
{
    const QStringList parts = token.split(QLatin1Char('.'), Qt::SkipEmptyParts);
    return std::all_of(parts.begin(), parts.end(), [](const QString &p) { return p.size() == 1; });
}

QString trimmedToken(QString token)
{
    while (!token.isEmpty() && QStringLiteral(".,;:!?)]}").contains(token.back()))
        token.chop(1);
    return token;
}

struct Span
{
    qsizetype start;
    PromptItem item;
};

// A sentence starts a prompt or follows . ! ? : or a line break; its first word's capital says
// nothing about being a name.
bool startsSentence(const QString &text, qsizetype at)
{
    for (qsizetype i = at - 1; i >= 0; --i) {
        const QChar c = text.at(i);
        if (c.isSpace() && c != QLatin1Char('\n'))
            continue;
        return c == QLatin1Char('.') || c == QLatin1Char('!') || c == QLatin1Char('?')
            || c == QLatin1Char(':') || c == QLatin1Char('\n') || c == QLatin1Char('"')
            || c == QLatin1Char('`');
    }
    return true;
}

void takeExactTokens(QString &work, std::vector<Span> &spans)
{
    for (auto it = exactTokenPattern().globalMatch(work); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        const QString token = trimmedToken(m.captured());
        if (token.size() < 2 || isAbbreviation(token))
            continue;
        PromptItem item;
        item.kind = PromptItem::Kind::Exact;
        item.surface = token;
        item.key = "=" + token.toStdString();
        item.canonical = item.key;
        spans.push_back({m.capturedStart(), std::move(item)});
        for (qsizetype i = m.capturedStart(); i < m.capturedStart() + token.size(); ++i)
            work[i] = QLatin1Char(' ');
    }
}

// Words with their offsets; apostrophes inside a word join it ("doesn't" → "doesnt").
void takeWords(const QString &original, const QString &work, std::vector<Span> &spans)
{
    qsizetype i = 0;
    while (i < work.size()) {
        if (!work.at(i).isLetterOrNumber()) {
            ++i;
            continue;
        }
        const qsizetype start = i;
        QString surface;
        while (i < work.size()) {
            const QChar c = work.at(i);
            if (c.isLetterOrNumber() || c.isMark()) {
                surface.append(c);
            } else if ((c == u'\'' || c == u'\u2019') && i + 1 < work.size()
                       && work.at(i + 1).isLetter()) {
                // A possessive is the word itself ("Canada's" is "Canada"); a contraction is
                // joined ("doesn't" → "doesnt").
                if (work.at(i + 1).toLower() == u's'
                    && (i + 2 >= work.size() || !work.at(i + 2).isLetterOrNumber())) {
                    i += 2;
                    break;
                }
            } else {
                break;
            }
            ++i;
        }
        PromptItem item;
        item.surface = surface;
        const QString folded = surface.toCaseFolded();
        bool digits = true;
        for (QChar c : folded)
            digits = digits && c.isDigit();
        if (digits) {
            item.kind = PromptItem::Kind::Number;
            QString number = folded;
            while (number.size() > 1 && number.startsWith(QLatin1Char('0')))
                number.remove(0, 1);
            item.key = "#" + number.toStdString();
            item.canonical = item.key;
        } else {
            item.key = folded.toStdString();   // stemmed with its phrase, below
            item.capitalized = surface.at(0).isUpper() && !startsSentence(original, start);
        }
        spans.push_back({start, std::move(item)});
    }
}

// Consecutive words that form a lexicon phrase ("state of the art") become one item.
std::vector<PromptItem> joinPhrases(std::vector<PromptItem> words, const Lexicon &lexicon)
{
    // Each word is stemmed once: the phrase candidates below reuse a word up to kMaxPhrase
    // times each, and stemming was most of the time PromptFacts::of took.
    std::vector<std::string> stems(words.size());
    for (size_t i = 0; i < words.size(); ++i) {
        if (words[i].kind == PromptItem::Kind::Word)
            stems[i] = stem(words[i].key);
    }
    std::vector<PromptItem> items;
    for (size_t i = 0; i < words.size();) {
        if (words[i].kind != PromptItem::Kind::Word) {
            items.push_back(std::move(words[i++]));
            continue;
        }
        size_t taken = 1;
        std::string key = stems[i];
        for (size_t n = std::min<size_t>(Lexicon::kMaxPhrase, words.size() - i); n >= 2; --n) {
            std::string phrase;
            bool allWords = true;
            for (size_t j = i; j < i + n && allWords; ++j) {
                allWords = words[j].kind == PromptItem::Kind::Word;
                if (j > i)
                    phrase += ' ';
                phrase += stems[j];
            }
            if (allWords && lexicon.knows(phrase)) {
                taken = n;
                key = phrase;
                break;
            }
        }
        PromptItem item = std::move(words[i]);
        // A function word written with a capital mid-sentence is a name: "Go", "US", "IT".
        static const std::unordered_set<std::string> firstPerson = {"im", "ive", "id", "ill"};
        item.stop = taken == 1 && isFunctionWord(item.key)
            && !(item.capitalized && item.key.size() > 1 && !firstPerson.count(item.key));
        item.marker = taken == 1 ? markerClassOf(item.key) : -1;
        for (size_t j = i + 1; j < i + taken; ++j) {
            item.surface += QLatin1Char(' ') + words[j].surface;
            item.capitalized = item.capitalized || words[j].capitalized;
        }
        item.key = key;
        item.canonical = lexicon.canonical(key);
        item.light = lexicon.isLight(key);
        items.push_back(std::move(item));
        i += taken;
    }
    return items;
}

} // namespace

int markerClassOf(const std::string &word)
{
    if (word == "from")
        return 0;
    if (word == "to" || word == "into" || word == "onto" || word == "towards" || word == "toward")
        return 1;
    if (word == "than")
        return 2;
    if (word == "vs" || word == "versus")
        return 3;
    if (word == "before")
        return 4;
    if (word == "after")
        return 5;
    return -1;
}

QString markerName(int markerClass)
{
    static const char *names[] = {"from", "to", "than", "vs", "before", "after"};
    return markerClass >= 0 && markerClass < 6 ? QLatin1String(names[markerClass]) : QString();
}

PromptFacts PromptFacts::of(const QString &text, const Lexicon &lexicon)
{
    PromptFacts facts;
    facts.guards = GuardFacts::of(text);
    QString work = text;
    std::vector<Span> spans;
    takeExactTokens(work, spans);
    takeWords(text, work, spans);
    std::stable_sort(spans.begin(), spans.end(),
                     [](const Span &a, const Span &b) { return a.start < b.start; });
    std::vector<PromptItem> ordered;
    ordered.reserve(spans.size());
    for (Span &span : spans)
        ordered.push_back(std::move(span.item));
    facts.items = joinPhrases(std::move(ordered), lexicon);
    for (const PromptItem &item : facts.items) {
        if (item.kind == PromptItem::Kind::Exact)
            facts.exact.append(item.surface);
        facts.keys.insert(item.key);
        facts.canonicals.insert(item.canonical);
    }
    return facts;
}

} // namespace cachette::semantic
