#pragma once

#include "embedder.h"

#include <QByteArray>
#include <QUrl>

namespace cachette::upstream {
class CurlMulti;
struct WholeAnswer;
} // namespace cachette::upstream

namespace cachette::semantic {

struct RemoteEmbedderConfig
{
    QUrl baseUrl;             // "http://127.0.0.1:11434/v1" (Ollama), "https://api.openai.com/v1"
    QString model;            // "nomic-embed-text", "text-embedding-3-small"
    QByteArray apiKey;        // sent as "Authorization: Bearer …" when not empty
    int dimensions = 0;       // asked as "dimensions" when > 0 (text-embedding-3-* can shorten)
    int timeoutMs = 30'000;
    int maxBatch = 64;        // inputs per request
};

// Any OpenAI-compatible POST {baseUrl}/embeddings. Asks for base64 floats (a quarter of the
// JSON of a float list; servers that ignore encoding_format answer lists, which are read too).
// Errors come back as Embeddings::error naming the endpoint and what it said, never as a crash.
// id() is "remote:<model>@<host[:port]/path>[:d<dimensions>]": switching server or model is
// switching embedder. dimension() is 0 until the first answer (or `dimensions` when set).
class RemoteEmbedder : public QObject, public Embedder
{
    Q_OBJECT
public:
    explicit RemoteEmbedder(const RemoteEmbedderConfig &config, QObject *parent = nullptr);
    ~RemoteEmbedder() override;

    QString id() const override;
    QString displayName() const override { return m_config.model; }
    int dimension() const override { return m_dimension; }
    void embed(const QStringList &texts, EmbedCallback done) override;

    const RemoteEmbedderConfig &config() const { return m_config; }

private:
    void send(const QStringList &texts, int offset, std::shared_ptr<Embeddings> collected,
              EmbedCallback done);
    Embeddings parse(const upstream::WholeAnswer &answer, int expected);

    RemoteEmbedderConfig m_config;
    upstream::CurlMulti *m_network;   // each batch is billed: written at most once
    int m_dimension = 0;
};

} // namespace cachette::semantic
