/* Tests for the per-kind accounting of traces/kineto (kinds, passes,
 * waits, kernels in flight, the host's gaps), gzip-compressed traces, and
 * models/stackfit (a stack row measured from a trace). Fixtures: the
 * synthetic VGG-16 profile of tests/data/kineto/ (gen.py) and the real
 * V100 profile of traces/samples/ (README.md there). */
#include "catalog.h"
#include "kineto.h"
#include "stackfit.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX "tests/data/kineto/vgg16-gpu.json"
#define FIX_AMP "tests/data/kineto/vgg16-gpu-amp.json"
#define V100 "traces/samples/v100-resnet50-b32-fp32-loader4.json.gz"
#define V100_0 "traces/samples/v100-resnet50-b32-fp32-loader0.json.gz"

static void test_kinds(void)
{
    static const struct { const char *op; int kind; } t[] = {
        {"aten::conv2d", DNN_CONV},
        {"autograd::engine::evaluate_function: ConvolutionBackward0", DNN_CONV},
        {"CudnnConvolutionBackward", DNN_CONV},
        {"aten::batch_norm", DNN_BN},
        {"CudnnBatchNormBackward", DNN_BN},
        {"aten::relu_", DNN_RELU},
        {"autograd::engine::evaluate_function: ReluBackward0", DNN_RELU},
        {"aten::max_pool2d", DNN_MAXPOOL},
        {"aten::adaptive_avg_pool2d", DNN_AVGPOOL},
        {"MeanBackward1", DNN_AVGPOOL},
        {"aten::linear", DNN_FC},
        {"AddmmBackward0", DNN_FC}, /* addmm is found before add */
        {"aten::add_", DNN_ADD},
        {"AddBackward0", DNN_ADD},
        {"aten::cross_entropy_loss", DNN_SOFTMAX},
        {"NllLossBackward0", DNN_SOFTMAX},
        {"aten::layer_norm", DNN_LAYERNORM},
        {"aten::gelu", DNN_GELU},
        {"aten::bmm", DNN_MATMUL},
        {"aten::embedding", DNN_EMBEDDING},
        {"aten::to", KINETO_OTHER},
        {"torch::autograd::AccumulateGrad", KINETO_OTHER},
        {"aten::_foreach_add_", KINETO_OTHER},
        {"aten::dropout", KINETO_OTHER}};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        int k = kineto_op_kind(t[i].op, (int)strlen(t[i].op));
        if (k != t[i].kind) fprintf(stderr, "kineto_op_kind(%s) = %d, expected %d\n", t[i].op, k, t[i].kind);
        CU_ASSERT_EQUAL(k, t[i].kind);
    }
}

/* The synthetic VGG-16 step (gen.py): the counts follow from how it is written. */
static void test_parts(void)
{
    struct trace t;
    struct kineto_info in;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(kineto_import(FIX, "vgg16", 0, &t, &in, &e), 0);
    CU_ASSERT_STRING_EQUAL(in.step, "ProfilerStep#2"); /* two equal steps: the later */
    /* forward: 13 conv2d nests of 2 kernels (conv, bias add_), 3 linear of 2 (sgemm, splitK) */
    CU_ASSERT_EQUAL(in.part[DNN_CONV][0].ops, 13);
    CU_ASSERT_EQUAL(in.part[DNN_CONV][0].kernels, 26);
    CU_ASSERT_EQUAL(in.part[DNN_FC][0].ops, 3);
    CU_ASSERT_EQUAL(in.part[DNN_FC][0].kernels, 6);
    CU_ASSERT_EQUAL(in.part[DNN_RELU][0].ops, 15);
    CU_ASSERT_EQUAL(in.part[DNN_MAXPOOL][0].ops, 5);
    CU_ASSERT_EQUAL(in.part[DNN_AVGPOOL][0].ops, 1);
    CU_ASSERT_EQUAL(in.part[KINETO_OTHER][0].ops, 2); /* dropout */
    CU_ASSERT_EQUAL(in.part[DNN_SOFTMAX][0].kernels, 1);
    CU_ASSERT_EQUAL(in.part[DNN_CONV][0].casts, 0);
    /* backward: conv 12 x (dgrad, wgrad) + 1 wgrad; fc 3 x 2; relu 15; NllLoss 1; AccumulateGrad no kernel */
    CU_ASSERT_EQUAL(in.part[DNN_CONV][1].kernels, 25);
    CU_ASSERT_EQUAL(in.part[DNN_FC][1].kernels, 6);
    CU_ASSERT_EQUAL(in.part[DNN_RELU][1].kernels, 15);
    CU_ASSERT_EQUAL(in.part[DNN_SOFTMAX][1].kernels, 1);
    CU_ASSERT_EQUAL(in.part[KINETO_OTHER][1].ops, 16);
    CU_ASSERT_EQUAL(in.part[KINETO_OTHER][1].kernels, 0);
    /* optimizer: one foreach kernel of 50 us; zero_ launches none */
    CU_ASSERT_EQUAL(in.part[KINETO_OTHER][2].kernels, 1);
    CU_ASSERT_DOUBLE_EQUAL(in.part[KINETO_OTHER][2].gpu_s, 50e-6, 1e-12);
    /* conv forward GPU: sum over k of (100 + 10k) + 5 = 13*105 + 10*78 us */
    CU_ASSERT_DOUBLE_EQUAL(in.part[DNN_CONV][0].gpu_s, (13 * 105 + 780) * 1e-6, 1e-12);
    /* host of a conv2d nest: 40 us on the CPU */
    CU_ASSERT_DOUBLE_EQUAL(in.part[DNN_CONV][0].host_s, 13 * 40e-6, 1e-12);
    for (int i = 0; i < KW_N; i++) CU_ASSERT_EQUAL(in.waits[i], 0);
    CU_ASSERT(in.max_inflight >= 1);
    CU_ASSERT_DOUBLE_EQUAL(in.input_s, 0, 0);
    /* the gaps split the host time outside ops, nothing lost */
    CU_ASSERT_DOUBLE_EQUAL(in.gap_s[0] + in.gap_s[1] + in.gap_s[2] + in.gap_s[3] + in.gap_s[4], in.step_host_s, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(in.gap_s[4], 0, 0); /* no DataLoader */
    long long k = 0;
    for (int c = 0; c < KINETO_NCLS; c++)
        for (int p = 0; p < 3; p++) k += in.part[c][p].kernels;
    CU_ASSERT_EQUAL(k, in.kernels);
    trace_free(&t);
}

/* a gzip copy reads the same; a cut one is refused in one line */
static void test_gzip(void)
{
    char tmp[] = "/tmp/dtsim-gz-XXXXXX", cmd[256];
    int fd = mkstemp(tmp);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "gzip -c %s > %s", FIX, tmp);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    struct trace a, b;
    struct kineto_info ia, ib;
    dt_err e;
    CU_ASSERT_EQUAL(kineto_is_json(tmp, &e), 1);
    CU_ASSERT_EQUAL_FATAL(kineto_import(FIX, "vgg16", 0, &a, &ia, &e), 0);
    CU_ASSERT_EQUAL_FATAL(kineto_import(tmp, "vgg16", 0, &b, &ib, &e), 0);
    CU_ASSERT_EQUAL(ia.kernels, ib.kernels);
    CU_ASSERT_EQUAL(ia.events, ib.events);
    CU_ASSERT_DOUBLE_EQUAL(ia.step_host_s, ib.step_host_s, 0);
    CU_ASSERT_EQUAL(memcmp(ia.part, ib.part, sizeof ia.part), 0);
    trace_free(&a);
    trace_free(&b);
    snprintf(cmd, sizeof cmd, "gzip -c %s | head -c 3000 > %s", FIX, tmp);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    CU_ASSERT_EQUAL(kineto_import(tmp, "vgg16", 0, &b, &ib, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "truncated gzip"));
    unlink(tmp);
}

static struct catalog *cat;

/* One trace and its fit, as the tests use them. */
struct fit {
    struct trace t;
    struct kineto_info info;
    struct dnn_net net;
    struct stackfit_in in;
    struct stackfit_out o;
};

static int setup(struct fit *f, const char *path, const char *model, long long batch, const char *gpu)
{
    dt_err e;
    memset(f, 0, sizeof *f);
    if (!cat) {
        unsetenv("DTSIM_CATALOG");
        if (catalog_load(&cat, NULL, &e)) return -1;
    }
    if (kineto_import(path, model, batch, &f->t, &f->info, &e)) return -1;
    const struct catalog_gpu *g = catalog_gpu(cat, gpu, &e);
    const struct catalog_compute *cc = g ? catalog_compute(cat, g->arch, &e) : NULL;
    if (!cc) return -1;
    stackfit_gpu(&f->in, g, cc, COMPUTE_FP32, 0);
    struct dnn_opts o = {0, 4, NULL};
    if (dnn_build_name(model, &o, &f->net, &e)) return -1;
    f->in.info = &f->info;
    f->in.t = &f->t;
    f->in.net = &f->net;
    f->in.base = catalog_stack(cat, "pytorch-2.11", &e);
    f->in.name = "test";
    f->in.source = "test";
    return f->in.base ? 0 : -1;
}

static void fit_done(struct fit *f)
{
    dnn_free(&f->net);
    trace_free(&f->t);
}

static void test_fit_fixture(void)
{
    struct fit f;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(setup(&f, FIX, "vgg16", 0, "A100-SXM4-40GB"), 0);
    CU_ASSERT_EQUAL_FATAL(stackfit(&f.in, &f.o, &e), 0);
    const struct stack *s = &f.o.s;
    CU_ASSERT_EQUAL(s->kernels[DNN_CONV][0], 2);
    CU_ASSERT_EQUAL(s->kernels[DNN_CONV][1], 2); /* 25 / 13 rounds to 2 */
    CU_ASSERT_EQUAL(s->kernels[DNN_FC][0], 2);
    CU_ASSERT_EQUAL(s->kernels[DNN_FC][1], 2);
    CU_ASSERT_EQUAL(s->kernels[DNN_RELU][0], 1);
    CU_ASSERT_EQUAL(s->kernels[DNN_MAXPOOL][1], 0); /* the fixture's pools have no backward kernel */
    CU_ASSERT_EQUAL(s->opt_kernels, 1);             /* one foreach kernel: fewer than 16 layers with weights */
    CU_ASSERT_DOUBLE_EQUAL(s->opt_kernels_per_layer, 0, 0);
    CU_ASSERT_EQUAL(s->sync, STACK_SYNC_NONE);
    CU_ASSERT_EQUAL(s->queue, f.in.base->queue);
    CU_ASSERT_DOUBLE_EQUAL(s->step_host_s, f.info.gap_s[3], 0);
    CU_ASSERT_STRING_EQUAL(s->eff[0].arch, "Ampere");
    /* host per pass is conserved: dispatch x the row's kernels = the trace's host time of the pass */
    for (int p = 0; p < 3; p++) CU_ASSERT_DOUBLE_EQUAL(s->dispatch_s[p] * f.o.model_kernels[p], f.o.host_s[p], 1e-12);
    /* kernel speed: the fitted row's matrix GPU time is the traced one */
    struct compute_params q = f.in.cp;
    q.speed[0] = s->eff[0].matrix;
    q.speed[1] = s->eff[0].memory;
    struct compute_gpu g = f.in.gpu;
    if (!s->tf32) g.tf32_flops = 0;
    struct compute_times ct;
    CU_ASSERT_EQUAL_FATAL(compute_net(&f.net, f.t.batch, COMPUTE_FP32, &g, &q, &ct, &e), 0);
    double m = 0, other = ct.optimizer_s;
    for (size_t i = 0; i < f.net.nlayers; i++) {
        int k = f.net.layers[i].kind;
        if (k == DNN_CONV || k == DNN_FC || k == DNN_MATMUL) m += ct.fwd_s[i] + ct.bwd_s[i];
        else other += ct.fwd_s[i] + ct.bwd_s[i];
    }
    CU_ASSERT_DOUBLE_EQUAL(m / f.o.matrix_gpu_s, 1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(other / f.o.other_gpu_s, 1, 1e-9);
    compute_times_free(&ct);
    fit_done(&f);
}

/* Under autocast the weight casts inside each convolution are kernels_amp, not convolution kernels. */
static void test_fit_amp(void)
{
    struct fit f;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(setup(&f, FIX_AMP, "vgg16", 0, "A100-SXM4-40GB"), 0);
    CU_ASSERT_STRING_EQUAL(f.t.dtype, "fp16");
    CU_ASSERT_EQUAL(f.info.part[DNN_CONV][0].kernels, 39); /* 13 x (cast, conv, bias) */
    CU_ASSERT_EQUAL(f.info.part[DNN_CONV][0].casts, 13);
    CU_ASSERT_EQUAL(f.info.part[DNN_FC][0].casts, 0);
    f.in.prec = COMPUTE_FP16;
    dnn_free(&f.net);
    struct dnn_opts half = {0, 2, NULL};
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("vgg16", &half, &f.net, &e), 0);
    CU_ASSERT_EQUAL_FATAL(stackfit(&f.in, &f.o, &e), 0);
    CU_ASSERT_EQUAL(f.o.s.kernels_amp, 1);          /* 13 casts over 16 layers with weights, rounded */
    CU_ASSERT_EQUAL(f.o.s.kernels[DNN_CONV][0], 2); /* conv and bias, the cast apart */
    fit_done(&f);
}

/* The target on a real trace: the row gives back the traced step within 5%. */
static void test_fit_real(void)
{
    struct fit f;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(setup(&f, V100, "resnet50", 0, "V100-SXM2-32GB"), 0);
    CU_ASSERT_STRING_EQUAL(f.info.device, "Tesla V100-DGXS-32GB, sm_70, 80 SMs, 31.7 GiB");
    CU_ASSERT_EQUAL(f.t.batch, 32);
    CU_ASSERT_STRING_EQUAL(f.t.dtype, "fp32");
    CU_ASSERT(f.info.opt_gpu_s > 0); /* torch 1.9's Optimizer spans (cat Operator) are found */
    CU_ASSERT(f.info.input_s > 0);   /* the DataLoader's __next__ in the step */
    CU_ASSERT_EQUAL(f.info.waits[KW_START], 4); /* the input and labels: two pageable copies, two stream syncs */
    CU_ASSERT_EQUAL_FATAL(stackfit(&f.in, &f.o, &e), 0);
    CU_ASSERT_EQUAL(f.o.s.sync, STACK_SYNC_STEP);
    CU_ASSERT(f.o.s.queue >= f.info.max_inflight);
    double sim = stackfit_step_s(&f.o.s, &f.net, f.t.batch, COMPUTE_FP32, &f.in.gpu, f.in.arch, &f.in.cp, &e);
    CU_ASSERT(sim > 0);
    CU_ASSERT(fabs(sim / f.o.step_s - 1) < 0.05);
    fit_done(&f);
}

static void test_fit_refused(void)
{
    struct fit f;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(setup(&f, "traces/samples/cpu-resnet50-b2.json", "resnet50", 2, "V100-SXM2-32GB"), 0);
    CU_ASSERT_EQUAL(stackfit(&f.in, &f.o, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "CPU-only"));
    fit_done(&f);
}

static int cleanup(void)
{
    catalog_free(cat);
    cat = NULL;
    return 0;
}

int test_stackfit_register(void)
{
    CU_pSuite s = CU_add_suite("stackfit", NULL, cleanup);
    if (!s) return -1;
    if (!CU_add_test(s, "op names to layer kinds", test_kinds) ||
        !CU_add_test(s, "per kind and pass: the synthetic step", test_parts) ||
        !CU_add_test(s, "gzip-compressed traces", test_gzip) ||
        !CU_add_test(s, "a row from the synthetic step", test_fit_fixture) ||
        !CU_add_test(s, "amp: casts are kernels_amp", test_fit_amp) ||
        !CU_add_test(s, "a row from a real V100 trace gives its step back", test_fit_real) ||
        !CU_add_test(s, "a CPU-only trace is refused", test_fit_refused))
        return -1;
    (void)V100_0;
    return 0;
}
