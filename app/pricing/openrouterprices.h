#pragma once

#include "modelprice.h"

#include <QObject>
#include <QPointer>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

namespace cachette::pricing {

// OpenRouter's model list ({"data":[{"id", "pricing":{"prompt","completion",
// "input_cache_read"}}]}, USD per token as strings) as prices per million tokens, keyed by
// OpenRouter's ids ("openai/gpt-4o"). Models without a usable price (missing, not a number,
// or negative: OpenRouter marks variable-priced routers with "-1") are skipped.
// Fails (nullopt, *error) only when the document is not such a list.
std::optional<QList<ModelPrice>> parseOpenRouterModels(const QByteArray &json,
                                                       QString *error = nullptr);

// Fetches OpenRouter's current prices, only when asked (the GUI's "Update prices" button):
// Cachette never calls out on its own. The result is meant for PriceBook::setOverrides(),
// merged with the user's own overrides as the caller sees fit.
class OpenRouterPriceUpdate : public QObject
{
    Q_OBJECT
public:
    static QUrl defaultUrl();   // https://openrouter.ai/api/v1/models

    explicit OpenRouterPriceUpdate(QNetworkAccessManager *network, QObject *parent = nullptr);
    ~OpenRouterPriceUpdate() override;

    void setUrl(const QUrl &url) { m_url = url; }     // tests point it at a local server
    QUrl url() const { return m_url; }
    bool isRunning() const { return !m_reply.isNull(); }

    // Starts a fetch; a fetch already running is abandoned. Emits exactly one of
    // finished() or failed() per start().
    void start();

Q_SIGNALS:
    void finished(const QList<cachette::pricing::ModelPrice> &prices);
    void failed(const QString &message);

private:
    void onFinished();

    QNetworkAccessManager *m_network;
    QUrl m_url = defaultUrl();
    QPointer<QNetworkReply> m_reply;
};

} // namespace cachette::pricing
