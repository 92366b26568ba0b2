/* Tests for real/compute.[ch]: the ResNet-50 layer table against published
 * counts, and (only where a CUDA device exists) one GEMM and one
 * convolution through compute_cuda. Without a GPU the GPU test is not
 * registered and "SKIP: no GPU (...)" is printed: a skip, not a pass. */
#include "gpucompute.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#ifdef DT_HAVE_CUDA
#include "compute_cuda.h"
#endif

static void test_resnet50_table(void)
{
    struct compute_layer L[COMPUTE_MAX_LAYERS];
    dt_err e;
    int n = compute_layers("resnet50", L, COMPUTE_MAX_LAYERS, &e);
    CU_ASSERT_EQUAL_FATAL(n, 54); /* 53 convolutions + fc */
    double macs = 0, conv_w = 0, fc_w = 0;
    int convs = 0, distinct = 0;
    for (int i = 0; i < n; i++) {
        macs += compute_layer_flops(&L[i], 1) / 2;
        if (strcmp(L[i].kind, "conv") == 0) {
            convs++;
            conv_w += compute_layer_weights(&L[i]);
            int seen = 0;
            for (int j = 0; j < i; j++)
                seen |= L[j].c == L[i].c && L[j].h == L[i].h && L[j].k == L[i].k && L[j].r == L[i].r &&
                        L[j].stride == L[i].stride && L[j].pad == L[i].pad;
            distinct += !seen;
        } else {
            fc_w += compute_layer_weights(&L[i]);
        }
    }
    CU_ASSERT_EQUAL(convs, 53);
    CU_ASSERT_EQUAL(distinct, 23);
    /* torchvision: 4.09 GMACs; worked by hand layer by layer, see compute.h. */
    CU_ASSERT_DOUBLE_EQUAL(macs, 4089184256.0, 0.5);
    /* torchvision resnet50: 25 557 032 parameters = conv weights + fc
     * weights + 1 000 fc biases + 53 120 batch-norm (gamma, beta). */
    CU_ASSERT_DOUBLE_EQUAL(conv_w, 23454912.0, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(fc_w, 2048000.0, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(conv_w + fc_w + 1000 + 53120, 25557032.0, 0.5);
    CU_ASSERT_STRING_EQUAL(L[0].name, "conv1");
    CU_ASSERT_EQUAL(L[0].first, 1);
    CU_ASSERT_EQUAL(L[1].first, 0);
    CU_ASSERT_EQUAL(compute_out_hw(&L[0]), 112); /* (224 + 6 - 7) / 2 + 1 */
    CU_ASSERT_STRING_EQUAL(L[5].name, "layer1.1.conv1");
    CU_ASSERT_STRING_EQUAL(L[n - 1].name, "fc");
    /* v1.5: the stride sits on the 3x3 of a downsampling block. */
    for (int i = 0; i < n; i++)
        if (strcmp(L[i].name, "layer2.0.conv2") == 0) {
            CU_ASSERT_EQUAL(L[i].stride, 2);
            CU_ASSERT_EQUAL(L[i].h, 56);
            CU_ASSERT_EQUAL(compute_out_hw(&L[i]), 28);
        } else if (strcmp(L[i].name, "layer2.0.conv1") == 0) {
            CU_ASSERT_EQUAL(L[i].stride, 1);
        }
}

static void test_unknown_model(void)
{
    struct compute_layer L[COMPUTE_MAX_LAYERS];
    dt_err e;
    CU_ASSERT_EQUAL(compute_layers("resnet5O", L, COMPUTE_MAX_LAYERS, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "unknown model 'resnet5O' (did you mean 'resnet50'?)");
    CU_ASSERT_EQUAL(compute_layers("resnet50", L, 10, &e), DT_ERANGE);
}

#ifdef DT_HAVE_CUDA
static void test_gpu_probe(void)
{
    struct cc_info info;
    struct cc_time t;
    struct cc_conv_result r;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(cc_open(0, &info, &e), 0);
    CU_ASSERT_EQUAL(cc_gemm(CC_FP32, 256, 256, 256, 0, 0, 1, 3, &t, &e), 0);
    CU_ASSERT(t.med_s > 0 && t.min_s <= t.med_s);
    struct cc_conv cv = {8, 64, 28, 28, 64, 3, 1, 1};
    CU_ASSERT_EQUAL(cc_conv_time(&cv, CC_FP32, CC_NCHW, CC_FWD, 1, 3, 2, 1 << 28, &r, &e), 0);
    CU_ASSERT(r.t.med_s > 0 && r.algo[0] != '\0');
    CU_ASSERT_EQUAL(cc_gemm(CC_FP32, 0, 1, 1, 0, 0, 1, 1, &t, &e), DT_EINVAL);
    cc_close();
}
#endif

int test_dtbench_compute_register(void)
{
    CU_pSuite s = CU_add_suite("dtbench_compute", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "resnet50_table", test_resnet50_table) ||
        !CU_add_test(s, "unknown_model", test_unknown_model))
        return -1;
#ifdef DT_HAVE_CUDA
    int ndev = 0;
    dt_err e;
    if (cc_device_count(&ndev, &e) == 0) {
        if (!CU_add_test(s, "gpu_probe", test_gpu_probe)) return -1;
    } else {
        printf("SKIP: %s: compute.gpu_probe not run\n", e.msg);
    }
#else
    printf("SKIP: no GPU (built without CUDA): compute.gpu_probe not run\n");
#endif
    return 0;
}
