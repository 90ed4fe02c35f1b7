#include "requestlogmodel.h"

#include "clock.h"
#include "common/proxystate.h"

#include <QDateTime>
#include <QLocale>

namespace cachette::ui {

namespace {

QString timeText(qint64 ms)
{
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(ms);
    if (when.date() == clock::now().date())
        return when.toString(QStringLiteral("HH:mm:ss"));
    return QLocale().toString(when.date(), QStringLiteral("d MMM")) + QLatin1Char(' ')
           + when.toString(QStringLiteral("HH:mm"));
}

QString latencyText(qint64 us)
{
    const double ms = double(us) / 1000.0;
    // Hits take well under a millisecond: one decimal keeps them from all reading "0".
    return ms < 10 ? QLocale().toString(ms, 'f', 1) : QLocale().toString(qRound64(ms));
}

QString tokensText(const store::TokenUsage &usage)
{
    if (!usage.known)
        return QStringLiteral("—");
    return QLocale().toString(usage.promptTokens + usage.completionTokens);
}

} // namespace

RequestLogModel::RequestLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void RequestLogModel::setRecords(const QList<store::RequestLogRecord> &newestFirst)
{
    beginResetModel();
    m_records = newestFirst;
    if (m_records.size() > m_capacity)
        m_records.resize(m_capacity);
    endResetModel();
}

void RequestLogModel::prepend(const store::RequestLogRecord &record)
{
    beginInsertRows({}, 0, 0);
    m_records.prepend(record);
    endInsertRows();
    trim();
}

void RequestLogModel::setCapacity(int rows)
{
    m_capacity = qMax(1, rows);
    trim();
}

void RequestLogModel::trim()
{
    if (m_records.size() <= m_capacity)
        return;
    beginRemoveRows({}, m_capacity, int(m_records.size()) - 1);
    m_records.resize(m_capacity);
    endRemoveRows();
}

qint64 RequestLogModel::newestId() const
{
    qint64 newest = 0;
    for (const store::RequestLogRecord &record : m_records)
        newest = qMax(newest, record.id);
    return newest;
}

int RequestLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int RequestLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_records.size())
        return {};
    const store::RequestLogRecord &r = m_records.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return display(r, index.column());
    case Qt::ToolTipRole:
        return toolTip(r, index.column());
    case Qt::ForegroundRole:
        if (index.column() == Outcome)
            return outcomeColor(r.outcome);
        if (index.column() == Status && r.status >= 400)
            return outcomeColor(store::Outcome::Error);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= Tokens)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case RecordOutcomeRole:
        return int(r.outcome);
    case EntryKeyRole:
        return r.entryKey;
    case SearchTextRole:
        return QStringList{r.route, r.endpoint, r.model, store::outcomeName(r.outcome),
                           QString::number(r.status),
                           r.cacheNamespace}.join(QLatin1Char(' '));
    default:
        return {};
    }
}

QVariant RequestLogModel::display(const store::RequestLogRecord &r, int column) const
{
    switch (column) {
    case Time:
        return timeText(r.timestamp);
    case Route:   // the default /v1 reads as nothing: most people have only that one
        return r.route.isEmpty() ? QStringLiteral("—") : r.route;
    case Endpoint:
        return r.endpoint;
    case Model:
        return r.model.isEmpty() ? QStringLiteral("—") : r.model;
    case Outcome:
        return QString(store::outcomeName(r.outcome));
    case Tokens:
        return tokensText(r.usage);
    case Latency:
        return latencyText(r.latencyUs);
    case Status:
        return r.status;
    default:
        return {};
    }
}

QVariant RequestLogModel::toolTip(const store::RequestLogRecord &r, int column) const
{
    switch (column) {
    case Time:
        return QDateTime::fromMSecsSinceEpoch(r.timestamp).toString(Qt::ISODateWithMs);
    case Route:
        return r.route.isEmpty() ? QStringLiteral("The default route, /v1")
                                 : QStringLiteral("The provider route /%1/v1").arg(r.route);
    case Tokens:
        if (!r.usage.known)
            return QStringLiteral("The answer carried no token counts");
        return QStringLiteral("%1 prompt + %2 completion tokens")
            .arg(r.usage.promptTokens).arg(r.usage.completionTokens);
    case Latency:
        if (r.upstreamLatencyUs > 0)
            return QStringLiteral("%1 ms in all, %2 ms waiting for the provider")
                .arg(latencyText(r.latencyUs), latencyText(r.upstreamLatencyUs));
        return QStringLiteral("%1 ms from request to answer").arg(latencyText(r.latencyUs));
    case Outcome:
        {
        const QString name = store::outcomeName(r.outcome);
        return r.streamed ? QStringLiteral("%1, streamed").arg(name) : name;
    }
    default:
        return {};
    }
}

QVariant RequestLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue((section >= Tokens ? Qt::AlignRight : Qt::AlignLeft)
                                   | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time: return QStringLiteral("Time");
    case Route: return QStringLiteral("Route");
    case Endpoint: return QStringLiteral("Endpoint");
    case Model: return QStringLiteral("Model");
    case Outcome: return QStringLiteral("Outcome");
    case Tokens: return QStringLiteral("Tokens");
    case Latency: return QStringLiteral("Latency (ms)");
    case Status: return QStringLiteral("Status");
    default: return {};
    }
}

} // namespace cachette::ui
