#include "lexicon.h"

#include "textfeatures.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QStringList>

// Outside the namespace: Q_INIT_RESOURCE declares a global function.
static void initSemanticResources()
{
    Q_INIT_RESOURCE(semantic);
}

namespace cachette::semantic {

namespace {

// The lines of a list without comments and blanks.
QStringList entriesOf(const QString &text)
{
    QStringList lines;
    for (QString line : text.split(QLatin1Char('\n'))) {
        const qsizetype hash = line.indexOf(QLatin1Char('#'));
        if (hash >= 0)
            line.truncate(hash);
        line = line.trimmed();
        if (!line.isEmpty())
            lines.append(line);
    }
    return lines;
}

std::vector<std::string> keysOf(const QString &commaSeparated)
{
    std::vector<std::string> keys;
    for (const QString &entry : commaSeparated.split(QLatin1Char(','))) {
        const std::string key = Lexicon::keyOf(entry);
        if (!key.empty())
            keys.push_back(key);
    }
    return keys;
}

QString readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

} // namespace

std::string Lexicon::keyOf(const QString &wordOrPhrase)
{
    std::string key;
    for (const std::string &word : normalizeWords(wordOrPhrase)) {
        if (!key.empty())
            key += ' ';
        key += stem(word);
    }
    return key;
}

QString Lexicon::userDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/cachette");
}

std::shared_ptr<const Lexicon> Lexicon::standard()
{
    static const std::shared_ptr<const Lexicon> lexicon = [] {
        initSemanticResources();
        auto made = std::make_shared<Lexicon>();
        const QString user = userDirectory();
        for (const QString &dir : {QStringLiteral(":/cachette/semantic"), user}) {
            made->addSynonyms(readFile(dir + QStringLiteral("/synonyms.txt")));
            made->addAntonyms(readFile(dir + QStringLiteral("/antonyms.txt")));
            made->addLightWords(readFile(dir + QStringLiteral("/lightwords.txt")));
        }
        return std::shared_ptr<const Lexicon>(std::move(made));
    }();
    return lexicon;
}

void Lexicon::addSynonyms(const QString &text)
{
    for (const QString &line : entriesOf(text)) {
        const bool verb = line.startsWith(QLatin1String("verb:"));
        mergeGroup(keysOf(verb ? line.mid(5) : line), verb);
    }
}

// Groups that share a word become one group (union): the lists can be added to freely.
void Lexicon::mergeGroup(const std::vector<std::string> &keys, bool verb)
{
    if (keys.empty())
        return;
    const std::string rep = canonical(keys.front());
    for (const std::string &key : keys) {
        m_known.insert(key);
        if (verb)
            m_verbs.insert(key);
        const std::string old = canonical(key);
        if (old == rep)
            continue;
        auto members = m_members.find(old);
        std::vector<std::string> moved = members != m_members.end()
            ? std::move(members->second) : std::vector<std::string>{old};
        if (members != m_members.end())
            m_members.erase(members);
        std::vector<std::string> &into = m_members[rep];
        if (into.empty())
            into.push_back(rep);
        for (const std::string &member : moved) {
            m_canonical[member] = rep;
            into.push_back(member);
        }
    }
}

void Lexicon::addAntonyms(const QString &text)
{
    for (const QString &line : entriesOf(text)) {
        const QStringList sides = line.split(QLatin1Char('|'));
        if (sides.size() != 2)
            continue;
        const int id = m_antonymLines++;
        for (int side = 0; side < 2; ++side) {
            for (const std::string &key : keysOf(sides.at(side))) {
                m_known.insert(key);
                m_antonymSides[key].push_back(id * 2 + side);
            }
        }
    }
}

void Lexicon::addLightWords(const QString &text)
{
    for (const QString &line : entriesOf(text)) {
        for (const std::string &key : keysOf(line)) {
            m_known.insert(key);
            m_light.insert(key);
        }
    }
}

const std::string &Lexicon::canonical(const std::string &key) const
{
    const auto it = m_canonical.find(key);
    return it == m_canonical.end() ? key : it->second;
}

bool Lexicon::opposes(const std::string &a, const std::string &b) const
{
    if (a == b)
        return false;
    const auto sidesA = m_antonymSides.find(a);
    const auto sidesB = m_antonymSides.find(b);
    if (sidesA == m_antonymSides.end() || sidesB == m_antonymSides.end())
        return false;
    for (int x : sidesA->second) {
        for (int y : sidesB->second) {
            if ((x ^ 1) == y)
                return true;
        }
    }
    return false;
}

} // namespace cachette::semantic
