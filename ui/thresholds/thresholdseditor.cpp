#include "thresholdseditor.h"

#include "settings/formlabels.h"
#include "host/enginehost.h"
#include "refusalrulespanel.h"
#include "common/appsettings.h"
#include "thresholdcontrol.h"
#include "thresholdmath.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace cachette::ui {

namespace {

QLabel *errorLabel(const QString &name)
{
    auto *label = new QLabel;
    label->setObjectName(name);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #c0392b;"));
    label->hide();
    return label;
}

void showError(QLabel *label, const QString &text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

using semantic::StrictMatching;

// As the overrides table names a mode.
QString strictText(StrictMatching mode)
{
    switch (mode) {
    case StrictMatching::Always:
        return QStringLiteral("always");
    case StrictMatching::Never:
        return QStringLiteral("never");
    case StrictMatching::WithTools:
        break;
    }
    return QStringLiteral("with tools");
}

void selectData(QComboBox *box, int value)
{
    box->setCurrentIndex(qMax(0, box->findData(value)));
}

} // namespace

ThresholdsEditor::ThresholdsEditor(EngineHost *host, QWidget *parent)
    : QWidget(parent)
    , m_host(host)
{
    auto *columns = new QHBoxLayout;
    columns->setSpacing(16);
    auto *left = new QVBoxLayout;
    left->setSpacing(12);
    left->addWidget(buildDefaultGroup());
    left->addWidget(buildGuardsGroup());
    left->addWidget(buildStrictGroup());
    left->addStretch(1);
    auto *right = new QVBoxLayout;
    right->setSpacing(12);
    m_rules = new RefusalRulesPanel(host);
    right->addWidget(buildOverridesGroup(), 3);
    right->addWidget(m_rules, 2);
    columns->addLayout(left, 2);
    columns->addLayout(right, 3);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 12, 0, 0);
    layout->setSpacing(12);
    layout->addLayout(columns, 1);
    layout->addWidget(buildButtons());
    revert();
}

QWidget *ThresholdsEditor::buildDefaultGroup()
{
    auto *group = new QGroupBox(QStringLiteral("Default threshold"));
    m_threshold = new ThresholdControl;
    m_threshold->setObjectName(QStringLiteral("globalThreshold"));
    m_threshold->spinBox()->setObjectName(QStringLiteral("globalThresholdSpin"));
    auto *layout = new QVBoxLayout(group);
    layout->addWidget(m_threshold);
    layout->addWidget(makeHintLabel(QStringLiteral(
        "How similar a new prompt must be to a cached one to reuse its answer. Higher is "
        "stricter; 1.00 turns semantic matching off (exact matches still work).")));
    connect(m_threshold, &ThresholdControl::valueChanged, this, [this](double value) {
        if (m_showing)
            return;
        m_form.threshold = float(value);
        fillOverrides();   // rows that follow the default show its new value
        updateButtons();
    });
    return group;
}

QWidget *ThresholdsEditor::buildGuardsGroup()
{
    auto *group = new QGroupBox(QStringLiteral("Guards"));
    m_numbers = new QCheckBox(QStringLiteral("Numbers must match"));
    m_numbers->setObjectName(QStringLiteral("guardNumbers"));
    m_negation = new QCheckBox(QStringLiteral("Negation must match"));
    m_negation->setObjectName(QStringLiteral("guardNegation"));
    m_literals = new QCheckBox(QStringLiteral("Code and quoted literals must match"));
    m_literals->setObjectName(QStringLiteral("guardLiterals"));
    auto *layout = new QVBoxLayout(group);
    layout->addWidget(makeHintLabel(QStringLiteral(
        "Refuse a similar prompt that differs where embeddings are blind: \"30 seconds\" vs "
        "\"60 seconds\", \"is it safe\" vs \"is it not safe\", `foo()` vs `bar()`.")));
    for (QCheckBox *box : {m_numbers, m_negation, m_literals}) {
        layout->addWidget(box);
        connect(box, &QCheckBox::toggled, this, &ThresholdsEditor::readGuards);
    }
    return group;
}

// Strict is the verifier's stricter reading, for answers an agent executes (tool calls).
QWidget *ThresholdsEditor::buildStrictGroup()
{
    auto *group = new QGroupBox(QStringLiteral("Strict matching"));
    m_strict = new QComboBox;
    m_strict->setObjectName(QStringLiteral("strictMatching"));
    m_strict->addItem(QStringLiteral("For requests with tools (recommended)"),
                      int(StrictMatching::WithTools));
    m_strict->addItem(QStringLiteral("Always"), int(StrictMatching::Always));
    m_strict->addItem(QStringLiteral("Never"), int(StrictMatching::Never));
    auto *layout = new QVBoxLayout(group);
    layout->addWidget(m_strict);
    layout->addWidget(makeHintLabel(QStringLiteral(
        "Strict: every word of the two prompts must match, and verbs only as written "
        "(\"remove\" is not \"delete\"), for requests whose answer an agent executes.")));
    connect(m_strict, &QComboBox::currentIndexChanged, this, [this] {
        if (m_showing)
            return;
        m_form.strict = StrictMatching(m_strict->currentData().toInt());
        fillOverrides();   // rows that follow the default show its new value
        updateButtons();
    });
    return group;
}

QWidget *ThresholdsEditor::buildOverridesGroup()
{
    auto *group = new QGroupBox(QStringLiteral("Per-model overrides"));
    m_overrides = new QTableWidget(0, 4);
    m_overrides->setObjectName(QStringLiteral("overridesTable"));
    m_overrides->setHorizontalHeaderLabels({QStringLiteral("Model"), QStringLiteral("Threshold"),
                                            QStringLiteral("Compares"), QStringLiteral("Strict")});
    m_overrides->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_overrides->setSelectionMode(QAbstractItemView::SingleSelection);
    m_overrides->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_overrides->setShowGrid(false);
    m_overrides->setAlternatingRowColors(true);
    m_overrides->verticalHeader()->hide();
    m_overrides->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_overrides->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_overrides->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_overrides->horizontalHeader()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
    m_overrides->setMinimumHeight(120);

    auto *add = new QPushButton(QStringLiteral("Add…"));
    add->setObjectName(QStringLiteral("addOverride"));
    m_edit = new QPushButton(QStringLiteral("Edit…"));
    m_edit->setObjectName(QStringLiteral("editOverride"));
    m_remove = new QPushButton(QStringLiteral("Remove"));
    m_remove->setObjectName(QStringLiteral("removeOverride"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_remove);
    buttons->addStretch(1);

    auto *layout = new QVBoxLayout(group);
    layout->addWidget(makeHintLabel(QStringLiteral(
        "A model's own threshold and strict matching, and whether to compare its whole "
        "conversation (system prompt and every turn) rather than the last user message.")));
    layout->addWidget(m_overrides, 1);
    layout->addLayout(buttons);
    layout->addWidget(buildOverrideForm());

    connect(add, &QPushButton::clicked, this, [this] { startOverride(QString()); });
    connect(m_edit, &QPushButton::clicked, this, [this] { startOverride(selectedModel()); });
    connect(m_overrides, &QTableWidget::cellDoubleClicked, this,
            [this] { startOverride(selectedModel()); });
    connect(m_remove, &QPushButton::clicked, this, &ThresholdsEditor::removeOverride);
    connect(m_overrides, &QTableWidget::itemSelectionChanged, this,
            &ThresholdsEditor::updateButtons);
    return group;
}

// Inline rather than a dialog: the error sits next to the field, and nothing blocks the window.
QWidget *ThresholdsEditor::buildOverrideForm()
{
    m_overrideForm = new QWidget;
    m_overrideForm->setObjectName(QStringLiteral("overrideForm"));
    m_overrideModel = new QComboBox;
    m_overrideModel->setObjectName(QStringLiteral("overrideModel"));
    m_overrideModel->setEditable(true);
    m_overrideModel->setInsertPolicy(QComboBox::NoInsert);
    m_overrideModel->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_overrideModel->setMinimumContentsLength(14);
    m_overrideThreshold = new QLineEdit;
    m_overrideThreshold->setObjectName(QStringLiteral("overrideThreshold"));
    m_overrideThreshold->setPlaceholderText(QStringLiteral("default"));
    m_overrideThreshold->setMaximumWidth(90);
    m_overrideWhole = new QCheckBox(QStringLiteral("Compare the whole conversation"));
    m_overrideWhole->setObjectName(QStringLiteral("overrideWhole"));
    m_overrideStrict = new QComboBox;
    m_overrideStrict->setObjectName(QStringLiteral("overrideStrict"));
    m_overrideStrict->addItem(QStringLiteral("As the default"), -1);
    m_overrideStrict->addItem(QStringLiteral("For requests with tools"), int(StrictMatching::WithTools));
    m_overrideStrict->addItem(QStringLiteral("Always"), int(StrictMatching::Always));
    m_overrideStrict->addItem(QStringLiteral("Never"), int(StrictMatching::Never));
    m_overrideStrict->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);   // its longest item
    m_overrideError = errorLabel(QStringLiteral("overrideError"));
    auto *save = new QPushButton(QStringLiteral("Save"));
    save->setObjectName(QStringLiteral("saveOverride"));
    save->setDefault(true);
    auto *cancel = new QPushButton(QStringLiteral("Cancel"));

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(QStringLiteral("Model"), m_overrideModel);
    form->addRow(QStringLiteral("Threshold"), m_overrideThreshold);
    form->addRow(QStringLiteral("Strict matching"), m_overrideStrict);
    form->addRow(QString(), m_overrideWhole);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(cancel);
    buttons->addWidget(save);
    auto *layout = new QVBoxLayout(m_overrideForm);
    layout->setContentsMargins(0, 6, 0, 0);
    layout->addLayout(form);
    layout->addWidget(m_overrideError);
    layout->addLayout(buttons);
    m_overrideForm->hide();

    connect(save, &QPushButton::clicked, this, &ThresholdsEditor::saveOverride);
    connect(m_overrideThreshold, &QLineEdit::returnPressed, this, &ThresholdsEditor::saveOverride);
    connect(cancel, &QPushButton::clicked, this, &ThresholdsEditor::closeOverrideForm);
    return m_overrideForm;
}

QWidget *ThresholdsEditor::buildButtons()
{
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("thresholdsStatus"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    m_revert = new QPushButton(QStringLiteral("Revert"));
    m_revert->setObjectName(QStringLiteral("revertThresholds"));
    m_apply = new QPushButton(QStringLiteral("Apply"));
    m_apply->setObjectName(QStringLiteral("applyThresholds"));
    auto *bar = new QWidget;
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_status, 1);
    layout->addWidget(m_revert);
    layout->addWidget(m_apply);
    connect(m_apply, &QPushButton::clicked, this, &ThresholdsEditor::apply);
    connect(m_revert, &QPushButton::clicked, this, &ThresholdsEditor::revert);
    return bar;
}

void ThresholdsEditor::showSettings(const semantic::SemanticSettings &settings)
{
    m_showing = true;
    m_form = settings;
    m_threshold->setValue(settings.threshold);
    m_numbers->setChecked(settings.guards.numbers);
    m_negation->setChecked(settings.guards.negation);
    m_literals->setChecked(settings.guards.literals);
    selectData(m_strict, int(settings.strict));
    m_showing = false;
    fillOverrides();
    updateButtons();
}

void ThresholdsEditor::fillOverrides()
{
    const QString selected = selectedModel();
    QStringList models = m_form.modelThresholds.keys();
    for (const QString &model : m_form.wholeConversationModels) {
        if (!models.contains(model))
            models.append(model);
    }
    for (auto it = m_form.modelStrict.cbegin(); it != m_form.modelStrict.cend(); ++it) {
        if (!models.contains(it.key()))
            models.append(it.key());
    }
    models.sort(Qt::CaseInsensitive);
    m_overrides->setRowCount(int(models.size()));
    for (int row = 0; row < models.size(); ++row) {
        const QString &model = models.at(row);
        const bool own = m_form.modelThresholds.contains(model);
        const float value = m_form.thresholdFor(model);
        QString threshold = own ? thresholdText(value)
                                : QStringLiteral("default (%1)").arg(thresholdText(value));
        if (value >= 1.0f)
            threshold += QStringLiteral(" — off");
        auto *name = new QTableWidgetItem(model);
        auto *thresholdItem = new QTableWidgetItem(threshold);
        if (!own)
            thresholdItem->setForeground(palette().color(QPalette::PlaceholderText));
        m_overrides->setItem(row, 0, name);
        m_overrides->setItem(row, 1, thresholdItem);
        m_overrides->setItem(row, 2, new QTableWidgetItem(
            m_form.wholeConversationModels.contains(model) ? QStringLiteral("whole conversation")
                                                           : QStringLiteral("last message")));
        const bool ownStrict = m_form.modelStrict.contains(model);
        const QString strict = strictText(m_form.modelStrict.value(model, m_form.strict));
        // "default" alone: the default is the Strict matching choice beside the table, and the
        // column must leave the model's name room at 800 px.
        auto *strictItem = new QTableWidgetItem(ownStrict ? strict : QStringLiteral("default"));
        if (!ownStrict) {
            strictItem->setForeground(palette().color(QPalette::PlaceholderText));
            strictItem->setToolTip(QStringLiteral("As the default: %1").arg(strict));
        }
        m_overrides->setItem(row, 3, strictItem);
        if (model == selected)
            m_overrides->selectRow(row);
    }
}

void ThresholdsEditor::readGuards()
{
    if (m_showing)
        return;
    m_form.guards = {m_numbers->isChecked(), m_negation->isChecked(), m_literals->isChecked()};
    updateButtons();
}

void ThresholdsEditor::startOverride(const QString &model)
{
    m_editing = model;
    m_overrideModel->setCurrentText(model);
    m_overrideModel->setEnabled(model.isEmpty());   // renaming is remove + add
    m_overrideThreshold->setText(m_form.modelThresholds.contains(model)
                                     ? thresholdText(m_form.modelThresholds.value(model))
                                     : QString());
    m_overrideWhole->setChecked(m_form.wholeConversationModels.contains(model));
    selectData(m_overrideStrict,
               m_form.modelStrict.contains(model) ? int(m_form.modelStrict.value(model)) : -1);
    showError(m_overrideError, QString());
    m_overrideForm->show();
    (model.isEmpty() ? static_cast<QWidget *>(m_overrideModel) : m_overrideThreshold)->setFocus();
}

bool ThresholdsEditor::saveOverride()
{
    const QString model = m_overrideModel->currentText().trimmed();
    const QString text = m_overrideThreshold->text().trimmed();
    bool number = true;
    const double value = text.isEmpty() ? -1 : QLocale::c().toDouble(text, &number);
    const int strict = m_overrideStrict->currentData().toInt();   // -1: as the default
    QString problem;
    if (model.isEmpty())
        problem = QStringLiteral("Name the model, as requests send it (\"gpt-4o-mini\").");
    else if (m_editing.isEmpty() && (m_form.modelThresholds.contains(model)
                                     || m_form.wholeConversationModels.contains(model)
                                     || m_form.modelStrict.contains(model)))
        problem = QStringLiteral("%1 already has an override: edit that one.").arg(model);
    else if (!number || (!text.isEmpty() && (value < 0 || value > 1)))
        problem = QStringLiteral("The threshold is a number from 0 to 1 (1 turns matching off), "
                                 "or empty to use the default.");
    else if (text.isEmpty() && !m_overrideWhole->isChecked() && strict < 0)
        problem = QStringLiteral("Set a threshold, strict matching or compare the whole "
                                 "conversation: as it is, this override changes nothing.");
    showError(m_overrideError, problem);
    if (!problem.isEmpty())
        return false;
    m_form.modelThresholds.remove(model);
    m_form.wholeConversationModels.remove(model);
    m_form.modelStrict.remove(model);
    if (!text.isEmpty())
        m_form.modelThresholds.insert(model, float(value));
    if (m_overrideWhole->isChecked())
        m_form.wholeConversationModels.insert(model);
    if (strict >= 0)
        m_form.modelStrict.insert(model, StrictMatching(strict));
    closeOverrideForm();
    fillOverrides();
    updateButtons();
    return true;
}

void ThresholdsEditor::removeOverride()
{
    const QString model = selectedModel();
    m_form.modelThresholds.remove(model);
    m_form.wholeConversationModels.remove(model);
    m_form.modelStrict.remove(model);
    closeOverrideForm();
    fillOverrides();
    updateButtons();
}

void ThresholdsEditor::closeOverrideForm()
{
    m_overrideForm->hide();
    m_editing.clear();
}

QString ThresholdsEditor::selectedModel() const
{
    const QList<QTableWidgetItem *> items = m_overrides->selectedItems();
    return items.isEmpty() ? QString() : m_overrides->item(items.first()->row(), 0)->text();
}

void ThresholdsEditor::setKnownModels(const QStringList &models)
{
    const QString text = m_overrideModel->currentText();
    m_overrideModel->clear();
    m_overrideModel->addItems(models);
    m_overrideModel->setCurrentText(text);
}

bool ThresholdsEditor::hasChanges() const
{
    const semantic::SemanticSettings running = m_host->semanticSettings();
    return m_form.threshold != running.threshold || m_form.guards != running.guards
           || m_form.modelThresholds != running.modelThresholds
           || m_form.wholeConversationModels != running.wholeConversationModels
           || m_form.strict != running.strict || m_form.modelStrict != running.modelStrict;
}

void ThresholdsEditor::updateButtons()
{
    const bool changed = hasChanges();
    m_apply->setEnabled(changed);
    m_revert->setEnabled(changed);
    m_edit->setEnabled(!selectedModel().isEmpty());
    m_remove->setEnabled(!selectedModel().isEmpty());
    if (changed)
        m_status->setText(QStringLiteral("Unapplied changes."));
}

bool ThresholdsEditor::apply()
{
    // Learned refusals are not the form's: they apply as they change, maybe since it was shown.
    m_form.refusalRules = m_host->semanticSettings().refusalRules;
    m_host->setSemanticSettings(m_form);
    const auto settings = openSettings();
    SemanticPrefs prefs = SemanticPrefs::load(*settings);   // keeps the saved embedder
    prefs.setSettings(m_form);
    prefs.save(*settings);
    updateButtons();
    m_status->setText(QStringLiteral("Applied: new requests use these thresholds."));
    Q_EMIT applied(m_form);
    return true;
}

void ThresholdsEditor::revert()
{
    closeOverrideForm();
    showSettings(m_host->semanticSettings());
    m_rules->reload();
    m_status->clear();
}

void ThresholdsEditor::useModelThreshold(const QString &model, float threshold)
{
    m_form.modelThresholds.insert(model, threshold);
    fillOverrides();
    apply();
}

} // namespace cachette::ui
