#include "reduce.h"

#include "coll.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_F16C_PATH 1
#endif

float reduce_half_to_float(uint16_t h)
{
    uint32_t s = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff, bits;
    if (e == 0x1f) {
        bits = s | 0x7f800000u | (m << 13); /* inf, nan */
    } else if (e) {
        bits = s | ((e + 112) << 23) | (m << 13);
    } else if (!m) {
        bits = s;
    } else { /* subnormal: normalise */
        e = 113;
        while (!(m & 0x400)) {
            m <<= 1;
            e--;
        }
        bits = s | (e << 23) | ((m & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t reduce_float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t s = (x >> 16) & 0x8000, a = x & 0x7fffffffu;
    if (a >= 0x7f800000u) return (uint16_t)(s | 0x7c00 | (a > 0x7f800000u ? 0x200 : 0));
    if (a >= 0x477ff000u) return (uint16_t)(s | 0x7c00); /* rounds to inf */
    if (a < 0x38800000u) {                              /* subnormal or zero */
        if (a < 0x33000000u) return (uint16_t)s;
        uint32_t e = a >> 23, m = (a & 0x7fffff) | 0x800000, sh = 126 - e;
        uint32_t q = m >> sh, rem = m & ((1u << sh) - 1), half = 1u << (sh - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return (uint16_t)(s | q);
    }
    uint32_t q = ((a >> 13) - (112u << 10)), rem = a & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (q & 1))) q++;
    return (uint16_t)(s | q);
}

#define BLK 16

static void acc_f32(float *restrict d, const float *restrict b, size_t n)
{
    size_t i = 0;
    for (; i + BLK <= n; i += BLK)
        for (size_t j = 0; j < BLK; j++) d[i + j] += b[i + j];
    for (; i < n; i++) d[i] += b[i];
}

static void add_f32(float *restrict d, const float *restrict a, const float *restrict b, size_t n)
{
    size_t i = 0;
    for (; i + BLK <= n; i += BLK)
        for (size_t j = 0; j < BLK; j++) d[i + j] = a[i + j] + b[i + j];
    for (; i < n; i++) d[i] = a[i] + b[i];
}

static void add_f16_soft(uint16_t *d, const uint16_t *a, const uint16_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = reduce_float_to_half(reduce_half_to_float(a[i]) + reduce_half_to_float(b[i]));
}

#ifdef HAVE_F16C_PATH
__attribute__((target("avx,f16c"))) static void add_f16_f16c(uint16_t *d, const uint16_t *a, const uint16_t *b,
                                                              size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i)));
        __m256 y = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i)));
        _mm_storeu_si128((__m128i *)(d + i), _mm256_cvtps_ph(_mm256_add_ps(x, y), _MM_FROUND_TO_NEAREST_INT));
    }
    add_f16_soft(d + i, a + i, b + i, n - i);
}

static int have_f16c(void)
{
    static int v = -1;
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
    }
    return v;
}
#endif

static void add_f16(uint16_t *d, const uint16_t *a, const uint16_t *b, size_t n)
{
#ifdef HAVE_F16C_PATH
    if (have_f16c()) {
        add_f16_f16c(d, a, b, n);
        return;
    }
#endif
    add_f16_soft(d, a, b, n);
}

void reduce_acc(int dtype, void *d, const void *b, size_t n)
{
    if (dtype == COLL_FP16)
        add_f16(d, d, b, n);
    else
        acc_f32(d, b, n);
}

void reduce_add(int dtype, void *d, const void *a, const void *b, size_t n)
{
    if (dtype == COLL_FP16)
        add_f16(d, a, b, n);
    else if (d == a)
        acc_f32(d, b, n);
    else
        add_f32(d, a, b, n);
}
