#pragma once

#include "store/cacheentry.h"

#include <QAbstractTableModel>
#include <QList>

namespace cachette::ui {

// The recent request log, newest first, in memory: a few thousand small rows at most, so the
// filter proxy above it sees every row (nothing is fetched lazily).
class RequestLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Route, Endpoint, Model, Outcome, Tokens, Latency, Status, ColumnCount };
    enum Role { RecordOutcomeRole = Qt::UserRole + 1, EntryKeyRole, SearchTextRole };

    explicit RequestLogModel(QObject *parent = nullptr);

    void setRecords(const QList<store::RequestLogRecord> &newestFirst);
    void prepend(const store::RequestLogRecord &record);   // a request that just finished
    void setCapacity(int rows);                            // oldest rows drop beyond it
    const store::RequestLogRecord &record(int row) const { return m_records.at(row); }
    qint64 newestId() const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QVariant display(const store::RequestLogRecord &record, int column) const;
    QVariant toolTip(const store::RequestLogRecord &record, int column) const;
    void trim();

    QList<store::RequestLogRecord> m_records;
    int m_capacity = 5000;
};

} // namespace cachette::ui
