#include "statscommand.h"

#include "clock.h"
#include "engineconfig.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QHash>
#include <QLocale>
#include <QSaveFile>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace cachette {

namespace {

const char *const kStats = "stats";
const char *const kExportLog = "export-log";

void print(FILE *stream, const QString &text)
{
    std::fputs(text.toUtf8().constData(), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

int fail(const QString &message, int code = 1)
{
    print(stderr, QStringLiteral("cachette: %1").arg(message));
    return code;
}

// Options both subcommands share.
struct LogOptions
{
    QCommandLineOption dataDir{QStringLiteral("data-dir"),
                               QStringLiteral("Where the cache lives (default "
                                              "~/.local/share/cachette)."),
                               QStringLiteral("DIR")};
    QCommandLineOption since{QStringLiteral("since"),
                             QStringLiteral("Only requests of the last 30m, 24h, 7d, 2w… or all "
                                            "(default all)."),
                             QStringLiteral("PERIOD"), QStringLiteral("all")};
};

// What a parsed command line resolves to.
struct LogSource
{
    QString dataDir;
    qint64 sinceMs = 0;   // 0: everything
};

// Parses args; on --help prints it and returns 0, on an error returns 2; -1 means go on.
int parseArgs(QCommandLineParser &parser, const QStringList &args, const LogOptions &o,
              LogSource *source)
{
    const QCommandLineOption help = parser.addHelpOption();
    parser.addOptions({o.dataDir, o.since});
    if (!parser.parse(args))
        return fail(parser.errorText() + QStringLiteral(" (see --help)"), 2);
    if (parser.isSet(help)) {
        print(stdout, parser.helpText());
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument \"%1\" (see --help)")
                        .arg(parser.positionalArguments().first()), 2);
    qint64 period = 0;
    if (!parseSince(parser.value(o.since), &period))
        return fail(QStringLiteral("--since takes a period such as 30m, 24h, 7d or all"), 2);
    source->dataDir = parser.isSet(o.dataDir) ? parser.value(o.dataDir)
                                              : EngineConfig::defaultDataDir();
    source->sinceMs = period > 0 ? clock::nowMs() - period : 0;
    return -1;
}

bool openStats(const LogSource &source, store::UsageStats *stats, QString *error)
{
    const QString path = QDir(source.dataDir).absoluteFilePath(QStringLiteral("cachette.sqlite"));
    if (!QFile::exists(path)) {
        *error = QStringLiteral("no Cachette data in %1 — run cachette first or pass --data-dir")
                     .arg(QDir::toNativeSeparators(source.dataDir));
        return false;
    }
    return stats->open(path, error);
}

QJsonValue money(const std::optional<double> &usd)
{
    return usd ? QJsonValue(*usd) : QJsonValue(QJsonValue::Null);
}

QJsonObject totalsJson(const store::UsageTotals &t)
{
    return QJsonObject{{QStringLiteral("requests"), t.requests},
                       {QStringLiteral("hits"), t.hits},
                       {QStringLiteral("prompt_tokens"), t.promptTokens},
                       {QStringLiteral("completion_tokens"), t.completionTokens},
                       {QStringLiteral("cost_usd"), money(t.costUsd)},
                       {QStringLiteral("saved_usd"), money(t.savedUsd)}};
}

// Enough digits to see a cheap model's cost, few enough to read a big one.
QString usd(const std::optional<double> &value, bool partial)
{
    if (!value)
        return QStringLiteral("no price");
    const double v = *value;
    const int decimals = v == 0 ? 2 : v < 0.01 ? 6 : v < 1 ? 4 : 2;
    return QString::number(v, 'f', decimals) + (partial ? QStringLiteral("*") : QString());
}

QString tokens(qint64 count, bool estimated)
{
    return (estimated ? QStringLiteral("~") : QString()) + QString::number(count);
}

QString duration(qint64 ms)
{
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 120'000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    if (ms < 7'200'000)
        return QStringLiteral("%1 min").arg(double(ms) / 60'000.0, 0, 'f', 1);
    return QStringLiteral("%1 h").arg(double(ms) / 3'600'000.0, 0, 'f', 1);
}

QStringList tableRow(const QString &name, const store::UsageTotals &t)
{
    const bool estimated = t.estimatedRequests > 0;
    const bool partial = t.unpricedRequests > 0;
    return {name,
            QString::number(t.requests),
            QString::number(t.hits),
            QStringLiteral("%1 %").arg(t.hitRate() * 100.0, 0, 'f', 1),
            tokens(t.promptTokens, estimated),
            tokens(t.completionTokens, estimated),
            usd(t.costUsd, partial),
            usd(t.savedUsd, partial)};
}

// Column 0 left-aligned, the numbers right-aligned, two spaces between columns.
QString layOut(const QList<QStringList> &rows)
{
    QList<qsizetype> widths(rows.first().size(), 0);
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i)
            widths[i] = qMax(widths[i], row[i].size());
    }
    QStringList lines;
    for (const QStringList &row : rows) {
        QStringList cells;
        for (qsizetype i = 0; i < row.size(); ++i)
            cells << (i == 0 ? row[i].leftJustified(widths[i]) : row[i].rightJustified(widths[i]));
        lines << cells.join(QStringLiteral("  "));
    }
    return lines.join(QLatin1Char('\n'));
}

QString isoUtc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

// The report's rows as routes (statsJson and statsTable name them by their group).
std::optional<store::UsageReport> routeReport(const store::UsageStats &stats, qint64 sinceMs,
                                              QString *error)
{
    const auto routes = stats.reportByRoute(sinceMs, store::UsageStats::kOpenEnd, error);
    if (!routes)
        return std::nullopt;
    store::UsageReport report;
    for (const store::RouteUsage &r : *routes) {
        report.models.append(store::ModelUsage{r.route, r.usage});
        report.totals.add(r.usage);
    }
    return report;
}

int runStats(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("cachette stats [--data-dir DIR] [--since PERIOD] [--by model|route] "
                       "[--json]\n\n"
                       "Requests, hits, tokens and money per model (or provider route), from "
                       "the request log.\n"
                       "Tokens are the ones spent upstream; hits spend nothing and save what "
                       "their answer cost."));
    const LogOptions o;
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    const QCommandLineOption by(QStringLiteral("by"),
                                QStringLiteral("Split by model (default) or route."),
                                QStringLiteral("model|route"), QStringLiteral("model"));
    parser.addOptions({json, by});
    LogSource source;
    if (const int code = parseArgs(parser, args, o, &source); code >= 0)
        return code;
    const QString group = parser.value(by);
    if (group != QLatin1String("model") && group != QLatin1String("route"))
        return fail(QStringLiteral("--by takes model or route"), 2);
    store::UsageStats stats;
    QString error;
    if (!openStats(source, &stats, &error))
        return fail(error);
    const std::optional<store::UsageReport> report =
        group == QLatin1String("route") ? routeReport(stats, source.sinceMs, &error)
                                        : stats.report(source.sinceMs, store::UsageStats::kOpenEnd,
                                                       &error);
    if (!report)
        return fail(error);
    if (parser.isSet(json))
        print(stdout, QString::fromUtf8(QJsonDocument(statsJson(*report, source.sinceMs, group))
                                            .toJson(QJsonDocument::Indented)).trimmed());
    else
        print(stdout, statsTable(*report, source.sinceMs, group));
    return 0;
}

const char *const kCsvHeader[] = {
    "id", "time", "ts_ms", "endpoint", "model", "outcome", "status", "streamed",
    "prompt_tokens", "completion_tokens", "cached_tokens", "usage_known", "usage_estimated",
    "cost_usd", "saved_usd", "saved_ms", "price_known", "latency_us", "upstream_latency_us",
    "entry_key", "namespace",
};

QString csvMoney(const std::optional<double> &usd)
{
    return usd ? QString::number(*usd, 'g', QLocale::FloatingPointShortest) : QString();
}

QString csvLine(const store::RequestLogRecord &r)
{
    const auto flag = [](bool b) { return b ? QStringLiteral("1") : QStringLiteral("0"); };
    const QStringList fields = {
        QString::number(r.id), isoUtc(r.timestamp), QString::number(r.timestamp),
        csvField(r.endpoint), csvField(r.model), QString(store::outcomeName(r.outcome)),
        QString::number(r.status),
        flag(r.streamed), QString::number(r.usage.promptTokens),
        QString::number(r.usage.completionTokens), QString::number(r.usage.cachedPromptTokens),
        flag(r.usage.known), flag(r.usage.estimated), csvMoney(r.costUsd), csvMoney(r.savedUsd),
        QString::number(r.savedMs), flag(r.priceKnown), QString::number(r.latencyUs),
        QString::number(r.upstreamLatencyUs), csvField(QString::fromLatin1(r.entryKey)),
        csvField(r.cacheNamespace),
    };
    return fields.join(QLatin1Char(','));
}

// Writes the CSV to device; false with *error when a write fails.
bool writeCsv(const store::UsageStats &stats, const LogSource &source, QIODevice *device,
              qint64 *count, QString *error)
{
    QStringList header;
    for (const char *name : kCsvHeader)
        header << QLatin1String(name);
    const QByteArray crlf = QByteArrayLiteral("\r\n");   // RFC 4180 line ends
    bool written = device->write(header.join(QLatin1Char(',')).toUtf8() + crlf) > 0;
    const bool read = written && stats.forEachRequest(
        source.sinceMs, store::UsageStats::kOpenEnd,
        [&](const store::RequestLogRecord &record) {
            written = device->write(csvLine(record).toUtf8() + crlf) > 0;
            *count += written ? 1 : 0;
            return written;
        },
        error);
    if (!written)
        *error = QStringLiteral("writing the CSV failed: %1").arg(device->errorString());
    return read && written;
}

int runExportLog(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("cachette export-log --csv FILE [--data-dir DIR] [--since PERIOD]\n\n"
                       "Exports the request log as CSV (RFC 4180, with a header row), oldest "
                       "request first. Money columns are empty when the price was unknown."));
    const LogOptions o;
    const QCommandLineOption csv(QStringLiteral("csv"),
                                 QStringLiteral("The CSV file to write (- for standard output)."),
                                 QStringLiteral("FILE"));
    parser.addOption(csv);
    LogSource source;
    if (const int code = parseArgs(parser, args, o, &source); code >= 0)
        return code;
    if (!parser.isSet(csv))
        return fail(QStringLiteral("export-log needs --csv FILE (see --help)"), 2);
    store::UsageStats stats;
    QString error;
    if (!openStats(source, &stats, &error))
        return fail(error);
    const QString target = parser.value(csv);
    qint64 count = 0;
    if (target == QLatin1String("-")) {
        QFile out;
        if (!out.open(stdout, QIODevice::WriteOnly) || !writeCsv(stats, source, &out, &count, &error))
            return fail(error.isEmpty() ? out.errorString() : error);
        return 0;
    }
    // QSaveFile: a failed export leaves no half-written file behind.
    QSaveFile file(target);
    if (!file.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("cannot write %1: %2").arg(target, file.errorString()));
    if (!writeCsv(stats, source, &file, &count, &error))
        return fail(error);
    if (!file.commit())
        return fail(QStringLiteral("cannot write %1: %2").arg(target, file.errorString()));
    print(stderr, QStringLiteral("exported %1 requests to %2").arg(count).arg(target));
    return 0;
}

} // namespace

bool isSubcommand(int argc, char *argv[])
{
    return argc > 1 && (std::strcmp(argv[1], kStats) == 0 || std::strcmp(argv[1], kExportLog) == 0);
}

int runSubcommand(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("cachette"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CACHETTE_VERSION));
    QStringList args = QCoreApplication::arguments();
    const QString command = args.takeAt(1);
    return command == QLatin1String(kStats) ? runStats(args) : runExportLog(args);
}

bool parseSince(const QString &text, qint64 *ms)
{
    const QString spec = text.trimmed().toLower();
    if (spec == QLatin1String("all")) {
        *ms = 0;
        return true;
    }
    static const QHash<QChar, qint64> units{{QLatin1Char('s'), 1000},
                                            {QLatin1Char('m'), 60'000},
                                            {QLatin1Char('h'), 3'600'000},
                                            {QLatin1Char('d'), 86'400'000},
                                            {QLatin1Char('w'), 7 * 86'400'000LL}};
    if (spec.size() < 2 || !units.contains(spec.back()))
        return false;
    bool ok = false;
    const qint64 count = spec.chopped(1).toLongLong(&ok);
    // Up to about a century: the product stays far from overflowing.
    if (!ok || count <= 0 || count > 100 * 366 * 86'400'000LL / units.value(spec.back()))
        return false;
    *ms = count * units.value(spec.back());
    return true;
}

QJsonObject statsJson(const store::UsageReport &report, qint64 sinceMs, const QString &group)
{
    QJsonArray models;
    for (const store::ModelUsage &m : report.models) {
        QJsonObject row{{group, m.model}};
        const QJsonObject totals = totalsJson(m.usage);
        for (auto it = totals.begin(); it != totals.end(); ++it)
            row.insert(it.key(), it.value());
        models.append(row);
    }
    return QJsonObject{{QStringLiteral("since"),
                        sinceMs > 0 ? QJsonValue(isoUtc(sinceMs)) : QJsonValue(QJsonValue::Null)},
                       {group + QLatin1Char('s'), models},
                       {QStringLiteral("totals"), totalsJson(report.totals)}};
}

QString statsTable(const store::UsageReport &report, qint64 sinceMs, const QString &group)
{
    const bool byRoute = group == QLatin1String("route");
    const QString period = sinceMs > 0 ? QStringLiteral("since %1").arg(isoUtc(sinceMs))
                                        : QStringLiteral("all time");
    if (report.models.isEmpty())
        return QStringLiteral("No requests logged (%1).").arg(period);
    QList<QStringList> rows{{group, QStringLiteral("requests"),
                             QStringLiteral("hits"), QStringLiteral("hit rate"),
                             QStringLiteral("prompt tokens"), QStringLiteral("completion tokens"),
                             QStringLiteral("spent USD"), QStringLiteral("saved USD")}};
    for (const store::ModelUsage &m : report.models)
        rows << tableRow(!m.model.isEmpty() ? m.model
                         : byRoute      ? QStringLiteral("(default /v1)")
                                        : QStringLiteral("(no model)"),
                         m.usage);
    rows << tableRow(QStringLiteral("total"), report.totals);
    const store::UsageTotals &t = report.totals;
    QStringList lines{QStringLiteral("Requests through Cachette, %1:").arg(period), QString(),
                      layOut(rows), QString(),
                      QStringLiteral("Hits saved %1 tokens and %2 of waiting.")
                          .arg(t.tokensSaved).arg(duration(t.savedMs))};
    if (t.unpricedRequests > 0)
        lines << QStringLiteral("* %1 requests have no price (unknown model, relayed request or "
                                "no usage): their money is not counted.").arg(t.unpricedRequests);
    if (t.estimatedRequests > 0)
        lines << QStringLiteral("~ %1 requests have estimated token counts (the server sent no "
                                "usage).").arg(t.estimatedRequests);
    return lines.join(QLatin1Char('\n'));
}

QString csvField(const QString &text)
{
    static const QString special = QStringLiteral(",\"\r\n");
    if (std::none_of(text.cbegin(), text.cend(), [](QChar c) { return special.contains(c); }))
        return text;
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

} // namespace cachette
