#include "targetpath.h"

#include <QList>

namespace cachette::http {

namespace {

// The segment with %2e/%2E read as '.', or an empty array when it has any other escape.
QByteArray dotsOf(const QByteArray &segment)
{
    QByteArray dots;
    for (qsizetype i = 0; i < segment.size(); ++i) {
        if (segment[i] == '%' && i + 2 < segment.size() && segment[i + 1] == '2'
            && (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
            dots += '.';
            i += 2;
        } else {
            dots += segment[i];
        }
    }
    return dots;
}

} // namespace

QString pathProblem(const QByteArray &path)
{
    if (path.contains('\\'))
        return QStringLiteral("the path contains a backslash");
    const QByteArray lower = path.toLower();
    if (lower.contains("%2f") || lower.contains("%5c"))
        return QStringLiteral("the path contains an encoded slash or backslash");
    for (const QByteArray &segment : path.split('/')) {
        const QByteArray dots = dotsOf(segment);
        if (dots == "." || dots == "..")
            return QStringLiteral("the path contains a dot segment (\"%1\")")
                .arg(QString::fromLatin1(segment));
    }
    return QString();
}

} // namespace cachette::http
