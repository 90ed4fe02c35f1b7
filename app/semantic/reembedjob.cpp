#include "reembedjob.h"

#include "promptcontext.h"

#include <QPointer>
#include <QTimer>

namespace cachette::semantic {

ReembedJob::ReembedJob(std::shared_ptr<Embedder> embedder, SemanticSettings settings,
                       Source source, qint64 total, QObject *parent)
    : QObject(parent)
    , m_embedder(std::move(embedder))
    , m_settings(std::move(settings))
    , m_source(std::move(source))
    , m_total(total)
{
    qRegisterMetaType<cachette::semantic::VectorRecord>();
}

void ReembedJob::start()
{
    if (m_running)
        return;
    m_running = true;
    QTimer::singleShot(0, this, &ReembedJob::nextBatch);
}

void ReembedJob::cancel()
{
    if (m_running)
        finish(false, QStringLiteral("cancelled"));
}

void ReembedJob::nextBatch()
{
    if (!m_running)
        return;
    const QList<ReembedItem> items = m_source(m_batchSize);
    if (items.isEmpty()) {
        finish(true, QString());
        return;
    }
    QList<VectorRecord> records;
    QStringList texts;
    for (const ReembedItem &item : items) {
        const QString model = item.body.value(QLatin1String("model")).toString();
        const PromptKey key = promptKey(item.cacheNamespace, item.endpoint, item.body,
                                        m_settings.scopeFor(model));
        if (!key.usable || !m_settings.isOnFor(model)) {
            ++m_skipped;   // not matched by similarity (now): nothing to embed
            continue;
        }
        records.append({item.entryKey, m_embedder->id(), key.contextHash, key.text, {}});
        texts.append(key.text);
    }
    if (texts.isEmpty()) {
        batchEmbedded(records, Embeddings{});
        return;
    }
    QPointer<ReembedJob> self(this);
    const quint64 run = m_run;
    m_embedder->embed(texts, [self, run, records](const Embeddings &result) {
        if (self && self->m_run == run)
            self->batchEmbedded(records, result);
    });
}

void ReembedJob::batchEmbedded(const QList<VectorRecord> &records, const Embeddings &result)
{
    if (!m_running)
        return;
    if (!result.ok() || result.vectors.size() != records.size()) {
        finish(false, result.ok() ? QStringLiteral("the embedder returned %1 vectors for %2 texts")
                                        .arg(result.vectors.size()).arg(records.size())
                                  : result.error);
        return;
    }
    for (qsizetype i = 0; i < records.size(); ++i) {
        VectorRecord record = records.at(i);
        record.vector = result.vectors.at(i);
        normalize(record.vector);
        Q_EMIT vectorReady(record);
        ++m_done;
    }
    Q_EMIT progress(m_done + m_skipped, m_total);
    // From the event loop, so a local embedder's synchronous batches do not starve the proxy.
    QTimer::singleShot(0, this, &ReembedJob::nextBatch);
}

void ReembedJob::finish(bool ok, const QString &error)
{
    m_running = false;
    ++m_run;
    Q_EMIT finished(ok, error);
}

} // namespace cachette::semantic
