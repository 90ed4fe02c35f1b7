#pragma once

#include <QGroupBox>
#include <QString>
#include <QUrl>

class QComboBox;
class QLabel;
class QLineEdit;

namespace cachette::ui {

class EngineHost;

// The Settings page's "Embeddings for near-repeats" group: the built-in embedder or an
// OpenAI-compatible endpoint and its model, with the engine's re-embedding progress under it.
// It only edits and validates; SettingsView saves and applies. The endpoint's API key comes
// from CACHETTE_EMBEDDINGS_API_KEY, never from here.
class EmbedderGroup : public QGroupBox
{
    Q_OBJECT
public:
    // labelWidth: the page's one label width, so these fields line up with the other groups'.
    EmbedderGroup(EngineHost *host, int labelWidth, QWidget *parent = nullptr);

    // An empty url is the built-in embedder.
    void load(const QUrl &url, const QString &model);
    // The choice, validated; *url empty for the built-in embedder. False shows what is wrong.
    bool read(QUrl *url, QString *model);

Q_SIGNALS:
    void edited();

private:
    QComboBox *m_embedder;
    QLineEdit *m_url;
    QLineEdit *m_model;
    QLabel *m_error;
};

} // namespace cachette::ui
