#include "cachecontrol.h"

#include <QList>

#include <limits>

namespace cachette::cache {

namespace {

// delta-seconds (RFC 9111 §1.2.2): digits only. A sign, a fraction or an overflow makes the
// value malformed, and a malformed value is ignored rather than guessed at.
std::optional<qint64> parseSeconds(QByteArrayView text)
{
    text = text.trimmed();
    if (text.isEmpty())
        return std::nullopt;
    qint64 value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        if (value > (std::numeric_limits<qint64>::max() - (c - '0')) / 10)
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// HTTP allows the quoted-string form max-age="60" as well as the token form.
QByteArrayView unquote(QByteArrayView value)
{
    value = value.trimmed();
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        return value.sliced(1, value.size() - 2);
    return value;
}

void applyDirective(QByteArrayView directive, CacheDirectives &result)
{
    const qsizetype equals = directive.indexOf('=');
    const QByteArray name =
        directive.first(equals < 0 ? directive.size() : equals).trimmed().toByteArray().toLower();
    if (name == "no-cache") {
        result.noCache = true;
    } else if (name == "no-store") {
        result.noStore = true;
    } else if (name == "only-if-cached") {
        result.onlyIfCached = true;
    } else if (name == "max-age" && equals >= 0) {
        const auto seconds = parseSeconds(unquote(directive.sliced(equals + 1)));
        // Two max-age values conflict; the smaller one is the safe reading.
        if (seconds && (!result.maxAgeSeconds || *seconds < *result.maxAgeSeconds))
            result.maxAgeSeconds = seconds;
    }
}

} // namespace

CacheDirectives CacheDirectives::parse(const QByteArray &cacheControl, const QByteArray &ttlHeader)
{
    CacheDirectives result;
    for (const QByteArray &directive : cacheControl.split(','))
        applyDirective(directive, result);
    result.ttlSeconds = parseSeconds(ttlHeader);
    return result;
}

} // namespace cachette::cache
