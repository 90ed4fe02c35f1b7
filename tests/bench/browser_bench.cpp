// Times the cache browser's database side with a million entries (issue #3): what opening the
// Cache page, sorting, scrolling, jumping and searching cost. A plain Qt program rather than
// Google Benchmark: it builds one large database and times whole operations on it, printing
// the median, min and max of several runs of each.
//
//   browser_bench [--entries N] [--data-dir DIR] [--runs N]
//
// Without --data-dir it builds a temporary database of N entries (default 1,000,000) and
// deletes it at the end; with --data-dir it reuses DIR/cachette.sqlite, building it first if
// it does not exist.

#include "browser/entrytablemodel.h"
#include "store/database.h"
#include "store/entrycatalog.h"
#include "store/store.h"

#include "timing.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace cachette;
using store::EntryCatalog;
using store::EntryFilter;
using store::SortColumn;

namespace {

using bench::measure;
using bench::report;
using bench::Result;

constexpr int kScreenRows = 40;   // rows a maximised window shows
constexpr int kPage = ui::EntryTableModel::kPageSize;

// Entries shaped like real chat completions (about 1.3 KB each): seven models, hit counts and
// sizes that do not follow insertion order, a word in every prompt shared by ~1,000 entries
// ("word123") and one shared by all ("python").
const char *kBulkInsert = R"(
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO entries (key, endpoint, model, prompt_tokens, completion_tokens, usage_known,
                     created_at, last_hit_at, hit_count, expires_at, size_bytes, pinned,
                     prompt_text, canonical_request, response_body)
SELECT printf('%064x', i), 'chat/completions', 'model-' || (i % 7), 10 + i % 500, 20 + i % 300, 1,
       1700000000000 + i * 1000, CASE WHEN i % 3 = 0 THEN 1700000000000 + i * 1500 ELSE 0 END,
       (i * 7919) % 1000, CASE WHEN i % 5 = 0 THEN 1800000000000 + i ELSE 0 END,
       1000 + (i * 31) % 5000, (i % 1000 = 0),
       'Question number ' || i || ' about topic ' || (i % 97) || ': how do I write word' || (i % 1013) || ' in python?',
       '{"messages":[{"content":"Question number ' || i || '","role":"user"}],"model":"model-' || (i % 7) || '"}',
       '{"id":"chatcmpl-' || i || '","object":"chat.completion","model":"model-' || (i % 7) || '","choices":[{"index":0,"message":{"role":"assistant","content":"Answer ' || i || ': use the module answer' || (i % 211) || ' and then lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}'
FROM n
)";

bool build(const QString &dataDir, int count)
{
    QElapsedTimer timer;
    timer.start();
    {
        store::Store store;   // creates the file at the current schema (FTS table, indexes)
        QString error;
        if (!store.open(dataDir, &error)) {
            std::fprintf(stderr, "cannot create the database: %s\n", qPrintable(error));
            return false;
        }
    }
    store::Connection raw;
    QString error;
    const QString path = QDir(dataDir).filePath(QStringLiteral("cachette.sqlite"));
    if (!raw.open(path, QStringLiteral("bench"), &error))
        return false;
    const QSqlDatabase db = raw.database();
    bool ok = store::exec(db, QStringLiteral("BEGIN"), &error);
    {
        QSqlQuery insert(db);
        ok = ok && store::prepare(insert, QString::fromLatin1(kBulkInsert), &error);
        insert.bindValue(QStringLiteral(":count"), count);
        ok = ok && store::exec(insert, &error);
    }
    ok = ok && store::exec(db, QStringLiteral("COMMIT"), &error)
         && store::exec(db, QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"), &error);
    if (!ok)
        std::fprintf(stderr, "bulk insert failed: %s\n", qPrintable(error));
    std::printf("built %d entries in %.1f s (%.0f MB)\n\n", count, timer.elapsed() / 1000.0,
                QFileInfo(path).size() / 1e6);
    return ok;
}

// Every cell of kScreenRows rows from first, as a table view asks when it paints.
int paintScreen(const ui::EntryTableModel &model, int first)
{
    int filled = 0;
    for (int row = first; row < first + kScreenRows && row < model.rowCount(); ++row) {
        for (int column = 0; column < ui::EntryTableModel::ColumnCount; ++column) {
            const QModelIndex index = model.index(row, column);
            for (int role : { int(Qt::DisplayRole), int(Qt::DecorationRole), int(Qt::TextAlignmentRole) })
                filled += index.data(role).isValid();
        }
    }
    return filled;
}

void run(const QString &path, int runs)
{
    const auto check = [](bool ok, const char *what) {
        if (!ok)
            std::fprintf(stderr, "unexpected result: %s\n", what);
    };
    EntryCatalog catalog;
    check(catalog.open(path), "open");
    const qint64 total = catalog.count({});
    std::printf("%lld entries in %s\n\n", static_cast<long long>(total), qPrintable(path));

    report("open catalog + count + first page (created, newest first)", measure(runs, [&] {
        EntryCatalog fresh;
        fresh.open(path);
        check(fresh.count({}) == total, "count");
        check(fresh.page({}, SortColumn::Created, Qt::DescendingOrder, 0, kPage).size() == kPage, "page");
    }));
    report("count alone", measure(runs, [&] { catalog.count({}); }));
    for (auto [name, column] : { std::pair { "sort by hits: first page", SortColumn::Hits },
                                 std::pair { "sort by prompt: first page", SortColumn::Prompt },
                                 std::pair { "sort by size: first page", SortColumn::Size },
                                 std::pair { "sort by expires: first page", SortColumn::Expires },
                                 std::pair { "sort by pinned: first page", SortColumn::Pinned } })
        report(name, measure(runs, [&] { catalog.page({}, column, Qt::DescendingOrder, 0, kPage, total); }));

    const qint64 half = total / 2;
    for (qint64 offset : { total / 4, half, total - 50 }) {
        const QByteArray name = QByteArray("jump: page at row ") + QByteArray::number(offset) + " (created)";
        report(name.constData(), measure(runs, [&] {
            catalog.page({}, SortColumn::Created, Qt::DescendingOrder, offset, kPage, total);
        }));
    }
    report("jump: page in the middle (hits)", measure(runs, [&] {
        catalog.page({}, SortColumn::Hits, Qt::DescendingOrder, half, kPage, total);
    }));
    report("jump: page in the middle (prompt)", measure(runs, [&] {
        catalog.page({}, SortColumn::Prompt, Qt::AscendingOrder, half, kPage, total);
    }));
    const auto middle = catalog.page({}, SortColumn::Hits, Qt::DescendingOrder, half, kPage, total);
    if (middle.isEmpty())
        return;
    report("scroll: next page after the middle page (hits, keyset)", measure(runs, [&] {
        catalog.pageAfter({}, SortColumn::Hits, Qt::DescendingOrder, middle.last(), kPage);
    }));
    report("scroll: previous page before the middle (hits, keyset)", measure(runs, [&] {
        catalog.pageBefore({}, SortColumn::Hits, Qt::DescendingOrder, middle.first(), kPage);
    }));

    EntryFilter rare;
    rare.search = QStringLiteral("word123");   // 1 in 1013 entries
    report("search \"word123\" (1 in 1013 match): count + first page", measure(runs, [&] {
        catalog.count(rare);
        catalog.page(rare, SortColumn::Created, Qt::DescendingOrder, 0, kPage);
    }));
    EntryFilter prefix;
    prefix.search = QStringLiteral("answer17");   // prefix: answer17, answer170…179 ≈ 11/211
    report("search \"answer17\" as a prefix (1 in 19 match): count + page", measure(runs, [&] {
        catalog.count(prefix);
        catalog.page(prefix, SortColumn::Created, Qt::DescendingOrder, 0, kPage);
    }));
    EntryFilter everything;
    everything.search = QStringLiteral("python ");   // in every prompt: the worst case
    report("search \"python\" (every entry matches): count + page", measure(qMin(runs, 3), [&] {
        catalog.count(everything);
        catalog.page(everything, SortColumn::Created, Qt::DescendingOrder, 0, kPage);
    }));
    EntryFilter byModel;
    byModel.model = QStringLiteral("model-3");
    report("filter model-3 (1/7): count + first page by created", measure(runs, [&] {
        catalog.count(byModel);
        catalog.page(byModel, SortColumn::Created, Qt::DescendingOrder, 0, kPage);
    }));
    report("filter model-3 (1/7): count + first page by hits", measure(runs, [&] {
        catalog.count(byModel);
        catalog.page(byModel, SortColumn::Hits, Qt::DescendingOrder, 0, kPage);
    }));
    report("models() for the filter box", measure(runs, [&] { check(catalog.models().size() == 7, "models"); }));
    report("rowOf(an entry in the middle) (keeping the selection on sort)", measure(runs, [&] {
        catalog.rowOf({}, SortColumn::Hits, Qt::DescendingOrder, middle.first().key);
    }));
    report("entry(key): the detail pane", measure(runs, [&] { catalog.entry(middle.first().key); }));

    // The model as the table view uses it.
    ui::EntryTableModel model;
    report("model: setCatalog (count) + paint first screen", measure(runs, [&] {
        model.setCatalog(&catalog);
        paintScreen(model, 0);
    }));
    report("model: paint a screen already read", measure(runs, [&] { paintScreen(model, 0); }));
    int next = 0;
    report("model: scroll one screen down (sequential, pages by keyset)", measure(runs * 5, [&] {
        next += kScreenRows;
        paintScreen(model, next);
    }));
    int jump = 0;
    report("model: drag the scroll bar to a new place (offset page)", measure(runs, [&] {
        jump = (jump + 123'457) % int(total - kScreenRows);
        paintScreen(model, jump);
    }));
    report("model: drag the scroll bar a little (near pages read)", measure(runs, [&] {
        jump += 3'000;
        paintScreen(model, jump);
    }));
    report("model: refresh after a new entry (count, keep rows)", measure(runs, [&] {
        model.refresh();
        paintScreen(model, 0);
    }));
    for (const auto &[name, filter] : { std::pair { "model: filter model-3, scroll one screen down", byModel },
                                        std::pair { "model: search \"python\", scroll one screen down", everything },
                                        std::pair { "model: search \"word123\", scroll one screen down", rare } }) {
        model.setFilter(filter);
        model.sort(ui::EntryTableModel::Hits, Qt::DescendingOrder);
        int top = 0;
        report(name, measure(runs * 3, [&] {
            top = (top + kScreenRows) % qMax(1, model.rowCount() - kScreenRows);
            paintScreen(model, top);
        }));
    }
    model.setCatalog(nullptr);
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);   // the model draws its pin icon with QPainter
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("entries"), QStringLiteral("Entries to create."), QStringLiteral("N"),
                       QStringLiteral("1000000") });
    parser.addOption({ QStringLiteral("data-dir"),
                       QStringLiteral("Keep the database in DIR and reuse it (built if absent)."),
                       QStringLiteral("DIR") });
    parser.addOption({ QStringLiteral("runs"), QStringLiteral("Runs of each measurement."), QStringLiteral("N"),
                       QStringLiteral("9") });
    parser.process(app);

    QTemporaryDir temp;
    const QString dataDir = parser.isSet(QStringLiteral("data-dir"))
                                ? parser.value(QStringLiteral("data-dir")) : temp.path();
    const QString path = QDir(dataDir).filePath(QStringLiteral("cachette.sqlite"));
    if (!QFileInfo::exists(path) && !build(dataDir, parser.value(QStringLiteral("entries")).toInt()))
        return 1;
    run(path, qMax(1, parser.value(QStringLiteral("runs")).toInt()));
    return 0;
}
