// Fuzzes the request canonicaliser and cache key (cachekey.cpp) with arbitrary request bodies
// for each endpoint whose fields are ignored differently.
//
// Invariants: no crash or sanitizer report; canonicalising the canonical form gives the same
// bytes (a stored canonical request, read back, must key the same entry); the key of equal
// canonical forms is the same; the fields the key ignores (stream, stream_options, user) do
// not change it; the keyed Anthropic headers are a fixed point too.

#include "fuzzsupport.h"

#include "cache/cachekey.h"

#include <QJsonDocument>

using namespace cachette::cache;

namespace {

void checkEndpoint(const QByteArray &body, const QString &endpoint)
{
    CanonicalRequest request;
    QString error;
    if (!canonicalize(body, &request, &error, endpoint)) {
        FUZZ_CHECK(!error.isEmpty());   // a refusal always says why
        return;
    }
    (void)displayPrompt(endpoint, request.body);
    const QByteArray key = cacheKey(QStringLiteral("ns"), endpoint, request.canonical);

    CanonicalRequest again;
    FUZZ_CHECK(canonicalize(request.canonical, &again, nullptr, endpoint));
    FUZZ_CHECK(again.canonical == request.canonical);
    FUZZ_CHECK(cacheKey(QStringLiteral("ns"), endpoint, again.canonical) == key);

    // The same request asked as a stream by another user keys the same entry.
    QJsonObject restated = request.body;
    restated.insert(QLatin1String("stream"), !request.stream);
    restated.insert(QLatin1String("stream_options"), QJsonObject{{"include_usage", true}});
    restated.insert(QLatin1String("user"), QStringLiteral("someone-else"));
    CanonicalRequest streamed;
    FUZZ_CHECK(canonicalize(QJsonDocument(restated).toJson(QJsonDocument::Compact), &streamed,
                            nullptr, endpoint));
    FUZZ_CHECK(streamed.canonical == request.canonical);

    // Keyed headers and the route go into the canonical JSON; a client cannot send those fields
    // itself (canonicalize drops them), and the proxy adding them again is a fixed point.
    const QList<QPair<QByteArray, QByteArray>> headers{{"Anthropic-Version", "2023-06-01"},
                                                       {"anthropic-beta", "b, a"}};
    const KeyScope scope{endpoint, QStringLiteral("anthropic"), headers};
    CanonicalRequest keyed;
    FUZZ_CHECK(canonicalize(body, &keyed, nullptr, scope));
    CanonicalRequest keyedAgain;
    FUZZ_CHECK(canonicalize(keyed.canonical, &keyedAgain, nullptr, endpoint));
    FUZZ_CHECK(keyedAgain.canonical == request.canonical);
    FUZZ_CHECK(canonicalize(keyed.canonical, &keyedAgain, nullptr, scope));
    FUZZ_CHECK(keyedAgain.canonical == keyed.canonical);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool quiet = (fuzzsupport::silenceQt(), true);
    Q_UNUSED(quiet);
    const QByteArray body(reinterpret_cast<const char *>(data), qsizetype(size));
    for (const char *endpoint : {"chat/completions", "completions", "embeddings", "messages", "responses"})
        checkEndpoint(body, QString::fromLatin1(endpoint));
    return 0;
}
