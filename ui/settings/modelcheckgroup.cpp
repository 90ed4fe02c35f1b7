#include "modelcheckgroup.h"

#include "formlabels.h"

#include "engineconfig.h"
#include "semantic/modelcheck.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>

namespace cachette::ui {

ModelCheckGroup::ModelCheckGroup(int labelWidth, QWidget *parent)
    : QGroupBox(QStringLiteral("Model check (optional)"), parent)
{
    setObjectName(QStringLiteral("modelCheckGroup"));
    QFormLayout *form = makeSettingsForm(this);

    m_enabled = new QCheckBox(QStringLiteral("Check near-repeats with a small model"));
    m_enabled->setObjectName(QStringLiteral("modelCheckBox"));
    // What it does and what it costs, before anyone turns it on: the cost is the reason to
    // leave it off, and the remembered verdicts the reason it stays small.
    QLabel *cost = makeHintLabel(QStringLiteral(
        "Asks a small model whether two differently worded prompts ask the same thing before "
        "serving one's answer for the other. Each check is one request of about %1 tokens plus "
        "both prompts, answered in 3 tokens; verdicts are remembered. A local model (Ollama) "
        "costs nothing.").arg(semantic::kModelCheckBaseTokens));
    cost->setObjectName(QStringLiteral("modelCheckCost"));
    addSettingsRow(form, QString(), fieldWithNotes(m_enabled, cost), labelWidth);

    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("modelCheckUrlEdit"));
    m_url->setPlaceholderText(QStringLiteral("http://127.0.0.1:11434/v1"));
    m_urlError = makeErrorLabel(QStringLiteral("modelCheckUrlError"));
    addSettingsRow(form, QStringLiteral("Endpoint URL"),
                   fieldWithNotes(m_url, m_urlError, makeHintLabel(QStringLiteral(
                       "Any OpenAI-compatible chat endpoint. Its API key, if it needs one, "
                       "comes from CACHETTE_MODEL_CHECK_API_KEY and is never saved."))),
                   labelWidth);

    m_model = new QLineEdit;
    m_model->setObjectName(QStringLiteral("modelCheckModelEdit"));
    m_model->setPlaceholderText(QStringLiteral("qwen2.5:0.5b"));
    m_modelError = makeErrorLabel(QStringLiteral("modelCheckModelError"));
    addSettingsRow(form, QStringLiteral("Model"), fieldWithNotes(m_model, m_modelError),
                   labelWidth);

    connect(m_enabled, &QCheckBox::toggled, this, [this] {
        updateEnabled();
        if (m_enabled->isChecked() && m_url->text().trimmed().isEmpty())
            m_url->setFocus();   // the next thing to do
        Q_EMIT edited();
    });
    for (QLineEdit *field : {m_url, m_model}) {
        connect(field, &QLineEdit::textChanged, this, &ModelCheckGroup::edited);
        connect(field, &QLineEdit::returnPressed, this, &ModelCheckGroup::submitted);
    }
    updateEnabled();
}

void ModelCheckGroup::load(const QUrl &url, const QString &model)
{
    const QSignalBlocker blockEnabled(m_enabled);
    const QSignalBlocker blockUrl(m_url);
    const QSignalBlocker blockModel(m_model);
    m_enabled->setChecked(!url.isEmpty());
    m_url->setText(url.toString());
    m_model->setText(model);
    updateEnabled();
}

bool ModelCheckGroup::read(QUrl *url, QString *model)
{
    *url = QUrl();
    model->clear();
    QString urlError;
    QString modelError;
    if (m_enabled->isChecked()) {
        const QString urlText = m_url->text().trimmed();
        const QUrl typed(urlText);
        if (urlText.isEmpty())
            urlError = QStringLiteral("enter the endpoint's base URL, for example "
                                      "http://127.0.0.1:11434/v1 (Ollama)");
        else if (!validateUpstreamUrl(typed, &urlError))
            urlError.replace(QStringLiteral("upstream URL"), QStringLiteral("endpoint URL"));
        else if (!typed.userInfo().isEmpty())
            // It would be saved in the .ini with the URL; keys live in the environment only.
            urlError = QStringLiteral("leave the user name and key out of the URL: the key "
                                      "goes in CACHETTE_MODEL_CHECK_API_KEY");
        *url = typed;
        *model = m_model->text().trimmed();
        // One thing at a time, as the embeddings fields do: not two red lines at the tick.
        if (model->isEmpty() && urlError.isEmpty())
            modelError = QStringLiteral("enter the model's name, for example qwen2.5:0.5b");
    }
    showFieldError(m_urlError, urlError);
    showFieldError(m_modelError, modelError);
    // Invalid values still go out: a ticked box with a wrong URL is a change Revert can undo.
    return urlError.isEmpty() && modelError.isEmpty();
}

void ModelCheckGroup::updateEnabled()
{
    m_url->setEnabled(m_enabled->isChecked());
    m_model->setEnabled(m_enabled->isChecked());
}

} // namespace cachette::ui
