#include "embeddergroup.h"

#include "formlabels.h"
#include "reembednotes.h"

#include "engineconfig.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>

namespace cachette::ui {

EmbedderGroup::EmbedderGroup(EngineHost *host, int labelWidth, QWidget *parent)
    : QGroupBox(QStringLiteral("Embeddings for near-repeats"), parent)
{
    QFormLayout *form = makeSettingsForm(this);
    m_embedder = new QComboBox;
    m_embedder->setObjectName(QStringLiteral("embedderCombo"));
    m_embedder->addItem(QStringLiteral("Built-in (no network)"));
    m_embedder->addItem(QStringLiteral("OpenAI-compatible endpoint"));
    m_embedder->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    addSettingsRow(form, QStringLiteral("Embedder"),
                   fieldWithNotes(leftAligned(m_embedder), makeHintLabel(QStringLiteral(
                       "Near-repeats are found by comparing embeddings. After a change the "
                       "cached entries are embedded again in the background. An endpoint's API "
                       "key comes from CACHETTE_EMBEDDINGS_API_KEY and is never saved."))),
                   labelWidth);
    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("embeddingsUrlEdit"));
    m_url->setPlaceholderText(QStringLiteral("http://127.0.0.1:11434/v1"));
    addSettingsRow(form, QStringLiteral("Endpoint URL"), m_url, labelWidth);
    m_model = new QLineEdit;
    m_model->setObjectName(QStringLiteral("embeddingsModelEdit"));
    m_model->setPlaceholderText(QStringLiteral("nomic-embed-text"));
    m_error = makeErrorLabel(QStringLiteral("embeddingsError"));
    // The re-embedding notes belong to this row: hidden, they take no room.
    QWidget *model = fieldWithNotes(m_model, m_error);
    model->layout()->addWidget(new ReembedNotes(host, model));   // parented: hides itself
    addSettingsRow(form, QStringLiteral("Model"), model, labelWidth);

    connect(m_embedder, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_url->setEnabled(index == 1);
        m_model->setEnabled(index == 1);
        Q_EMIT edited();
    });
    connect(m_url, &QLineEdit::textChanged, this, &EmbedderGroup::edited);
    connect(m_model, &QLineEdit::textChanged, this, &EmbedderGroup::edited);
}

void EmbedderGroup::load(const QUrl &url, const QString &model)
{
    m_embedder->setCurrentIndex(url.isEmpty() ? 0 : 1);
    m_url->setText(url.toString());
    m_model->setText(model);
    m_url->setEnabled(!url.isEmpty());
    m_model->setEnabled(!url.isEmpty());
}

bool EmbedderGroup::read(QUrl *url, QString *model)
{
    *url = QUrl();
    model->clear();
    if (m_embedder->currentIndex() == 0) {
        showFieldError(m_error, QString());
        return true;
    }
    QString error;
    const QString urlText = m_url->text().trimmed();
    *url = QUrl(urlText);
    *model = m_model->text().trimmed();
    if (urlText.isEmpty())
        error = QStringLiteral("enter the endpoint's base URL, for example "
                               "http://127.0.0.1:11434/v1");
    else if (!validateUpstreamUrl(*url, &error))
        error.replace(QStringLiteral("upstream URL"), QStringLiteral("endpoint URL"));
    else if (model->isEmpty())
        error = QStringLiteral("enter the embedding model's name, for example "
                               "nomic-embed-text");
    showFieldError(m_error, error);
    return error.isEmpty();
}

} // namespace cachette::ui
