#pragma once

#include <QStatusBar>

class QLabel;
class QPushButton;
class QToolButton;

namespace cachette::ui {

class EngineHost;

// The window's bottom line: the proxy's state with a coloured dot, the base URL clients use
// (a click copies it), a short note while cached prompts are re-embedded, and a button that
// starts or stops the proxy.
class ProxyStatusBar : public QStatusBar
{
    Q_OBJECT
public:
    explicit ProxyStatusBar(EngineHost *host, QWidget *parent = nullptr);

    QString stateText() const;
    QToolButton *urlButton() const { return m_url; }
    QLabel *rebuildNote() const { return m_rebuild; }
    QPushButton *toggleButton() const { return m_toggle; }

private:
    void refresh();
    void refreshRebuild();
    void copyUrl();

    EngineHost *m_host;
    QLabel *m_dot;
    QLabel *m_state;
    QToolButton *m_url;
    QLabel *m_rebuild;
    QPushButton *m_toggle;
};

} // namespace cachette::ui
