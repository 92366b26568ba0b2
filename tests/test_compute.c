#include "calib.h"
#include "compute.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

/* A 1000 -> 1000 fully connected layer with bias, built by hand:
 * fwd flops per sample = 2*1000*1000 + 1000, params 1,001,000. */
static struct dnn_layer fc_layer(void)
{
    struct dnn_layer l;
    memset(&l, 0, sizeof l);
    l.kind = DNN_FC;
    l.params = 1001000;
    l.macs = 1000000;
    l.fwd_flops = 2001000;
    l.bwd_data_flops = 2000000;
    l.bwd_weight_flops = 2001000;
    l.in_elems = 1000;
    l.out_elems = 1000;
    return l;
}

static const struct compute_gpu toy = {1e12, 0, 4e12, 1e11};
static const struct compute_params toyp = {{0.5, 0.25}, 1e-4, 1.0, 0.8, 5e-6, {1, 1}};

static void test_layer_by_hand(void)
{
    struct dnn_layer l = fc_layer();
    /* fp32, batch 100: F = 200.1e6; t_math = (F + P*ramp) / (P*eff) =
     * (200.1e6 + 1e8) / 0.5e12 = 600.2 us; bytes = 4*(1001000 + 100*2000)
     * = 4.804e6 -> t_mem = 60.05 us; + 1 launch of 5 us = 605.2 us. */
    double t = compute_layer_s(&l, 0, 100, COMPUTE_FP32, &toy, &toyp);
    CU_ASSERT_DOUBLE_EQUAL(t, 605.2e-6, 1e-12);
    /* fp16: P = 4e12, eff 0.25: (200.1e6 + 4e8) / 1e12 = 600.1 us; bytes
     * halve (t_mem 30 us); + 5 us. */
    t = compute_layer_s(&l, 0, 100, COMPUTE_FP16, &toy, &toyp);
    CU_ASSERT_DOUBLE_EQUAL(t, 605.1e-6, 1e-12);
    /* backward: F = 400.1e6 per 100 samples; (400.1e6 + 1e8) / 0.5e12 =
     * 1000.2 us; two kernels (data and weight gradients): + 10 us. */
    t = compute_layer_s(&l, 1, 100, COMPUTE_FP32, &toy, &toyp);
    CU_ASSERT_DOUBLE_EQUAL(t, 1010.2e-6, 1e-12);
}

static void test_memory_bound(void)
{
    struct dnn_layer l;
    memset(&l, 0, sizeof l);
    l.kind = DNN_RELU;
    l.fwd_flops = 1000;
    l.bwd_data_flops = 1000;
    l.in_elems = 1000;
    l.out_elems = 1000;
    /* fp32 batch 1000: bytes = 4 * 1000 * 2000 = 8e6 -> 100 us at 80 GB/s;
     * math on the ALUs at full rate: F = 1e6, (1e6 + 1e8) / 1e12 = 101 us:
     * the ramp dominates */
    double t = compute_layer_s(&l, 0, 1000, COMPUTE_FP32, &toy, &toyp);
    CU_ASSERT_DOUBLE_EQUAL(t, 101e-6 + 5e-6, 1e-12);
    /* with no ramp the memory term wins: 100 us + 5 us */
    struct compute_params p = toyp;
    p.ramp_s = 0;
    t = compute_layer_s(&l, 0, 1000, COMPUTE_FP32, &toy, &p);
    CU_ASSERT_DOUBLE_EQUAL(t, 105e-6, 1e-12);
}

static void test_matrix_peak(void)
{
    struct compute_gpu p40 = {11.8e12, 0, 0.18e12, 347e9};
    struct compute_gpu a100 = {19.5e12, 156e12, 312e12, 2039e9};
    CU_ASSERT_DOUBLE_EQUAL(compute_matrix_peak(&a100, COMPUTE_FP32), 156e12, 1);
    CU_ASSERT_DOUBLE_EQUAL(compute_matrix_peak(&a100, COMPUTE_FP16), 312e12, 1);
    CU_ASSERT_DOUBLE_EQUAL(compute_matrix_peak(&p40, COMPUTE_FP16), 11.8e12, 1);
    CU_ASSERT_DOUBLE_EQUAL(compute_matrix_peak(&toy, COMPUTE_FP16), 4e12, 1);
    CU_ASSERT_DOUBLE_EQUAL(compute_matrix_peak(&toy, COMPUTE_FP32), 1e12, 1);
}

static void test_net(void)
{
    struct dnn_net net;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet50", NULL, &net, &e), 0);
    struct compute_gpu v100 = {15.7e12, 0, 125e12, 900e9};
    struct compute_params p = {{0.8, 0.6}, 16e-6, 1.0, 0.8, 5e-6, {1, 1}};
    struct compute_times t32, t256;
    CU_ASSERT_EQUAL_FATAL(compute_net(&net, 32, COMPUTE_FP16, &v100, &p, &t32, &e), 0);
    CU_ASSERT_EQUAL_FATAL(compute_net(&net, 256, COMPUTE_FP16, &v100, &p, &t256, &e), 0);
    double sum = 0;
    for (size_t i = 0; i < net.nlayers; i++) sum += t32.fwd_s[i];
    CU_ASSERT_DOUBLE_EQUAL(sum, t32.fwd_total_s, 1e-12);
    /* bigger batches use the GPU better */
    CU_ASSERT(compute_throughput(&t256, 256) > compute_throughput(&t32, 32));
    /* optimizer: 25,557,032 params * 22 bytes / (900 GB/s * 0.8) + 5 us */
    CU_ASSERT_DOUBLE_EQUAL(t32.optimizer_s, 25557032.0 * 22 / 720e9 + 5e-6, 1e-12);
    compute_times_free(&t32);
    compute_times_free(&t256);
    struct compute_times bad;
    CU_ASSERT_EQUAL(compute_net(&net, 0, COMPUTE_FP32, &v100, &p, &bad, &e), DT_EINVAL);
    CU_ASSERT(strstr(e.msg, "batch") != NULL);
    p.eff_max[0] = 1.5;
    CU_ASSERT_EQUAL(compute_net(&net, 32, COMPUTE_FP32, &v100, &p, &bad, &e), DT_EINVAL);
    dnn_free(&net);
}

/* calib matrix-fwd / matrix-bwd points (a dtbench compute trace's GPU
 * time of the matrix layers): non-matrix layers and launch overhead are
 * left out. A two-layer net, the fc layer above and a ReLU: */
static void test_calib_matrix(void)
{
    struct dnn_layer ls[2];
    ls[0] = fc_layer();
    memset(&ls[1], 0, sizeof ls[1]);
    ls[1].kind = DNN_RELU;
    ls[1].fwd_flops = 1000;
    ls[1].in_elems = ls[1].out_elems = 1000;
    struct dnn_net net;
    memset(&net, 0, sizeof net);
    net.layers = ls;
    net.nlayers = 2;
    struct calib_point pt = {.name = "t", .net = &net, .gpu = toy, .prec = COMPUTE_FP32, .batch = 100,
                             .mode = CALIB_MATRIX_FWD, .value = 1};
    /* layer_by_hand's 605.2 us, less its 5 us launch; the ReLU not counted */
    CU_ASSERT_DOUBLE_EQUAL(calib_predict(&pt, &toyp), 600.2e-6, 1e-12);
    /* backward: 1010.2 us less two 5 us launches */
    pt.mode = CALIB_MATRIX_BWD;
    CU_ASSERT_DOUBLE_EQUAL(calib_predict(&pt, &toyp), 1000.2e-6, 1e-12);
    /* while the plain backward mode counts launches and every layer */
    pt.mode = CALIB_BACKWARD;
    CU_ASSERT(calib_predict(&pt, &toyp) > 1010.2e-6 - 1e-12);
}

int test_compute_register(void)
{
    CU_pSuite s = CU_add_suite("compute", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "layer worked by hand", test_layer_by_hand) ||
        !CU_add_test(s, "memory-bound layer", test_memory_bound) ||
        !CU_add_test(s, "matrix peak per precision", test_matrix_peak) ||
        !CU_add_test(s, "resnet50 totals", test_net) ||
        !CU_add_test(s, "calib matrix-fwd/bwd points", test_calib_matrix))
        return -1;
    return 0;
}
