/* Tests for sim/run: iteration counts worked by hand, --full against the
 * steady-state extrapolation, determinism. Simulations run in children. */
#include "catalog.h"
#include "cmdutil.h"
#include "run.h"
#include "simchild.h"

#include <CUnit/CUnit.h>
#include <math.h>

static void test_iterations(void)
{
    /* ImageNet, Mikami's schedule: ceil(1281167 / 34816) = 37 steps per
     * epoch x 30 epochs = 1110; ceil(1281167 / 69632) = 19 x 60 = 1140. */
    CU_ASSERT_EQUAL(experiment_iterations(1281167, 34816, 30), 1110);
    CU_ASSERT_EQUAL(experiment_iterations(1281167, 69632, 60), 1140);
    /* an exact division has no partial step: 1024 / 256 = 4 per epoch */
    CU_ASSERT_EQUAL(experiment_iterations(1024, 256, 3), 12);
    /* half an epoch of 5 steps is 3 steps (rounded up) */
    CU_ASSERT_EQUAL(experiment_iterations(1280, 256, 0.5), 3);
    /* He et al.: ceil(1281167 / 256) = 5005 x 90 = 450450 */
    CU_ASSERT_EQUAL(experiment_iterations(1281167, 256, 90), 450450);
}

struct rjob {
    int full;              /* simulate every iteration */
};

struct tout {
    struct run_result r;
    struct iter_trace tr;  /* phase 0's last step */
};

/* Simulate tests/data/run/small.ini in a child, with a trace. */
static int child(void *arg, void *out)
{
    const struct rjob *j = arg;
    struct tout *o = out;
    memset(o, 0, sizeof *o);
    struct experiment x;
    dt_err e = {0};
    struct catalog *cat = NULL;
    int rc = experiment_load_ex(&x, "tests/data/run/small.ini", NULL, 0, cmd_resolve, NULL, &e);
    if (!rc) rc = catalog_load(&cat, NULL, &e);
    if (!rc) {
        struct run_opts opt;
        run_opts_default(&opt);
        opt.full = j->full;
        opt.trace = &o->tr;
        rc = run_simulate(&x, cat, &opt, &o->r, &e);
    }
    if (rc) fprintf(stderr, "run test: %s\n", e.msg);
    o->r.compute_arch = NULL;
    o->r.wall_s = 0;
    catalog_free(cat);
    if (!rc) experiment_free(&x);
    return rc;
}

static void test_trace(void)
{
    static struct tout o;
    struct rjob a = {0};
    CU_ASSERT_EQUAL_FATAL(simchild_run(child, &a, &o, sizeof o), 0);
    const struct iter_result *s = &o.r.ph[0].r;
    int ar = 0, fwd = 0, host = 0;
    double gpu0 = 1e9, gpu1 = 0, ar_s = 0, start = 1e9;
    for (int k = 0; k < o.tr.n; k++) {
        const struct iter_event *ev = &o.tr.ev[k];
        CU_ASSERT(ev->t1_s >= ev->t0_s);
        if (ev->t0_s < start) start = ev->t0_s;
        if (ev->lane == ITER_LANE_COMM) { ar++; ar_s += ev->t1_s - ev->t0_s; }
        if (ev->lane == ITER_LANE_HOST) host++;
        if (ev->lane == ITER_LANE_COMPUTE) {
            if (ev->t0_s < gpu0) gpu0 = ev->t0_s;
            if (ev->t1_s > gpu1) gpu1 = ev->t1_s;
        }
        if (strcmp(ev->name, "forward") == 0) {
            fwd++;
            /* the span holds the forward kernels and the GPU's waits between them */
            CU_ASSERT(ev->t1_s - ev->t0_s >= s->forward_s - 1e-9);
        }
    }
    /* times start at 0; one forward, one event per bucket, the host's
     * dispatch spans; the GPU's spans fit in one step */
    CU_ASSERT_DOUBLE_EQUAL(start, 0, 1e-12);
    CU_ASSERT_EQUAL(fwd, 1);
    CU_ASSERT_EQUAL(ar, s->buckets);
    CU_ASSERT(host >= 3);
    CU_ASSERT_DOUBLE_EQUAL(ar_s, s->allreduce_s, 1e-9);
    CU_ASSERT(gpu1 - gpu0 <= s->step_s + 1e-9);
    CU_ASSERT(gpu1 - gpu0 >= s->forward_s + s->backward_s + s->optimizer_s - 1e-9);
}

static void test_full_agrees(void)
{
    static struct tout st, fu, ag;
    struct rjob a = {0}, b = {1};
    CU_ASSERT_EQUAL_FATAL(simchild_run(child, &a, &st, sizeof st), 0);
    CU_ASSERT_EQUAL_FATAL(simchild_run(child, &b, &fu, sizeof fu), 0);
    const struct run_result *steady = &st.r, *full = &fu.r;
    /* 20000 images: ceil(20000/256) = 79 steps in epoch 0, ceil(20000/512)
     * = 40 in epoch 1 */
    CU_ASSERT_EQUAL(steady->nphases, 2);
    CU_ASSERT_EQUAL(steady->ph[0].iterations, 79);
    CU_ASSERT_EQUAL(steady->ph[1].iterations, 40);
    CU_ASSERT_EQUAL(steady->ph[0].batch_per_gpu, 32);
    CU_ASSERT_EQUAL(steady->ph[1].batch_per_gpu, 64);
    CU_ASSERT(steady->time_to_train_s > 0);
    /* every iteration simulated agrees with the extrapolation within 1% */
    CU_ASSERT(fabs(full->time_to_train_s / steady->time_to_train_s - 1) < 0.01);
    /* the same config gives the same numbers */
    CU_ASSERT_EQUAL_FATAL(simchild_run(child, &a, &ag, sizeof ag), 0);
    CU_ASSERT(memcmp(&steady->ph, &ag.r.ph, sizeof steady->ph) == 0);
    CU_ASSERT_DOUBLE_EQUAL(steady->time_to_train_s, ag.r.time_to_train_s, 0);
}

/* small.ini (2 nodes of 4 V100, abci: 40 cores of Xeon-Gold-6148,
 * local-nvme) with sets; fills *in from run_input_setup. */
static int input_of(const char *const *sets, int n, struct run_input *in, struct catalog *cat, dt_err *e)
{
    struct experiment x;
    int rc = experiment_load_ex(&x, "tests/data/run/small.ini", (char **)sets, n, cmd_resolve, NULL, e);
    if (rc) return rc;
    rc = run_check(&x, cat, e);
    if (!rc) rc = run_input_setup(&x, cat, catalog_stack(cat, x.model.stack, e), in, e);
    experiment_free(&x);
    return rc;
}

static void test_input_rates(void)
{
    struct catalog *cat = NULL;
    dt_err e = {0};
    CU_ASSERT_EQUAL_FATAL(catalog_load(&cat, NULL, &e), 0);
    const struct catalog_storage *nvme = catalog_storage(cat, "local-nvme", &e);
    const struct catalog_storage *lustre = catalog_storage(cat, "lustre", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(nvme);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lustre);
    struct run_input in;

    /* CPU decode: 40 cores x 150 images/s = 6000 images/s per node; NVMe
     * gives 50000 files/s and 3.2 GB/s / 110 KB = 29091 images/s: decode binds */
    CU_ASSERT_EQUAL_FATAL(input_of(NULL, 0, &in, cat, &e), 0);
    CU_ASSERT_EQUAL(in.tokens, 0);
    CU_ASSERT_DOUBLE_EQUAL(in.decode_per_s, 6000, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(run_input_rate(nvme, &in, 2), 6000, 1e-9);

    /* token model: BERT-large sequences of 128 tokens x 2 bytes = 256 bytes,
     * no decode, no file cost: 3.2e9 / 256 = 12.5 M sequences/s per node */
    const char *bert[] = {"model.name=bert-large"};
    CU_ASSERT_EQUAL_FATAL(input_of(bert, 1, &in, cat, &e), 0);
    CU_ASSERT_EQUAL(in.tokens, 1);
    CU_ASSERT_EQUAL(in.seq_len, 128);
    CU_ASSERT_DOUBLE_EQUAL(in.sample_bytes, 256, 0);
    CU_ASSERT_DOUBLE_EQUAL(run_input_rate(nvme, &in, 2), 12.5e6, 1e-6);
    /* shared Lustre: 2 GB/s per client, 100 GB/s for the cluster; 100 nodes
     * reading get 1 GB/s each: 1e9 / 256 = 3906250 sequences/s */
    CU_ASSERT_DOUBLE_EQUAL(run_input_rate(lustre, &in, 100), 3906250, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(run_input_rate(lustre, &in, 1), 2e9 / 256, 1e-6);
    /* GPT-2: 1024 tokens, int32 ids: 4096 bytes, 3.2e9 / 4096 = 781250
     * (at 8 per GPU: small.ini's 32 and 64 do not fit a V100-16GB, and
     * run_check refuses what does not fit) */
    const char *gpt2[] = {"model.name=gpt2", "input.token_size=4", "training.batch=64"};
    CU_ASSERT_EQUAL_FATAL(input_of(gpt2, 3, &in, cat, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(in.sample_bytes, 4096, 0);
    CU_ASSERT_DOUBLE_EQUAL(run_input_rate(nvme, &in, 2), 781250, 1e-9);
    /* 1-byte ids cannot hold BERT's 30522 tokens: refused, naming the vocabulary */
    const char *bert1[] = {"model.name=bert-large", "input.token_size=1"};
    CU_ASSERT_EQUAL(input_of(bert1, 2, &in, cat, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "30522"));
    /* a token model ignores the decode rate: GPU decode on a V100 is no error */
    const char *gpt2gpu[] = {"model.name=gpt2", "input.decode=gpu", "training.batch=64"};
    CU_ASSERT_EQUAL(input_of(gpt2gpu, 3, &in, cat, &e), 0);

    /* GPU decode on A100 (4 per node here): 4 x 5000 = 20000 images/s of
     * hardware decode, under NVMe's 29091: decode binds */
    const char *a100[] = {"cluster.gpu=A100-SXM4-80GB", "input.decode=gpu"};
    CU_ASSERT_EQUAL_FATAL(input_of(a100, 2, &in, cat, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(in.decode_per_s, 4 * 5000, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(run_input_rate(nvme, &in, 2), 20000, 1e-9);
    /* 8 per node: 40000 decoded, but NVMe reads 3.2e9 / 110e3 = 29090.9 */
    const char *a100x8[] = {"cluster.gpu=A100-SXM4-80GB", "input.decode=gpu", "cluster.gpus_per_node=8"};
    CU_ASSERT_EQUAL_FATAL(input_of(a100x8, 3, &in, cat, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(run_input_rate(nvme, &in, 2), 3.2e9 / 110e3, 1e-6);
    /* V100 has no hardware decoder figure: refused, naming the key */
    const char *v100[] = {"input.decode=gpu"};
    CU_ASSERT_EQUAL(input_of(v100, 1, &in, cat, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "jpeg_decode"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "V100-SXM2-16GB"));
    catalog_free(cat);
}

static void test_bound(void)
{
    /* under 10% of the step outside the GPU: compute; else the largest */
    CU_ASSERT_STRING_EQUAL(run_bound(1.0, 0.03, 0.03, 0.03), "compute");
    CU_ASSERT_STRING_EQUAL(run_bound(1.0, 0.02, 0.5, 0.01), "input");
    CU_ASSERT_STRING_EQUAL(run_bound(1.0, 0.3, 0.2, 0.01), "network");
    CU_ASSERT_STRING_EQUAL(run_bound(1.0, 0.05, 0.04, 0.2), "host");
}

int test_run_register(void)
{
    CU_pSuite s = CU_add_suite("run", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "iterations by hand", test_iterations) ||
        !CU_add_test(s, "--full agrees with steady state", test_full_agrees) ||
        !CU_add_test(s, "trace of one step", test_trace) ||
        !CU_add_test(s, "input rates by hand (CPU, GPU decode, tokens)", test_input_rates) ||
        !CU_add_test(s, "what binds a step", test_bound))
        return -1;
    return 0;
}
