/* Tests for the guards of issue 12: only all-reduces where training needs
 * one, memory per GPU (models/memory.h), bf16. */
#include "catalog.h"
#include "cmdutil.h"
#include "coll.h"
#include "memory.h"
#include "run.h"

#include <CUnit/CUnit.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>

#define GB 1e9
#define GIB (1024.0 * 1024 * 1024)

static void test_allreduce_only(void)
{
    dt_err e = {0, ""};
    /* every registered all-reduce is accepted, and only those */
    for (size_t i = 0; i < coll_count(); i++) {
        const struct coll_algo *a = coll_at(i);
        const struct coll_algo *b = coll_find_allreduce(a->name, &e);
        CU_ASSERT_EQUAL(b != NULL, a->op == COLL_ALLREDUCE);
    }
    CU_ASSERT_PTR_NULL(coll_find_allreduce("reduce-scatter", &e));
    CU_ASSERT_EQUAL(e.code, DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'reduce-scatter' is a reduce-scatter, not an all-reduce"));
    /* the list names the all-reduces and not the others */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ring, halving-doubling"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "2d-torus"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "all-gather"));
    CU_ASSERT_PTR_NULL(coll_find_allreduce("all-gather", &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "is an all-gather"));
    /* an unknown name is still "unknown", with its suggestion */
    CU_ASSERT_PTR_NULL(coll_find_allreduce("rign", &e));
    CU_ASSERT_EQUAL(e.code, DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did you mean 'ring'"));
}


/* The need of `model` at per-GPU batch b and precision p, with the model's
 * optimizer on the GPU. */
static struct mem_need need(const char *model, long long b, enum exp_precision p)
{
    struct dnn_net net;
    struct mem_need m;
    memset(&m, 0, sizeof m);
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name(model, NULL, &net, &e), 0);
    mem_need(&net, b, p, mem_optimizer_of(net.model), 1, &m);
    dnn_free(&net);
    return m;
}

static double cap_of(const char *gpu)
{
    struct catalog *cat;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(catalog_load(&cat, NULL, &e), 0);
    const struct catalog_gpu *g = catalog_gpu(cat, gpu, &e);
    double c = g ? g->mem_bytes : 0;
    catalog_free(cat);
    return c;
}

static void test_memory_parts(void)
{
    /* ResNet-50: 25,557,032 parameters (torchvision); SGD with momentum */
    struct mem_need m = need("resnet50", 32, EXP_FP32);
    CU_ASSERT_EQUAL(m.opt, MEM_SGD_MOMENTUM);
    CU_ASSERT_DOUBLE_EQUAL(m.weights, 4.0 * 25557032, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(m.gradients, 4.0 * 25557032, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(m.optimizer, 4.0 * 25557032, 0.5); /* the momentum buffer */
    CU_ASSERT_DOUBLE_EQUAL(m.workspace, MEM_WORKSPACE_BYTES, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(m.total, m.weights + m.gradients + m.optimizer + m.activations + m.workspace, 1);
    /* activations scale with the batch and halve in 16-bit */
    struct mem_need m64 = need("resnet50", 64, EXP_FP32), h = need("resnet50", 32, EXP_AMP);
    CU_ASSERT_DOUBLE_EQUAL(m64.activations, 2 * m.activations, 1);
    CU_ASSERT_DOUBLE_EQUAL(h.activations, m.activations / 2, 1);
    /* mixed precision: 16-bit weights and gradients, fp32 master + momentum */
    CU_ASSERT_DOUBLE_EQUAL(h.weights, 2.0 * 25557032, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(h.optimizer, 8.0 * 25557032, 0.5);
    /* ResNet-50 at 224: about 0.1 GB of activations per image in fp32
     * (every output but ReLU's, which runs in place), not 0.01, not 1 */
    double per_image = m.activations / 32;
    CU_ASSERT(per_image > 0.08 * GB && per_image < 0.15 * GB);

    /* BERT-large, Adam in mixed precision: ZeRO's 2P + 2P + 12P = 16 bytes
     * a parameter (Rajbhandari et al., section 3.1), P = 335,141,888 */
    struct mem_need b = need("bert-large", 32, EXP_AMP);
    CU_ASSERT_EQUAL(b.opt, MEM_ADAM);
    CU_ASSERT_DOUBLE_EQUAL(b.weights + b.gradients + b.optimizer, 16.0 * 335141888, 0.5);
    struct mem_need b32 = need("bert-large", 32, EXP_FP32);
    CU_ASSERT_DOUBLE_EQUAL(b32.weights + b32.gradients + b32.optimizer, 16.0 * 335141888, 0.5); /* 4+4+8 */
    CU_ASSERT_EQUAL(need("gpt2", 1, EXP_AMP).opt, MEM_ADAM);

    /* the optimizer state on a CPU parameter server takes no GPU memory */
    struct dnn_net net;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(dnn_build_name("resnet50", NULL, &net, &e), 0);
    mem_need(&net, 32, EXP_FP32, MEM_SGD_MOMENTUM, 0, &m);
    CU_ASSERT_EQUAL(m.optimizer, 0);
    dnn_free(&net);
}

static void test_memory_published(void)
{
    /* Published single-GPU batches that trained (docs/references.md, part
     * 2) must fit: NNL on V100-16GB, fp32 112 and mixed 192 per GPU; MXNet
     * NGC 18.12 on V100-16GB, fp16 208 and fp32 96; PyTorch on H200, AMP
     * 256 and fp32 128; Goyal et al. 32 per P100 (fp32). */
    double v100 = cap_of("V100-SXM2-16GB"), p100 = cap_of("P100-SXM2"), h200 = cap_of("H200");
    CU_ASSERT(v100 > 15 * GB && p100 > 15 * GB && h200 > 140 * GB);
    CU_ASSERT(need("resnet50", 112, EXP_FP32).total <= v100);
    CU_ASSERT(need("resnet50", 96, EXP_FP32).total <= v100);
    CU_ASSERT(need("resnet50", 192, EXP_AMP).total <= v100);
    CU_ASSERT(need("resnet50", 208, EXP_AMP).total <= v100);
    CU_ASSERT(need("resnet50", 256, EXP_AMP).total <= h200);
    CU_ASSERT(need("resnet50", 128, EXP_FP32).total <= h200);
    CU_ASSERT(need("resnet50", 32, EXP_FP32).total <= p100);
    /* and what cannot: twice NNL's fp32 batch; the 1,024 images
     * per V100 in amp, whose activations alone are about 77 GB */
    CU_ASSERT(need("resnet50", 256, EXP_FP32).total > v100);
    struct mem_need big = need("resnet50", 1024, EXP_AMP);
    CU_ASSERT(big.total > v100);
    CU_ASSERT(big.activations > 50 * GB && big.activations < 80 * GB);
    char msg[600];
    mem_refusal(&big, v100, "V100-SXM2-16GB", msg, sizeof msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "does not fit: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "> 16.00 GiB on V100-SXM2-16GB"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "at 1024 per GPU"));
}

/* Every shipped experiment (the published rows among them) fits. */
static void test_memory_experiments(void)
{
    glob_t g;
    CU_ASSERT_EQUAL_FATAL(glob("configs/experiments/*.ini", 0, NULL, &g), 0);
    CU_ASSERT(g.gl_pathc >= 10);
    struct catalog *cat;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(catalog_load(&cat, NULL, &e), 0);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct experiment x;
        if (experiment_load_ex(&x, g.gl_pathv[i], NULL, 0, cmd_resolve, NULL, &e)) {
            printf("\n  %s: %s\n", g.gl_pathv[i], e.msg);
            CU_FAIL("experiment does not load");
            continue;
        }
        if (x.parallel.present) { /* a model split over GPUs: its memory is the layout's (run_check) */
            if (run_check(&x, cat, &e)) printf("\n  %s: %s\n", g.gl_pathv[i], e.msg);
            CU_ASSERT_EQUAL(run_check(&x, cat, &e), 0);
            experiment_free(&x);
            continue;
        }
        struct mem_need m;
        double cap;
        CU_ASSERT_EQUAL(mem_experiment(&x, cat, &m, &cap, &e), 0);
        if (m.total > cap) printf("\n  %s: %.2f GiB > %.2f GiB\n", g.gl_pathv[i], m.total / GIB, cap / GIB);
        CU_ASSERT(m.total <= cap);
        CU_ASSERT_EQUAL(mem_check(&x, cat, &e), 0);
        experiment_free(&x);
    }
    globfree(&g);
    catalog_free(cat);
}

/* Load the shipped experiment `path` with one --set; 0 or the error. */
static int load_set(struct experiment *x, const char *path, const char *set, dt_err *e)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", set);
    char *sets[1] = {buf};
    return experiment_load_ex(x, path, sets, 1, cmd_resolve, NULL, e);
}

static void test_bf16(void)
{
    struct catalog *cat;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(catalog_load(&cat, NULL, &e), 0);
    struct experiment x;
    /* bf16 is a precision; its gradients go on the wire in 2 bytes */
    CU_ASSERT_EQUAL_FATAL(load_set(&x, "configs/experiments/h200-pytorch-2.11.ini", "model.precision=bf16", &e), 0);
    CU_ASSERT_EQUAL(x.model.precision, EXP_BF16);
    CU_ASSERT_EQUAL(x.model.grad_precision, EXP_BF16);
    CU_ASSERT_STRING_EQUAL(exp_precision_name(x.model.precision), "bf16");
    CU_ASSERT_EQUAL(run_check(&x, cat, &e), 0);
    /* memory: as amp (16-bit weights, gradients, activations; fp32 master) */
    struct mem_need mb, ma;
    double cap;
    CU_ASSERT_EQUAL(mem_experiment(&x, cat, &mb, &cap, &e), 0);
    experiment_free(&x);
    CU_ASSERT_EQUAL_FATAL(load_set(&x, "configs/experiments/h200-pytorch-2.11.ini", "model.precision=amp", &e), 0);
    CU_ASSERT_EQUAL(mem_experiment(&x, cat, &ma, &cap, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(mb.total, ma.total, 1);
    experiment_free(&x);
    /* a GPU without bf16 arithmetic (Pascal, Volta) refuses it ... */
    CU_ASSERT_EQUAL_FATAL(load_set(&x, "configs/experiments/he-8xP100.ini", "model.precision=bf16", &e), 0);
    CU_ASSERT_EQUAL(run_check(&x, cat, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "has no bf16 arithmetic"));
    experiment_free(&x);
    /* ... and a TPU, whose 16-bit format is bf16, refuses fp16/amp */
    CU_ASSERT_EQUAL_FATAL(load_set(&x, "configs/experiments/smith-tpu-pod.ini", "model.precision=amp", &e), 0);
    CU_ASSERT_EQUAL(run_check(&x, cat, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "use bf16 or fp32"));
    experiment_free(&x);
    CU_ASSERT_EQUAL_FATAL(load_set(&x, "configs/experiments/smith-tpu-pod.ini", "model.precision=bf16", &e), 0);
    CU_ASSERT_EQUAL(run_check(&x, cat, &e), 0);
    experiment_free(&x);
    catalog_free(cat);
}

int test_guards_register(void)
{
    CU_pSuite s = CU_add_suite("guards", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "allreduce_only", test_allreduce_only) || !CU_add_test(s, "memory_parts", test_memory_parts) ||
        !CU_add_test(s, "memory_published", test_memory_published) ||
        !CU_add_test(s, "memory_experiments", test_memory_experiments) || !CU_add_test(s, "bf16", test_bf16))
        return -1;
    return 0;
}
