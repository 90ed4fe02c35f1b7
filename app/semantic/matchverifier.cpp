#include "matchverifier.h"

#include "lexicon.h"


#include <optional>

#include <algorithm>

namespace cachette::semantic {

namespace {

const QString kNotEqual = QStringLiteral(" \u2260 ");

Verdict refuse(Guard guard, const QString &what)
{
    return Verdict{guard, guardName(guard) + QStringLiteral(": ") + what, false};
}

QString shown(const PromptItem &item)
{
    return item.capitalized || item.kind == PromptItem::Kind::Exact ? item.surface
                                                                    : item.surface.toCaseFolded();
}

// "a ≠ b" for what each side has that the other lacks; "a" when only one side has anything.
QString differenceText(const QStringList &onlyAsked, const QStringList &onlyCached)
{
    if (onlyAsked.isEmpty() || onlyCached.isEmpty())
        return (onlyAsked.isEmpty() ? onlyCached : onlyAsked).join(QStringLiteral(", "));
    return onlyAsked.join(QStringLiteral(", ")) + kNotEqual + onlyCached.join(QStringLiteral(", "));
}

QStringList minus(const QStringList &a, const QStringList &b)
{
    QStringList out;
    for (const QString &s : a) {
        if (!b.contains(s) && !out.contains(s))
            out.append(s);
    }
    return out;
}

// Items of a whose meaning b lacks (no item of b with the same canonical form).
std::vector<const PromptItem *> unshared(const PromptFacts &a, const PromptFacts &b)
{
    std::vector<const PromptItem *> out;
    for (const PromptItem &item : a.items) {
        if (item.kind == PromptItem::Kind::Word && !b.canonicals.count(item.canonical))
            out.push_back(&item);
    }
    return out;
}

QString negationCount(int n)
{
    return n == 0 ? QStringLiteral("nothing") : n == 1 ? QStringLiteral("once")
                                                       : QStringLiteral("%1 times").arg(n);
}

std::optional<Verdict> guardVerdict(const PromptFacts &a, const PromptFacts &b, const GuardOptions &o)
{
    if (o.numbers && a.guards.numbers != b.guards.numbers)
        return refuse(Guard::Numbers, differenceText(minus(a.guards.numbers, b.guards.numbers),
                                                     minus(b.guards.numbers, a.guards.numbers)));
    if (o.negation && a.guards.negations != b.guards.negations)
        return refuse(Guard::Negation, QStringLiteral("the asked prompt negates %1, the cached one %2")
                                           .arg(negationCount(a.guards.negations),
                                                negationCount(b.guards.negations)));
    if (o.literals && a.guards.literals != b.guards.literals)
        return refuse(Guard::Literals, differenceText(minus(a.guards.literals, b.guards.literals),
                                                      minus(b.guards.literals, a.guards.literals)));
    return std::nullopt;
}

// The meaning just before each exact token (or the start): "copy a.txt b.txt" / "copy b.txt
// a.txt" puts another file after "copy". A sentence turned around keeps each token's neighbour.
std::string tokenNeighbour(const PromptFacts &facts, const QString &token)
{
    std::string previous = "^";
    for (const PromptItem &item : facts.items) {
        if (item.kind == PromptItem::Kind::Exact && item.surface == token)
            return previous;
        if (!item.stop)
            previous = item.canonical;
    }
    return previous;
}

std::optional<Verdict> exactVerdict(const PromptFacts &a, const PromptFacts &b)
{
    const QStringList onlyA = minus(a.exact, b.exact), onlyB = minus(b.exact, a.exact);
    if (!onlyA.isEmpty() || !onlyB.isEmpty())
        return refuse(Guard::Entity, differenceText(onlyA, onlyB));
    if (a.exact == b.exact)
        return std::nullopt;
    for (const QString &token : a.exact) {   // the same tokens in another order
        const std::string before = tokenNeighbour(a, token), after = tokenNeighbour(b, token);
        const bool elsewhere = (before == "^" || b.canonicals.count(before))
            && (after == "^" || a.canonicals.count(after));
        if (before != after && elsewhere)
            return refuse(Guard::Order, token + QStringLiteral(" moved"));
    }
    return std::nullopt;
}

std::optional<Verdict> antonymVerdict(const std::vector<const PromptItem *> &onlyA,
                                      const std::vector<const PromptItem *> &onlyB,
                                      const Lexicon &lexicon)
{
    for (const PromptItem *x : onlyA) {
        for (const PromptItem *y : onlyB) {
            if (lexicon.opposes(x->key, y->key) || lexicon.opposes(x->canonical, y->canonical))
                return refuse(Guard::Antonym, shown(*x) + kNotEqual + shown(*y));
        }
    }
    return std::nullopt;
}

// For each directional word, what comes right after it (the next item that is not a function
// word): "from A to B" gives (from, A), (to, B).
std::vector<std::pair<int, const PromptItem *>> markerArguments(const PromptFacts &facts)
{
    std::vector<std::pair<int, const PromptItem *>> out;
    for (size_t i = 0; i < facts.items.size(); ++i) {
        if (facts.items[i].marker < 0)
            continue;
        for (size_t j = i + 1; j < facts.items.size(); ++j) {
            if (!facts.items[j].stop) {
                out.push_back({facts.items[i].marker, &facts.items[j]});
                break;
            }
        }
    }
    return out;
}

// Where a meaning first appears in a prompt (items in order), or -1.
int firstPosition(const PromptFacts &facts, const std::string &canonical)
{
    for (size_t i = 0; i < facts.items.size(); ++i) {
        if (facts.items[i].canonical == canonical)
            return int(i);
    }
    return -1;
}

// Swapped roles: a directional word is followed by p in one prompt and by q in the other, both
// prompts mention p and q, and in the other order. "Convert Celsius to Fahrenheit" /
// "Fahrenheit to Celsius"; "is Python faster than Java" / "Java faster than Python". (The order
// test keeps "to" of an infinitive, "you need to install numpy" / "install it to use numpy",
// from counting as a swap.)
std::optional<Verdict> orderVerdict(const PromptFacts &a, const PromptFacts &b)
{
    const auto argsA = markerArguments(a), argsB = markerArguments(b);
    for (const auto &[marker, p] : argsA) {
        for (const auto &[markerB, q] : argsB) {
            if (markerB != marker || p->canonical == q->canonical)
                continue;
            const int pa = firstPosition(a, p->canonical), qa = firstPosition(a, q->canonical);
            const int pb = firstPosition(b, p->canonical), qb = firstPosition(b, q->canonical);
            if (pa < 0 || qa < 0 || pb < 0 || qb < 0 || (pa < qa) == (pb < qb))
                continue;
            QStringList markers;
            for (const auto &arg : argsA) {
                if (!markers.contains(markerName(arg.first)))
                    markers.append(markerName(arg.first));
            }
            return refuse(Guard::Order, markers.join(QLatin1Char('/')) + QStringLiteral(" swapped (")
                                            + shown(*q) + kNotEqual + shown(*p) + QLatin1Char(')'));
        }
    }
    return std::nullopt;
}


// The meanings both prompts share, in the order each says them (light words aside).
std::vector<std::string> sharedSequence(const PromptFacts &facts, const PromptFacts &other)
{
    std::vector<std::string> out;
    for (const PromptItem &item : facts.items) {
        if (!item.stop && !item.light && other.canonicals.count(item.canonical))
            out.push_back(item.canonical);
    }
    return out;
}

// p and q are joined by "and", "or" or "vs" in this prompt: their order says nothing.
bool coordinated(const PromptFacts &facts, const std::string &p, const std::string &q)
{
    const int at = firstPosition(facts, p), other = firstPosition(facts, q);
    if (at < 0 || other < 0)
        return false;
    for (int i = std::min(at, other) + 1; i < std::max(at, other); ++i) {
        const std::string &key = facts.items[size_t(i)].key;
        if (key == "and" || key == "or" || key == "vs" || key == "versus")
            return true;
    }
    return false;
}

// The same words in another order, other than one block moved to the front or the back ("in
// Python, how do I sort a list" / "how do I sort a list in Python"): "why do cats sleep more
// than dogs" / "why do dogs sleep more than cats", "Germany declared war on the United States" /
// "the United States declared war on Germany".
// "Canada's population" / "the population of Canada", "English vocabulary" / "vocabulary in
// English": two words side by side in one prompt, joined by "of", "in", "for" or "on" in the
// other, name the same thing.
bool compoundSwap(const PromptFacts &a, const PromptFacts &b, const std::string &p, const std::string &q)
{
    static const std::unordered_set<std::string> joiners = {"of", "in", "for", "on", "the", "a", "an"};
    auto gap = [](const PromptFacts &facts, const std::string &x, const std::string &y, bool joinersOnly) {
        const int at = firstPosition(facts, x), other = firstPosition(facts, y);
        if (at < 0 || other < 0)
            return false;
        for (int i = std::min(at, other) + 1; i < std::max(at, other); ++i) {
            if (!joinersOnly || !joiners.count(facts.items[size_t(i)].key))
                return false;
        }
        return true;
    };
    return (gap(a, p, q, false) && gap(b, p, q, true)) || (gap(b, p, q, false) && gap(a, p, q, true));
}

std::optional<Verdict> sequenceVerdict(const PromptFacts &a, const PromptFacts &b)
{
    std::vector<std::string> seqA = sharedSequence(a, b);
    const std::vector<std::string> seqB = sharedSequence(b, a);
    if (seqA == seqB || seqA.size() != seqB.size())
        return std::nullopt;
    for (size_t shift = 1; seqA.size() >= 3 && shift < seqA.size(); ++shift) {
        if (std::equal(seqA.begin(), seqA.end() - shift, seqB.begin() + shift)
            && std::equal(seqA.end() - shift, seqA.end(), seqB.begin()))
            return std::nullopt;   // a rotation: one block moved
    }
    for (size_t i = 0; i < seqA.size(); ++i) {
        if (seqA[i] == seqB[i])
            continue;
        const std::string p = seqA[i], q = seqB[i];
        if (coordinated(a, p, q))
            return std::nullopt;   // "X and Y" / "Y and X"
        if (i + 1 < seqA.size() && seqA[i + 1] == q && seqB[i + 1] == p && compoundSwap(a, b, p, q)) {
            std::swap(seqA[i], seqA[i + 1]);
            continue;
        }
        QString shownP = QString::fromStdString(p), shownQ = QString::fromStdString(q);
        for (const PromptItem &item : a.items) {
            if (item.canonical == p)
                shownP = shown(item);
            else if (item.canonical == q)
                shownQ = shown(item);
        }
        return refuse(Guard::Order, shownP + QStringLiteral(" and ") + shownQ + QStringLiteral(" swapped"));
    }
    return std::nullopt;
}

// Words of a prompt that its twin does not account for; light words are let go unless strict.
QStringList leftovers(const std::vector<const PromptItem *> &only, bool strict, bool *excused,
                      bool *capitalized)
{
    QStringList words;
    for (const PromptItem *item : only) {
        if (item->stop)
            continue;
        if (item->light && !strict) {
            *excused = true;
            continue;
        }
        *capitalized = *capitalized || item->capitalized;
        if (!words.contains(shown(*item)))
            words.append(shown(*item));
    }
    return words;
}

// Strict mode: a verb matched only through a synonym ("remove" for "delete") is refused.
std::optional<Verdict> synonymVerdict(const PromptFacts &a, const PromptFacts &b, bool strict,
                                      const Lexicon &lexicon, bool *substituted)
{
    for (const PromptItem &x : a.items) {
        if (x.kind != PromptItem::Kind::Word || x.stop || b.keys.count(x.key)
            || !b.canonicals.count(x.canonical))
            continue;
        *substituted = true;
        if (!strict || !lexicon.isVerb(x.key))
            continue;
        for (const PromptItem &y : b.items) {
            if (y.canonical == x.canonical)
                return refuse(Guard::Synonym, shown(x) + kNotEqual + shown(y)
                                                  + QStringLiteral(" (strict: verbs as written)"));
        }
    }
    return std::nullopt;
}

} // namespace

// --- RefusalRule -----------------------------------------------------------------------------

QString RefusalRule::toText() const
{
    return left.join(QStringLiteral(", ")) + QStringLiteral(" | ") + right.join(QStringLiteral(", "));
}

RefusalRule RefusalRule::fromText(const QString &text)
{
    const qsizetype bar = text.indexOf(QLatin1Char('|'));
    auto words = [](QStringView side) {
        QStringList out;
        for (QStringView w : side.split(u',')) {
            if (!w.trimmed().isEmpty())
                out.append(w.trimmed().toString());
        }
        return out;
    };
    if (bar < 0)
        return RefusalRule{words(text), {}};
    return RefusalRule{words(QStringView(text).left(bar)), words(QStringView(text).mid(bar + 1))};
}

// --- MatchVerifier ---------------------------------------------------------------------------

MatchVerifier::MatchVerifier(std::shared_ptr<const Lexicon> lexicon, QList<RefusalRule> rules)
    : m_lexicon(lexicon ? std::move(lexicon) : Lexicon::standard())
    , m_rules(std::move(rules))
{
    for (const RefusalRule &rule : std::as_const(m_rules)) {
        if (rule.isEmpty())
            continue;
        CompiledRule compiled;
        for (const QString &w : rule.left)
            compiled.left.push_back(Lexicon::keyOf(w));
        for (const QString &w : rule.right)
            compiled.right.push_back(Lexicon::keyOf(w));
        compiled.text = rule.toText();
        m_compiled.push_back(std::move(compiled));
    }
}

PromptFacts MatchVerifier::factsOf(const QString &text) const
{
    return PromptFacts::of(text, *m_lexicon);
}

Verdict MatchVerifier::verify(const QString &asked, const QString &cached,
                              const VerifierOptions &options) const
{
    return verify(factsOf(asked), factsOf(cached), options);
}

bool MatchVerifier::ruleRefuses(const PromptFacts &a, const PromptFacts &b, QString *detail) const
{
    // This side has all of `mine` and the other none of it; the other has all of `theirs`.
    auto side = [](const std::vector<std::string> &words, const PromptFacts &has,
                   const PromptFacts &lacks) {
        return std::all_of(words.begin(), words.end(), [&](const std::string &w) {
            return has.keys.count(w) && !lacks.keys.count(w);
        });
    };
    for (const CompiledRule &rule : m_compiled) {
        if ((side(rule.left, a, b) && side(rule.right, b, a))
            || (side(rule.left, b, a) && side(rule.right, a, b))) {
            *detail = rule.text;
            return true;
        }
    }
    return false;
}

Verdict MatchVerifier::verify(const PromptFacts &a, const PromptFacts &b,
                              const VerifierOptions &options) const
{
    if (auto v = guardVerdict(a, b, options.guards))
        return *v;
    if (auto v = exactVerdict(a, b))
        return *v;
    QString rule;
    if (ruleRefuses(a, b, &rule))
        return refuse(Guard::Learned, rule);
    const auto onlyA = unshared(a, b), onlyB = unshared(b, a);
    if (auto v = antonymVerdict(onlyA, onlyB, *m_lexicon))
        return *v;
    if (auto v = orderVerdict(a, b))
        return *v;
    if (auto v = sequenceVerdict(a, b))
        return *v;
    bool excused = false, capitalized = false;
    const QStringList leftA = leftovers(onlyA, options.strict, &excused, &capitalized);
    const QStringList leftB = leftovers(onlyB, options.strict, &excused, &capitalized);
    if (!leftA.isEmpty() || !leftB.isEmpty()) {
        // Two different names in the same place ("Collegium" / "Spectrum") are an entity change.
        const bool entity = capitalized && !leftA.isEmpty() && !leftB.isEmpty();
        Verdict v = refuse(entity ? Guard::Entity : Guard::Unmatched, differenceText(leftA, leftB));
        v.undecided = !entity && !options.strict && !leftA.isEmpty() && !leftB.isEmpty();
        return v;
    }
    bool substituted = false;
    if (auto v = synonymVerdict(a, b, options.strict, *m_lexicon, &substituted))
        return *v;
    if (auto v = synonymVerdict(b, a, options.strict, *m_lexicon, &substituted))
        return *v;
    return Verdict{Guard::None, QString(), excused || substituted};
}

RefusalRule MatchVerifier::ruleFor(const QString &asked, const QString &served) const
{
    const PromptFacts a = factsOf(asked), b = factsOf(served);
    // The most telling difference first: content words, then words matched only as synonyms,
    // then any word at all ("my" / "the").
    auto differing = [](const PromptFacts &x, const PromptFacts &y, int level) {
        QStringList words;
        for (const PromptItem &item : x.items) {
            const bool differs = level == 0 ? !item.stop && !y.canonicals.count(item.canonical)
                                 : level == 1 ? !item.stop && !y.keys.count(item.key)
                                              : !y.keys.count(item.key);
            if (differs && item.kind == PromptItem::Kind::Word
                && !words.contains(item.surface.toCaseFolded()))
                words.append(item.surface.toCaseFolded());
        }
        return words;
    };
    for (int level = 0; level < 3; ++level) {
        RefusalRule rule{differing(a, b, level), differing(b, a, level)};
        if (!rule.isEmpty())
            return rule;
    }
    return {};
}

} // namespace cachette::semantic
