#include "sha256.h"

#include <QtGlobal>

#include <openssl/evp.h>

namespace cachette::cache {

namespace {

// Fetched once: an implicit fetch (EVP_sha256()) looks the algorithm up in every init.
const EVP_MD *sha256()
{
    static EVP_MD *const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

// Only an allocation can fail here; the proxy cannot key requests without it.
void check(bool ok)
{
    if (!ok)
        qFatal("SHA-256 through libcrypto failed (out of memory?)");
}

} // namespace

Sha256::Sha256()
    : m_context(EVP_MD_CTX_new())
{
    check(m_context && sha256() && EVP_DigestInit_ex(m_context, sha256(), nullptr) == 1);
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(m_context);
}

void Sha256::addData(QByteArrayView data)
{
    check(EVP_DigestUpdate(m_context, data.data(), size_t(data.size())) == 1);
}

QByteArray Sha256::result()
{
    QByteArray digest(EVP_MAX_MD_SIZE, Qt::Uninitialized);
    unsigned int size = 0;
    check(EVP_DigestFinal_ex(m_context, reinterpret_cast<unsigned char *>(digest.data()), &size) == 1);
    digest.resize(qsizetype(size));
    return digest;
}

} // namespace cachette::cache
