#pragma once

#include "store/outcome.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace cachette::ui {

// Keeps the rows of one outcome (or all) whose endpoint, model, outcome or status contain
// the text. Never sorts: the log is already newest first (and sorting here would be wrong for
// any lazily fetched model, see DESIGN.md).
class RequestFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setOutcome(std::optional<store::Outcome> outcome);   // nullopt = every outcome
    void setText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    std::optional<store::Outcome> m_outcome;
    QString m_text;
};

} // namespace cachette::ui
