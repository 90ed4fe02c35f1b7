#include "modelcheck.h"

#include "upstream/curlmulti.h"
#include "upstream/wholecall.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace cachette::semantic {

namespace {

const char kInstruction[] =
    "You decide whether a cached answer may be reused. Two requests follow. Answer \"yes\" only "
    "if one answer fully serves both: the same task, the same things (names, files, numbers), "
    "the same direction and no added or missing condition. Otherwise answer \"no\". Answer with "
    "one word: yes or no.";

QByteArray questionBody(const QString &model, const QString &asked, const QString &cached)
{
    const QString pair = QStringLiteral("Request A:\n%1\n\nRequest B:\n%2").arg(cached, asked);
    const QJsonObject body{
        {"model", model},
        {"temperature", 0},
        {"max_tokens", 3},
        {"stream", false},
        {"messages", QJsonArray{QJsonObject{{"role", "system"}, {"content", QLatin1String(kInstruction)}},
                                QJsonObject{{"role", "user"}, {"content", pair}}}}};
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

// "Yes." / "yes" / "YES, they are" → yes; "no" → no; anything else: undecided.
int verdictOf(const QByteArray &answer)
{
    const QJsonArray choices = QJsonDocument::fromJson(answer).object().value(QLatin1String("choices")).toArray();
    const QString text = choices.first().toObject().value(QLatin1String("message")).toObject()
                             .value(QLatin1String("content")).toString().trimmed().toCaseFolded();
    if (text.startsWith(QLatin1String("yes")))
        return 1;
    if (text.startsWith(QLatin1String("no")))
        return 0;
    return -1;
}

} // namespace

int modelCheckTokens(const QString &asked, const QString &cached)
{
    // About four characters a token in English.
    return kModelCheckBaseTokens + int((asked.size() + cached.size()) / 4);
}

ModelChecker::ModelChecker(const ModelCheckConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_network(new upstream::CurlMulti(this))
{
}

QByteArray ModelChecker::pairKey(const QString &asked, const QString &cached)
{
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(asked.toUtf8());
    hash.addData(QByteArrayView("\0", 1));
    hash.addData(cached.toUtf8());
    return hash.result();
}

void ModelChecker::check(const QString &asked, const QString &cached, Callback done)
{
    const QByteArray key = pairKey(asked, cached);
    const auto known = m_verdicts.constFind(key);
    if (known != m_verdicts.constEnd()) {
        done(*known, *known ? QStringLiteral("model: same request (remembered)")
                            : QStringLiteral("model: another request (remembered)"));
        return;
    }
    QUrl url = m_config.baseUrl;
    url.setPath(url.path().chopped(url.path().endsWith(u'/') ? 1 : 0) + QStringLiteral("/chat/completions"));
    upstream::UpstreamRequest request;
    request.method = "POST";
    request.url = url.toEncoded();
    request.headers = {{"Content-Type", "application/json"}};
    if (!m_config.apiKey.isEmpty())
        request.headers.append({"Authorization", "Bearer " + m_config.apiKey});
    request.bypassProxy = upstream::isLoopbackHost(url.host());
    request.body = questionBody(m_config.model, asked, cached);
    ++m_asked;
    const auto answered = [this, key, done](const upstream::WholeAnswer &answer) {
        if (!answer.isWhole() || answer.status != 200) {
            done(false, QStringLiteral("model: check failed (%1)").arg(
                            answer.isWhole() ? QStringLiteral("HTTP %1").arg(answer.status)
                                             : answer.error));
            return;
        }
        const int verdict = verdictOf(answer.body);
        if (verdict < 0) {
            done(false, QStringLiteral("model: no yes or no in the answer"));
            return;
        }
        if (m_verdicts.size() >= kMaxVerdicts)
            m_verdicts.clear();
        m_verdicts.insert(key, verdict == 1);
        done(verdict == 1, verdict == 1 ? QStringLiteral("model: same request")
                                        : QStringLiteral("model: another request"));
    };
    upstream::callWhole(m_network, request, m_config.timeoutMs, this, answered);
}

} // namespace cachette::semantic
