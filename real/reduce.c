#include "reduce.h"

#include "coll.h"
#include "coll_exec.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_F16C_PATH 1
#endif

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
        d[i] = coll_float_to_half(coll_half_to_float(a[i]) + coll_half_to_float(b[i]));
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
        /* cpuid leaf 1, not __builtin_cpu_supports("f16c"), which clang lacks */
        unsigned a, b, c, d;
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx") && __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
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
