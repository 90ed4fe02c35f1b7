#include "entrydetailview.h"

#include "entryrenderer.h"

#include <QEvent>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace cachette::ui {

EntryDetailView::EntryDetailView(QWidget *parent)
    : QWidget(parent)
    , m_stack(new QStackedWidget)
    , m_message(new QLabel)
    , m_summary(new QLabel)
    , m_tabs(new QTabWidget)
    , m_conversation(new QTextBrowser)
    , m_request(codeView(QStringLiteral("requestJson")))
    , m_response(codeView(QStringLiteral("responseJson")))
    , m_stream(codeView(QStringLiteral("streamEvents")))
{
    m_message->setObjectName(QStringLiteral("detailMessage"));
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setForegroundRole(QPalette::PlaceholderText);

    m_summary->setObjectName(QStringLiteral("detailSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    QFont bold = m_summary->font();
    bold.setWeight(QFont::DemiBold);
    m_summary->setFont(bold);

    m_conversation->setObjectName(QStringLiteral("conversation"));
    m_conversation->setOpenLinks(false);
    m_conversation->setFrameShape(QFrame::NoFrame);
    m_conversation->document()->setDocumentMargin(10);

    m_tabs->setObjectName(QStringLiteral("detailTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_conversation, QStringLiteral("Conversation"));
    m_tabs->addTab(m_request, QStringLiteral("Request JSON"));
    m_tabs->addTab(m_response, QStringLiteral("Response JSON"));
    m_stream->setParent(this);   // owned here while it is not a tab
    m_stream->hide();

    auto *entryPage = new QWidget;
    auto *entryLayout = new QVBoxLayout(entryPage);
    entryLayout->setContentsMargins(0, 6, 0, 0);
    entryLayout->setSpacing(6);
    entryLayout->addWidget(m_summary);
    entryLayout->addWidget(m_tabs, 1);

    m_stack->addWidget(m_message);
    m_stack->addWidget(entryPage);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);
    showMessage(QStringLiteral("Select an entry to see its conversation and answer."));
}

QPlainTextEdit *EntryDetailView::codeView(const QString &objectName)
{
    auto *view = new QPlainTextEdit;
    view->setObjectName(objectName);
    view->setReadOnly(true);
    view->setFrameShape(QFrame::NoFrame);
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return view;
}

void EntryDetailView::showEntry(const store::CacheEntry &entry)
{
    m_entry = entry;
    render();
    m_stack->setCurrentIndex(1);
}

void EntryDetailView::showMessage(const QString &text)
{
    m_entry.reset();
    m_message->setText(text);
    m_stack->setCurrentIndex(0);
}

QString EntryDetailView::conversationText() const
{
    return m_entry ? m_conversation->toPlainText() : QString();
}

void EntryDetailView::render()
{
    if (!m_entry)
        return;
    const QPalette pal = palette();
    entryrenderer::Style style;
    style.code = pal.color(QPalette::AlternateBase);
    style.muted = pal.color(QPalette::PlaceholderText);
    m_summary->setText(entryrenderer::summaryLine(*m_entry));
    m_conversation->setHtml(entryrenderer::conversationHtml(*m_entry, style));
    m_request->setPlainText(entryrenderer::prettyJson(m_entry->clientRequest()));
    m_response->setPlainText(entryrenderer::prettyJson(m_entry->responseBody));
    // The recorded stream only exists for streamed answers: no empty tab otherwise.
    const int streamTab = m_tabs->indexOf(m_stream);
    if (m_entry->isStreamed()) {
        m_stream->setPlainText(QString::fromUtf8(m_entry->streamEvents));
        if (streamTab < 0)
            m_tabs->addTab(m_stream, QStringLiteral("Stream"));
    } else if (streamTab >= 0) {
        m_tabs->removeTab(streamTab);
        m_stream->clear();
    }
}

void EntryDetailView::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        render();   // the code background and muted text follow a light/dark switch
}

} // namespace cachette::ui
