#include "embedder.h"

#include <cmath>
#include <cstring>

// GCC instruments the ifunc resolver it writes for target_clones with ThreadSanitizer's hooks,
// and the dynamic loader runs that resolver while relocating the binary, before the TSan
// runtime is up: the tsan build's cachette crashed (SIGSEGV) before main. That build keeps the
// portable loop alone; every other build, ASan's included, keeps the clones.
#if defined(__SANITIZE_THREAD__)
#define CACHETTE_TARGET_CLONES(...)
#else
#define CACHETTE_TARGET_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#endif

namespace cachette::semantic {

void normalize(Vector &v)
{
    double sum = 0;
    for (float x : v)
        sum += double(x) * x;
    if (sum <= 0)
        return;
    const float scale = float(1.0 / std::sqrt(sum));
    for (float &x : v)
        x *= scale;
}

// The brute-force scan's inner loop. Eight independent lanes let the compiler use SIMD without
// -ffast-math; target_clones lets a portable build still use AVX2/AVX-512 where the CPU has them
// (hnswlib's own kernels are chosen at compile time instead).
CACHETTE_TARGET_CLONES("avx512f", "avx2", "default")
float dot(const float *a, const float *b, int dim)
{
    typedef float Lanes __attribute__((vector_size(32)));
    Lanes sum0 = {}, sum1 = {};
    int i = 0;
    for (; i + 16 <= dim; i += 16) {
        Lanes a0, a1, b0, b1;
        std::memcpy(&a0, a + i, sizeof a0);
        std::memcpy(&a1, a + i + 8, sizeof a1);
        std::memcpy(&b0, b + i, sizeof b0);
        std::memcpy(&b1, b + i + 8, sizeof b1);
        sum0 += a0 * b0;
        sum1 += a1 * b1;
    }
    const Lanes total = sum0 + sum1;
    float sum = 0;
    for (int k = 0; k < 8; ++k)
        sum += total[k];
    for (; i < dim; ++i)
        sum += a[i] * b[i];
    return sum;
}

// The int8 index's kernel. GCC vectorises this loop (sign-extend to 16 bits, multiply, widen,
// add); the clones give a portable build AVX-512 (x86-64-v4) and AVX2 versions of it.
CACHETTE_TARGET_CLONES("arch=x86-64-v4", "avx2", "default")
qint32 dotInt8(const qint8 *a, const qint8 *b, int dim)
{
    qint32 sum = 0;
    for (int i = 0; i < dim; ++i)
        sum += qint32(a[i]) * qint32(b[i]);
    return sum;
}

} // namespace cachette::semantic
