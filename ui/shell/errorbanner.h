#pragma once

#include <QFrame>

class QLabel;

namespace cachette::ui {

// A strip across the top of the window that says, in words, why the proxy is not running
// (e.g. the port is taken), with the two things one can do about it.
class ErrorBanner : public QFrame
{
    Q_OBJECT
public:
    explicit ErrorBanner(QWidget *parent = nullptr);

    void showError(const QString &reason);   // an engine error fragment
    QString text() const;

Q_SIGNALS:
    void retryRequested();
    void settingsRequested();

private:
    QLabel *m_text;
};

} // namespace cachette::ui
