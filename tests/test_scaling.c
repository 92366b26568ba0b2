/* Unit tests for real/scaling_plan.c: the arithmetic of dtbench scaling. */
#include "scaling_plan.h"

#include <CUnit/CUnit.h>
#include <string.h>

static void test_resnet50_params(void)
{
    struct scaling_layer L[SCALING_MAX_LAYERS];
    dt_err e;
    int n = scaling_layers("resnet50", L, SCALING_MAX_LAYERS, &e);
    CU_ASSERT_EQUAL_FATAL(n, 54);
    /* 23 454 912 conv weights + 53 120 bn + 2 048 000 fc weights + 1 000 bias. */
    CU_ASSERT_EQUAL(scaling_params(L, n), 25557032u);
    /* conv1: 64 x 3 x 7 x 7 = 9408 weights + 128 bn. */
    CU_ASSERT_STRING_EQUAL(L[0].name, "conv1");
    CU_ASSERT_EQUAL(L[0].params, 9536u);
    /* first layer: no input gradient, backward = forward; others 2x. */
    CU_ASSERT_DOUBLE_EQUAL(L[0].bwd_flops, L[0].fwd_flops, 0);
    CU_ASSERT_DOUBLE_EQUAL(L[1].bwd_flops, 2 * L[1].fwd_flops, 0);
    /* fc: 2 x 2048 x 1000 FLOPs per image, 2 049 000 params. */
    CU_ASSERT_STRING_EQUAL(L[53].name, "fc");
    CU_ASSERT_DOUBLE_EQUAL(L[53].fwd_flops, 4096000.0, 0);
    CU_ASSERT_EQUAL(L[53].params, 2049000u);
    CU_ASSERT(scaling_layers("resnet5O", L, SCALING_MAX_LAYERS, &e) < 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did you mean 'resnet50'"));
}

static void test_buckets(void)
{
    /* params 10 20 30 40, 4-byte elements, 200-byte buckets (50 elements):
     * backward 40 (40) + 30 (70 >= 50) -> bucket {0, 70, closed by layer 2};
     * 20 + 10 = 30, closed by the first layer -> {70, 30, 0}. */
    struct scaling_layer L[4] = {{.params = 10}, {.params = 20}, {.params = 30}, {.params = 40}};
    struct scaling_bucket b[4];
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(scaling_buckets(L, 4, 4, 200, b, 4, &e), 2);
    CU_ASSERT_EQUAL(b[0].offset, 0u);
    CU_ASSERT_EQUAL(b[0].count, 70u);
    CU_ASSERT_EQUAL(b[0].close_layer, 2);
    CU_ASSERT_EQUAL(b[1].offset, 70u);
    CU_ASSERT_EQUAL(b[1].count, 30u);
    CU_ASSERT_EQUAL(b[1].close_layer, 0);
    /* One byte buckets: one per layer, last layer first. */
    CU_ASSERT_EQUAL(scaling_buckets(L, 4, 4, 1, b, 4, &e), 4);
    CU_ASSERT_EQUAL(b[0].count, 40u);
    CU_ASSERT_EQUAL(b[3].offset, 90u);
    CU_ASSERT_EQUAL(scaling_buckets(L, 4, 4, 1, b, 3, &e), DT_ERANGE);
    /* Huge bucket: one, closed by the first layer. */
    CU_ASSERT_EQUAL(scaling_buckets(L, 4, 4, 1e12, b, 4, &e), 1);
    CU_ASSERT_EQUAL(b[0].count, 100u);
}

static void test_blocks(void)
{
    /* FLOPs fwd 1, 2; bwd 1, 4: step 8; 80 blocks -> 10 20 / 10 40. */
    struct scaling_layer L[2] = {{.fwd_flops = 1, .bwd_flops = 1}, {.fwd_flops = 2, .bwd_flops = 4}};
    long f[2], b[2];
    scaling_blocks(L, 2, 80, f, b);
    CU_ASSERT_EQUAL(f[0], 10);
    CU_ASSERT_EQUAL(f[1], 20);
    CU_ASSERT_EQUAL(b[0], 10);
    CU_ASSERT_EQUAL(b[1], 40);
}

static void test_rank_counts(void)
{
    int k[8];
    CU_ASSERT_EQUAL(scaling_rank_counts(1, k, 8), 1);
    CU_ASSERT_EQUAL(k[0], 1);
    CU_ASSERT_EQUAL(scaling_rank_counts(4, k, 8), 3);
    CU_ASSERT(k[0] == 1 && k[1] == 2 && k[2] == 4);
    CU_ASSERT_EQUAL(scaling_rank_counts(6, k, 8), 4);
    CU_ASSERT(k[0] == 1 && k[1] == 2 && k[2] == 4 && k[3] == 6);
    /* 4 ranks at 360 images/s against 100 on one: 90%. */
    CU_ASSERT_DOUBLE_EQUAL(scaling_efficiency(360, 4, 100), 0.9, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(scaling_efficiency(360, 4, 0), 0, 0);
}

static void test_gemm_block(void)
{
    /* A = I, B = 2: C += A B gives 2 everywhere (twice: 4). */
    static float a[SCALING_BLOCK * SCALING_BLOCK], b[SCALING_BLOCK * SCALING_BLOCK], c[SCALING_BLOCK * SCALING_BLOCK];
    memset(a, 0, sizeof a);
    memset(c, 0, sizeof c);
    for (int i = 0; i < SCALING_BLOCK; i++) a[i * SCALING_BLOCK + i] = 1;
    for (int i = 0; i < SCALING_BLOCK * SCALING_BLOCK; i++) b[i] = 2;
    scaling_gemm_block(c, a, b);
    scaling_gemm_block(c, a, b);
    CU_ASSERT_DOUBLE_EQUAL(c[0], 4, 0);
    CU_ASSERT_DOUBLE_EQUAL(c[SCALING_BLOCK * SCALING_BLOCK - 1], 4, 0);
}

int test_scaling_register(void)
{
    CU_pSuite s = CU_add_suite("scaling", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "resnet50 params", test_resnet50_params) || !CU_add_test(s, "buckets", test_buckets) ||
        !CU_add_test(s, "blocks", test_blocks) || !CU_add_test(s, "rank counts", test_rank_counts) ||
        !CU_add_test(s, "gemm block", test_gemm_block))
        return -1;
    return 0;
}
