#include "modelpalette.h"

#include <QSet>

namespace cachette::ui {

namespace {

// Tableau 10 without its grey, which "Other" uses: distinct on white and for most colour-blind
// readers, and calm enough for a page that stays open.
const QRgb kColors[ModelPalette::kSize] = {
    0x4e79a7, 0xf28e2b, 0x59a14f, 0xe15759, 0x76b7b2, 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f,
};

} // namespace

void ModelPalette::assign(const QStringList &models)
{
    QSet<int> taken;
    QStringList unassigned;
    for (const QString &model : models) {
        const auto it = m_slot.constFind(model);
        if (it != m_slot.constEnd() && !taken.contains(*it))
            taken.insert(*it);
        else
            unassigned.append(model);
    }
    int next = 0;
    for (const QString &model : unassigned) {
        while (taken.contains(next) && next < kSize)
            ++next;
        const int slot = next < kSize ? next : int(m_slot.size()) % kSize;
        m_slot.insert(model, slot);
        taken.insert(slot);
    }
}

QColor ModelPalette::color(const QString &model) const
{
    const auto it = m_slot.constFind(model);
    return it == m_slot.constEnd() ? otherColor() : QColor(kColors[*it]);
}

QColor ModelPalette::otherColor()
{
    return QColor(0xba, 0xb0, 0xac);
}

} // namespace cachette::ui
