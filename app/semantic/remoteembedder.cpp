#include "remoteembedder.h"

#include "upstream/curlmulti.h"
#include "upstream/wholecall.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

#include <cstring>

namespace cachette::semantic {

namespace {

QJsonValue inputJson(const QStringList &texts)
{
    QJsonArray array;
    for (const QString &text : texts)
        array.append(text);
    return array;
}

// Floats as base64 of little-endian float32, the OpenAI encoding.
bool decodeBase64(const QString &base64, Vector *out)
{
    const QByteArray raw = QByteArray::fromBase64(base64.toLatin1());
    if (raw.isEmpty() || raw.size() % 4 != 0)
        return false;
    out->resize(size_t(raw.size() / 4));
    for (qsizetype i = 0; i < raw.size() / 4; ++i) {
        const quint32 bits = qFromLittleEndian<quint32>(raw.constData() + i * 4);
        std::memcpy(&(*out)[size_t(i)], &bits, 4);
    }
    return true;
}

bool decodeArray(const QJsonArray &array, Vector *out)
{
    out->clear();
    out->reserve(size_t(array.size()));
    for (const QJsonValue &value : array) {
        if (!value.isDouble())
            return false;
        out->push_back(float(value.toDouble()));
    }
    return !out->empty();
}

QString errorMessageOf(const QByteArray &body)
{
    const QJsonObject object = QJsonDocument::fromJson(body).object();
    const QJsonValue error = object.value(QLatin1String("error"));
    if (error.isObject())
        return error.toObject().value(QLatin1String("message")).toString();
    if (error.isString())   // Ollama: {"error": "model \"x\" not found, try pulling it first"}
        return error.toString();
    return QString::fromUtf8(body.left(200)).simplified();
}

} // namespace

RemoteEmbedder::RemoteEmbedder(const RemoteEmbedderConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_network(new upstream::CurlMulti(this))
    , m_dimension(config.dimensions > 0 ? config.dimensions : 0)
{
    m_config.maxBatch = qMax(1, m_config.maxBatch);
}

RemoteEmbedder::~RemoteEmbedder() = default;

QString RemoteEmbedder::id() const
{
    const QUrl &url = m_config.baseUrl;
    QString where = url.host();
    if (url.port() > 0)
        where += QLatin1Char(':') + QString::number(url.port());
    where += url.path();
    QString id = QStringLiteral("remote:%1@%2").arg(m_config.model, where);
    if (m_config.dimensions > 0)
        id += QStringLiteral(":d%1").arg(m_config.dimensions);
    return id;
}

void RemoteEmbedder::embed(const QStringList &texts, EmbedCallback done)
{
    if (texts.isEmpty()) {
        done(Embeddings{});
        return;
    }
    send(texts, 0, std::make_shared<Embeddings>(), std::move(done));
}

// One request per maxBatch inputs, one after the other; the first error ends the call.
void RemoteEmbedder::send(const QStringList &texts, int offset,
                          std::shared_ptr<Embeddings> collected, EmbedCallback done)
{
    const QStringList batch = texts.mid(offset, m_config.maxBatch);
    QUrl url = m_config.baseUrl;
    url.setPath(url.path().endsWith(QLatin1Char('/')) ? url.path() + QStringLiteral("embeddings")
                                                      : url.path() + QStringLiteral("/embeddings"));
    upstream::UpstreamRequest request;
    request.method = "POST";
    request.url = url.toEncoded();
    request.headers = {{"Content-Type", "application/json"}};
    if (!m_config.apiKey.isEmpty())
        request.headers.append({"Authorization", "Bearer " + m_config.apiKey});
    request.bypassProxy = upstream::isLoopbackHost(url.host());
    QJsonObject body{{QStringLiteral("model"), m_config.model},
                     {QStringLiteral("input"), inputJson(batch)},
                     {QStringLiteral("encoding_format"), QStringLiteral("base64")}};
    if (m_config.dimensions > 0)
        body.insert(QStringLiteral("dimensions"), m_config.dimensions);

    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    const auto received = [=, this](const upstream::WholeAnswer &answer) {
        Embeddings part = parse(answer, int(batch.size()));
        if (!part.ok()) {
            done(part);
            return;
        }
        collected->vectors.append(part.vectors);
        const int next = offset + int(batch.size());
        if (next < texts.size())
            send(texts, next, collected, done);
        else
            done(*collected);
    };
    upstream::callWhole(m_network, request, m_config.timeoutMs, this, received);
}

Embeddings RemoteEmbedder::parse(const upstream::WholeAnswer &answer, int expected)
{
    const QString where = m_config.baseUrl.toString();
    const int status = answer.status;
    if (!answer.isWhole()) {
        if (answer.timedOut) {
            return Embeddings::failure(QStringLiteral("embeddings endpoint %1 did not answer "
                                                      "within %2 ms")
                                           .arg(where).arg(m_config.timeoutMs));
        }
        if (status != 0) {
            return Embeddings::failure(QStringLiteral("embeddings endpoint %1 answered %2 and "
                                                      "stopped short: %3")
                                           .arg(where).arg(status).arg(answer.error));
        }
        return Embeddings::failure(QStringLiteral("embeddings endpoint %1 is unreachable: %2")
                                       .arg(where, answer.error));
    }
    const QByteArray &body = answer.body;
    if (status < 200 || status >= 300) {
        return Embeddings::failure(QStringLiteral("embeddings endpoint %1 answered %2: %3")
                                       .arg(where).arg(status).arg(errorMessageOf(body)));
    }
    QJsonParseError parseError;
    const QJsonObject object = QJsonDocument::fromJson(body, &parseError).object();
    const QJsonArray data = object.value(QLatin1String("data")).toArray();
    if (parseError.error != QJsonParseError::NoError || data.size() != expected) {
        return Embeddings::failure(QStringLiteral("embeddings endpoint %1 answered something that "
                                                  "is not an embeddings list (%2 of %3 vectors)")
                                       .arg(where).arg(data.size()).arg(expected));
    }
    Embeddings result;
    result.vectors.resize(expected);
    for (const QJsonValue &item : data) {
        const QJsonObject entry = item.toObject();
        const int index = entry.value(QLatin1String("index")).toInt(-1);
        const QJsonValue embedding = entry.value(QLatin1String("embedding"));
        Vector v;
        const bool ok = embedding.isString() ? decodeBase64(embedding.toString(), &v)
                                             : decodeArray(embedding.toArray(), &v);
        if (index < 0 || index >= expected || !ok) {
            return Embeddings::failure(QStringLiteral("embeddings endpoint %1 answered an "
                                                      "unreadable vector at index %2")
                                           .arg(where).arg(index));
        }
        if (m_dimension == 0)
            m_dimension = int(v.size());
        if (int(v.size()) != m_dimension) {
            return Embeddings::failure(QStringLiteral("embeddings endpoint %1 answered a vector of "
                                                      "%2 dimensions, expected %3")
                                           .arg(where).arg(v.size()).arg(m_dimension));
        }
        result.vectors[index] = std::move(v);
    }
    for (qsizetype i = 0; i < result.vectors.size(); ++i) {
        if (result.vectors.at(i).empty()) {
            return Embeddings::failure(QStringLiteral("embeddings endpoint %1 answered no vector "
                                                      "for input %2").arg(where).arg(i));
        }
    }
    return result;
}

} // namespace cachette::semantic
