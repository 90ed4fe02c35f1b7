#pragma once

#include "guards.h"
#include "promptfacts.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

namespace cachette::semantic {

class Lexicon;

// A refusal the user taught (the Thresholds page's "wrong hit"): words on one side against
// words on the other ("remove | delete"), or words that must not be left out ("java |").
// It refuses a pair of prompts when one has every word of one side that the other lacks and
// the other has every word of the other side that the first lacks.
struct RefusalRule
{
    QStringList left;
    QStringList right;

    QString toText() const;                         // "remove | delete"
    static RefusalRule fromText(const QString &text);
    bool isEmpty() const { return left.isEmpty() && right.isEmpty(); }
    bool operator==(const RefusalRule &) const = default;
};

// How much a match must agree. Strict is for requests whose answer an agent executes (tools):
// every word but the function words is matched, and verbs only as written (no "remove" for
// "delete").
struct VerifierOptions
{
    bool strict = false;
    GuardOptions guards;
};

// The verifier's word on one candidate. refusal None: accepted.
struct Verdict
{
    Guard refusal = Guard::None;
    QString detail;          // "antonym: create ≠ delete"; empty when accepted
    bool uncertain = false;  // accepted only by leaving light words unmatched or by synonyms
    // Refused only because the two say it in different words, with nothing else between them:
    // the model check, when configured, may decide such a candidate.
    bool undecided = false;

    bool accepted() const { return refusal == Guard::None; }
};

// The second stage of a semantic lookup: the index found prompts that score close; this decides
// whether the two really ask the same thing. Similar scores cannot tell "delete the branch" from
// "create the branch", "from A to B" from "from B to A", or "best book on Java" from "best book":
// it aligns the two prompts' words — case, punctuation, function words, inflection,
// contractions and the lexicon's synonyms aside — and refuses unless every word of each is
// accounted for in the other, names, numbers and literals agree exactly, no word stands against
// its opposite and the words after directional words agree. Cheap (tens of µs), whatever the
// embedder.
class MatchVerifier
{
public:
    explicit MatchVerifier(std::shared_ptr<const Lexicon> lexicon = {},
                           QList<RefusalRule> rules = {});

    PromptFacts factsOf(const QString &text) const;
    Verdict verify(const PromptFacts &asked, const PromptFacts &cached,
                   const VerifierOptions &options = {}) const;
    Verdict verify(const QString &asked, const QString &cached,
                   const VerifierOptions &options = {}) const;

    // The rule a wrong hit between these prompts teaches: the words that differ. Empty when the
    // two read the same once normalised (no rule can tell them apart).
    RefusalRule ruleFor(const QString &asked, const QString &served) const;

    const Lexicon &lexicon() const { return *m_lexicon; }
    const QList<RefusalRule> &rules() const { return m_rules; }

private:
    struct CompiledRule
    {
        std::vector<std::string> left, right;
        QString text;
    };
    bool ruleRefuses(const PromptFacts &a, const PromptFacts &b, QString *detail) const;

    std::shared_ptr<const Lexicon> m_lexicon;
    QList<RefusalRule> m_rules;
    std::vector<CompiledRule> m_compiled;
};

} // namespace cachette::semantic
