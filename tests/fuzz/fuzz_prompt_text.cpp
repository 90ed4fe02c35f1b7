// Fuzzes the semantic text features (textfeatures.cpp), the prompt facts (promptfacts.cpp)
// and the match verifier (matchverifier.cpp, with Lexicon::standard()) with arbitrary prompt
// text: any bytes, read as UTF-8 the way a request body's strings reach them.
//
// Invariants: no crash or sanitizer report; a prompt verified against itself is accepted in
// standard and in strict mode (the verifier must never refuse a cached copy of the very
// prompt asked); the rule a "wrong hit" between a prompt and itself would teach is empty;
// the stemmer never grows a word. The input cut in two gives a second prompt, so that pairs
// of different prompts run through every verdict too.

#include "fuzzsupport.h"

#include "semantic/lexicon.h"
#include "semantic/matchverifier.h"
#include "semantic/promptfacts.h"
#include "semantic/textfeatures.h"

#include <cstdlib>

using namespace cachette::semantic;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const MatchVerifier *verifier = [] {
        fuzzsupport::silenceQt();
        // Only the built-in word lists: a user's own files must not change what is fuzzed.
        qputenv("XDG_CONFIG_HOME", "/nonexistent-cachette-fuzz");
        return new MatchVerifier(Lexicon::standard());
    }();

    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    for (const std::string &word : normalizeWords(text)) {
        (void)isStopWord(word);
        FUZZ_CHECK(stem(word).size() <= word.size());
    }

    const PromptFacts facts = verifier->factsOf(text);
    VerifierOptions strict;
    strict.strict = true;
    FUZZ_CHECK(verifier->verify(facts, facts).accepted());
    FUZZ_CHECK(verifier->verify(facts, facts, strict).accepted());
    FUZZ_CHECK(verifier->ruleFor(text, text).isEmpty());

    const qsizetype cut = text.size() / 2;
    const QString first = text.left(cut), second = text.mid(cut);
    (void)verifier->verify(first, second);
    (void)verifier->verify(second, first, strict);
    (void)verifier->ruleFor(first, second);
    return 0;
}
