#include "thresholdcontrol.h"

#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QSlider>

namespace cachette::ui {

ThresholdControl::ThresholdControl(QWidget *parent)
    : QWidget(parent)
    , m_slider(new QSlider(Qt::Horizontal))
    , m_spin(new QDoubleSpinBox)
{
    // The slider counts hundredths, so each step is one spin box step.
    m_slider->setRange(qRound(kMinimum * 100), qRound(kMaximum * 100));
    m_slider->setPageStep(5);
    m_slider->setMinimumWidth(160);
    m_spin->setRange(kMinimum, kMaximum);
    m_spin->setSingleStep(0.01);
    m_spin->setDecimals(2);
    m_spin->setAccelerated(true);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(10);
    layout->addWidget(m_slider, 1);
    layout->addWidget(m_spin);

    connect(m_slider, &QSlider::valueChanged, this, [this](int hundredths) {
        setValue(hundredths / 100.0);
    });
    connect(m_spin, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        const QSignalBlocker blocker(m_slider);
        m_slider->setValue(qRound(value * 100));
        Q_EMIT valueChanged(value);
    });
    setValue(0.85);
}

double ThresholdControl::value() const
{
    return m_spin->value();
}

void ThresholdControl::setValue(double value)
{
    m_spin->setValue(qBound(kMinimum, value, kMaximum));
    const QSignalBlocker blocker(m_slider);
    m_slider->setValue(qRound(m_spin->value() * 100));
}

} // namespace cachette::ui
