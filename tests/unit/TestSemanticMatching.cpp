#include "semantic/guards.h"
#include "semantic/localembedder.h"
#include "semantic/promptcontext.h"
#include "semantic/semanticcache.h"

#include <QJsonArray>
#include <QTest>

using namespace cachette::semantic;

namespace {

const QString kChat = QStringLiteral("chat/completions");

QJsonObject message(const QString &role, const QJsonValue &content)
{
    return QJsonObject{{"role", role}, {"content", content}};
}

// A chat request: system prompt, earlier turns (user/assistant alternating), the last question.
QJsonObject chat(const QString &question, const QStringList &history = {},
                 const QString &system = QStringLiteral("You are a helpful assistant."),
                 const QString &model = QStringLiteral("gpt-4o-mini"))
{
    QJsonArray messages{message("system", system)};
    for (qsizetype i = 0; i < history.size(); ++i)
        messages.append(message(i % 2 == 0 ? "user" : "assistant", history.at(i)));
    messages.append(message("user", question));
    return QJsonObject{{"model", model}, {"messages", messages}};
}

std::unique_ptr<SemanticCache> makeCache(float threshold = 0.8f)
{
    auto cache = std::make_unique<SemanticCache>(std::make_unique<LocalEmbedder>());
    SemanticSettings settings;
    settings.threshold = threshold;
    cache->setSettings(settings);
    return cache;
}

} // namespace

class TestSemanticMatching : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void guardFacts();
    void guards_data();
    void guards();
    void eachGuardCanBeSwitchedOff_data();
    void eachGuardCanBeSwitchedOff();
    void guardRefusalIsReported();
    void nextCandidateAfterRefusal();
    void verifierRefusesNearTwinsAboveTheThreshold();
    void nearestBelowThresholdIsVerifiedForWhatIf();
    void toolsMakeTheVerifierStrict();
    void toolResultTurnsAreNeverMatched();

    void contextSplitsLastUserMessage();
    void conversationsNeverShareAnswers();
    void contextDifferences_data();
    void contextDifferences();
    void deliveryFieldsDoNotMatter();
    void namespacesAreIsolated();
    void imagesStayInContext();
    void wholeConversationScope();
    void endpointsWithoutSemanticMatching();
    void completionsPrompt();
};

void TestSemanticMatching::guardFacts()
{
    const GuardFacts facts = GuardFacts::of(QStringLiteral(
        "Doesn't v2.10.0 need three `load()` calls and \"x y\"?\n```py\nprint(1)\n```"));
    QCOMPARE(facts.numbers, QStringList({"0", "1", "10", "2", "3"}));
    QVERIFY(facts.negated);
    QCOMPARE(facts.literals, QStringList({"load()", "print(1)", "x y"}));
    const GuardFacts plain = GuardFacts::of(QStringLiteral("Is it safe to delete the cache folder?"));
    QVERIFY(plain.numbers.isEmpty());
    QVERIFY(!plain.negated);
    QVERIFY(plain.literals.isEmpty());
    QVERIFY(!GuardFacts::of(QStringLiteral("I can't remember it")).numbers.size());
    QVERIFY(GuardFacts::of(QStringLiteral("I can't remember it")).negated);
}

void TestSemanticMatching::guards_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<int>("guard");
    const int none = int(Guard::None), numbers = int(Guard::Numbers),
              negation = int(Guard::Negation), literals = int(Guard::Literals);
    QTest::newRow("same") << "Set the timeout to 30 seconds" << "Please set the timeout to 30 seconds" << none;
    QTest::newRow("digits differ") << "Set the timeout to 30 seconds" << "Set the timeout to 60 seconds" << numbers;
    QTest::newRow("word vs digit") << "Give me two examples" << "Give me 2 examples" << none;
    QTest::newRow("number word differs") << "Give me three examples" << "Give me 2 examples" << numbers;
    QTest::newRow("thousands separator") << "Sum 1,000 items" << "Sum 1000 items" << none;
    QTest::newRow("version differs") << "What changed in 2.10.0?" << "What changed in 2.1.0?" << numbers;
    QTest::newRow("reordered numbers") << "Compare 3 and 5" << "Compare 5 and 3" << none;
    QTest::newRow("not") << "Is it safe to delete the cache?" << "Is it not safe to delete the cache?" << negation;
    QTest::newRow("n't") << "Does the cache expire?" << "Doesn't the cache expire?" << negation;
    QTest::newRow("without") << "Run the tests with the network" << "Run the tests without the network" << negation;
    QTest::newRow("both negated") << "Why is it not working?" << "Why does it never work?" << none;
    QTest::newRow("code span") << "What does `foo()` return?" << "What does `bar()` return?" << literals;
    QTest::newRow("same code span") << "What does `foo()` return?" << "What is returned by `foo()`?" << none;
    QTest::newRow("fenced") << "Fix this:\n```\nx = 1 +\n```" << "Fix this:\n```\ny = 1 +\n```" << literals;
    QTest::newRow("quoted") << "Translate \"good morning\" to French" << "Translate \"good night\" to French" << literals;
    QTest::newRow("smart quotes") << "Translate \u201cgood morning\u201d" << "Translate \u201cgood night\u201d" << literals;
    QTest::newRow("single quoted") << "Rename 'alpha' to beta" << "Rename 'gamma' to beta" << literals;
    QTest::newRow("apostrophe is no quote") << "What's the user's name?" << "What is the user's name?" << none;
}

void TestSemanticMatching::guards()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(int, guard);
    QCOMPARE(int(firstDifference(GuardFacts::of(a), GuardFacts::of(b), GuardOptions())), guard);
    QCOMPARE(int(firstDifference(GuardFacts::of(b), GuardFacts::of(a), GuardOptions())), guard);
}

void TestSemanticMatching::eachGuardCanBeSwitchedOff_data()
{
    QTest::addColumn<QString>("a");
    QTest::addColumn<QString>("b");
    QTest::addColumn<int>("guard");
    QTest::newRow("numbers") << "Wait 30 seconds" << "Wait 60 seconds" << int(Guard::Numbers);
    QTest::newRow("negation") << "It is safe" << "It is not safe" << int(Guard::Negation);
    QTest::newRow("literals") << "Call `a()`" << "Call `b()`" << int(Guard::Literals);
}

void TestSemanticMatching::eachGuardCanBeSwitchedOff()
{
    QFETCH(QString, a);
    QFETCH(QString, b);
    QFETCH(int, guard);
    GuardOptions options;
    QCOMPARE(int(firstDifference(GuardFacts::of(a), GuardFacts::of(b), options)), guard);
    switch (Guard(guard)) {
    case Guard::Numbers: options.numbers = false; break;
    case Guard::Negation: options.negation = false; break;
    case Guard::Literals: options.literals = false; break;
    default: break;   // the other guards have no switch of their own
    }
    QCOMPARE(firstDifference(GuardFacts::of(a), GuardFacts::of(b), options), Guard::None);
    QCOMPARE(guardName(Guard(guard)).isEmpty(), false);
}

void TestSemanticMatching::guardRefusalIsReported()
{
    auto cache = makeCache(0.5f);
    cache->add("k30", {}, kChat, chat(QStringLiteral("Set the request timeout of the HTTP client to 30 seconds")));
    const QJsonObject query = chat(QStringLiteral("Set the request timeout of the HTTP client to 60 seconds"));

    Decision d = cache->decide({}, kChat, query);
    QCOMPARE(d.outcome, Decision::Outcome::Refused);
    QCOMPARE(d.guard, Guard::Numbers);
    QVERIFY(!d.match);
    QCOMPARE(d.candidates.size(), size_t(1));
    QVERIFY(d.candidates[0].aboveThreshold);   // the embedding alone would have served it
    QCOMPARE(d.candidates[0].refusedBy, Guard::Numbers);
    QVERIFY(d.reason.contains(QLatin1String("numbers")));

    SemanticSettings settings = cache->settings();
    settings.guards.numbers = false;
    cache->setSettings(settings);
    d = cache->decide({}, kChat, query);
    QCOMPARE(d.outcome, Decision::Outcome::Hit);
    QCOMPARE(d.match->entryKey, QByteArray("k30"));
}

void TestSemanticMatching::nextCandidateAfterRefusal()
{
    auto cache = makeCache(0.5f);
    cache->add("k2", {}, kChat, chat(QStringLiteral("How do I wait 2 seconds in a bash script loop?")));
    cache->add("k5", {}, kChat, chat(QStringLiteral("How can I wait 5 seconds in a bash script loop?")));
    const Decision d = cache->decide({}, kChat, chat(QStringLiteral("How do I wait 5 seconds in a bash script loop?")));
    QCOMPARE(d.outcome, Decision::Outcome::Hit);
    QCOMPARE(d.match->entryKey, QByteArray("k5"));
}

void TestSemanticMatching::verifierRefusesNearTwinsAboveTheThreshold()
{
    auto cache = makeCache(0.3f);
    cache->add("create", {}, kChat, chat(QStringLiteral("Create a git branch called feature-login")));
    const Decision d = cache->decide({}, kChat, chat(QStringLiteral("Delete the git branch called feature-login")));
    QCOMPARE(d.outcome, Decision::Outcome::Refused);
    QCOMPARE(d.guard, Guard::Antonym);
    QCOMPARE(d.refusal, QStringLiteral("antonym: delete \u2260 create"));
    QCOMPARE(d.candidates.front().refusal, d.refusal);
    QVERIFY(d.reason.contains(d.refusal));
}

void TestSemanticMatching::nearestBelowThresholdIsVerifiedForWhatIf()
{
    auto cache = makeCache(0.99f);
    cache->add("create", {}, kChat, chat(QStringLiteral("Create a git branch called feature-login")));
    Decision d = cache->decide({}, kChat, chat(QStringLiteral("Delete the git branch called feature-login")));
    QCOMPARE(d.outcome, Decision::Outcome::Miss);
    QVERIFY(!d.candidates.front().aboveThreshold);
    QVERIFY2(d.refusal.startsWith(QStringLiteral("antonym: ")), qPrintable(d.refusal));
    // A paraphrase below the threshold: the verifier has nothing against it.
    d = cache->decide({}, kChat, chat(QStringLiteral("create a git branch named feature-login")));
    QCOMPARE(d.outcome, Decision::Outcome::Miss);
    QVERIFY2(d.refusal.isEmpty(), qPrintable(d.refusal));
}

void TestSemanticMatching::toolsMakeTheVerifierStrict()
{
    auto withTools = [](const QString &prompt) {
        QJsonObject body = chat(prompt);
        body.insert(QStringLiteral("tools"), QJsonArray{QJsonObject{{"type", "function"}}});
        return body;
    };
    auto cache = makeCache(0.5f);
    cache->add("plain", {}, kChat, chat(QStringLiteral("Remove the old log files from the build server")));
    cache->add("tools", {}, kChat, withTools(QStringLiteral("Remove the old log files from the build server")));
    const QString asked = QStringLiteral("Delete the old log files from the build server");
    Decision d = cache->decide({}, kChat, chat(asked));
    QCOMPARE(d.outcome, Decision::Outcome::Hit);
    QVERIFY(!d.strict);
    d = cache->decide({}, kChat, withTools(asked));
    QVERIFY(d.strict);
    QCOMPARE(d.outcome, Decision::Outcome::Refused);
    QCOMPARE(d.guard, Guard::Synonym);
    // Set per model or globally: never strict, or always.
    SemanticSettings settings = cache->settings();
    settings.modelStrict.insert(QStringLiteral("gpt-4o-mini"), StrictMatching::Never);
    cache->setSettings(settings);
    QCOMPARE(cache->decide({}, kChat, withTools(asked)).outcome, Decision::Outcome::Hit);
    settings.modelStrict.clear();
    settings.strict = StrictMatching::Always;
    cache->setSettings(settings);
    QCOMPARE(cache->decide({}, kChat, chat(asked)).outcome, Decision::Outcome::Refused);
}

void TestSemanticMatching::toolResultTurnsAreNeverMatched()
{
    QJsonObject openai = chat(QStringLiteral("Run the tests"));
    QJsonArray messages = openai.value(QStringLiteral("messages")).toArray();
    messages.append(QJsonObject{{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "3 passed"}});
    openai.insert(QStringLiteral("messages"), messages);
    PromptKey key = promptKey({}, kChat, openai);
    QVERIFY(!key.usable);
    QVERIFY(key.reason.contains(QLatin1String("tool result")));

    const QJsonArray result{QJsonObject{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", "3 passed"}}};
    const QJsonObject anthropic{{"model", "claude"},
                                {"messages", QJsonArray{message("user", "Run the tests"),
                                                        message("user", result)}}};
    QVERIFY(!promptKey({}, QStringLiteral("messages"), anthropic).usable);
    // With words of the user's own beside the tool result, the words are compared.
    QJsonArray mixed = result;
    mixed.append(QJsonObject{{"type", "text"}, {"text", "now count them"}});
    const QJsonObject followUp{{"model", "claude"}, {"messages", QJsonArray{message("user", mixed)}}};
    QCOMPARE(promptKey({}, QStringLiteral("messages"), followUp).text, QStringLiteral("now count them"));
}

void TestSemanticMatching::contextSplitsLastUserMessage()
{
    const QJsonObject body = chat(QStringLiteral("And in Python?"),
                                  {QStringLiteral("How do I reverse a list in C++?"),
                                   QStringLiteral("Use std::reverse.")});
    const PromptKey key = promptKey({}, kChat, body);
    QVERIFY(key.usable);
    QCOMPARE(key.text, QStringLiteral("And in Python?"));
    // Blanking the last user message is the whole difference: another question, same context.
    QCOMPARE(contextHash({}, kChat, chat(QStringLiteral("What about Rust?"),
                                         {QStringLiteral("How do I reverse a list in C++?"),
                                          QStringLiteral("Use std::reverse.")})),
             key.contextHash);
    QCOMPARE(contextHash({}, QStringLiteral("/v1/chat/completions"), body), key.contextHash);
}

void TestSemanticMatching::conversationsNeverShareAnswers()
{
    auto cache = makeCache(0.5f);
    const QString last = QStringLiteral("What is its population?");
    cache->add("paris", {}, kChat, chat(last, {QStringLiteral("Tell me about Paris."), QStringLiteral("Paris is the capital of France.")}));
    const QJsonObject rome = chat(last, {QStringLiteral("Tell me about Rome."), QStringLiteral("Rome is the capital of Italy.")});
    const Decision d = cache->decide({}, kChat, rome);
    QCOMPARE(d.outcome, Decision::Outcome::Miss);
    QVERIFY(d.candidates.empty());   // not even looked at: another context
    // The same conversation does hit.
    QVERIFY(cache->lookup({}, kChat, chat(QStringLiteral("what is its population"),
                                          {QStringLiteral("Tell me about Paris."), QStringLiteral("Paris is the capital of France.")})));
}

void TestSemanticMatching::contextDifferences_data()
{
    QTest::addColumn<QJsonObject>("other");
    const QString q = QStringLiteral("How do I read a file line by line in Go?");
    QTest::newRow("system prompt") << chat(q, {}, QStringLiteral("You are a pirate."));
    QTest::newRow("model") << chat(q, {}, QStringLiteral("You are a helpful assistant."), QStringLiteral("gpt-4o"));
    QJsonObject temperature = chat(q);
    temperature.insert("temperature", 0.7);
    QTest::newRow("temperature") << temperature;
    QJsonObject tools = chat(q);
    tools.insert("tools", QJsonArray{QJsonObject{{"type", "function"},
                                                 {"function", QJsonObject{{"name", "execute"}}}}});
    QTest::newRow("tools") << tools;
    QTest::newRow("earlier turn") << chat(q, {QStringLiteral("Hi"), QStringLiteral("Hello!")});
}

void TestSemanticMatching::contextDifferences()
{
    QFETCH(QJsonObject, other);
    auto cache = makeCache(0.5f);
    cache->add("base", {}, kChat, chat(QStringLiteral("How do I read a file line by line in Go?")));
    const Decision d = cache->decide({}, kChat, other);
    QCOMPARE(d.outcome, Decision::Outcome::Miss);
    QVERIFY(d.candidates.empty());
}

void TestSemanticMatching::deliveryFieldsDoNotMatter()
{
    auto cache = makeCache(0.5f);
    cache->add("base", {}, kChat, chat(QStringLiteral("How do I read a file line by line in Go?")));
    QJsonObject streamed = chat(QStringLiteral("How can I read a file line by line in Go?"));
    streamed.insert("stream", true);
    streamed.insert("stream_options", QJsonObject{{"include_usage", true}});
    streamed.insert("user", "someone");
    const Decision d = cache->decide({}, kChat, streamed);
    QCOMPARE(d.outcome, Decision::Outcome::Hit);
    QCOMPARE(d.match->entryKey, QByteArray("base"));
    QCOMPARE(d.match->matchedPrompt, QStringLiteral("How do I read a file line by line in Go?"));
}

void TestSemanticMatching::namespacesAreIsolated()
{
    auto cache = makeCache(0.5f);
    const QJsonObject body = chat(QStringLiteral("Summarise the plot of Hamlet"));
    cache->add("team-a", QStringLiteral("team-a"), kChat, body);
    QVERIFY(cache->decide(QStringLiteral("team-b"), kChat, body).candidates.empty());
    QVERIFY(cache->decide(QString(), kChat, body).candidates.empty());
    QVERIFY(cache->lookup(QStringLiteral("team-a"), kChat, body));
}

void TestSemanticMatching::imagesStayInContext()
{
    auto withImage = [](const QString &url) {
        const QJsonArray parts{QJsonObject{{"type", "text"}, {"text", "What is in this picture?"}},
                               QJsonObject{{"type", "image_url"}, {"image_url", QJsonObject{{"url", url}}}}};
        return QJsonObject{{"model", "gpt-4o"}, {"messages", QJsonArray{message("user", parts)}}};
    };
    const PromptKey cat = promptKey({}, kChat, withImage(QStringLiteral("https://x/cat.png")));
    QVERIFY(cat.usable);
    QCOMPARE(cat.text, QStringLiteral("What is in this picture?"));
    QVERIFY(cat.contextHash != contextHash({}, kChat, withImage(QStringLiteral("https://x/dog.png"))));
}

void TestSemanticMatching::wholeConversationScope()
{
    auto cache = makeCache(0.5f);
    SemanticSettings settings = cache->settings();
    settings.wholeConversationModels.insert(QStringLiteral("gpt-4o-mini"));
    cache->setSettings(settings);
    const QStringList paris{QStringLiteral("Tell me about Paris."), QStringLiteral("Paris is the capital of France.")};
    const QString last = QStringLiteral("What is its population?");

    const PromptKey key = promptKey({}, kChat, chat(last, paris), settings.scopeFor("gpt-4o-mini"));
    QVERIFY(key.text.contains(QLatin1String("user: Tell me about Paris.")));
    QVERIFY(key.text.endsWith(QLatin1String("user: What is its population?")));
    // Only endpoint, model and parameters remain as context: other conversations are candidates
    // now, and the text comparison tells them apart.
    cache->add("paris", {}, kChat, chat(last, paris));
    const Decision rome = cache->decide({}, kChat, chat(last, {QStringLiteral("Tell me about Rome."), QStringLiteral("Rome is the capital of Italy.")}));
    QCOMPARE(rome.candidates.size(), size_t(1));
    QVERIFY(rome.candidates[0].similarity < 1.0f);
    const Decision again = cache->decide({}, kChat, chat(QStringLiteral("what's its population"), paris));
    QCOMPARE(again.outcome, Decision::Outcome::Hit);
    // Another model keeps the default scope.
    QVERIFY(!promptKey({}, kChat, chat(last, paris, {}, "gpt-4o"), settings.scopeFor("gpt-4o"))
                 .text.contains(QLatin1String("Paris")));
}

void TestSemanticMatching::endpointsWithoutSemanticMatching()
{
    auto cache = makeCache(0.5f);
    const QJsonObject embeddings{{"model", "text-embedding-3-small"}, {"input", "hello"}};
    const Decision d = cache->decide({}, QStringLiteral("embeddings"), embeddings);
    QCOMPARE(d.outcome, Decision::Outcome::NotApplicable);
    QVERIFY(d.reason.contains(QLatin1String("embeddings")));
    cache->add("e", {}, QStringLiteral("embeddings"), embeddings);
    QCOMPARE(cache->size(), 0);
    const QJsonObject empty{{"model", "m"}, {"messages", QJsonArray{message("assistant", "hi")}}};
    QCOMPARE(cache->decide({}, kChat, empty).outcome, Decision::Outcome::NotApplicable);
}

void TestSemanticMatching::completionsPrompt()
{
    auto cache = makeCache(0.5f);
    const QJsonObject a{{"model", "gpt-3.5-turbo-instruct"}, {"prompt", "Write a haiku about autumn leaves"}, {"max_tokens", 50}};
    const QJsonObject b{{"model", "gpt-3.5-turbo-instruct"}, {"prompt", QJsonArray{"write a haiku about the autumn leaves"}}, {"max_tokens", 50}};
    QJsonObject c = a;
    c.insert("max_tokens", 51);
    cache->add("haiku", {}, QStringLiteral("completions"), a);
    QVERIFY(cache->lookup({}, QStringLiteral("completions"), b));
    QVERIFY(cache->decide({}, QStringLiteral("completions"), c).candidates.empty());
}

QTEST_GUILESS_MAIN(TestSemanticMatching)
#include "TestSemanticMatching.moc"
