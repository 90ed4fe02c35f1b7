#include "guards.h"

#include "textfeatures.h"

#include <QHash>
#include <QRegularExpression>

#include <unordered_set>

namespace cachette::semantic {

namespace {

// Number words become digits so "two" and "2" agree. Compounds stay apart ("twenty five" is
// 20 and 5, never 25): a guard that refuses a little too often is the safe side.
const QHash<QString, QString> &numberWords()
{
    static const QHash<QString, QString> words = [] {
        QHash<QString, QString> map;
        const char *units[] = {"zero", "one", "two", "three", "four", "five", "six", "seven",
                               "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
                               "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
        for (int i = 0; i < 20; ++i)
            map.insert(QLatin1String(units[i]), QString::number(i));
        const char *tens[] = {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
                              "ninety"};
        for (int i = 0; i < 8; ++i)
            map.insert(QLatin1String(tens[i]), QString::number((i + 2) * 10));
        map.insert(QStringLiteral("hundred"), QStringLiteral("100"));
        map.insert(QStringLiteral("thousand"), QStringLiteral("1000"));
        map.insert(QStringLiteral("million"), QStringLiteral("1000000"));
        map.insert(QStringLiteral("billion"), QStringLiteral("1000000000"));
        map.insert(QStringLiteral("dozen"), QStringLiteral("12"));
        map.insert(QStringLiteral("twice"), QStringLiteral("2"));
        map.insert(QStringLiteral("half"), QStringLiteral("0.5"));
        return map;
    }();
    return words;
}

bool isNegation(const std::string &word)
{
    static const std::unordered_set<std::string> cues = {
        "not", "no", "never", "without", "except", "excluding", "none", "nothing", "nobody",
        "nowhere", "neither", "nor", "cannot", "unless", "lack", "lacks", "lacking",
    };
    if (cues.count(word))
        return true;
    // Folded contractions: "doesn't" reached us as "doesnt", "can't" as "cant", "won't" as "wont".
    static const std::unordered_set<std::string> contractions = {
        "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "cant", "couldnt", "wont",
        "wouldnt", "shouldnt", "mustnt", "neednt", "havent", "hasnt", "hadnt", "aint", "shant",
        "mightnt",
    };
    return contractions.count(word) > 0;
}

QStringList numbersOf(const QString &text)
{
    // 1,000 and 1000 agree; a version like 2.10.0 is three numbers, so 2.10.0 and 2.1.0 differ.
    static const QRegularExpression digits(QStringLiteral("\\d{1,3}(?:,\\d{3})+(?!\\d)|\\d+"));
    QStringList numbers;
    for (auto it = digits.globalMatch(text); it.hasNext();) {
        QString number = it.next().captured();
        number.remove(QLatin1Char(','));
        while (number.size() > 1 && number.startsWith(QLatin1Char('0')))
            number.remove(0, 1);   // "007" and "7"
        numbers.append(number);
    }
    for (const std::string &word : normalizeWords(text)) {
        const QString value = numberWords().value(QString::fromStdString(word));
        if (!value.isEmpty())
            numbers.append(value);
    }
    numbers.sort();
    return numbers;
}

QStringList literalsOf(QString text)
{
    // Fenced blocks first, then removed, so their backticks are not read again as spans.
    static const QRegularExpression fenced(QStringLiteral("```[^\\n]*\\n?([\\s\\S]*?)```"));
    static const QRegularExpression span(QStringLiteral("`([^`\\n]+)`"));
    static const QRegularExpression quoted(
        QStringLiteral("\"([^\"\\n]{1,500})\"|\u201c([^\u201d\\n]{1,500})\u201d"
                       "|(?<![\\w])'([^'\\n]{1,200})'(?![\\w])"));
    QStringList literals;
    auto take = [&](const QRegularExpression &re) {
        for (auto it = re.globalMatch(text); it.hasNext();) {
            const QRegularExpressionMatch m = it.next();
            for (int group = 1; group <= m.lastCapturedIndex(); ++group) {
                if (m.capturedStart(group) >= 0)
                    literals.append(m.captured(group).simplified());
            }
        }
        text.remove(re);
    };
    take(fenced);
    take(span);
    take(quoted);
    literals.sort();
    return literals;
}

} // namespace

QString guardName(Guard guard)
{
    switch (guard) {
    case Guard::Numbers:
        return QStringLiteral("numbers");
    case Guard::Negation:
        return QStringLiteral("negation");
    case Guard::Literals:
        return QStringLiteral("literals");
    case Guard::Entity:
        return QStringLiteral("entity");
    case Guard::Antonym:
        return QStringLiteral("antonym");
    case Guard::Order:
        return QStringLiteral("order");
    case Guard::Unmatched:
        return QStringLiteral("unmatched");
    case Guard::Synonym:
        return QStringLiteral("synonym");
    case Guard::Learned:
        return QStringLiteral("learned");
    case Guard::None:
        break;
    }
    return QString();
}

GuardFacts GuardFacts::of(const QString &text)
{
    GuardFacts facts;
    facts.numbers = numbersOf(text);
    for (const std::string &word : normalizeWords(text))
        facts.negations += isNegation(word) ? 1 : 0;
    facts.negated = facts.negations > 0;
    facts.literals = literalsOf(text);
    return facts;
}

Guard firstDifference(const GuardFacts &a, const GuardFacts &b, const GuardOptions &options)
{
    if (options.numbers && a.numbers != b.numbers)
        return Guard::Numbers;
    if (options.negation && a.negations != b.negations)
        return Guard::Negation;
    if (options.literals && a.literals != b.literals)
        return Guard::Literals;
    return Guard::None;
}

} // namespace cachette::semantic
