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

bool isHexDigit(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

int hexValue(char ch)
{
    return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
}

// Providers and the servers in front of them decode a broken escape each their own way, and a
// decoded control byte ends a path early in some of them: neither is ever sent on.
QString escapeProblem(const QByteArray &path)
{
    for (qsizetype i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
        if (i + 2 >= path.size() || !isHexDigit(path[i + 1]) || !isHexDigit(path[i + 2]))
            return QStringLiteral("the path contains a malformed percent-escape");
        const int value = hexValue(path[i + 1]) * 16 + hexValue(path[i + 2]);
        if (value < 0x20 || value == 0x7f)
            return QStringLiteral("the path contains an encoded control character");
    }
    return QString();
}

} // namespace

QString pathProblem(const QByteArray &path)
{
    const QString escape = escapeProblem(path);
    if (!escape.isEmpty())
        return escape;
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
