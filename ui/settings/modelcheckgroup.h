#pragma once

#include <QGroupBox>
#include <QList>
#include <QString>
#include <QUrl>

class QCheckBox;
class QLabel;
class QLineEdit;

namespace cachette::ui {

// The Settings page's "Model check (optional)" group: whether near-repeats the match verifier
// cannot decide are put to a small model on an OpenAI-compatible endpoint, and which one. Off
// by default. It only edits and validates; SettingsView saves and applies, as for every group.
// The endpoint's API key is never shown nor asked for here: it comes from
// CACHETTE_MODEL_CHECK_API_KEY, so it never reaches the .ini.
class ModelCheckGroup : public QGroupBox
{
    Q_OBJECT
public:
    // labelWidth: the page's one label width, so these fields line up with the other groups'.
    explicit ModelCheckGroup(int labelWidth, QWidget *parent = nullptr);

    // An empty url is "off".
    void load(const QUrl &url, const QString &model);
    // What the form says, validated: both empty when off. False shows what is wrong under the
    // field it is about (url and model are then what was typed, not to be applied).
    bool read(QUrl *url, QString *model);

Q_SIGNALS:
    void edited();
    void submitted();   // Enter in one of its fields, as in the page's other text fields

private:
    void updateEnabled();

    QCheckBox *m_enabled;
    QLineEdit *m_url;
    QLabel *m_urlError;
    QLineEdit *m_model;
    QLabel *m_modelError;
};

} // namespace cachette::ui
