#include "requestfiltermodel.h"

#include "requestlogmodel.h"

namespace cachette::ui {

void RequestFilterModel::setOutcome(std::optional<store::Outcome> outcome)
{
    if (outcome == m_outcome)
        return;
    m_outcome = outcome;
    invalidateFilter();
}

void RequestFilterModel::setText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateFilter();
}

bool RequestFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (m_outcome && index.data(RequestLogModel::RecordOutcomeRole).toInt() != int(*m_outcome))
        return false;
    return m_text.isEmpty()
           || index.data(RequestLogModel::SearchTextRole).toString().contains(m_text,
                                                                               Qt::CaseInsensitive);
}

} // namespace cachette::ui
