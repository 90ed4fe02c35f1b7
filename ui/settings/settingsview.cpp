#include "settingsview.h"

#include "cachegroup.h"
#include "embeddergroup.h"
#include "formlabels.h"
#include "modelcheckgroup.h"
#include "pricetableeditor.h"
#include "routesgroup.h"

#include "common/proxystate.h"
#include "host/enginehost.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>

namespace cachette::ui {

namespace {

constexpr int kContentWidth = 760;

QStringList splitOrigins(const QString &text)
{
    QStringList origins;
    for (QString origin : text.split(QRegularExpression(QStringLiteral("[\\s,]+")),
                                     Qt::SkipEmptyParts)) {
        // Browsers send origins without a trailing slash, and the proxy compares them exactly.
        while (origin.endsWith(QLatin1Char('/')))
            origin.chop(1);
        origins.append(origin);
    }
    return origins;
}

} // namespace

SettingsView::SettingsView(EngineHost *host, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
{
    // One label width for every group, so the fields of all three line up.
    for (const char *text : {"Listen on", "Provider", "Upstream URL", "Size limit",
                             "Entries expire", "Allowed origins", "Embedder",
                             "Endpoint URL", "Model"})
        m_labelWidth = qMax(m_labelWidth, fontMetrics().horizontalAdvance(QLatin1String(text)));
    m_labelWidth += 8;

    m_overrideNote = makeHintLabel(QString());
    m_overrideNote->setObjectName(QStringLiteral("overrideNote"));
    m_overrideNote->hide();

    auto *content = new QWidget;
    auto *column = new QVBoxLayout(content);
    column->setContentsMargins(24, 20, 24, 20);
    column->setSpacing(16);
    column->addWidget(m_overrideNote);
    column->addWidget(buildProxyGroup());
    m_routes = new RoutesGroup;
    connect(m_routes, &RoutesGroup::edited, this, &SettingsView::onEdited);
    column->addWidget(m_routes);
    m_cache = new CacheGroup(m_labelWidth);
    connect(m_cache, &CacheGroup::edited, this, &SettingsView::onEdited);
    column->addWidget(m_cache);
    column->addWidget(buildAccessGroup());
    m_embedder = new EmbedderGroup(m_host, m_labelWidth);
    connect(m_embedder, &EmbedderGroup::edited, this, &SettingsView::onEdited);
    column->addWidget(m_embedder);
    m_modelCheck = new ModelCheckGroup(m_labelWidth);
    connect(m_modelCheck, &ModelCheckGroup::edited, this, &SettingsView::onEdited);
    connect(m_modelCheck, &ModelCheckGroup::submitted, this, [this] {
        if (m_apply->isEnabled())
            apply();
    });
    column->addWidget(m_modelCheck);
    m_prices = new PriceTableEditor;
    connect(m_prices, &PriceTableEditor::edited, this, &SettingsView::onEdited);
    column->addWidget(m_prices);
    column->addStretch(1);
    content->setMaximumWidth(kContentWidth);   // long form fields are hard to read

    // The form scrolls; the buttons stay in sight at any window height.
    auto *scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    scroll->setAlignment(Qt::AlignLeft | Qt::AlignTop);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(scroll, 1);
    layout->addWidget(buildButtonBar());

    m_saved = AppSettings::load(*openSettings());
    m_savedPrices = m_host->priceOverrides();
    load(m_saved);
    // "Saved, but the proxy could not restart" is stale once it runs (Try again, a freed port).
    connect(m_host, &EngineHost::stateChanged, this, [this] {
        if (m_host->state() == Engine::State::Running)
            showFormError(QString());
    });
}

QList<SettingsView::Upstream> SettingsView::presets()
{
    return {
        {QStringLiteral("OpenAI"), QStringLiteral("https://api.openai.com/v1")},
        {QStringLiteral("OpenRouter"), QStringLiteral("https://openrouter.ai/api/v1")},
        {QStringLiteral("Ollama"), QStringLiteral("http://127.0.0.1:11434/v1")},
        {QStringLiteral("LM Studio"), QStringLiteral("http://127.0.0.1:1234/v1")},
        {QStringLiteral("Custom"), QString()},
    };
}

QWidget *SettingsView::buildProxyGroup()
{
    auto *group = new QGroupBox(QStringLiteral("Proxy"));
    QFormLayout *form = makeSettingsForm(group);

    m_listen = new QLineEdit;
    m_listen->setObjectName(QStringLiteral("listenEdit"));
    m_listen->setPlaceholderText(QStringLiteral("127.0.0.1:8787"));
    m_listenError = makeErrorLabel(QStringLiteral("listenError"));
    m_listenHint = makeHintLabel(QString());
    addRow(form, QStringLiteral("Listen on"), fieldWithNotes(m_listen, m_listenError, m_listenHint));

    m_preset = new QComboBox;
    m_preset->setObjectName(QStringLiteral("presetCombo"));
    for (const Upstream &preset : presets())
        m_preset->addItem(preset.name, preset.url);
    m_preset->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    addRow(form, QStringLiteral("Provider"), leftAligned(m_preset));

    m_upstream = new QLineEdit;
    m_upstream->setObjectName(QStringLiteral("upstreamEdit"));
    m_upstream->setPlaceholderText(QStringLiteral("https://api.openai.com/v1"));
    m_upstreamError = makeErrorLabel(QStringLiteral("upstreamError"));
    addRow(form, QStringLiteral("Upstream URL"),
                 fieldWithNotes(m_upstream, m_upstreamError,
                                makeHintLabel(QStringLiteral("Requests that miss the cache go "
                                                             "here, unchanged."))));

    m_startProxy = new QCheckBox(QStringLiteral("Start the proxy when Cachette starts"));
    m_startAtLogin = new QCheckBox(QStringLiteral("Start Cachette when I log in"));
    m_startProxy->setObjectName(QStringLiteral("startProxyCheck"));
    m_startAtLogin->setObjectName(QStringLiteral("startAtLoginCheck"));
    addRow(form, QString(), m_startProxy);
    addRow(form, QString(), m_startAtLogin);

    connect(m_listen, &QLineEdit::textChanged, this, &SettingsView::onEdited);
    connect(m_upstream, &QLineEdit::textChanged, this, [this](const QString &text) {
        selectPresetFor(text.trimmed());
        onEdited();
    });
    connect(m_preset, &QComboBox::activated, this, &SettingsView::onPresetChosen);
    connect(m_startProxy, &QCheckBox::toggled, this, &SettingsView::onEdited);
    connect(m_startAtLogin, &QCheckBox::toggled, this, &SettingsView::onEdited);
    return group;
}

QWidget *SettingsView::buildAccessGroup()
{
    auto *group = new QGroupBox(QStringLiteral("Web pages"));
    QFormLayout *form = makeSettingsForm(group);
    m_origins = new QLineEdit;
    m_origins->setObjectName(QStringLiteral("originsEdit"));
    m_origins->setPlaceholderText(QStringLiteral("none, e.g. http://localhost:3000"));
    m_originsError = makeErrorLabel(QStringLiteral("originsError"));
    addRow(form, QStringLiteral("Allowed origins"),
                 fieldWithNotes(m_origins, m_originsError, makeHintLabel(QStringLiteral(
                     "Web pages that may call the proxy, separated by spaces. Any other page "
                     "is refused, so a site you visit cannot use your cache."))));
    connect(m_origins, &QLineEdit::textChanged, this, &SettingsView::onEdited);
    return group;
}

SemanticPrefs SettingsView::savedSemantic() const
{
    return m_saved.semantic.prefs.value_or(SemanticPrefs());
}

QWidget *SettingsView::buildButtonBar()
{
    auto *bar = new QFrame;
    bar->setFrameShape(QFrame::NoFrame);
    bar->setAutoFillBackground(true);
    bar->setBackgroundRole(QPalette::Window);
    m_formError = makeErrorLabel(QStringLiteral("formError"));
    m_appliedNote = new QLabel(QStringLiteral("Applied"));
    m_appliedNote->setObjectName(QStringLiteral("appliedNote"));
    m_appliedNote->hide();
    m_revert = new QPushButton(QStringLiteral("Revert"));
    m_revert->setObjectName(QStringLiteral("revertButton"));
    m_apply = new QPushButton(QStringLiteral("Apply"));
    m_apply->setObjectName(QStringLiteral("applyButton"));
    m_apply->setDefault(true);
    m_revert->setEnabled(false);
    m_apply->setEnabled(false);

    for (QPushButton *button : {m_revert, m_apply})
        button->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);

    // As wide as the form above, so Apply sits under the fields it applies.
    auto *inner = new QWidget;
    inner->setMaximumWidth(kContentWidth);
    auto *row = new QHBoxLayout(inner);
    row->setContentsMargins(24, 10, 24, 14);
    row->addWidget(m_formError, 1);
    row->addStretch(0);   // takes the room while there is no error to show
    row->addWidget(m_appliedNote);
    row->addWidget(m_revert);
    row->addWidget(m_apply);
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(inner, 1);
    layout->addStretch(0);
    connect(m_apply, &QPushButton::clicked, this, &SettingsView::apply);
    // Enter in a text field applies, as in a dialog with a default button.
    for (QLineEdit *field : {m_listen, m_upstream, m_origins}) {
        connect(field, &QLineEdit::returnPressed, this, [this] {
            if (m_apply->isEnabled())
                apply();
        });
    }
    connect(m_revert, &QPushButton::clicked, this, &SettingsView::revert);
    return bar;
}

void SettingsView::addRow(QFormLayout *form, const QString &label, QWidget *field)
{
    addSettingsRow(form, label, field, m_labelWidth);
}

void SettingsView::setCommandLineOverrides(const QStringList &flags)
{
    if (flags.isEmpty()) {
        m_overrideNote->hide();
        return;
    }
    QStringList shown;
    for (const QString &flag : flags)
        shown.append(QStringLiteral("--") + flag);
    m_overrideNote->setText(QStringLiteral("This run uses %1 from the command line. Apply "
                                           "replaces %2 with the settings below.")
                                .arg(shown.join(QStringLiteral(", ")),
                                     shown.size() == 1 ? QStringLiteral("it")
                                                       : QStringLiteral("them")));
    m_overrideNote->show();
}

void SettingsView::load(const AppSettings &settings)
{
    m_loading = true;
    m_listen->setText(settings.listen);
    m_upstream->setText(settings.upstream.toString());
    selectPresetFor(m_upstream->text());
    m_routes->load(settings.routes);
    m_startProxy->setChecked(settings.startProxyAtLaunch);
    m_startAtLogin->setChecked(settings.startAtLogin);
    m_cache->load(settings.sizeCapBytes, settings.defaultTtlSeconds, settings.isolateByApiKey);
    m_origins->setText(settings.allowedOrigins.join(QLatin1Char(' ')));
    const SemanticPrefs semantic = settings.semantic.prefs.value_or(SemanticPrefs());
    m_embedder->load(semantic.embeddingsUrl, semantic.embeddingsModel);
    m_modelCheck->load(semantic.modelCheckUrl, semantic.modelCheckModel);
    m_prices->load(m_savedPrices);
    m_prices->read(&m_savedPrices);   // as the table shows them, so an untouched table is unchanged
    m_loading = false;
    onEdited();
}

bool SettingsView::readForm(SettingsForm *settings)
{
    QString error;
    bool ok = true;

    QHostAddress address;
    quint16 port = 0;
    const QString listen = m_listen->text().trimmed();
    const bool listenOk = parseListenAddress(listen, &address, &port, &error);
    showFieldError(m_listenError, listenOk ? QString() : error);
    EngineConfig bound;
    bound.listenAddress = address;
    bound.port = port;
    m_listenHint->setText(QStringLiteral("Clients use %1").arg(bound.baseUrl()));
    if (listenOk)
        m_routes->setRootUrl(bound.baseUrl().chopped(3));   // without "/v1"
    m_listenHint->setVisible(listenOk);
    ok = ok && listenOk;

    const QString upstreamText = m_upstream->text().trimmed();
    const QUrl upstream(upstreamText);
    bool upstreamOk = validateUpstreamUrl(upstream, &error);
    if (upstreamText.isEmpty())
        error = QStringLiteral("enter the provider's base URL, for example "
                               "https://api.openai.com/v1");
    showFieldError(m_upstreamError, upstreamOk ? QString() : error);
    ok = ok && upstreamOk;

    const QStringList origins = splitOrigins(m_origins->text());
    QString originError;
    for (const QString &origin : origins) {
        if (!validateOrigin(origin, &originError))
            break;
    }
    showFieldError(m_originsError, originError);
    ok = ok && originError.isEmpty();

    settings->listen = listen;
    settings->upstream = upstream;
    settings->startProxyAtLaunch = m_startProxy->isChecked();
    settings->startAtLogin = m_startAtLogin->isChecked();
    settings->sizeCapBytes = m_cache->sizeCapBytes();
    settings->defaultTtlSeconds = m_cache->ttlSeconds();
    settings->isolateByApiKey = m_cache->isolateByApiKey();
    settings->allowedOrigins = origins;
    ok = m_routes->read(&settings->routes) && ok;
    return ok;
}

void SettingsView::showFormError(const QString &error)
{
    showFieldError(m_formError, error);
    if (!error.isEmpty())
        m_appliedNote->hide();
}

void SettingsView::showApplied()
{
    m_appliedNote->show();
    QTimer::singleShot(3000, m_appliedNote, &QWidget::hide);
}

void SettingsView::onEdited()
{
    if (m_loading)
        return;
    SettingsForm form;   // the semantic prefs are compared field by field below
    bool valid = readForm(&form);
    QList<pricing::ModelPrice> prices;
    valid = m_prices->read(&prices) && valid;
    QUrl embeddingsUrl;
    QString embeddingsModel;
    valid = m_embedder->read(&embeddingsUrl, &embeddingsModel) && valid;
    QUrl checkUrl;
    QString checkModel;
    valid = m_modelCheck->read(&checkUrl, &checkModel) && valid;
    const SemanticPrefs semantic = savedSemantic();
    const bool changed = !(form == m_saved) || prices != m_savedPrices
                         || embeddingsUrl != semantic.embeddingsUrl
                         || embeddingsModel != semantic.embeddingsModel
                         || checkUrl != semantic.modelCheckUrl
                         || checkModel != semantic.modelCheckModel;
    m_apply->setEnabled(valid && changed);
    m_revert->setEnabled(changed);
    showFormError(QString());
    if (changed)
        m_appliedNote->hide();
}

void SettingsView::onPresetChosen(int index)
{
    const QString url = m_preset->itemData(index).toString();
    if (url.isEmpty()) {   // Custom: let the person type
        m_upstream->setFocus();
        m_upstream->selectAll();
        return;
    }
    m_upstream->setText(url);
}

void SettingsView::selectPresetFor(const QString &url)
{
    int index = m_preset->count() - 1;   // Custom
    for (int i = 0; i < m_preset->count() - 1; ++i) {
        if (QUrl(m_preset->itemData(i).toString()) == QUrl(url))
            index = i;
    }
    m_preset->setCurrentIndex(index);
}

bool SettingsView::apply()
{
    AppSettings next;
    QList<pricing::ModelPrice> prices;
    QUrl embeddingsUrl;
    QString embeddingsModel;
    bool valid = readForm(&next);
    valid = m_prices->read(&prices) && valid;
    valid = m_embedder->read(&embeddingsUrl, &embeddingsModel) && valid;
    QUrl checkUrl;
    QString checkModel;
    valid = m_modelCheck->read(&checkUrl, &checkModel) && valid;
    if (!valid) {
        showFormError(QStringLiteral("fix the fields marked in red first"));
        return false;
    }
    // The Thresholds page saves the rest of the semantic prefs: start from what is saved now.
    SemanticPrefs semantic = SemanticPrefs::load(*openSettings());
    const bool embedderChanged = embeddingsUrl != semantic.embeddingsUrl
                                 || embeddingsModel != semantic.embeddingsModel;
    const bool modelCheckChanged = checkUrl != semantic.modelCheckUrl
                                   || checkModel != semantic.modelCheckModel;
    semantic.embeddingsUrl = embeddingsUrl;
    semantic.embeddingsModel = embeddingsModel;
    semantic.modelCheckUrl = checkUrl;
    semantic.modelCheckModel = checkModel;
    next.semantic.prefs = semantic;
    QString error;
    const EngineConfig config = next.toEngineConfig(m_host->config());
    if (!config.validate(&error)) {
        showFormError(error);
        return false;
    }
    QString loginError;
    if (next.startAtLogin != m_saved.startAtLogin)
        applyStartAtLogin(next.startAtLogin, &loginError);
    next.save(*openSettings());
    if (embedderChanged || modelCheckChanged) {
        std::unique_ptr<QSettings> settings = openSettings();
        semantic.save(*settings);
    }
    QString pricesError;
    if (prices != m_savedPrices && !m_host->setPriceOverrides(prices, &pricesError))
        pricesError = QStringLiteral("the prices are in use but could not be saved: %1")
                          .arg(pricesError);
    m_savedPrices = prices;
    m_saved = next;
    m_overrideNote->hide();
    onEdited();   // the form now equals what is saved: Apply and Revert go grey
    if (!m_host->configure(config, &error)) {
        showFormError(QStringLiteral("saved, but the proxy could not restart: %1").arg(error));
        Q_EMIT applied(m_saved);
        return false;
    }
    if (loginError.isEmpty())
        loginError = pricesError;
    showFormError(loginError);
    if (loginError.isEmpty())
        showApplied();
    Q_EMIT applied(m_saved);
    return true;
}

void SettingsView::revert()
{
    load(m_saved);
}

} // namespace cachette::ui
