#include "cachegroup.h"

#include "formlabels.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

namespace cachette::ui {

namespace {

constexpr qint64 kMiB = 1024 * 1024;

} // namespace

CacheGroup::CacheGroup(int labelWidth, QWidget *parent)
    : QGroupBox(QStringLiteral("Cache"), parent)
{
    QFormLayout *form = makeSettingsForm(this);

    m_sizeCap = new QSpinBox;
    m_sizeCap->setObjectName(QStringLiteral("sizeCapSpin"));
    m_sizeCap->setRange(1, 1024 * 1024);
    m_sizeCap->setSingleStep(256);
    m_sizeCap->setSuffix(QStringLiteral(" MiB"));
    m_sizeCap->setGroupSeparatorShown(true);
    m_sizeCap->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("1,048,576 MiB")) + 40);
    addSettingsRow(form, QStringLiteral("Size limit"),
                   fieldWithNotes(leftAligned(m_sizeCap), makeHintLabel(QStringLiteral(
                       "Beyond it the least recently used entries go; pinned ones stay."))),
                   labelWidth);

    m_ttl = new QSpinBox;
    m_ttl->setObjectName(QStringLiteral("ttlSpin"));
    m_ttl->setRange(0, 100000);
    m_ttl->setSpecialValueText(QStringLiteral("Never"));
    m_ttlUnit = new QComboBox;
    m_ttlUnit->addItem(QStringLiteral("seconds"), 1);
    m_ttlUnit->addItem(QStringLiteral("minutes"), 60);
    m_ttlUnit->addItem(QStringLiteral("hours"), 3600);
    m_ttlUnit->addItem(QStringLiteral("days"), 86400);
    auto *ttlRow = new QWidget;
    auto *ttlLayout = new QHBoxLayout(ttlRow);
    ttlLayout->setContentsMargins(0, 0, 0, 0);
    ttlLayout->addWidget(m_ttl);
    ttlLayout->addWidget(m_ttlUnit);
    ttlLayout->addStretch(1);
    addSettingsRow(form, QStringLiteral("Entries expire"),
                   fieldWithNotes(ttlRow, makeHintLabel(QStringLiteral(
                       "After this long an answer is asked again. A request's own "
                       "X-Cachette-TTL header wins."))),
                   labelWidth);

    m_isolate = new QCheckBox(QStringLiteral("Keep a separate cache for each API key"));
    addSettingsRow(form, QString(), m_isolate, labelWidth);

    connect(m_sizeCap, &QSpinBox::valueChanged, this, &CacheGroup::edited);
    connect(m_ttl, &QSpinBox::valueChanged, this, [this] {
        m_ttlUnit->setEnabled(m_ttl->value() > 0);
        Q_EMIT edited();
    });
    connect(m_ttlUnit, &QComboBox::currentIndexChanged, this, &CacheGroup::edited);
    connect(m_isolate, &QCheckBox::toggled, this, &CacheGroup::edited);
}

void CacheGroup::load(qint64 sizeCapBytes, qint64 ttlSeconds, bool isolateByApiKey)
{
    m_sizeCap->setValue(int(qBound<qint64>(1, sizeCapBytes / kMiB, qint64(m_sizeCap->maximum()))));
    setTtl(ttlSeconds);
    m_isolate->setChecked(isolateByApiKey);
}

qint64 CacheGroup::sizeCapBytes() const
{
    return qint64(m_sizeCap->value()) * kMiB;
}

qint64 CacheGroup::ttlSeconds() const
{
    return qint64(m_ttl->value()) * m_ttlUnit->currentData().toLongLong();
}

bool CacheGroup::isolateByApiKey() const
{
    return m_isolate->isChecked();
}

void CacheGroup::setTtl(qint64 seconds)
{
    // The largest unit that says it exactly: 7200 s reads "2 hours".
    int unit = 0;
    for (int i = m_ttlUnit->count() - 1; i > 0; --i) {
        const qint64 size = m_ttlUnit->itemData(i).toLongLong();
        if (seconds > 0 && seconds % size == 0 && seconds / size <= m_ttl->maximum()) {
            unit = i;
            break;
        }
    }
    if (seconds == 0)
        unit = 2;   // hours: the unit people most often mean when they start typing
    m_ttlUnit->setCurrentIndex(unit);
    m_ttl->setValue(int(qMin<qint64>(seconds / m_ttlUnit->itemData(unit).toLongLong(),
                                     m_ttl->maximum())));
    m_ttlUnit->setEnabled(seconds > 0);
}

} // namespace cachette::ui
