#pragma once

#include <QByteArray>
#include <QByteArrayView>

struct evp_md_ctx_st;

namespace cachette::cache {

// SHA-256 through OpenSSL's libcrypto, for the digests on the request path (the cache key, the
// semantic context). QCryptographicHash in Qt 6.4 is a portable C implementation: 0.5 ms for an
// agent's 47 KB body here, where libcrypto uses the CPU's SHA extensions (docs/benchmarks.md,
// "Cheaper keys"). The digests are the same bytes either way.
class Sha256
{
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void addData(QByteArrayView data);
    QByteArray result();   // the 32-byte digest; call once

private:
    evp_md_ctx_st *m_context;
};

} // namespace cachette::cache
