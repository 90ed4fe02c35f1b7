#pragma once

#include <QGroupBox>
#include <QMap>
#include <QString>
#include <QUrl>

class QLabel;
class QPushButton;
class QTableWidget;

namespace cachette::ui {

// The Settings page's "Provider routes" group: the built-in routes (openai, anthropic,
// openrouter, ollama), whose base URL may be changed, and routes the person adds, each served at
// http://HOST:PORT/NAME/v1. It only edits and validates; SettingsView saves and applies.
class RoutesGroup : public QGroupBox
{
    Q_OBJECT
public:
    explicit RoutesGroup(QWidget *parent = nullptr);

    // userRoutes: the routes added and the built-ins re-pointed (AppSettings::routes).
    void load(const QMap<QString, QUrl> &userRoutes);
    // What the table says, validated, as load() takes it; false shows what is wrong.
    bool read(QMap<QString, QUrl> *userRoutes);
    // The proxy's root URL ("http://127.0.0.1:8787"), for the note on how to use a route.
    void setRootUrl(const QString &rootUrl);

Q_SIGNALS:
    void edited();

private:
    void addRow(const QString &name, const QUrl &url, bool builtIn);
    void addRoute();
    void removeOrReset();
    void updateButtons();
    bool isBuiltInRow(int row) const;

    QLabel *m_note;
    QTableWidget *m_table;
    QPushButton *m_add;
    QPushButton *m_remove;
    QLabel *m_error;
    bool m_loading = false;
};

} // namespace cachette::ui
