#include "storefixtures.h"
#include "store/database.h"
#include "store/entrycatalog.h"
#include "store/schema.h"
#include "store/store.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <limits>
#include <memory>
#include <numeric>

using namespace cachette::store;
using namespace cachette::test;

namespace {

constexpr qint64 kDay = 24 * 3600 * 1000;
constexpr qint64 kT0 = 1'700'000'000'000;   // 14 Nov 2023

// Entry i: varied enough that every column sorts differently from the others.
CacheEntry makeEntry(int i)
{
    const QString model = QStringLiteral("model-%1").arg(i % 3);
    CacheEntry e = chatEntry(entryKey(i), model,
                             QStringLiteral("prompt %1 about topic%2").arg(QChar('a' + (i * 7) % 26)).arg(i),
                             QStringLiteral("answer number%1").arg(i));
    e.usage = { 10 + (i * 13) % 50, 5 + (i * 3) % 7, 0, true };
    e.createdAt = kT0 + i * kDay;
    e.lastHitAt = i % 4 == 0 ? 0 : kT0 + (i * 5 % 11) * kDay;
    e.hitCount = (i * 17) % 10;
    e.expiresAt = i % 5 == 0 ? 0 : kT0 + 1000 * kDay + (i * 11 % 23) * kDay;
    e.pinned = i % 6 == 0;
    e.responseBody += QByteArray((i * 37) % 101, ' ');   // sizes differ
    return e;
}

// What each column sorts by, computed from the entry as the catalog should see it.
QVariant sortKey(const CacheEntry &e, SortColumn column)
{
    switch (column) {
    case SortColumn::Created: return e.createdAt;
    case SortColumn::Model: return e.model;
    case SortColumn::Prompt: return e.promptText.left(40).toLower();
    case SortColumn::Tokens: return e.usage.promptTokens + e.usage.completionTokens;
    case SortColumn::Hits: return e.hitCount;
    case SortColumn::LastHit: return e.lastHitAt;
    case SortColumn::Expires: return e.expiresAt == 0 ? std::numeric_limits<qint64>::max() : e.expiresAt;
    case SortColumn::Size: return e.sizeBytes();
    case SortColumn::Pinned: return int(e.pinned);
    }
    return {};
}

QList<QByteArray> keysOf(const QList<EntrySummary> &rows)
{
    QList<QByteArray> keys;
    for (const EntrySummary &row : rows)
        keys.append(row.key);
    return keys;
}

QStringList ftsMatches(const QString &dbPath, const QString &match)
{
    RawDb raw(dbPath);
    QSqlQuery q(raw.db());
    q.prepare(QStringLiteral("SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? ORDER BY rowid"));
    q.bindValue(0, match);
    q.exec();
    QStringList ids;
    while (q.next())
        ids.append(q.value(0).toString());
    return ids;
}

} // namespace

class TestEntryCatalog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void openFailsReadablyWithoutDatabase();
    void countsAndPagesWithoutBlobs();
    void sortsByEveryColumn_data();
    void sortsByEveryColumn();
    void keysetPagesMatchOffsetPages();
    void pageFromTheEndMatchesPageFromTheStart();
    void filtersByModelAndDate();
    void searchesPromptsAnswersAndToolCalls();
    void searchIsSanitised_data();
    void searchIsSanitised();
    void searchCombinesWithFilters();
    void bothQueryPlansGiveTheSameRows();
    void rowOfFindsAnEntry();
    void modelsAreDistinctAndSorted();
    void keysMatchingAndKeysAt();
    void entryHasEveryField();
    void exportsJsonLines();
    void ftsFollowsDeleteReplaceAndEviction();
    void hitsAndPinsLeaveTheIndexAlone();
    void migrationIndexesExistingEntries();
    void notJsonAnswersAreStoredAndNotIndexed();

private:
    void populate(int count);
    QString dbPath() const { return m_store->databasePath(); }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<EntryCatalog> m_catalog;
    QList<CacheEntry> m_entries;
};

void TestEntryCatalog::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_unique<Store>();
    QString error;
    QVERIFY2(m_store->open(m_dir->path(), &error), qPrintable(error));
    m_store->setSizeCap(0);
    m_catalog = std::make_unique<EntryCatalog>();
    QVERIFY2(m_catalog->open(dbPath(), &error), qPrintable(error));
    QVERIFY(m_catalog->hasFullTextSearch());
    m_entries.clear();
}

void TestEntryCatalog::cleanup()
{
    m_catalog.reset();
    m_store.reset();
    m_dir.reset();
}

void TestEntryCatalog::populate(int count)
{
    for (int i = 0; i < count; ++i) {
        m_entries.append(makeEntry(i));
        m_store->put(m_entries.last());
    }
    m_store->flush();
}

void TestEntryCatalog::openFailsReadablyWithoutDatabase()
{
    EntryCatalog catalog;
    QString error;
    QVERIFY(!catalog.open(m_dir->filePath(QStringLiteral("nope/cachette.sqlite")), &error));
    QVERIFY2(error.contains(QLatin1String("no cache database")), qPrintable(error));
    QVERIFY(!catalog.isOpen());
    QCOMPARE(catalog.count({}), 0);
    QVERIFY(catalog.page({}, SortColumn::Created, Qt::DescendingOrder, 0, 10).isEmpty());
    QVERIFY(!catalog.lastError().isEmpty());

    // Not a Cachette file: said so, not a crash on the first query.
    const QString other = m_dir->filePath(QStringLiteral("other.sqlite"));
    {
        Connection raw;
        QVERIFY(raw.open(other, QStringLiteral("test"), &error));
        QVERIFY(exec(raw.database(), QStringLiteral("CREATE TABLE t (x)"), &error));
    }
    QVERIFY(!catalog.open(other, &error));
    QVERIFY2(error.contains(QLatin1String("not a Cachette")), qPrintable(error));
    QVERIFY2(error.startsWith(QStringLiteral("%1 is not").arg(other)), qPrintable(error));
}

void TestEntryCatalog::countsAndPagesWithoutBlobs()
{
    populate(25);
    QCOMPARE(m_catalog->count({}), 25);
    const QList<EntrySummary> rows =
        m_catalog->page({}, SortColumn::Created, Qt::DescendingOrder, 0, 10);
    QCOMPARE(rows.size(), 10);
    const CacheEntry &newest = m_entries.at(24);
    const EntrySummary &top = rows.first();
    QCOMPARE(top.key, newest.key);
    QVERIFY(top.id > 0);
    QCOMPARE(top.createdAt, newest.createdAt);
    QCOMPARE(top.model, newest.model);
    QCOMPARE(top.endpoint, newest.endpoint);
    QCOMPARE(top.promptPreview, newest.promptText);
    QCOMPARE(top.promptTokens, newest.usage.promptTokens);
    QCOMPARE(top.completionTokens, newest.usage.completionTokens);
    QCOMPARE(top.hitCount, newest.hitCount);
    QCOMPARE(top.lastHitAt, newest.lastHitAt);
    QCOMPARE(top.expiresAt, newest.expiresAt);
    QCOMPARE(top.sizeBytes, newest.sizeBytes());
    QCOMPARE(top.pinned, newest.pinned);

    // The last page is short; past the end is empty.
    QCOMPARE(m_catalog->page({}, SortColumn::Created, Qt::DescendingOrder, 20, 10).size(), 5);
    QVERIFY(m_catalog->page({}, SortColumn::Created, Qt::DescendingOrder, 30, 10).isEmpty());

    // Long prompts are cut in SQL, not in the GUI.
    CacheEntry longOne = makeEntry(100);
    longOne.promptText = QString(5000, QLatin1Char('x'));
    m_store->put(longOne);
    m_store->flush();
    const QList<EntrySummary> top1 = m_catalog->page({}, SortColumn::Created, Qt::DescendingOrder, 0, 1);
    QCOMPARE(top1.first().promptPreview.size(), EntryCatalog::kPreviewLength);
}

void TestEntryCatalog::sortsByEveryColumn_data()
{
    QTest::addColumn<SortColumn>("column");
    QTest::addColumn<Qt::SortOrder>("order");
    const std::pair<const char *, SortColumn> columns[] = {
        { "created", SortColumn::Created }, { "model", SortColumn::Model },
        { "prompt", SortColumn::Prompt },   { "tokens", SortColumn::Tokens },
        { "hits", SortColumn::Hits },       { "last hit", SortColumn::LastHit },
        { "expires", SortColumn::Expires }, { "size", SortColumn::Size },
        { "pinned", SortColumn::Pinned },
    };
    for (const auto &[name, column] : columns) {
        QTest::addRow("%s asc", name) << column << Qt::AscendingOrder;
        QTest::addRow("%s desc", name) << column << Qt::DescendingOrder;
    }
}

void TestEntryCatalog::sortsByEveryColumn()
{
    QFETCH(SortColumn, column);
    QFETCH(Qt::SortOrder, order);
    populate(40);
    // The expected order: the column, then the row id (insertion order here) the same way.
    QList<int> expected(40);
    std::iota(expected.begin(), expected.end(), 0);
    std::stable_sort(expected.begin(), expected.end(), [&](int a, int b) {
        const QVariant ka = sortKey(m_entries.at(a), column);
        const QVariant kb = sortKey(m_entries.at(b), column);
        const auto cmp = QVariant::compare(ka, kb);
        if (cmp == QPartialOrdering::Equivalent)
            return order == Qt::AscendingOrder ? a < b : a > b;
        return order == Qt::AscendingOrder ? cmp == QPartialOrdering::Less
                                           : cmp == QPartialOrdering::Greater;
    });
    QList<QByteArray> expectedKeys;
    for (int i : expected)
        expectedKeys.append(m_entries.at(i).key);

    QList<QByteArray> got;
    for (int offset = 0; offset < 40; offset += 7)
        got += keysOf(m_catalog->page({}, column, order, offset, 7));
    QCOMPARE(got, expectedKeys);
}

void TestEntryCatalog::keysetPagesMatchOffsetPages()
{
    populate(60);
    for (SortColumn column : { SortColumn::Created, SortColumn::Prompt, SortColumn::Hits,
                               SortColumn::Expires, SortColumn::Pinned, SortColumn::Tokens }) {
        for (Qt::SortOrder order : { Qt::AscendingOrder, Qt::DescendingOrder }) {
            const QList<EntrySummary> all = m_catalog->page({}, column, order, 0, 100);
            QCOMPARE(all.size(), 60);
            // Forwards from each row, and backwards from each row.
            for (int i = 0; i < 60; i += 9) {
                const QList<EntrySummary> after = m_catalog->pageAfter({}, column, order, all.at(i), 10);
                QCOMPARE(keysOf(after), keysOf(all.mid(i + 1, 10)));
                const QList<EntrySummary> before = m_catalog->pageBefore({}, column, order, all.at(i), 10);
                const int from = qMax(0, i - 10);
                QCOMPARE(keysOf(before), keysOf(all.mid(from, i - from)));
                // Skipping rows next to the anchor: a jump near a page already read.
                QCOMPARE(keysOf(m_catalog->pageAfter({}, column, order, all.at(i), 5, 7)),
                         keysOf(all.mid(i + 1 + 7, 5)));
                const int end = qMax(0, i - 7);
                const int start = qMax(0, end - 5);
                QCOMPARE(keysOf(m_catalog->pageBefore({}, column, order, all.at(i), 5, 7)),
                         keysOf(all.mid(start, end - start)));
            }
        }
    }
}

void TestEntryCatalog::pageFromTheEndMatchesPageFromTheStart()
{
    populate(33);
    const qint64 total = m_catalog->count({});
    for (qint64 offset : { 0, 10, 16, 17, 25, 30, 32, 33 }) {
        QCOMPARE(keysOf(m_catalog->page({}, SortColumn::Hits, Qt::DescendingOrder, offset, 5, total)),
                 keysOf(m_catalog->page({}, SortColumn::Hits, Qt::DescendingOrder, offset, 5)));
    }
}

void TestEntryCatalog::filtersByModelAndDate()
{
    populate(30);
    EntryFilter byModel;
    byModel.model = QStringLiteral("model-1");
    QCOMPARE(m_catalog->count(byModel), 10);
    for (const EntrySummary &row : m_catalog->page(byModel, SortColumn::Created, Qt::AscendingOrder, 0, 50))
        QCOMPARE(row.model, byModel.model);

    // from is inclusive, to exclusive: days 5 … 9.
    EntryFilter byDate;
    byDate.fromMs = kT0 + 5 * kDay;
    byDate.toMs = kT0 + 10 * kDay;
    const QList<EntrySummary> rows = m_catalog->page(byDate, SortColumn::Created, Qt::AscendingOrder, 0, 50);
    QCOMPARE(rows.size(), 5);
    QCOMPARE(rows.first().key, entryKey(5));
    QCOMPARE(rows.last().key, entryKey(9));
    QCOMPARE(m_catalog->count(byDate), 5);

    EntryFilter onlyFrom;
    onlyFrom.fromMs = kT0 + 25 * kDay;
    QCOMPARE(m_catalog->count(onlyFrom), 5);
    EntryFilter onlyTo;
    onlyTo.toMs = kT0 + 3 * kDay;
    QCOMPARE(m_catalog->count(onlyTo), 3);

    EntryFilter both = byDate;
    both.model = QStringLiteral("model-2");   // days 5 and 8
    QCOMPARE(keysOf(m_catalog->page(both, SortColumn::Created, Qt::AscendingOrder, 0, 50)),
             (QList<QByteArray> { entryKey(5), entryKey(8) }));
}

void TestEntryCatalog::searchesPromptsAnswersAndToolCalls()
{
    populate(12);
    CacheEntry tools = makeEntry(50);
    tools.promptText = QStringLiteral("Plot the sales figures");
    tools.responseBody = R"({"choices":[{"message":{"role":"assistant","content":null,)"
                         R"("tool_calls":[{"id":"call_1","type":"function","function":{"name":"execute",)"
                         R"("arguments":"{\"language\":\"python\",\"code\":\"import matplotlib\"}"}}]}}]})";
    CacheEntry anthropic = makeEntry(51);
    anthropic.endpoint = QStringLiteral("messages");
    anthropic.promptText = QStringLiteral("Wie spät ist es?");
    anthropic.responseBody = R"({"type":"message","content":[{"type":"text","text":"Es ist Mittagszeit"},)"
                             R"({"type":"tool_use","id":"tu_1","name":"clock","input":{"zone":"Europe/Zürich"}}]})";
    CacheEntry embedding = makeEntry(52);
    embedding.endpoint = QStringLiteral("embeddings");
    embedding.promptText = QStringLiteral("vectorise me");
    embedding.responseBody = R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.125,-0.5]}]})";
    for (const CacheEntry &e : { tools, anthropic, embedding })
        m_store->put(e);
    m_store->flush();

    // The keys found, in creation order; the count must agree with the page.
    const auto find = [this](const QString &search) -> QList<QByteArray> {
        EntryFilter filter;
        filter.search = search;
        const QList<QByteArray> keys =
            keysOf(m_catalog->page(filter, SortColumn::Created, Qt::AscendingOrder, 0, 100));
        if (m_catalog->count(filter) != keys.size())
            return { "count() disagrees with page()" };
        return keys;
    };
    QCOMPARE(find(QStringLiteral("topic7")), QList<QByteArray> { entryKey(7) });              // prompt
    QCOMPARE(find(QStringLiteral("number11")), QList<QByteArray> { entryKey(11) });           // answer
    QCOMPARE(find(QStringLiteral("matplotlib")), QList<QByteArray> { tools.key });         // arguments
    QCOMPARE(find(QStringLiteral("execute")), QList<QByteArray> { tools.key });            // tool name
    QCOMPARE(find(QStringLiteral("mittagszeit")), QList<QByteArray> { anthropic.key });    // text block
    QCOMPARE(find(QStringLiteral("zurich")), QList<QByteArray> { anthropic.key });         // tool input, no accents
    QCOMPARE(find(QStringLiteral("SPAT")), QList<QByteArray> { anthropic.key });           // case, diacritics
    QCOMPARE(find(QStringLiteral("vectorise")), QList<QByteArray> { embedding.key });
    QVERIFY(find(QStringLiteral("0.125")).isEmpty());                                     // vectors stay out
    QVERIFY(find(QStringLiteral("chat.completion")).isEmpty());                            // so do ids, objects
    // All words must match; the last is a prefix while typing.
    QCOMPARE(find(QStringLiteral("answer number1")).size(), 3);                            // 1, 10, 11
    QCOMPARE(find(QStringLiteral("answer number1 ")), QList<QByteArray> { entryKey(1) });
    QCOMPARE(find(QStringLiteral("plot sal")), QList<QByteArray> { tools.key });
    QVERIFY(find(QStringLiteral("plot xyz")).isEmpty());
    // Nothing searchable: no filter.
    QCOMPARE(find(QStringLiteral("  ")).size(), 15);
}

void TestEntryCatalog::searchIsSanitised_data()
{
    QTest::addColumn<QString>("search");
    QTest::addColumn<QString>("match");
    QTest::newRow("empty") << "" << "";
    QTest::newRow("one word") << "python" << "\"python\"*";
    QTest::newRow("trailing space") << "python " << "\"python\"";
    QTest::newRow("two words") << "sort list" << "\"sort\" \"list\"*";
    QTest::newRow("operators are words") << "cats AND NOT dogs" << "\"cats\" \"AND\" \"NOT\" \"dogs\"*";
    QTest::newRow("quotes doubled") << "say \"hi\"" << "\"say\" \"\"\"hi\"\"\"*";
    QTest::newRow("punctuation only dropped") << "?? - *" << "";
    QTest::newRow("last word punctuation") << "hello !" << "\"hello\"";
    QTest::newRow("column filter syntax") << "prompt:foo" << "\"prompt:foo\"*";
    QTest::newRow("tabs and newlines") << "a\tb\nc" << "\"a\" \"b\" \"c\"*";
}

void TestEntryCatalog::searchIsSanitised()
{
    QFETCH(QString, search);
    QFETCH(QString, match);
    QCOMPARE(EntryCatalog::ftsQuery(search), match);
    // Whatever was typed, the query runs.
    populate(3);
    EntryFilter filter;
    filter.search = search;
    m_catalog->count(filter);
    QVERIFY2(m_catalog->lastError().isEmpty(), qPrintable(m_catalog->lastError()));
    m_catalog->page(filter, SortColumn::Prompt, Qt::AscendingOrder, 0, 10);
    QVERIFY2(m_catalog->lastError().isEmpty(), qPrintable(m_catalog->lastError()));
}

void TestEntryCatalog::searchCombinesWithFilters()
{
    populate(30);
    EntryFilter filter;
    filter.search = QStringLiteral("answer");
    filter.model = QStringLiteral("model-0");
    filter.fromMs = kT0 + 10 * kDay;
    // model-0 at days 12, 15, 18, …, 27.
    QCOMPARE(m_catalog->count(filter), 6);
    const QList<EntrySummary> rows = m_catalog->page(filter, SortColumn::Created, Qt::DescendingOrder, 0, 4);
    QCOMPARE(keysOf(rows), (QList<QByteArray> { entryKey(27), entryKey(24), entryKey(21), entryKey(18) }));
    QCOMPARE(keysOf(m_catalog->pageAfter(filter, SortColumn::Created, Qt::DescendingOrder, rows.last(), 4)),
             (QList<QByteArray> { entryKey(15), entryKey(12) }));
}

// Pages of a filter most rows match are read by walking the sort index (WalkOrder), pages of a
// rare one by filtering first: small pages after a count take the first way, one large page
// the second. Both must list the same rows.
void TestEntryCatalog::bothQueryPlansGiveTheSameRows()
{
    for (int i = 0; i < 2000; ++i) {
        CacheEntry e = makeEntry(i);
        e.model = i % 10 == 0 ? QStringLiteral("rare") : QStringLiteral("common");
        e.createdAt = kT0 + i * 60'000;
        m_entries.append(e);
        m_store->put(e);
    }
    m_store->flush();
    QList<EntryFilter> filters(5);
    filters[0].search = QStringLiteral("answer");
    filters[1].model = QStringLiteral("common");
    filters[2].model = QStringLiteral("rare");
    filters[3].fromMs = kT0 + 100 * 60'000;
    filters[4] = filters[1];
    filters[4].search = QStringLiteral("answer");
    filters[4].toMs = kT0 + 1900 * 60'000;
    for (const EntryFilter &filter : filters) {
        for (SortColumn sort : { SortColumn::Created, SortColumn::Hits, SortColumn::Model, SortColumn::Prompt }) {
            const qint64 total = m_catalog->count(filter);
            QVERIFY(total > 0);
            QList<QByteArray> small;
            QList<EntrySummary> page = m_catalog->page(filter, sort, Qt::DescendingOrder, 0, 3, total);
            small += keysOf(page);
            for (int i = 0; i < 4 && !page.isEmpty(); ++i) {
                page = m_catalog->pageAfter(filter, sort, Qt::DescendingOrder, page.last(), 3);
                small += keysOf(page);
            }
            small += keysOf(m_catalog->page(filter, sort, Qt::DescendingOrder, total - 4, 4, total));
            m_catalog->count({});   // the unfiltered count does not make it forget the filter's
            QCOMPARE(keysOf(m_catalog->page(filter, sort, Qt::DescendingOrder, 0, 3, total)), small.mid(0, 3));
            EntryCatalog fresh;     // no count: one big page, filtered first
            QVERIFY(fresh.open(dbPath()));
            const QList<QByteArray> all = keysOf(fresh.page(filter, sort, Qt::DescendingOrder, 0, 5000));
            QCOMPARE(all.size(), total);
            QCOMPARE(small, all.mid(0, 15) + all.mid(total - 4));
        }
    }
}

void TestEntryCatalog::rowOfFindsAnEntry()
{
    populate(20);
    for (SortColumn column : { SortColumn::Created, SortColumn::Prompt, SortColumn::Size }) {
        const QList<EntrySummary> all = m_catalog->page({}, column, Qt::DescendingOrder, 0, 100);
        for (int row : { 0, 7, 19 })
            QCOMPARE(m_catalog->rowOf({}, column, Qt::DescendingOrder, all.at(row).key), row);
    }
    EntryFilter filter;
    filter.model = QStringLiteral("model-1");
    QCOMPARE(m_catalog->rowOf(filter, SortColumn::Created, Qt::AscendingOrder, entryKey(4)), 1);
    QCOMPARE(m_catalog->rowOf(filter, SortColumn::Created, Qt::AscendingOrder, entryKey(3)), -1);
    QCOMPARE(m_catalog->rowOf({}, SortColumn::Created, Qt::AscendingOrder, "missing"), -1);
}

void TestEntryCatalog::modelsAreDistinctAndSorted()
{
    QVERIFY(m_catalog->models().isEmpty());
    populate(10);
    QCOMPARE(m_catalog->models(),
             (QStringList { QStringLiteral("model-0"), QStringLiteral("model-1"), QStringLiteral("model-2") }));
}

void TestEntryCatalog::keysMatchingAndKeysAt()
{
    populate(12);
    EntryFilter filter;
    filter.model = QStringLiteral("model-2");
    QCOMPARE(m_catalog->keysMatching(filter),
             (QList<QByteArray> { entryKey(2), entryKey(5), entryKey(8), entryKey(11) }));
    QCOMPARE(m_catalog->keysMatching({}).size(), 12);
    QCOMPARE(m_catalog->keysAt({}, SortColumn::Created, Qt::DescendingOrder, 2, 3),
             (QList<QByteArray> { entryKey(9), entryKey(8), entryKey(7) }));
}

void TestEntryCatalog::entryHasEveryField()
{
    populate(3);
    const std::optional<CacheEntry> entry = m_catalog->entry(entryKey(1));
    QVERIFY(entry);
    QCOMPARE(entry->canonicalRequest, m_entries.at(1).canonicalRequest);
    QCOMPARE(entry->responseBody, m_entries.at(1).responseBody);
    QCOMPARE(entry->promptText, m_entries.at(1).promptText);
    QVERIFY(!m_catalog->entry("missing"));
}

void TestEntryCatalog::exportsJsonLines()
{
    populate(4);
    CacheEntry noUsage = makeEntry(9);
    noUsage.usage = {};
    m_store->put(noUsage);
    m_store->flush();

    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QString error;
    QVERIFY2(m_catalog->exportJsonl({ entryKey(2), "gone", entryKey(9) }, &buffer, &error), qPrintable(error));
    const QList<QByteArray> lines = buffer.data().split('\n');
    QCOMPARE(lines.size(), 3);   // two objects and the empty rest after the last newline
    QVERIFY(lines.last().isEmpty());

    const QJsonObject first = QJsonDocument::fromJson(lines.at(0)).object();
    QCOMPARE(first.value(QLatin1String("key")).toString(), QString::fromLatin1(entryKey(2)));
    QCOMPARE(first.value(QLatin1String("model")).toString(), QStringLiteral("model-2"));
    QCOMPARE(first.value(QLatin1String("endpoint")).toString(), QStringLiteral("chat/completions"));
    QCOMPARE(first.value(QLatin1String("created")).toString(), QStringLiteral("2023-11-16T22:13:20.000Z"));
    QCOMPARE(first.value(QLatin1String("request")).toObject().value(QLatin1String("model")).toString(),
             QStringLiteral("model-2"));
    QCOMPARE(first.value(QLatin1String("response")).toObject().value(QLatin1String("choices"))
                 .toArray().at(0).toObject().value(QLatin1String("message")).toObject()
                 .value(QLatin1String("content")).toString(),
             QStringLiteral("answer number2"));
    const QJsonObject usage = first.value(QLatin1String("usage")).toObject();
    QCOMPARE(usage.value(QLatin1String("prompt_tokens")).toInteger(), m_entries.at(2).usage.promptTokens);
    QCOMPARE(usage.value(QLatin1String("completion_tokens")).toInteger(), m_entries.at(2).usage.completionTokens);

    const QJsonObject second = QJsonDocument::fromJson(lines.at(1)).object();
    QCOMPARE(second.value(QLatin1String("key")).toString(), QString::fromLatin1(entryKey(9)));
    QVERIFY(second.value(QLatin1String("usage")).isNull());

    QBuffer closed;
    QVERIFY(!m_catalog->exportJsonl({ entryKey(2) }, &closed, &error));
    QVERIFY(!error.isEmpty());
}

void TestEntryCatalog::ftsFollowsDeleteReplaceAndEviction()
{
    populate(6);
    QCOMPARE(ftsMatches(dbPath(), QStringLiteral("number3")).size(), 1);

    // Delete: gone from the index itself, not only hidden by the join.
    m_store->removeEntries({ entryKey(3) });
    m_store->flush();
    QVERIFY(ftsMatches(dbPath(), QStringLiteral("number3")).isEmpty());
    EntryFilter filter;
    filter.search = QStringLiteral("number3");
    QCOMPARE(m_catalog->count(filter), 0);

    // Replace: the old answer's words go, the new ones come, under the same row id.
    CacheEntry replaced = m_entries.at(4);
    replaced.responseBody = chatCompletionBody(QStringLiteral("a fresher reply"));
    replaced.promptText = QStringLiteral("reworded question");
    m_store->put(replaced);
    m_store->flush();
    QVERIFY(ftsMatches(dbPath(), QStringLiteral("number4")).isEmpty());
    QVERIFY(ftsMatches(dbPath(), QStringLiteral("topic4")).isEmpty());
    QCOMPARE(ftsMatches(dbPath(), QStringLiteral("fresher")).size(), 1);
    QCOMPARE(ftsMatches(dbPath(), QStringLiteral("reworded")), ftsMatches(dbPath(), QStringLiteral("fresher")));
    filter.search = QStringLiteral("fresher");
    QCOMPARE(keysOf(m_catalog->page(filter, SortColumn::Created, Qt::DescendingOrder, 0, 10)),
             QList<QByteArray> { replaced.key });

    // Eviction by the size cap deletes through the same trigger.
    m_store->setSizeCap(1);
    m_store->flush();
    QCOMPARE(m_catalog->count({}), 1);   // entry 0 is pinned
    QVERIFY(ftsMatches(dbPath(), QStringLiteral("answer")).size() == 1);
    QCOMPARE(ftsMatches(dbPath(), QStringLiteral("number0")).size(), 1);
}

void TestEntryCatalog::hitsAndPinsLeaveTheIndexAlone()
{
    populate(3);
    m_store->recordHit(entryKey(1), kT0 + 100 * kDay);
    m_store->setPinned(entryKey(1), true);
    m_store->flush();
    QCOMPARE(ftsMatches(dbPath(), QStringLiteral("number1")), QStringList { QStringLiteral("2") });
    const QList<EntrySummary> top = m_catalog->page({}, SortColumn::LastHit, Qt::DescendingOrder, 0, 1);
    QCOMPARE(top.first().key, entryKey(1));
    QCOMPARE(top.first().hitCount, m_entries.at(1).hitCount + 1);
    QVERIFY(top.first().pinned);
}

void TestEntryCatalog::migrationIndexesExistingEntries()
{
    // A version 1 file with entries in it, as the previous release left it.
    m_catalog.reset();
    m_store.reset();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("cachette.sqlite"));
    {
        Connection raw;
        QString error;
        QVERIFY2(raw.open(path, QStringLiteral("old"), &error), qPrintable(error));
        QVERIFY2(schema::migrate(raw.database(), &error, 1), qPrintable(error));
        QSqlQuery q(raw.database());
        QVERIFY(q.prepare(QStringLiteral("INSERT INTO entries (key, model, prompt_text, response_body) "
                                         "VALUES (?, 'm', ?, ?)")));
        q.addBindValue(QStringList { QStringLiteral("k1"), QStringLiteral("k2") });
        q.addBindValue(QStringList { QStringLiteral("legacy prompt"), QStringLiteral("other") });
        q.addBindValue(QVariantList { chatCompletionBody(QStringLiteral("older answer")), QByteArray("not json") });
        QVERIFY2(q.execBatch(), qPrintable(q.lastError().text()));
    }
    // Before the migration: no full-text index, LIKE on prompts still finds things.
    EntryCatalog old;
    QVERIFY(old.open(path));
    QVERIFY(!old.hasFullTextSearch());
    EntryFilter filter;
    filter.search = QStringLiteral("legacy");
    QCOMPARE(old.count(filter), 1);
    filter.search = QStringLiteral("50%_off");
    QCOMPARE(old.count(filter), 0);
    old.close();

    Store store;
    QString error;
    QVERIFY2(store.open(dir.path(), &error), qPrintable(error));
    EntryCatalog catalog;
    QVERIFY(catalog.open(path));
    QVERIFY(catalog.hasFullTextSearch());
    filter.search = QStringLiteral("older");
    QCOMPARE(keysOf(catalog.page(filter, SortColumn::Created, Qt::AscendingOrder, 0, 10)),
             QList<QByteArray> { "k1" });
    filter.search = QStringLiteral("legacy");
    QCOMPARE(catalog.count(filter), 1);
    // Deleting a backfilled row removes exactly what the backfill indexed.
    store.removeEntries({ "k1", "k2" });
    store.flush();
    QVERIFY(ftsMatches(path, QStringLiteral("older OR legacy OR other")).isEmpty());
}

void TestEntryCatalog::notJsonAnswersAreStoredAndNotIndexed()
{
    CacheEntry odd = makeEntry(1);
    odd.responseBody = QByteArray("\x00\xff{not json", 11);
    m_store->put(odd);
    m_store->flush();
    QCOMPARE(m_catalog->count({}), 1);
    EntryFilter filter;
    filter.search = QStringLiteral("topic1");   // the prompt is still indexed
    QCOMPARE(m_catalog->count(filter), 1);
    m_store->removeEntries({ odd.key });
    m_store->flush();
    QCOMPARE(m_catalog->count({}), 0);
    QVERIFY(ftsMatches(dbPath(), QStringLiteral("topic1")).isEmpty());
}

QTEST_GUILESS_MAIN(TestEntryCatalog)
#include "TestEntryCatalog.moc"
