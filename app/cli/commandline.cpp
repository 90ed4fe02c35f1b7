#include "commandline.h"

#include <QCommandLineParser>

namespace cachette {
namespace {

struct Options
{
    QCommandLineOption headless{QStringLiteral("headless"),
                                QStringLiteral("Run the proxy without the GUI.")};
    QCommandLineOption listen{QStringLiteral("listen"),
                              QStringLiteral("Address to listen on (default 127.0.0.1:8787)."),
                              QStringLiteral("HOST:PORT")};
    QCommandLineOption upstream{QStringLiteral("upstream"),
                                QStringLiteral("Provider base URL (default "
                                               "https://api.openai.com/v1)."),
                                QStringLiteral("URL")};
    QCommandLineOption route{QStringLiteral("route"),
                             QStringLiteral("A provider route: /NAME/v1 is relayed to URL "
                                            "(repeatable; built in: openai, anthropic, "
                                            "openrouter, ollama, which this overrides)."),
                             QStringLiteral("NAME=URL")};
    QCommandLineOption dataDir{QStringLiteral("data-dir"),
                               QStringLiteral("Where the cache lives (default "
                                              "~/.local/share/cachette)."),
                               QStringLiteral("DIR")};
    QCommandLineOption timeout{QStringLiteral("upstream-timeout"),
                               QStringLiteral("Seconds without a byte from the provider before "
                                              "answering 504 (default 600)."),
                               QStringLiteral("SECONDS")};
    QCommandLineOption isolate{QStringLiteral("isolate-by-api-key"),
                               QStringLiteral("Keep a separate cache per API key.")};
    QCommandLineOption origin{QStringLiteral("allow-origin"),
                              QStringLiteral("Browser origin allowed to call the proxy "
                                             "(repeatable)."),
                              QStringLiteral("ORIGIN")};
    QCommandLineOption token{QStringLiteral("access-token"),
                             QStringLiteral("Token clients must send as X-Cachette-Token; required "
                                            "off loopback (or set CACHETTE_ACCESS_TOKEN)."),
                             QStringLiteral("TOKEN")};
    QCommandLineOption sizeCap{QStringLiteral("size-cap"),
                               QStringLiteral("Cache size cap, e.g. 512M or 2G (default 1G)."),
                               QStringLiteral("SIZE")};
    QCommandLineOption threshold{QStringLiteral("similarity-threshold"),
                                 QStringLiteral("Cosine similarity from 0 to 1 a near-repeat "
                                                "needs to be served from the cache; 1 turns "
                                                "semantic matching off (default 0.80)."),
                                 QStringLiteral("X")};
    QCommandLineOption embeddingsUrl{QStringLiteral("embeddings-url"),
                                     QStringLiteral("OpenAI-compatible embeddings endpoint for "
                                                    "semantic matching, e.g. "
                                                    "http://127.0.0.1:11434/v1 (default: the "
                                                    "built-in local embedder). Its key, if any, "
                                                    "from CACHETTE_EMBEDDINGS_API_KEY."),
                                     QStringLiteral("URL")};
    QCommandLineOption embeddingsModel{QStringLiteral("embeddings-model"),
                                       QStringLiteral("Model for --embeddings-url, e.g. "
                                                      "nomic-embed-text."),
                                       QStringLiteral("NAME")};
    QCommandLineOption modelCheckUrl{QStringLiteral("model-check-url"),
                                     QStringLiteral("OpenAI-compatible endpoint of a small model "
                                                    "asked, for near-repeats worded differently, "
                                                    "whether two requests ask the same (off by "
                                                    "default). Each check is one chat request of "
                                                    "~90 tokens plus both prompts, 3 tokens out; "
                                                    "verdicts are remembered per pair. Its key, "
                                                    "if any, from CACHETTE_MODEL_CHECK_API_KEY."),
                                     QStringLiteral("URL")};
    QCommandLineOption modelCheckModel{QStringLiteral("model-check-model"),
                                       QStringLiteral("Model for --model-check-url, e.g. "
                                                      "qwen2.5:0.5b."),
                                       QStringLiteral("NAME")};
    QCommandLineOption ttl{QStringLiteral("default-ttl"),
                           QStringLiteral("Seconds an entry lives; 0 = forever (default 0)."),
                           QStringLiteral("SECONDS")};
};

CommandLine failure(CommandLine result, const QString &message)
{
    result.action = CommandLine::Action::Error;
    result.message = message;
    return result;
}

bool parseSeconds(const QString &text, qint64 *seconds)
{
    bool ok = false;
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < 0)
        return false;
    *seconds = value;
    return true;
}

bool applySemanticOptions(const QCommandLineParser &parser, const Options &o, CommandLine &result)
{
    SemanticConfig &semantic = result.config.semantic;
    if (parser.isSet(o.threshold)) {
        bool ok = false;
        const float value = parser.value(o.threshold).toFloat(&ok);
        if (!ok || value < 0.0f || value > 1.0f) {
            result.message = QStringLiteral("--similarity-threshold takes a number from 0 to 1 "
                                            "(1 turns semantic matching off)");
            return false;
        }
        semantic.settings.threshold = value;
    }
    if (parser.isSet(o.embeddingsUrl))
        semantic.embeddingsUrl = QUrl(parser.value(o.embeddingsUrl));
    if (parser.isSet(o.embeddingsModel))
        semantic.embeddingsModel = parser.value(o.embeddingsModel);
    if (semantic.usesRemoteEmbedder())
        semantic.embeddingsApiKey = qgetenv("CACHETTE_EMBEDDINGS_API_KEY");
    if (parser.isSet(o.modelCheckUrl))
        semantic.modelCheck.baseUrl = QUrl(parser.value(o.modelCheckUrl));
    if (parser.isSet(o.modelCheckModel))
        semantic.modelCheck.model = parser.value(o.modelCheckModel);
    if (!semantic.modelCheck.baseUrl.isEmpty())
        semantic.modelCheck.apiKey = qgetenv("CACHETTE_MODEL_CHECK_API_KEY");
    return true;
}

// Applies the flags that were given on top of the defaults; the first bad value ends it.
bool applyOptions(const QCommandLineParser &parser, const Options &o, CommandLine &result)
{
    EngineConfig &c = result.config;
    QString error;
    if (parser.isSet(o.listen)
        && !parseListenAddress(parser.value(o.listen), &c.listenAddress, &c.port, &error)) {
        result.message = error;
        return false;
    }
    if (parser.isSet(o.upstream))
        c.upstream = QUrl(parser.value(o.upstream));
    for (const QString &text : parser.values(o.route)) {
        QString name;
        QUrl url;
        if (!parseRouteArgument(text, &name, &url, &error)) {
            result.message = error;
            return false;
        }
        c.routes.insert(name, url);
    }
    if (parser.isSet(o.dataDir))
        c.dataDir = parser.value(o.dataDir);
    qint64 number = 0;
    if (parser.isSet(o.timeout)) {
        if (!parseSeconds(parser.value(o.timeout), &number) || number == 0) {
            result.message = QStringLiteral("--upstream-timeout takes a positive number of seconds");
            return false;
        }
        c.upstreamTimeoutSeconds = int(qMin<qint64>(number, 86400));
    }
    if (parser.isSet(o.ttl)) {
        if (!parseSeconds(parser.value(o.ttl), &number)) {
            result.message = QStringLiteral("--default-ttl takes a number of seconds (0 = forever)");
            return false;
        }
        c.defaultTtlSeconds = number;
    }
    if (parser.isSet(o.sizeCap) && !parseByteSize(parser.value(o.sizeCap), &c.sizeCapBytes)) {
        result.message = QStringLiteral("--size-cap takes a size such as 512M or 2G");
        return false;
    }
    if (!applySemanticOptions(parser, o, result))
        return false;
    if (parser.isSet(o.isolate))
        c.isolateByApiKey = true;
    if (parser.isSet(o.origin))
        c.access.allowedOrigins = parser.values(o.origin);
    if (parser.isSet(o.token))
        c.access.accessToken = parser.value(o.token).toUtf8();
    else if (qEnvironmentVariableIsSet("CACHETTE_ACCESS_TOKEN"))
        c.access.accessToken = qgetenv("CACHETTE_ACCESS_TOKEN");
    return true;
}

} // namespace

bool parseByteSize(const QString &text, qint64 *bytes)
{
    QString digits = text.trimmed().toUpper();
    if (digits.endsWith(QLatin1Char('B')))
        digits.chop(1);
    qint64 factor = 1;
    if (!digits.isEmpty()) {
        const QChar unit = digits.back();
        const QString units = QStringLiteral("KMGT");
        const qsizetype power = units.indexOf(unit);
        if (power >= 0) {
            factor = qint64(1) << (10 * (power + 1));
            digits.chop(1);
        }
    }
    bool ok = false;
    const double value = digits.toDouble(&ok);
    if (!ok || value <= 0)
        return false;
    *bytes = qint64(value * double(factor));
    return true;
}

CommandLine parseCommandLine(const QStringList &args, const EngineConfig &defaults)
{
    CommandLine result;
    result.config = defaults;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Cachette: a local caching proxy for LLM APIs.\nPoint a client at "
                       "http://127.0.0.1:8787/v1; repeated requests are answered from the cache.\n"
                       "Also: cachette stats [--since 7d] [--json], cachette export-log --csv FILE "
                       "(see cachette stats --help)."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const Options o;
    parser.addOptions({o.headless, o.listen, o.upstream, o.route, o.dataDir, o.timeout, o.isolate, o.origin,
                       o.token, o.sizeCap, o.ttl, o.threshold, o.embeddingsUrl,
                       o.embeddingsModel, o.modelCheckUrl, o.modelCheckModel});
    if (!parser.parse(args))
        return failure(result, parser.errorText());
    if (parser.isSet(help)) {
        result.action = CommandLine::Action::ShowHelp;
        result.message = parser.helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.action = CommandLine::Action::ShowVersion;
        result.message = QStringLiteral("cachette %1").arg(QStringLiteral(CACHETTE_VERSION));
        return result;
    }
    if (!parser.positionalArguments().isEmpty())
        return failure(result, QStringLiteral("unknown command \"%1\" (see --help)")
                                   .arg(parser.positionalArguments().first()));
    for (const QString &name : parser.optionNames())
        result.given.insert(name);
    result.headless = parser.isSet(o.headless);
    if (!applyOptions(parser, o, result))
        return failure(result, result.message);
    QString error;
    if (!result.config.validate(&error))
        return failure(result, error);
    return result;
}

} // namespace cachette
