#pragma once

#include "store/cacheentry.h"

#include <QWidget>

#include <optional>

class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QTabWidget;
class QTextBrowser;

namespace cachette::ui {

// The lower half of the cache browser: one entry in full. A summary line, then tabs: the
// conversation by role with the cached answer and its usage, and the raw request and
// response JSON (and the recorded stream, for streamed answers), pretty-printed.
class EntryDetailView : public QWidget
{
    Q_OBJECT
public:
    explicit EntryDetailView(QWidget *parent = nullptr);

    void showEntry(const store::CacheEntry &entry);
    void showMessage(const QString &text);   // no entry: a hint, or why it is gone
    std::optional<store::CacheEntry> entry() const { return m_entry; }
    QString conversationText() const;        // plain text of the conversation tab (tests)

protected:
    void changeEvent(QEvent *event) override;

private:
    QPlainTextEdit *codeView(const QString &objectName);
    void render();

    std::optional<store::CacheEntry> m_entry;
    QStackedWidget *m_stack;
    QLabel *m_message;
    QLabel *m_summary;
    QTabWidget *m_tabs;
    QTextBrowser *m_conversation;
    QPlainTextEdit *m_request;
    QPlainTextEdit *m_response;
    QPlainTextEdit *m_stream;
};

} // namespace cachette::ui
