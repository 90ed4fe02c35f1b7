#pragma once

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

namespace cachette::upstream {
class CurlMulti;
} // namespace cachette::upstream

namespace cachette::semantic {

// The optional model check (off unless an endpoint is configured): for a candidate the match
// verifier cannot decide — the two prompts say the same in different words, with no name,
// number, opposite or direction between them — a small model on an OpenAI-compatible endpoint
// (Ollama on localhost, say) is asked whether the two requests ask for the same thing.
struct ModelCheckConfig
{
    QUrl baseUrl;             // "http://127.0.0.1:11434/v1"; empty: no model check
    QString model;            // "qwen2.5:0.5b", "gpt-4o-mini"
    QByteArray apiKey;        // sent as "Authorization: Bearer …" when set; never stored
    int timeoutMs = 10'000;

    bool isOn() const { return !baseUrl.isEmpty() && !model.isEmpty(); }
    bool operator==(const ModelCheckConfig &) const = default;
};

// One check's question: roughly this many tokens in (the two prompts' words on top), one out.
constexpr int kModelCheckBaseTokens = 90;
int modelCheckTokens(const QString &asked, const QString &cached);   // an estimate, for the UI

// Asks and remembers: a verdict is kept per pair of prompts (in memory, up to kMaxVerdicts), so
// the same near-twin is asked about once. A failed check (endpoint down, timeout, an answer
// that is neither yes nor no) is a "no" that is not remembered: a miss, never a wrong hit.
class ModelChecker : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxVerdicts = 4096;
    using Callback = std::function<void(bool same, const QString &why)>;

    explicit ModelChecker(const ModelCheckConfig &config, QObject *parent = nullptr);

    const ModelCheckConfig &config() const { return m_config; }
    // done runs on this thread, at once for a remembered verdict.
    void check(const QString &asked, const QString &cached, Callback done);
    int asked() const { return m_asked; }   // requests sent to the endpoint

private:
    static QByteArray pairKey(const QString &asked, const QString &cached);

    ModelCheckConfig m_config;
    upstream::CurlMulti *m_network;   // a check is a billed chat call: written at most once
    QHash<QByteArray, bool> m_verdicts;
    int m_asked = 0;
};

} // namespace cachette::semantic
