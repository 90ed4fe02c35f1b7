#include "modelname.h"

#include <QRegularExpression>

namespace cachette::pricing {

namespace {

// One trailing suffix that names a snapshot, alias or routing variant of a model family.
// Dates come before the 3-4 digit revisions so "-2024-08-06" goes whole, not as "-06".
const QRegularExpression &snapshotSuffix()
{
    static const QRegularExpression re(QStringLiteral(
        "(?:-\\d{4}-\\d{2}-\\d{2}|-\\d{8}|-\\d{2}-\\d{2}|-\\d{3,4}|-latest|-preview|-exp"
        "|-instruct|-versatile|-instant"
        "|:(?:nitro|floor|beta|extended|thinking|online|exacto))$"));
    return re;
}

// "claude-3.5-sonnet" → "claude-3-5-sonnet": Anthropic's own ids use dashes, OpenRouter dots.
QString dashedVersion(const QString &name)
{
    static const QRegularExpression dot(QStringLiteral("(\\d)\\.(\\d)"));
    QString dashed = name;
    dashed.replace(dot, QStringLiteral("\\1-\\2"));
    return dashed;
}

void appendOnce(QStringList &names, const QString &name)
{
    if (!name.isEmpty() && !names.contains(name))
        names.append(name);
}

// name, then name with one more snapshot suffix stripped each time.
void appendFamily(QStringList &names, QString name)
{
    appendOnce(names, name);
    for (;;) {
        const QRegularExpressionMatch m = snapshotSuffix().match(name);
        if (!m.hasMatch() || m.capturedStart() == 0)
            return;
        name.truncate(m.capturedStart());
        appendOnce(names, name);
    }
}

} // namespace

bool isFreeVariant(const QString &model)
{
    return model.trimmed().endsWith(QLatin1String(":free"), Qt::CaseInsensitive);
}

QStringList priceLookupNames(const QString &model)
{
    QStringList names;
    const QString exact = model.trimmed();
    appendOnce(names, exact);
    const QString lower = exact.toLower();
    appendOnce(names, lower);
    const QString base = lower.mid(lower.lastIndexOf(QLatin1Char('/')) + 1);
    appendOnce(names, base);
    appendFamily(names, lower);
    appendFamily(names, base);
    appendFamily(names, dashedVersion(base));
    return names;
}

} // namespace cachette::pricing
