#pragma once

#include <QString>
#include <QStringList>

namespace cachette::semantic {

// The checks that veto a semantic hit even above the threshold. Embeddings, local or remote,
// see "set the timeout to 30 seconds" and "set the timeout to 60 seconds" (or "... use
// `foo()`" and "... use `bar()`", or "is X safe" and "is X not safe") as near-identical, yet
// the answers differ: these cases are cheap to detect exactly.
enum class Guard {
    None,        // no guard refused
    Numbers,     // the numbers (digit sequences, number words) differ
    Negation,    // one prompt negates and the other does not
    Literals,    // code or quoted literals differ: `spans`, ```fenced code```, "strings"
    // The match verifier's refusals (matchverifier.h):
    Entity,      // a name, identifier, file name, path, URL or flag differs
    Antonym,     // a word stands against its opposite: create / delete
    Order,       // the words around from/to, than, vs, before/after are swapped
    Unmatched,   // a word of one prompt is not in the other: "best book in java" / "best book"
    Synonym,     // strict mode: a verb replaced by a synonym (remove / delete)
    Learned,     // a rule taught by a wrong hit
};

QString guardName(Guard guard);   // "numbers", "negation", "antonym", ... ; "" for None

struct GuardOptions
{
    bool numbers = true;
    bool negation = true;
    bool literals = true;

    bool operator==(const GuardOptions &) const = default;
};

// What the guards compare, taken from one prompt. Numbers and literals are kept sorted, so
// reordering them ("2 apples and 3 pears" / "3 pears and 2 apples") is not a difference.
struct GuardFacts
{
    QStringList numbers;     // "2", "10", "0" from "v2.10.0"; "three" → "3"; "1,000" → "1000"
    bool negated = false;    // not, no, never, n't, without, except, none, nothing, ...
    int negations = 0;       // how many: "can grow without" is not "can't grow without"
    QStringList literals;    // contents of code spans, fenced blocks and quoted strings

    static GuardFacts of(const QString &text);
};

// The first enabled guard (numbers, negation, literals, in that order) that tells a and b apart.
Guard firstDifference(const GuardFacts &a, const GuardFacts &b, const GuardOptions &options);

} // namespace cachette::semantic
