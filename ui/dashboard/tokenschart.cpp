#include "tokenschart.h"

#include "chartstyle.h"
#include "common/format.h"
#include "modelpalette.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QChartView>
#include <QtCharts/QPieSeries>
#include <QtCharts/QPieSlice>

namespace cachette::ui {

namespace fmt = format;

TokensChart::TokensChart(QWidget *parent)
    : QFrame(parent)
    , m_pie(new QPieSeries)
    , m_view(new QChartView(new QChart))
    , m_table(new QLabel)
{
    setObjectName(QStringLiteral("tokensChart"));
    setProperty("dashboardCard", true);
    chartstyle::styleView(m_view, QString());
    chartstyle::makeTransparent(m_view);
    m_view->setMinimumSize(120, 120);
    setMinimumSize(260, 200);
    m_pie->setHoleSize(0.55);
    m_pie->setPieSize(0.9);
    m_view->chart()->addSeries(m_pie);

    m_table->setObjectName(QStringLiteral("tokensTable"));
    m_table->setTextFormat(Qt::RichText);
    QFont small = m_table->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    m_table->setFont(small);

    auto *body = new QHBoxLayout;
    body->setSpacing(4);
    body->addWidget(m_view, 1);
    body->addWidget(m_table, 0, Qt::AlignVCenter);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 3, 14, 6);
    layout->setSpacing(0);
    layout->addWidget(chartstyle::titleLabel(QStringLiteral("Tokens by model")));
    layout->addLayout(body, 1);
}

void TokensChart::setData(const DashboardData &data, const ModelPalette &palette)
{
    m_data = data;
    m_pie->clear();
    m_colors.clear();
    for (int m = 0; m < data.models.size(); ++m) {
        const ModelSeries &model = data.models.at(m);
        m_colors.append(model.isOther ? ModelPalette::otherColor() : palette.color(model.name));
        auto *slice = new QPieSlice(model.displayName(), qreal(model.tokens()));
        slice->setColor(m_colors.last());
        slice->setBorderColor(Qt::white);
        slice->setBorderWidth(1);
        slice->setExplodeDistanceFactor(0.05);
        connect(slice, &QPieSlice::hovered, this, [this, slice, m](bool state) {
            slice->setExploded(state);
            chartstyle::showHoverText(this, state ? hoverText(m) : QString());
        });
        m_pie->append(slice);
    }
    updateTable();
}

QSize TokensChart::sizeHint() const
{
    return QSize(chartstyle::kHintWidth, chartstyle::kHintHeight);
}

qint64 TokensChart::allTokens() const
{
    qint64 all = 0;
    for (const ModelSeries &model : m_data.models)
        all += model.tokens();
    return all;
}

// Names elided and the share column dropped as the card narrows: the donut keeps at least
// kMinDonut px, and hovering a slice tells the rest.
void TokensChart::updateTable()
{
    constexpr int kMinDonut = 130;
    const QFontMetrics metrics(m_table->font());
    const bool withShare = width() >= 440;
    const int figures = metrics.horizontalAdvance(withShare ? QStringLiteral("  000.0 k  00.0 %")
                                                            : QStringLiteral("  000.0 k"));
    const int nameRoom = qMax(60, width() - kMinDonut - figures - 50);
    const qint64 all = allTokens();
    QString rows;
    for (int m = 0; m < m_data.models.size(); ++m) {
        const ModelSeries &model = m_data.models.at(m);
        const QString name = metrics.elidedText(model.displayName(), Qt::ElideMiddle, nameRoom);
        rows += QStringLiteral("<tr><td style=\"color:%1\">&#9679;</td><td>%2</td>"
                               "<td align=\"right\">&nbsp;&nbsp;%3</td>")
                    .arg(m_colors.value(m).name(), name.toHtmlEscaped(), fmt::compactCount(model.tokens()));
        if (withShare)
            rows += QStringLiteral("<td align=\"right\" style=\"color:#6b727b\">&nbsp;&nbsp;%1</td>")
                        .arg(fmt::percent(all > 0 ? double(model.tokens()) / double(all) : 0.0));
        rows += QStringLiteral("</tr>");
    }
    m_table->setText(QStringLiteral("<table cellspacing=\"0\" cellpadding=\"2\">%1</table>").arg(rows));
}

void TokensChart::resizeEvent(QResizeEvent *event)
{
    QFrame::resizeEvent(event);
    updateTable();
}

QString TokensChart::hoverText(int model) const
{
    if (model < 0 || model >= m_data.models.size())
        return {};
    const ModelSeries &series = m_data.models.at(model);
    const qint64 all = allTokens();
    const store::UsageTotals &t = series.totals;
    return QStringLiteral("%1: %2 (%3)\n%4 spent, %5 saved by the cache")
        .arg(series.displayName(),
             fmt::plural(series.tokens(), QStringLiteral("token"), QStringLiteral("tokens")),
             fmt::percent(all > 0 ? double(series.tokens()) / double(all) : 0.0),
             fmt::count(t.promptTokens + t.completionTokens), fmt::count(t.tokensSaved));
}

} // namespace cachette::ui
