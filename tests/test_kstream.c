/* Kernel stream: kernels per layer and pass counted by hand, buckets, sync
 * points, and the plain-C timeline worked by hand: GPU-bound, host-bound
 * (the floor), synchronous (the sum), a queue of one, input stall. */
#include "kstream.h"

#include <CUnit/CUnit.h>
#include <string.h>

static struct dnn_layer ls[3];
static struct dnn_net net;

/* conv (1M params), relu, fc (0.5M params) */
static void toy_net(void)
{
    memset(ls, 0, sizeof ls);
    ls[0].kind = DNN_CONV;
    ls[0].params = 1000000;
    ls[1].kind = DNN_RELU;
    ls[2].kind = DNN_FC;
    ls[2].params = 500000;
    memset(&net, 0, sizeof net);
    net.layers = ls;
    net.nlayers = 3;
}

static void test_build(void)
{
    toy_net();
    struct stack s;
    stack_ideal(&s);
    s.name = "t";
    dt_err e = {0};
    CU_ASSERT_EQUAL(stack_parse_kernels("conv:1/2, relu:1/1, fc:1/3", s.kernels, &e), 0);
    s.kernels_amp = 1;
    s.opt_kernels = 2;
    s.opt_kernels_per_layer = 1.5;
    s.sync = STACK_SYNC_OPTIMIZER;
    s.dispatch_s[STACK_FWD] = 10e-6;
    s.dispatch_s[STACK_BWD] = 5e-6;
    s.dispatch_s[STACK_OPT] = 2e-6;
    double fwd[3] = {3e-3, 1e-3, 2e-3}, bwd[3] = {6e-3, 1e-3, 3e-3}, grad[3] = {4e6, 0, 2e6};
    struct kstream_in in = {&net, fwd, bwd, 1e-3, 0, grad, 1e6, 4, 1, &s};
    struct kstream ks;
    CU_ASSERT_EQUAL_FATAL(kstream_build(&in, &ks, &e), 0);
    /* forward: conv 1 + its cast, relu 1, fc 1 + its cast = 5; backward: fc
     * 3, relu 1, conv 2 = 6; the sync marker; optimizer 2 + 1.5 x 2 = 5 */
    CU_ASSERT_EQUAL(ks.kernels_fwd, 5);
    CU_ASSERT_EQUAL(ks.kernels_bwd, 6);
    CU_ASSERT_EQUAL(ks.kernels_opt, 5);
    CU_ASSERT_EQUAL(ks.n, 17);
    CU_ASSERT_EQUAL(ks.first_opt, 11);
    CU_ASSERT_EQUAL(ks.last_bwd, 10);
    CU_ASSERT(ks.k[11].sync && ks.k[11].gpu_s == 0);
    /* host time per pass; GPU time kept whole */
    CU_ASSERT_DOUBLE_EQUAL(ks.host_s[STACK_FWD], 5 * 10e-6, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ks.host_s[STACK_BWD], 6 * 5e-6, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ks.host_s[STACK_OPT], 5 * 2e-6, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ks.gpu_s[STACK_FWD], 6e-3, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ks.gpu_s[STACK_BWD], 10e-3, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ks.gpu_s[STACK_OPT], 1e-3, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ks.k[0].gpu_s, 1.5e-3, 1e-15); /* conv's 3 ms over its 2 kernels */
    /* buckets of 1 MB: fc closes bucket 0 (2 MB = 500000 floats) with its
     * last backward kernel, conv bucket 1 (4 MB) with its last */
    CU_ASSERT_EQUAL(ks.nbuckets, 2);
    CU_ASSERT_EQUAL(ks.bucket_count[0], 500000);
    CU_ASSERT_EQUAL(ks.bucket_count[1], 1000000);
    CU_ASSERT_EQUAL(ks.k[7].bucket, 0);
    CU_ASSERT_EQUAL(ks.k[10].bucket, 1);
    kstream_free(&ks);
    /* fp32: no casts; synchronous: every kernel a sync point */
    in.amp = 0;
    s.queue = 0;
    s.sync = STACK_SYNC_NONE;
    CU_ASSERT_EQUAL_FATAL(kstream_build(&in, &ks, &e), 0);
    CU_ASSERT_EQUAL(ks.kernels_fwd, 3);
    CU_ASSERT_EQUAL(ks.n, 3 + 6 + 5);
    for (int i = 0; i < ks.n; i++) CU_ASSERT(ks.k[i].sync);
    kstream_free(&ks);
    /* a fused kind (0 kernels) hands its time to the next kernel */
    CU_ASSERT_EQUAL(stack_parse_kernels("relu:0/0", s.kernels, &e), 0);
    CU_ASSERT_EQUAL_FATAL(kstream_build(&in, &ks, &e), 0);
    CU_ASSERT_EQUAL(ks.kernels_fwd, 2);
    CU_ASSERT_DOUBLE_EQUAL(ks.gpu_s[STACK_FWD], 6e-3, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(ks.k[1].gpu_s, 3e-3, 1e-15); /* fc's 2 ms and relu's 1 */
    kstream_free(&ks);
}

/* Two layers: forward 3 and 0.5 ms, backward 0.5 and 3 ms, optimizer 1 ms,
 * a kernel each: 8 ms of GPU a step; `d` ms of host per kernel. */
static void two_layers(struct kstream *ks, double d, int queue)
{
    static struct dnn_layer l2[2];
    static struct dnn_net n2;
    memset(l2, 0, sizeof l2);
    l2[0].kind = DNN_CONV;
    l2[1].kind = DNN_RELU;
    n2.layers = l2;
    n2.nlayers = 2;
    static struct stack s;
    stack_ideal(&s);
    s.name = "t";
    s.queue = queue;
    for (int p = 0; p < 3; p++) s.dispatch_s[p] = d * 1e-3;
    static double fwd[2] = {3e-3, 0.5e-3}, bwd[2] = {3e-3, 0.5e-3};
    struct kstream_in in = {&n2, fwd, bwd, 1e-3, 0, NULL, 1, 4, 0, &s};
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(kstream_build(&in, ks, &e), 0);
    CU_ASSERT_EQUAL(ks->n, 5);
}

static double step_of(const struct kstream *ks, struct kstream_result *r, double input_s)
{
    struct kstream_simopts o = {NULL, input_s, 2, 3, 3};
    dt_err e;
    CU_ASSERT_EQUAL(kstream_sim(ks, &o, r, &e), 0);
    return r->step_s;
}

static void test_timeline(void)
{
    struct kstream ks;
    struct kstream_result r;
    /* a fast host (1 ms a kernel, 5 a step) hides behind 8 ms of GPU */
    two_layers(&ks, 1, 1024);
    CU_ASSERT_DOUBLE_EQUAL(step_of(&ks, &r, 0), 8e-3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.host_s, 0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.forward_s, 3.5e-3, 1e-12);
    /* synchronous: 5 x 1 ms of dispatch + 8 ms of GPU */
    kstream_free(&ks);
    two_layers(&ks, 1, 0);
    CU_ASSERT_DOUBLE_EQUAL(step_of(&ks, &r, 0), 13e-3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.host_s, 5e-3, 1e-12);
    /* a queue of one: each kernel waits for the one before it to finish
     * (worked by hand: 9 ms a steady step) */
    kstream_free(&ks);
    two_layers(&ks, 1, 1);
    CU_ASSERT_DOUBLE_EQUAL(step_of(&ks, &r, 0), 9e-3, 1e-12);
    /* a slow host (3 ms a kernel): the floor is the host's 15 ms */
    kstream_free(&ks);
    two_layers(&ks, 3, 1024);
    CU_ASSERT_DOUBLE_EQUAL(step_of(&ks, &r, 0), 15e-3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.host_s, 7e-3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.forward_s + r.backward_s + r.optimizer_s + r.host_s, 15e-3, 1e-12);
    /* an input pipeline of 20 ms a batch: every step waits 5 ms more */
    kstream_free(&ks);
    two_layers(&ks, 3, 1024);
    CU_ASSERT_DOUBLE_EQUAL(step_of(&ks, &r, 20e-3), 20e-3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.input_stall_s, 5e-3, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(r.host_s, 7e-3, 1e-12);
    kstream_free(&ks);
}

int test_kstream_register(void)
{
    CU_pSuite s = CU_add_suite("kstream", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "kernels counted by hand", test_build) ||
        !CU_add_test(s, "timeline worked by hand", test_timeline))
        return -1;
    return 0;
}
