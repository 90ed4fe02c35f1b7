#include "browser/cachebrowserview.h"
#include "browser/entrydetailview.h"
#include "browser/entrytablemodel.h"
#include "host/enginehost.h"
#include "store/store.h"

#include "e2e.h"
#include "manualclock.h"
#include "storefixtures.h"
#include "uitest.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QToolButton>
#include <QDateEdit>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QScrollBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

using namespace cachette;
using namespace cachette::ui;
using store::CacheEntry;

namespace {

constexpr qint64 kMinute = 60 * 1000;
constexpr qint64 kNow = 1'733'000'000'000;   // 30 Nov 2024, 20:53 UTC

// Entry i: created i minutes after a fixed start (so higher i is newer), three models,
// hit counts that do not follow creation order.
CacheEntry makeEntry(int i, qint64 t0)
{
    CacheEntry e = test::chatEntry(test::entryKey(i), QStringLiteral("model-%1").arg(i % 3),
                                   QStringLiteral("question %1 about topic%1").arg(i),
                                   QStringLiteral("answer for %1").arg(i));
    e.createdAt = t0 + i * kMinute;
    e.hitCount = (i * 7) % 13;
    return e;
}

// Pre-fills a data directory the way an earlier run of the engine would have.
bool populate(const QString &dataDir, const QList<CacheEntry> &entries)
{
    store::Store store;
    if (!store.open(dataDir))
        return false;
    for (const CacheEntry &e : entries)
        store.put(e);
    store.flush();
    return true;
}

// Rows of the raw database, read on a connection of the test's own.
qint64 sqlCount(const QString &dbPath, const QString &where = {})
{
    return test::RawDb(dbPath).entryCount(where);
}

QList<QByteArray> keysShown(const CacheBrowserView &view)
{
    QList<QByteArray> keys;
    for (int row = 0; row < view.model()->rowCount(); ++row)
        keys.append(view.model()->keyAt(row));
    return keys;
}

// Accepts the next confirmation dialog as soon as it is up and keeps its question.
class ConfirmationAnswerer : public QObject
{
public:
    explicit ConfirmationAnswerer(bool accept) : m_accept(accept)
    {
        m_timer.setInterval(10);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            if (!box)
                return;
            m_question = box->text();
            m_timer.stop();
            if (m_accept)
                box->findChild<QAbstractButton *>(QStringLiteral("confirmButton"))->click();
            else
                box->button(QMessageBox::Cancel)->click();
        });
        m_timer.start();
    }
    QString question() const { return m_question; }

private:
    bool m_accept;
    QTimer m_timer;
    QString m_question;
};

} // namespace

class TestCacheBrowser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void emptyStateTellsHowToConnect();
    void listsEntriesNewestFirst();
    void sortsByClickingHeaders();
    void searchFiltersRows();
    void filtersByModelAndDate();
    void filtersByRouteOnceThereAreRoutes();
    void pagesThroughThousandsOfEntries();
    void deletesSelectedRowsAfterConfirmation();
    void cancelledDeleteKeepsRows();
    void deletesEverythingMatchingTheFilter();
    void deletesManyEntriesInChunks();
    void pinningProtectsFromEviction();
    void newEntriesAppearLiveKeepingPlace();
    void showEntrySelectsItThroughFilters();
    void detailShowsConversationToolCallsAndJson();
    void detailShowsResponsesTurnsReasoningAndCalls();
    void copiesCurlWithoutARealKey();
    void routedEntryShowsAndCopiesWithoutBookkeeping();
    void unreadableDatabaseIsExplained();

private:
    void startEngine(bool withUpstream = false);
    void showView();
    QList<CacheEntry> prefill(int count, const std::function<void(CacheEntry &)> &tweak = {});
    void typeSearch(const QString &text);
    QString dbPath() const { return m_dir->filePath(QStringLiteral("cachette.sqlite")); }
    void clickHeader(int column);
    void selectRows(int first, int last);
    void showOnlyEntry(const CacheEntry &entry);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<test::FakeUpstream> m_upstream;
    std::unique_ptr<EngineHost> m_host;
    std::unique_ptr<CacheBrowserView> m_view;
    std::optional<test::ManualClock> m_clock;   // "today" is fixed: relative dates do not vary by run
    qint64 m_t0 = 0;
};

void TestCacheBrowser::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_clock.emplace(kNow);
    m_t0 = kNow - 10 * 24 * 3600 * 1000LL;
}

void TestCacheBrowser::cleanup()
{
    m_view.reset();
    m_host.reset();
    m_upstream.reset();
    m_dir.reset();
    m_clock.reset();
}

QList<CacheEntry> TestCacheBrowser::prefill(int count, const std::function<void(CacheEntry &)> &tweak)
{
    QList<CacheEntry> entries;
    for (int i = 0; i < count; ++i) {
        entries.append(makeEntry(i, m_t0));
        if (tweak)
            tweak(entries.last());
    }
    if (!populate(m_dir->path(), entries))
        qFatal("cannot prefill %s", qPrintable(m_dir->path()));
    return entries;
}

void TestCacheBrowser::startEngine(bool withUpstream)
{
    m_host = std::make_unique<EngineHost>();
    EngineConfig config;
    config.dataDir = m_dir->path();
    config.port = 0;
    if (withUpstream) {
        m_upstream = std::make_unique<test::FakeUpstream>();
        QVERIFY(m_upstream->start());
        config.upstream = QUrl(m_upstream->baseUrl());
    }
    UI_START_HOST(m_host, config);
}

void TestCacheBrowser::showView()
{
    m_view = std::make_unique<CacheBrowserView>(m_host.get());
    // Every suite's loads, sorts, reloads and removals also check the model's consistency.
    new QAbstractItemModelTester(m_view->model(), QAbstractItemModelTester::FailureReportingMode::Fatal,
                                 m_view->model());
    m_view->resize(1100, 760);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
    m_view->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_view.get()));
}

void TestCacheBrowser::clickHeader(int column)
{
    QHeaderView *header = m_view->table()->horizontalHeader();
    const int x = header->sectionViewportPosition(column) + header->sectionSize(column) / 2;
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
}

// Click on the first row, shift+click on the last, as a person selects a range.
void TestCacheBrowser::selectRows(int first, int last)
{
    QTableView *table = m_view->table();
    table->setFocus();
    const auto centre = [table](int row) {
        return table->visualRect(table->model()->index(row, EntryTableModel::Prompt)).center();
    };
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre(first));
    if (last != first)
        QTest::mouseClick(table->viewport(), Qt::LeftButton, Qt::ShiftModifier, centre(last));
}

// Types into the search box as a person would, and waits for the debounced search to run.
// Stores entry alone, opens the browser and selects it, so its detail view shows it.
void TestCacheBrowser::showOnlyEntry(const CacheEntry &entry)
{
    QVERIFY(populate(m_dir->path(), { entry }));
    startEngine();
    showView();
    QTRY_COMPARE(m_view->model()->rowCount(), 1);
    selectRows(0, 0);
    QTRY_VERIFY(m_view->detail()->entry());
}

void TestCacheBrowser::typeSearch(const QString &text)
{
    auto *search = m_view->findChild<QLineEdit *>(QStringLiteral("cacheSearch"));
    search->selectAll();
    QTest::keyClick(search, Qt::Key_Backspace);
    QTest::keyClicks(search, text);
    const QString expected = text.trimmed().isEmpty() ? QString() : text;
    QTRY_COMPARE(m_view->model()->filter().search, expected);
}

void TestCacheBrowser::emptyStateTellsHowToConnect()
{
    startEngine();
    showView();
    auto *empty = m_view->findChild<QLabel *>(QStringLiteral("cacheEmpty"));
    QVERIFY(empty);
    QTRY_VERIFY(empty->isVisible());
    QVERIFY2(empty->text().contains(m_host->baseUrl()), qPrintable(empty->text()));
    QVERIFY(empty->text().contains(QLatin1String("OPENAI_BASE_URL")));
    QVERIFY(!m_view->table()->isVisible());
}

void TestCacheBrowser::listsEntriesNewestFirst()
{
    prefill(20);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 20);
    QVERIFY(m_view->table()->isVisible());
    QCOMPARE(model->keyAt(0), test::entryKey(19));
    QCOMPARE(model->keyAt(19), test::entryKey(0));
    QCOMPARE(model->index(0, EntryTableModel::Model).data().toString(), QStringLiteral("model-1"));
    QCOMPARE(model->index(0, EntryTableModel::Prompt).data().toString(), QStringLiteral("question 19 about topic19"));
    QCOMPARE(model->index(0, EntryTableModel::Tokens).data().toString(), QStringLiteral("46"));
    QCOMPARE(model->index(0, EntryTableModel::Expires).data().toString(), QStringLiteral("never"));
    QCOMPARE(model->headerData(EntryTableModel::LastHit, Qt::Horizontal).toString(), QStringLiteral("Last hit"));
    auto *count = m_view->findChild<QLabel *>(QStringLiteral("cacheCount"));
    QCOMPARE(count->text(), QStringLiteral("20 entries"));

    // Narrow: the least useful columns make room for the prompt; wide again, they are back.
    QHeaderView *header = m_view->table()->horizontalHeader();
    m_view->resize(640, 600);
    QTRY_VERIFY2(header->isSectionHidden(EntryTableModel::Expires),
                 qPrintable(QStringLiteral("view %1, viewport %2, prompt %3").arg(m_view->width())
                                .arg(m_view->table()->viewport()->width()).arg(header->sectionSize(EntryTableModel::Prompt))));
    QVERIFY(!header->isSectionHidden(EntryTableModel::Model));
    QVERIFY(header->sectionSize(EntryTableModel::Prompt) >= 200);
    m_view->resize(1400, 700);
    QTRY_VERIFY(!header->isSectionHidden(EntryTableModel::Expires));
    for (int column = 0; column < EntryTableModel::ColumnCount; ++column)
        QVERIFY(!header->isSectionHidden(column));
}

void TestCacheBrowser::sortsByClickingHeaders()
{
    const QList<CacheEntry> entries = prefill(40);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 40);

    clickHeader(EntryTableModel::Hits);
    QCOMPARE(model->sortColumn(), store::SortColumn::Hits);
    const Qt::SortOrder first = model->sortOrder();
    // Hits in order, and within equal hits, by row id the same way: as SQL ordered them.
    const auto hitsOrder = [&](Qt::SortOrder order) {
        QList<CacheEntry> sorted = entries;
        std::stable_sort(sorted.begin(), sorted.end(), [order](const CacheEntry &a, const CacheEntry &b) {
            if (a.hitCount != b.hitCount)
                return order == Qt::AscendingOrder ? a.hitCount < b.hitCount : a.hitCount > b.hitCount;
            return order == Qt::AscendingOrder ? a.createdAt < b.createdAt : a.createdAt > b.createdAt;
        });
        QList<QByteArray> keys;
        for (const CacheEntry &e : sorted)
            keys.append(e.key);
        return keys;
    };
    QCOMPARE(keysShown(*m_view), hitsOrder(first));
    clickHeader(EntryTableModel::Hits);
    QVERIFY(model->sortOrder() != first);
    QCOMPARE(keysShown(*m_view), hitsOrder(model->sortOrder()));

    // A selected entry stays selected and in view across a sort.
    selectRows(5, 5);
    const QByteArray selected = model->keyAt(5);
    clickHeader(EntryTableModel::Prompt);
    QCOMPARE(model->sortColumn(), store::SortColumn::Prompt);
    QCOMPARE(m_view->selectedKeys(), QList<QByteArray> { selected });
    QCOMPARE(m_view->detail()->entry()->key, selected);
}

void TestCacheBrowser::searchFiltersRows()
{
    prefill(30);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 30);
    typeSearch(QStringLiteral("topic2"));   // a prefix: topic2, topic20 … topic29
    QCOMPARE(model->rowCount(), 11);
    for (int row = 0; row < model->rowCount(); ++row)
        QVERIFY(model->index(row, EntryTableModel::Prompt).data().toString().contains(QLatin1String("topic2")));
    typeSearch(QStringLiteral("topic2 "));  // a whole word now
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->keyAt(0), test::entryKey(2));
    auto *count = m_view->findChild<QLabel *>(QStringLiteral("cacheCount"));
    QCOMPARE(count->text(), QStringLiteral("1 of 30 entries matches"));

    // The answer text is searched too; punctuation and FTS syntax are just text.
    typeSearch(QStringLiteral("answer: (for) \"17,"));
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->keyAt(0), test::entryKey(17));
    typeSearch(QStringLiteral("NOT answer* OR"));
    QCOMPARE(model->rowCount(), 0);

    typeSearch(QStringLiteral("nothing-like-this"));
    auto *empty = m_view->findChild<QLabel *>(QStringLiteral("cacheEmpty"));
    QTRY_VERIFY(empty->isVisible());
    QVERIFY(empty->text().contains(QLatin1String("Nothing matches")));
    typeSearch(QString());
    QCOMPARE(model->rowCount(), 30);
    QVERIFY(m_view->table()->isVisible());
}

void TestCacheBrowser::filtersByModelAndDate()
{
    prefill(30);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 30);
    auto *models = m_view->findChild<QComboBox *>(QStringLiteral("modelFilter"));
    QCOMPARE(models->count(), 4);   // all, model-0, model-1, model-2
    models->setCurrentIndex(models->findText(QStringLiteral("model-2")));
    QTRY_COMPARE(model->rowCount(), 10);
    for (int row = 0; row < 10; ++row)
        QCOMPARE(model->index(row, EntryTableModel::Model).data().toString(), QStringLiteral("model-2"));

    // Everything was created on one or two days after m_t0: a range after them is empty, and
    // "any" again shows all.
    auto *from = m_view->findChild<QDateEdit *>(QStringLiteral("fromDate"));
    QCOMPARE(from->text(), QStringLiteral("any"));
    from->setDate(QDateTime::fromMSecsSinceEpoch(m_t0).date().addDays(3));
    QTRY_COMPARE(model->rowCount(), 0);
    from->setDate(from->minimumDate());
    QTRY_COMPARE(model->rowCount(), 10);
    auto *to = m_view->findChild<QDateEdit *>(QStringLiteral("toDate"));
    to->setDate(QDateTime::fromMSecsSinceEpoch(m_t0 + 29 * kMinute).date());   // inclusive
    QTRY_COMPARE(model->rowCount(), 10);
}

// The route filter stays out of the way while every entry is on the default /v1, and appears
// (and filters) once the cache holds entries of another route.
void TestCacheBrowser::filtersByRouteOnceThereAreRoutes()
{
    prefill(6);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 6);
    auto *routes = m_view->findChild<QComboBox *>(QStringLiteral("routeFilter"));
    QVERIFY(routes && !routes->isVisible());
    m_view.reset();
    m_host.reset();

    QList<CacheEntry> routed;
    for (int i = 6; i < 10; ++i) {
        routed << makeEntry(i, m_t0);
        routed.last().route = QStringLiteral("anthropic");
    }
    QVERIFY(populate(m_dir->path(), routed));
    startEngine();
    showView();
    model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 10);
    routes = m_view->findChild<QComboBox *>(QStringLiteral("routeFilter"));
    QTRY_VERIFY(routes->isVisible());
    QCOMPARE(routes->count(), 3);   // all, default, /anthropic
    routes->setCurrentIndex(routes->findText(QStringLiteral("/anthropic")));
    QTRY_COMPARE(model->rowCount(), 4);
    routes->setCurrentIndex(routes->findText(QStringLiteral("Default (/v1)")));
    QTRY_COMPARE(model->rowCount(), 6);
    m_view->findChild<QToolButton *>(QStringLiteral("clearFilters"))->click();
    QTRY_COMPARE(model->rowCount(), 10);
}

void TestCacheBrowser::pagesThroughThousandsOfEntries()
{
    const int n = 5000;
    prefill(n);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), n);
    QTableView *table = m_view->table();
    table->setFocus();

    table->scrollToBottom();
    QTRY_COMPARE(table->rowAt(table->viewport()->height() - 2), n - 1);   // the last page is shown
    QCOMPARE(model->keyAt(n - 1), test::entryKey(0));
    QCOMPARE(model->index(n - 1, EntryTableModel::Prompt).data().toString(),
             QStringLiteral("question 0 about topic0"));
    // The keyboard gets there too, and the detail follows.
    QTest::keyClick(table, Qt::Key_Home, Qt::ControlModifier);
    QTest::keyClick(table, Qt::Key_End, Qt::ControlModifier);
    QTRY_COMPARE(table->currentIndex().row(), n - 1);
    QTRY_COMPARE(m_view->detail()->entry()->key, test::entryKey(0));

    // Scrolling up a screen at a time from the bottom: every row is the right one.
    for (int top = n - 40; top > n - 2000; top -= 37) {
        table->verticalScrollBar()->setValue(top);
        QCOMPARE(model->keyAt(top), test::entryKey(n - 1 - top));
    }
    // A jump to the middle, and sorted the other way.
    QCOMPARE(model->keyAt(2500), test::entryKey(n - 1 - 2500));
    clickHeader(EntryTableModel::Created);
    QTRY_COMPARE(model->sortOrder(), Qt::AscendingOrder);
    table->scrollToBottom();
    QCOMPARE(model->keyAt(n - 1), test::entryKey(n - 1));
    QCOMPARE(model->keyAt(1234), test::entryKey(1234));
}

void TestCacheBrowser::deletesSelectedRowsAfterConfirmation()
{
    prefill(10);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 10);
    selectRows(1, 3);   // entries 8, 7, 6
    QCOMPARE(m_view->selectedKeys(), (QList<QByteArray> { test::entryKey(8), test::entryKey(7), test::entryKey(6) }));

    ConfirmationAnswerer answerer(true);
    QTest::keyClick(m_view->table(), Qt::Key_Delete);
    QCOMPARE(answerer.question(), QStringLiteral("Delete 3 cached answers?"));
    QTRY_COMPARE(model->rowCount(), 7);
    const QList<QByteArray> shown = keysShown(*m_view);
    for (int gone : { 6, 7, 8 })
        QVERIFY(!shown.contains(test::entryKey(gone)));
    QCOMPARE(sqlCount(dbPath()), 7);
    QCOMPARE(sqlCount(dbPath(), QStringLiteral("key IN ('%1', '%2', '%3')")
                                    .arg(QString::fromLatin1(test::entryKey(6)), QString::fromLatin1(test::entryKey(7)),
                                         QString::fromLatin1(test::entryKey(8)))), 0);
}

void TestCacheBrowser::cancelledDeleteKeepsRows()
{
    prefill(4);
    startEngine();
    showView();
    QTRY_COMPARE(m_view->model()->rowCount(), 4);
    selectRows(0, 0);
    ConfirmationAnswerer answerer(false);
    QTest::keyClick(m_view->table(), Qt::Key_Delete);
    QCOMPARE(answerer.question(), QStringLiteral("Delete 1 cached answer?"));
    m_host->flush();
    QTest::qWait(300);   // deliberately: nothing is deleted in that time
    QCOMPARE(m_view->model()->rowCount(), 4);
    QCOMPARE(sqlCount(dbPath()), 4);
}

void TestCacheBrowser::deletesEverythingMatchingTheFilter()
{
    prefill(12);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 12);
    auto *models = m_view->findChild<QComboBox *>(QStringLiteral("modelFilter"));
    models->setCurrentIndex(models->findText(QStringLiteral("model-0")));
    QTRY_COMPARE(model->rowCount(), 4);

    ConfirmationAnswerer answerer(true);
    m_view->findChild<QAction *>(QStringLiteral("deleteMatchingAction"))->trigger();
    QCOMPARE(answerer.question(), QStringLiteral("Delete all 4 cached answers matching the filters?"));
    QTRY_COMPARE(model->rowCount(), 0);
    QCOMPARE(sqlCount(dbPath()), 8);
    QCOMPARE(sqlCount(dbPath(), QStringLiteral("model = 'model-0'")), 0);
}

// Tens of thousands of keys reach the engine a chunk at a time, so its writer keeps serving
// other writes in between; the view says how many are left and ends empty.
void TestCacheBrowser::deletesManyEntriesInChunks()
{
    const int n = 12'000;
    prefill(n);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), n);
    auto *count = m_view->findChild<QLabel *>(QStringLiteral("cacheCount"));
    ConfirmationAnswerer answerer(true);
    m_view->findChild<QAction *>(QStringLiteral("deleteMatchingAction"))->trigger();
    QCOMPARE(answerer.question(), QStringLiteral("Delete all 12,000 cached answers?"));
    QVERIFY2(count->text().contains(QLatin1String("deleting, 7,000 to go")), qPrintable(count->text()));
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() < n && model->rowCount() > 0, 20'000);   // part way
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 0, 60'000);
    QCOMPARE(sqlCount(dbPath()), 0);
    QVERIFY(!count->text().contains(QLatin1String("deleting")));
    QTRY_VERIFY(m_view->findChild<QLabel *>(QStringLiteral("cacheEmpty"))->isVisible());
}

void TestCacheBrowser::pinningProtectsFromEviction()
{
    // 2.4 MB of answers against the smallest cap the settings allow (1 MiB).
    prefill(6, [](CacheEntry &e) { e.responseBody = test::chatCompletionBody(QString(400 * 1000, QLatin1Char('x'))); });
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 6);
    selectRows(4, 4);   // entry 1, the second oldest: least recently used but one
    const QByteArray pinned = model->keyAt(4);
    QCOMPARE(pinned, test::entryKey(1));

    QTest::keyClick(m_view->table(), Qt::Key_P, Qt::ControlModifier);
    QVERIFY(model->index(4, 0).data(EntryTableModel::PinnedRole).toBool());
    QVERIFY(!model->index(4, EntryTableModel::Pinned).data(Qt::DecorationRole).value<QIcon>().isNull());
    m_host->flush();
    QCOMPARE(sqlCount(dbPath(), QStringLiteral("pinned = 1")), 1);

    EngineConfig config = m_host->config();
    config.sizeCapBytes = 1024 * 1024;
    QString error;
    QVERIFY2(m_host->configure(config, &error), qPrintable(error));
    m_host->flush();
    // Oldest first, skipping the pin, until under the cap: 0, 2, 3 and 4 go.
    QTRY_COMPARE(keysShown(*m_view), (QList<QByteArray> { test::entryKey(5), pinned }));
    QCOMPARE(sqlCount(dbPath()), 2);
    QCOMPARE(sqlCount(dbPath(), QStringLiteral("pinned = 1")), 1);

    // Unpinned from the view, it is just another entry again.
    selectRows(1, 1);
    QCOMPARE(m_view->findChild<QAction *>(QStringLiteral("pinAction"))->text(), QStringLiteral("Unpin"));
    QTest::keyClick(m_view->table(), Qt::Key_P, Qt::ControlModifier);
    m_host->flush();
    QCOMPARE(sqlCount(dbPath(), QStringLiteral("pinned = 1")), 0);
}

void TestCacheBrowser::newEntriesAppearLiveKeepingPlace()
{
    prefill(300);
    startEngine(true);
    showView();
    EntryTableModel *model = m_view->model();
    QTableView *table = m_view->table();
    QTRY_COMPARE(model->rowCount(), 300);

    table->verticalScrollBar()->setValue(150);
    const QByteArray top = model->keyAt(table->rowAt(0));
    selectRows(160, 162);
    const QList<QByteArray> selected = m_view->selectedKeys();
    QCOMPARE(selected.size(), 3);
    const QByteArray current = model->keyAt(table->currentIndex().row());

    const QString root = m_host->baseUrl().chopped(3);   // without /v1
    test::ProxyClient client(root);
    const test::HttpResult result =
        client.post(QStringLiteral("/v1/chat/completions"), test::chatBody(QStringLiteral("a brand new question")));
    QCOMPARE(result.status, 200);
    QTRY_COMPARE(model->rowCount(), 301);

    // Newest first: the new entry is row 0 and everything else moved down one row, but the
    // view still shows the same entries and keeps the same ones selected.
    QCOMPARE(model->index(0, EntryTableModel::Prompt).data().toString(), QStringLiteral("a brand new question"));
    QCOMPARE(model->keyAt(table->rowAt(0)), top);
    QCOMPARE(m_view->selectedKeys(), selected);
    QCOMPARE(model->keyAt(table->currentIndex().row()), current);

    // At the very top the view stays at the top, where new entries show up.
    table->scrollToTop();
    client.post(QStringLiteral("/v1/chat/completions"), test::chatBody(QStringLiteral("another one")));
    QTRY_COMPARE(model->rowCount(), 302);
    QCOMPARE(table->verticalScrollBar()->value(), 0);
    QCOMPARE(model->index(table->rowAt(0), EntryTableModel::Prompt).data().toString(), QStringLiteral("another one"));
}

void TestCacheBrowser::showEntrySelectsItThroughFilters()
{
    prefill(400);
    startEngine();
    showView();
    EntryTableModel *model = m_view->model();
    QTRY_COMPARE(model->rowCount(), 400);
    typeSearch(QStringLiteral("topic5 "));
    QCOMPARE(model->rowCount(), 1);

    m_view->showEntry(test::entryKey(42));   // filtered out: the filters clear
    QCOMPARE(m_view->findChild<QLineEdit *>(QStringLiteral("cacheSearch"))->text(), QString());
    QCOMPARE(model->rowCount(), 400);
    QCOMPARE(m_view->selectedKeys(), QList<QByteArray> { test::entryKey(42) });
    const int row = m_view->table()->currentIndex().row();
    QCOMPARE(row, 400 - 1 - 42);
    QVERIFY(m_view->table()->viewport()->rect().intersects(m_view->table()->visualRect(model->index(row, 0))));
    QVERIFY(m_view->detail()->conversationText().contains(QLatin1String("question 42 about topic42")));

    m_view->showEntry("no such key");
    QVERIFY(m_view->selectedKeys().isEmpty());
    QVERIFY(!m_view->detail()->entry());
}

void TestCacheBrowser::detailShowsConversationToolCallsAndJson()
{
    CacheEntry tools = makeEntry(1, m_t0);
    tools.canonicalRequest = test::toJson(QJsonObject {
        { "model", "gpt-4o" },
        { "tools", QJsonArray { QJsonObject { { "type", "function" }, { "function", QJsonObject { { "name", "execute" } } } } } },
        { "messages", QJsonArray { QJsonObject { { "role", "system" }, { "content", "You are Open Interpreter." } },
                                   QJsonObject { { "role", "user" }, { "content", "List the files" } } } } });
    tools.responseBody = test::toJson(QJsonObject {
        { "choices", QJsonArray { QJsonObject { { "index", 0 }, { "finish_reason", "tool_calls" },
            { "message", QJsonObject { { "role", "assistant" }, { "content", QJsonValue() },
                { "tool_calls", QJsonArray { QJsonObject { { "id", "call_1" }, { "type", "function" },
                    { "function", QJsonObject { { "name", "execute" },
                                                { "arguments", "{\"language\":\"shell\",\"code\":\"ls -la\"}" } } } } } } } } } } },
        { "usage", QJsonObject { { "prompt_tokens", 100 }, { "completion_tokens", 20 } } } });
    tools.usage = { 100, 20, 0, true };
    tools.streamEvents = "data: {}\n\ndata: [DONE]\n\n";
    showOnlyEntry(tools);
    if (QTest::currentTestFailed())
        return;
    EntryDetailView *detail = m_view->detail();
    const QString text = detail->conversationText();
    for (const char *expected : { "SYSTEM", "You are Open Interpreter.", "USER", "List the files", "ANSWER",
                                  "Tool call execute", "\"language\": \"shell\"", "\"code\": \"ls -la\"",
                                  "Tools offered: execute", "Prompt tokens", "100", "Completion tokens" })
        QVERIFY2(text.contains(QLatin1String(expected)), expected);
    auto *request = detail->findChild<QPlainTextEdit *>(QStringLiteral("requestJson"));
    QVERIFY(request->toPlainText().contains(QLatin1String("\n    \"messages\": [")));
    auto *response = detail->findChild<QPlainTextEdit *>(QStringLiteral("responseJson"));
    QVERIFY(response->toPlainText().contains(QLatin1String("\"finish_reason\": \"tool_calls\"")));
    auto *summary = detail->findChild<QLabel *>(QStringLiteral("detailSummary"));
    QVERIFY2(summary->text().contains(QLatin1String("120 tokens")), qPrintable(summary->text()));
    QVERIFY(summary->text().contains(QLatin1String("streamed")));
    auto *tabs = detail->findChild<QTabWidget *>(QStringLiteral("detailTabs"));
    QCOMPARE(tabs->count(), 4);   // conversation, request, response, stream
}

// A Codex-style Responses entry: instructions, input items (a user message, reasoning with a
// summary, a function call and its output), and an answer of output items.
void TestCacheBrowser::detailShowsResponsesTurnsReasoningAndCalls()
{
    CacheEntry codex = makeEntry(1, m_t0);
    codex.endpoint = QStringLiteral("responses");
    const QJsonObject userText { { "type", "input_text" }, { "text", "Why does make fail?" } };
    codex.canonicalRequest = test::toJson(QJsonObject {
        { "model", "gpt-5-codex" },
        { "instructions", "You are Codex, a coding agent." },
        { "tools", QJsonArray { QJsonObject { { "type", "function" }, { "name", "shell" } } } },
        { "input", QJsonArray {
            QJsonObject { { "type", "message" }, { "role", "user" }, { "content", QJsonArray { userText } } },
            QJsonObject { { "type", "reasoning" }, { "encrypted_content", "gAAAA" },
                          { "summary", QJsonArray { QJsonObject { { "type", "summary_text" },
                                                                  { "text", "Run make to see the error" } } } } },
            QJsonObject { { "type", "function_call" }, { "call_id", "call_7" }, { "name", "shell" },
                          { "arguments", "{\"command\":[\"make\",\"-k\"]}" } },
            QJsonObject { { "type", "function_call_output" }, { "call_id", "call_7" },
                          { "output", "main.c:3: error: missing ;" } } } } });
    codex.responseBody = test::toJson(QJsonObject {
        { "object", "response" }, { "status", "completed" },
        { "output", QJsonArray {
            QJsonObject { { "type", "reasoning" },
                          { "summary", QJsonArray { QJsonObject { { "type", "summary_text" },
                                                                  { "text", "The semicolon is missing" } } } } },
            QJsonObject { { "type", "function_call" }, { "call_id", "call_8" }, { "name", "apply_patch" },
                          { "arguments", "{\"path\":\"main.c\"}" } },
            QJsonObject { { "type", "message" }, { "role", "assistant" },
                          { "content", QJsonArray { QJsonObject { { "type", "output_text" },
                                                                  { "text", "Fixed main.c line 3." } } } } } } } });
    showOnlyEntry(codex);
    if (QTest::currentTestFailed())
        return;
    const QString text = m_view->detail()->conversationText();
    for (const char *expected : { "SYSTEM", "You are Codex, a coding agent.", "USER", "Why does make fail?",
                                  "Reasoning summary: Run make to see the error", "Tool call shell",
                                  "\"command\": [", "\"make\"", "Result of call_7", "main.c:3: error: missing ;",
                                  "Tools offered: shell", "ANSWER", "completed",
                                  "Reasoning summary: The semicolon is missing", "Tool call apply_patch",
                                  "\"path\": \"main.c\"", "Fixed main.c line 3." })
        QVERIFY2(text.contains(QLatin1String(expected)), expected);
    QVERIFY2(!text.contains(QLatin1String("token ids")), qPrintable(text));
}

void TestCacheBrowser::copiesCurlWithoutARealKey()
{
    prefill(3);
    startEngine();
    showView();
    QTRY_COMPARE(m_view->model()->rowCount(), 3);
    selectRows(0, 0);
    QTest::keyClick(m_view->table(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    const QString curl = QApplication::clipboard()->text();
    QVERIFY2(curl.startsWith(QStringLiteral("curl '%1/chat/completions'").arg(m_host->baseUrl())), qPrintable(curl));
    QVERIFY(curl.contains(QLatin1String("-H \"Authorization: Bearer $OPENAI_API_KEY\"")));
    QVERIFY(curl.contains(QLatin1String("question 2 about topic2")));
    QVERIFY(!curl.contains(QLatin1String("sk-")));
}

// An entry fetched through /anthropic: its curl goes to that route, and neither the screen nor
// the curl body carries Cachette's own keyed fields (which a provider would refuse).
void TestCacheBrowser::routedEntryShowsAndCopiesWithoutBookkeeping()
{
    const QList<CacheEntry> entries = prefill(1, [](CacheEntry &e) {
        e.route = QStringLiteral("anthropic");
        e.endpoint = QStringLiteral("messages");
        e.canonicalRequest = R"({"max_tokens":64,"messages":[{"content":"hello there","role":"user"}],)"
                             R"("model":"claude-sonnet-4-5","x-cachette-keyed-headers":{"anthropic-version":)"
                             R"("2023-06-01"},"x-cachette-route":"anthropic"})";
    });
    startEngine();
    showView();
    QTRY_COMPARE(m_view->model()->rowCount(), 1);
    selectRows(0, 0);
    QTest::keyClick(m_view->table(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    const QString curl = QApplication::clipboard()->text();
    QString root = m_host->baseUrl();
    root.chop(3);
    QVERIFY2(curl.startsWith(QStringLiteral("curl '%1/anthropic/v1/messages'").arg(root)), qPrintable(curl));
    QVERIFY2(curl.contains(QLatin1String("hello there")) && !curl.contains(QLatin1String("x-cachette")),
             qPrintable(curl));
    QVERIFY(!entries.first().clientRequest().contains("x-cachette"));
    QVERIFY(!m_view->findChild<QPlainTextEdit *>(QStringLiteral("requestJson"))->toPlainText()
                 .contains(QLatin1String("x-cachette")));
}

void TestCacheBrowser::unreadableDatabaseIsExplained()
{
    QFile garbage(dbPath());
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    garbage.write(QByteArray(8192, 'x'));
    garbage.close();
    m_host = std::make_unique<EngineHost>();
    EngineConfig config;
    config.dataDir = m_dir->path();
    config.port = 0;
    QVERIFY(m_host->configure(config));
    showView();
    auto *empty = m_view->findChild<QLabel *>(QStringLiteral("cacheEmpty"));
    QTRY_VERIFY(empty->isVisible());
    QVERIFY2(empty->text().contains(QLatin1String("cannot be read")), qPrintable(empty->text()));
    QVERIFY2(empty->text().contains(QStringLiteral("Cannot read %1: file is not a database.").arg(dbPath())),
             qPrintable(empty->text()));
    QVERIFY(!empty->text().contains(QLatin1String("PRAGMA")));
}

QTEST_MAIN(TestCacheBrowser)
#include "TestCacheBrowser.moc"
