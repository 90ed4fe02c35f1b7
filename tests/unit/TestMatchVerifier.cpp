// The match verifier (app/semantic/matchverifier.h): each kind of refusal, each variation it
// lets through, strict mode, learned rules and the lexicon files.
#include "semantic/lexicon.h"
#include "semantic/matchverifier.h"

#include <QTest>

using namespace cachette::semantic;

class TestMatchVerifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void refuses_data();
    void refuses();
    void accepts_data();
    void accepts();
    void strictModeMatchesEveryWordAndVerbsAsWritten();
    void learnedRuleRefusesOtherWordings();
    void ruleForPicksTheDifferingWords();
    void ruleTextRoundTrips();
    void lexiconReadsItsFormats();
    void userListsExtendTheBuiltIns();
};

void TestMatchVerifier::refuses_data()
{
    QTest::addColumn<QString>("asked");
    QTest::addColumn<QString>("cached");
    QTest::addColumn<int>("guard");
    QTest::addColumn<QString>("detail");
    const int entity = int(Guard::Entity), antonym = int(Guard::Antonym), order = int(Guard::Order),
              unmatched = int(Guard::Unmatched), numbers = int(Guard::Numbers),
              negation = int(Guard::Negation), literals = int(Guard::Literals);

    // A changed name, identifier, file, path, flag or URL.
    QTest::newRow("company") << "What was their first day at Collegium Pharmaceutical like?"
                             << "What was their first day at Spectrum Pharmaceuticals like?" << entity
                             << QStringLiteral("entity: Collegium \u2260 Spectrum");
    QTest::newRow("place") << "What hotel in Munnar Hill-station is best for a family?"
                           << "What hotel in Khandala Hill-station is best for a family?" << entity << "";
    QTest::newRow("file") << "Open config.yaml and add a timeout field"
                          << "Open settings.yaml and add a timeout field" << entity
                          << QStringLiteral("entity: config.yaml \u2260 settings.yaml");
    QTest::newRow("path") << "List the files in /var/log" << "List the files in /var/lib" << entity << "";
    QTest::newRow("flag") << "Run the tests with --verbose" << "Run the tests with --quiet" << entity << "";
    QTest::newRow("identifier") << "Rename load_user to fetch_user everywhere"
                                << "Rename load_user to fetch_account everywhere" << entity << "";
    QTest::newRow("url") << "Fetch https://example.com/a.json" << "Fetch https://example.com/b.json" << entity << "";
    QTest::newRow("language") << "Which keywords are reserved in the Augeas programming language?"
                              << "Which keywords are reserved in the AWK programming language?" << entity << "";
    // Opposites, in any inflection.
    QTest::newRow("create/delete") << "Delete the git branch called feature-login"
                                   << "Create a git branch called feature-login" << antonym
                                   << QStringLiteral("antonym: delete \u2260 create");
    QTest::newRow("encrypt/decrypt") << "How do I encrypt a file with gpg?" << "How do I decrypt a file with gpg?" << antonym << "";
    QTest::newRow("start/stop") << "Start the nginx container" << "Stop the nginx container" << antonym << "";
    QTest::newRow("backup/restore") << "Back up the postgres database" << "Restore the postgres database" << antonym << "";
    QTest::newRow("upgrade/downgrade") << "Upgrade numpy" << "Downgrade numpy" << antonym << "";
    QTest::newRow("ascending/descending") << "Sort the rows in ascending order" << "Sort the rows in descending order" << antonym << "";
    QTest::newRow("first/last") << "Show the first commit of the repo" << "Show the last commit of the repo" << antonym << "";
    QTest::newRow("before/after") << "Run the linter before the tests" << "Run the linter after the tests" << antonym << "";
    QTest::newRow("enable/disable") << "Enabling strict mode in TypeScript" << "Disabled strict mode in TypeScript" << antonym << "";
    QTest::newRow("add/remove") << "Add the user to the docker group" << "Remove the user from the docker group" << antonym << "";
    QTest::newRow("min/max") << "Find the min of the column" << "Find the max of the column" << antonym << "";
    QTest::newRow("on/off") << "Turn on dark mode" << "Turn off dark mode" << antonym << "";
    // Swapped roles or direction.
    QTest::newRow("from/to") << "Copy the settings from staging to production"
                             << "Copy the settings from production to staging" << order << "";
    QTest::newRow("convert") << "How do I convert Celsius to Fahrenheit?" << "How do I convert Fahrenheit to Celsius?" << order
                             << QStringLiteral("order: to swapped (Celsius \u2260 Fahrenheit)");
    QTest::newRow("than") << "Is Python faster than Java?" << "Is Java faster than Python?" << order << "";
    QTest::newRow("into") << "Merge develop into main" << "Merge main into develop" << order << "";
    QTest::newRow("arguments") << "copy a.txt b.txt" << "copy b.txt a.txt" << order << "";
    QTest::newRow("roles") << "Why do cats chase dogs?" << "Why do dogs chase cats?" << order << "";
    // A qualifier added or dropped.
    QTest::newRow("dropped") << "What is the best book for data structures in java?"
                             << "What is the best book for data structures?" << unmatched
                             << QStringLiteral("unmatched: java");
    QTest::newRow("added") << "How can I live in Morocco?" << "How can I live in Morocco as a foreigner?"
                           << unmatched << QStringLiteral("unmatched: foreigner");
    QTest::newRow("hidden") << "List all files" << "List all hidden files" << unmatched << "";
    QTest::newRow("question word") << "Where was Python created?" << "When was Python created?" << unmatched << "";
    // The guards.
    QTest::newRow("numbers") << "Set the timeout to 30 seconds" << "Set the timeout to 60 seconds" << numbers
                             << QStringLiteral("numbers: 30 \u2260 60");
    QTest::newRow("negation") << "Is it safe to delete node_modules?" << "Is it not safe to delete node_modules?" << negation << "";
    QTest::newRow("double negation") << "What plants can grow without sunlight?"
                                     << "What plants can't grow without sunlight?" << negation << "";
    QTest::newRow("literals") << "Replace \"foo\" with \"bar\"" << "Replace \"foo\" with \"baz\"" << literals << "";
}

void TestMatchVerifier::refuses()
{
    QFETCH(QString, asked);
    QFETCH(QString, cached);
    QFETCH(int, guard);
    QFETCH(QString, detail);
    const MatchVerifier verifier;
    for (bool strict : {false, true}) {
        const Verdict v = verifier.verify(asked, cached, {strict, {}});
        QVERIFY2(!v.accepted(), qPrintable(asked + " / " + cached));
        QCOMPARE(int(v.refusal), guard);
        QVERIFY(v.detail.startsWith(guardName(v.refusal) + QStringLiteral(": ")));
        if (!detail.isEmpty())
            QCOMPARE(v.detail, detail);
    }
    // Either way round.
    QVERIFY(!verifier.verify(cached, asked).accepted());
}

void TestMatchVerifier::accepts_data()
{
    QTest::addColumn<QString>("asked");
    QTest::addColumn<QString>("cached");
    QTest::addColumn<bool>("strictToo");
    QTest::newRow("case and punctuation") << "what's the capital of france" << "What is the capital of France?" << true;
    QTest::newRow("stop words") << "How can I undo my last git commit" << "How do I undo the last git commit?" << true;
    QTest::newRow("inflection") << "Deleting the temp files" << "delete the temp file" << true;
    QTest::newRow("contraction") << "Why doesn't my build work?" << "Why does not my build work?" << true;
    QTest::newRow("possessive") << "What's Canada's population?" << "What is the population of Canada?" << true;
    QTest::newRow("noun synonym") << "Create a new folder called logs" << "Create a new directory called logs" << true;
    QTest::newRow("spelling") << "Why do leaves change colour?" << "Why do leaves change color?" << true;
    QTest::newRow("politeness") << "Please tell me how to reverse a list in Python"
                                << "How to reverse a list in Python" << false;
    QTest::newRow("verb synonym") << "Remove the build directory" << "Delete the build directory" << false;
    QTest::newRow("coordination") << "What is the difference between TCP and UDP?"
                                  << "What's the difference between UDP and TCP?" << true;
    QTest::newRow("moved clause") << "In Python, how do I sort a list?" << "How do I sort a list in Python?" << true;
    QTest::newRow("number word") << "Show the last five commits" << "Show the last 5 commits" << true;
    QTest::newRow("same direction") << "Convert this JSON to YAML" << "convert this json into yaml" << true;
}

void TestMatchVerifier::accepts()
{
    QFETCH(QString, asked);
    QFETCH(QString, cached);
    QFETCH(bool, strictToo);
    const MatchVerifier verifier;
    const Verdict v = verifier.verify(asked, cached);
    QVERIFY2(v.accepted(), qPrintable(v.detail));
    QVERIFY(v.detail.isEmpty());
    QVERIFY(verifier.verify(cached, asked).accepted());
    QCOMPARE(verifier.verify(asked, cached, {true, {}}).accepted(), strictToo);
}

void TestMatchVerifier::strictModeMatchesEveryWordAndVerbsAsWritten()
{
    const MatchVerifier verifier;
    // Light words may be left out in standard mode, not in strict mode.
    const Verdict light = verifier.verify(QStringLiteral("What is the best way to reverse a list?"),
                                          QStringLiteral("How to reverse a list?"));
    QVERIFY(light.accepted());
    QVERIFY(light.uncertain);   // a model check, when configured, has the last word
    const Verdict lightStrict = verifier.verify(QStringLiteral("What is the best way to reverse a list?"),
                                                QStringLiteral("How to reverse a list?"), {true, {}});
    QCOMPARE(lightStrict.refusal, Guard::Unmatched);
    QCOMPARE(lightStrict.detail, QStringLiteral("unmatched: best, way"));
    // A verb synonym: accepted in standard mode, refused when strict.
    const Verdict verb = verifier.verify(QStringLiteral("remove the temp folder"),
                                         QStringLiteral("delete the temp folder"), {true, {}});
    QCOMPARE(verb.refusal, Guard::Synonym);
    QVERIFY2(verb.detail.startsWith(QStringLiteral("synonym: remove \u2260 delete")), qPrintable(verb.detail));
    // Exactly the same words pass strict mode, uncertain or not.
    const Verdict same = verifier.verify(QStringLiteral("Remove the temp folder."),
                                         QStringLiteral("remove the temp folder"), {true, {}});
    QVERIFY(same.accepted());
    QVERIFY(!same.uncertain);
}

void TestMatchVerifier::learnedRuleRefusesOtherWordings()
{
    const QString asked = QStringLiteral("Remove the cache directory");
    const QString served = QStringLiteral("Delete the cache directory");
    QVERIFY(MatchVerifier().verify(asked, served).accepted());   // synonyms, until taught
    const RefusalRule rule = MatchVerifier().ruleFor(asked, served);
    QCOMPARE(rule.left, QStringList{QStringLiteral("remove")});
    QCOMPARE(rule.right, QStringList{QStringLiteral("delete")});

    const MatchVerifier taught({}, {rule});
    const Verdict again = taught.verify(asked, served);
    QCOMPARE(again.refusal, Guard::Learned);
    QCOMPARE(again.detail, QStringLiteral("learned: remove | delete"));
    // Other wordings with the same difference, either way round and inflected.
    QVERIFY(!taught.verify(QStringLiteral("please delete all logs"), QStringLiteral("removing all logs")).accepted());
    // Other pairs are untouched.
    QVERIFY(taught.verify(QStringLiteral("delete all logs"), QStringLiteral("Delete all the logs")).accepted());
}

void TestMatchVerifier::ruleForPicksTheDifferingWords()
{
    const MatchVerifier verifier;
    // A light word the user says matters: one-sided rule.
    const RefusalRule light = verifier.ruleFor(QStringLiteral("What is the best laptop for students?"),
                                               QStringLiteral("What is a laptop for students?"));
    QCOMPARE(light.left, QStringList{QStringLiteral("best")});
    QVERIFY(light.right.isEmpty());
    const MatchVerifier taught({}, {light});
    QCOMPARE(taught.verify(QStringLiteral("best phone for students"), QStringLiteral("phone for students")).refusal,
             Guard::Learned);
    // Only function words differ: they become the rule.
    const RefusalRule function = verifier.ruleFor(QStringLiteral("undo my commit"), QStringLiteral("undo the commit"));
    QCOMPARE(function.left, QStringList{QStringLiteral("my")});
    QCOMPARE(function.right, QStringList{QStringLiteral("the")});
    // The same words once normalised: nothing to learn.
    QVERIFY(verifier.ruleFor(QStringLiteral("Undo the commit!"), QStringLiteral("undo the commit")).isEmpty());
}

void TestMatchVerifier::ruleTextRoundTrips()
{
    const RefusalRule rule{{QStringLiteral("remove"), QStringLiteral("folder")}, {QStringLiteral("delete")}};
    QCOMPARE(rule.toText(), QStringLiteral("remove, folder | delete"));
    QCOMPARE(RefusalRule::fromText(rule.toText()), rule);
    QCOMPARE(RefusalRule::fromText(QStringLiteral("java |")).left, QStringList{QStringLiteral("java")});
    QVERIFY(RefusalRule::fromText(QStringLiteral(" | ")).isEmpty());
}

void TestMatchVerifier::lexiconReadsItsFormats()
{
    auto lexicon = std::make_shared<Lexicon>();
    lexicon->addSynonyms(QStringLiteral("# comment\nverb: zap, blast\nwidget, gizmo  # trailing\n"));
    lexicon->addAntonyms(QStringLiteral("zap | unzap, dezap\n"));
    lexicon->addLightWords(QStringLiteral("kindly\n"));
    QCOMPARE(lexicon->canonical(Lexicon::keyOf(QStringLiteral("blasting"))), Lexicon::keyOf(QStringLiteral("zap")));
    QVERIFY(lexicon->isVerb(Lexicon::keyOf(QStringLiteral("blast"))));
    QVERIFY(!lexicon->isVerb(Lexicon::keyOf(QStringLiteral("gizmo"))));
    QVERIFY(lexicon->opposes(Lexicon::keyOf(QStringLiteral("zapped")), Lexicon::keyOf(QStringLiteral("dezap"))));
    QVERIFY(!lexicon->opposes(Lexicon::keyOf(QStringLiteral("unzap")), Lexicon::keyOf(QStringLiteral("dezap"))));
    QVERIFY(lexicon->isLight(Lexicon::keyOf(QStringLiteral("kindly"))));

    const MatchVerifier verifier(lexicon);
    QVERIFY(verifier.verify(QStringLiteral("zap the widget"), QStringLiteral("blast the gizmo")).accepted());
    QCOMPARE(verifier.verify(QStringLiteral("zap the widget"), QStringLiteral("dezap the widget")).refusal,
             Guard::Antonym);
    // Groups sharing a word merge: "gizmo" ~ "gadget" joins widget's group.
    lexicon->addSynonyms(QStringLiteral("gizmo, gadget\n"));
    QCOMPARE(lexicon->canonical(Lexicon::keyOf(QStringLiteral("gadget"))),
             lexicon->canonical(Lexicon::keyOf(QStringLiteral("widget"))));
}

void TestMatchVerifier::userListsExtendTheBuiltIns()
{
    // The shipped lists are compiled in and read.
    const std::shared_ptr<const Lexicon> standard = Lexicon::standard();
    QVERIFY(standard->opposes(Lexicon::keyOf(QStringLiteral("encrypt")), Lexicon::keyOf(QStringLiteral("decrypt"))));
    QCOMPARE(standard->canonical(Lexicon::keyOf(QStringLiteral("folder"))),
             standard->canonical(Lexicon::keyOf(QStringLiteral("directory"))));
    QVERIFY(standard->isLight(Lexicon::keyOf(QStringLiteral("please"))));
    QVERIFY(Lexicon::userDirectory().endsWith(QStringLiteral("/cachette")));
}

QTEST_GUILESS_MAIN(TestMatchVerifier)
#include "TestMatchVerifier.moc"
