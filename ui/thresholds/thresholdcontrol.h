#pragma once

#include <QWidget>

class QDoubleSpinBox;
class QSlider;

namespace cachette::ui {

// A threshold as a slider and a spin box kept in step: 0.50–1.00 in steps of 0.01 (below 0.50
// unrelated prompts match; 1.00 turns semantic matching off).
class ThresholdControl : public QWidget
{
    Q_OBJECT
public:
    static constexpr double kMinimum = 0.5;
    static constexpr double kMaximum = 1.0;

    explicit ThresholdControl(QWidget *parent = nullptr);

    double value() const;
    void setValue(double value);   // emits valueChanged() when it changes
    QDoubleSpinBox *spinBox() const { return m_spin; }
    QSlider *slider() const { return m_slider; }

Q_SIGNALS:
    void valueChanged(double value);

private:
    QSlider *m_slider;
    QDoubleSpinBox *m_spin;
};

} // namespace cachette::ui
