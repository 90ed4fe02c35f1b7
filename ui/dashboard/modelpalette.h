#pragma once

#include <QColor>
#include <QHash>
#include <QString>
#include <QStringList>

namespace cachette::ui {

// A colour per model that every chart uses, and that stays with the model while the range or
// the filter changes: a model keeps its colour unless another model shown beside it has it.
class ModelPalette
{
public:
    static constexpr int kSize = 9;

    // Gives each of models a colour, distinct among them (up to kSize models).
    void assign(const QStringList &models);
    QColor color(const QString &model) const;   // after assign(); grey for unknown models
    static QColor otherColor();

private:
    QHash<QString, int> m_slot;   // model → palette index
};

} // namespace cachette::ui
