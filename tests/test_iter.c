/* Tests for sim/iter: buckets worked by hand, overlap of all-reduce with
 * backward, input stall, and the host: host-bound floor, synchronous sum,
 * and the SimGrid actors against models/kstream.c's plain-C timeline. Each
 * simulation runs in a forked child. */
#include "collsim.h"
#include "iter.h"
#include "kstream.h"
#include "platform.h"
#include "simchild.h"

#include <CUnit/CUnit.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdlib.h>

#define NL 10
static double fwd[NL], bwd[NL], grad[NL];
static struct dnn_layer layers[NL];
static struct dnn_net net;
static struct kstream ks;
static struct stack st;

/* 10 conv layers with parameters: forward 1 ms, backward 2 ms, 1 MB of
 * gradients each; the ideal stack unless `stk` says otherwise. */
static void toy_model(struct iter_model *m, double bucket, double input_s, const struct stack *stk)
{
    for (int i = 0; i < NL; i++) {
        fwd[i] = 1e-3, bwd[i] = 2e-3, grad[i] = 1e6;
        memset(&layers[i], 0, sizeof layers[i]);
        layers[i].kind = DNN_CONV;
        layers[i].params = 250000;
    }
    memset(&net, 0, sizeof net);
    net.nlayers = NL;
    net.layers = layers;
    if (stk) st = *stk;
    else stack_ideal(&st);
    kstream_free(&ks);
    struct kstream_in in = {&net, fwd, bwd, 0.5e-3, 0, grad, bucket, 4, 0, &st};
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(kstream_build(&in, &ks, &e), 0);
    memset(m, 0, sizeof *m);
    m->ks = &ks;
    m->coll.algo = "ring";
    m->coll.nranks = 8;
    m->coll.gpus_per_node = 4;
    m->coll.dtype = COLL_FP32;
    m->mode = COLLSIM_FAST;
    m->input_s = input_s;
    m->prefetch = 2;
    m->warmup = 2;
    m->measured = 3;
}

static void test_buckets(void)
{
    /* backward from layer 9: 1, 2, 3 MB >= 2.5 closes at layer 7; then 6-4,
     * 3-1, and layer 0 alone: 3, 3, 3, 1 MB = 750000 x3, 250000 floats. */
    for (int i = 0; i < NL; i++) grad[i] = 1e6;
    uint64_t c[8];
    size_t close[8];
    CU_ASSERT_EQUAL_FATAL(kstream_buckets(grad, NL, 2.5e6, 4, c, close, 8), 4);
    CU_ASSERT_EQUAL(c[0], 750000);
    CU_ASSERT_EQUAL(c[1], 750000);
    CU_ASSERT_EQUAL(c[2], 750000);
    CU_ASSERT_EQUAL(c[3], 250000);
    CU_ASSERT_EQUAL(close[0], 7);
    CU_ASSERT_EQUAL(close[3], 0);
    CU_ASSERT_EQUAL(kstream_buckets(grad, NL, 100e6, 4, c, close, 8), 1);
    CU_ASSERT_EQUAL(c[0], 2500000);
}

struct job {
    struct iter_model m;
    struct sim_cluster c;
};
struct out {
    int rc;
    struct iter_result r;
    double ar_alone_s;   /* the same buckets all-reduced with nothing else running */
    double bucket_s[16]; /* each of them */
};
static struct job *g_job;
static struct out *g_out;

static void driver(int argc, char **argv)
{
    (void)argc; (void)argv;
    dt_err e;
    struct collsim *cs;
    struct collsim_opts opts = {0};
    if ((g_out->rc = collsim_create(&cs, &g_job->c, &opts, &e))) return;
    g_out->rc = iter_run(cs, &g_job->m, &g_out->r, &e);
    const struct kstream *k = g_job->m.ks;
    for (int b = 0; b < k->nbuckets && b < 16 && !g_out->rc; b++) {
        struct coll_params p = g_job->m.coll;
        p.count = k->bucket_count[b];
        g_out->rc = collsim_run(cs, &p, g_job->m.mode, &g_out->bucket_s[b], NULL, &e);
        g_out->ar_alone_s += g_out->bucket_s[b];
    }
    if (g_out->rc) fprintf(stderr, "iter test: %s\n", e.msg);
    collsim_free(cs);
}

static int child(void *arg, void *outp)
{
    g_job = arg;
    g_out = outp;
    memset(g_out, 0, sizeof *g_out);
    dt_err e;
    char *av[] = {"dtsim-tests", NULL};
    char path[] = "/tmp/dtsim-iter-XXXXXX.xml";
    int fd = mkstemps(path, 4);
    if (fd < 0) return 1;
    close(fd);
    int rc = platform_engine_init(1, av, &e);
    if (!rc) rc = platform_load(&g_job->c, path, &e);
    unlink(path);
    if (rc) { fprintf(stderr, "iter test: %s\n", e.msg); return 1; }
    sg_actor_t a = sg_actor_init("driver", sg_host_by_name("g0"));
    sg_actor_start(a, driver, 0, NULL);
    simgrid_run();
    return g_out->rc ? 1 : 0;
}

static int simulate(struct iter_model *m, struct out *o)
{
    struct job j;
    j.m = *m;
    platform_abci(&j.c, 2);
    return simchild_run(child, &j, o, sizeof *o);
}

/* The SimGrid actors and the plain-C timeline agree on every field. */
static void same_as_kstream(const struct iter_model *m, const struct out *o)
{
    struct kstream_simopts so = {o->bucket_s, m->input_s, m->prefetch, m->warmup, m->measured};
    struct kstream_result k;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(kstream_sim(m->ks, &so, &k, &e), 0);
    double tol = 1e-9 + 1e-7 * o->r.step_s;
    CU_ASSERT_DOUBLE_EQUAL(o->r.step_s, k.step_s, tol);
    CU_ASSERT_DOUBLE_EQUAL(o->r.forward_s, k.forward_s, tol);
    CU_ASSERT_DOUBLE_EQUAL(o->r.backward_s, k.backward_s, tol);
    CU_ASSERT_DOUBLE_EQUAL(o->r.optimizer_s, k.optimizer_s, tol);
    CU_ASSERT_DOUBLE_EQUAL(o->r.exposed_comm_s, k.exposed_comm_s, tol);
    CU_ASSERT_DOUBLE_EQUAL(o->r.input_stall_s, k.input_stall_s, tol);
    CU_ASSERT_DOUBLE_EQUAL(o->r.host_s, k.host_s, tol);
    CU_ASSERT_DOUBLE_EQUAL(o->r.allreduce_s, k.allreduce_s, tol);
}

static void test_overlap(void)
{
    struct iter_model m;
    struct out o;
    toy_model(&m, 2.5e6, 0, NULL);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    /* forward 10 ms, backward 20 ms, optimizer 0.5 ms; the all-reduce of
     * 10 MB on 8 GPUs takes well under the 20 ms of backward. */
    CU_ASSERT_DOUBLE_EQUAL(o.r.forward_s, 10e-3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(o.r.backward_s, 20e-3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(o.r.optimizer_s, 0.5e-3, 1e-9);
    CU_ASSERT_EQUAL(o.r.buckets, 4);
    CU_ASSERT(o.r.allreduce_s > 0);
    CU_ASSERT_DOUBLE_EQUAL(o.r.allreduce_s, o.ar_alone_s, 1e-9);
    CU_ASSERT(o.r.allreduce_s < o.r.backward_s);
    /* only the last bucket (layer 0, 1 MB) can stick out */
    CU_ASSERT(o.r.exposed_comm_s < 0.05 * o.r.allreduce_s + o.ar_alone_s / 4);
    CU_ASSERT_DOUBLE_EQUAL(o.r.step_s, o.r.forward_s + o.r.backward_s + o.r.exposed_comm_s + o.r.optimizer_s,
                           1e-9);
    CU_ASSERT_DOUBLE_EQUAL(o.r.input_stall_s, 0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(o.r.host_s, 0, 1e-12);
    same_as_kstream(&m, &o);
}

static void test_no_overlap(void)
{
    /* one bucket closed by layer 0: nothing to overlap, the whole
     * all-reduce is exposed */
    struct iter_model m;
    struct out o;
    toy_model(&m, 1e9, 0, NULL);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    CU_ASSERT_EQUAL(o.r.buckets, 1);
    CU_ASSERT_DOUBLE_EQUAL(o.r.exposed_comm_s, o.r.allreduce_s, 1e-9);
    /* a stack that all-reduces after backward exposes all four buckets */
    struct stack s;
    stack_ideal(&s);
    s.name = "after-backward";
    s.overlap = 0;
    toy_model(&m, 2.5e6, 0, &s);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    CU_ASSERT_EQUAL(o.r.buckets, 4);
    CU_ASSERT_DOUBLE_EQUAL(o.r.exposed_comm_s, o.r.allreduce_s, 1e-9);
    same_as_kstream(&m, &o);
}

static void test_input_stall(void)
{
    /* compute alone: step S; an input pipeline taking S + 7 ms per batch
     * stalls every steady step by exactly 7 ms */
    struct iter_model m;
    struct out o;
    toy_model(&m, 2.5e6, 0, NULL);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    double step = o.r.step_s;
    toy_model(&m, 2.5e6, step + 7e-3, NULL);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    CU_ASSERT_DOUBLE_EQUAL(o.r.input_stall_s, 7e-3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(o.r.step_s, step + 7e-3, 1e-9);
    same_as_kstream(&m, &o);
    /* a faster pipeline never stalls a steady step */
    toy_model(&m, 2.5e6, step * 0.5, NULL);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    CU_ASSERT_DOUBLE_EQUAL(o.r.input_stall_s, 0, 1e-12);
}

/* One GPU under stack s: the step, checked against the plain-C timeline. */
static double one_gpu(const struct stack *s)
{
    struct iter_model m;
    static struct out o;
    toy_model(&m, 2.5e6, 0, s);
    m.coll.nranks = 1;
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    same_as_kstream(&m, &o);
    return o.r.step_s;
}

/* A host that dispatches slower than the GPU runs: with a deep queue the
 * step is the host's time, worked by hand. One GPU, no all-reduce. */
static void test_host_floor(void)
{
    struct stack s;
    stack_ideal(&s);
    s.name = "slow-host";
    s.dispatch_s[STACK_FWD] = 3e-3; /* 10 forward kernels: 30 ms of host against 10 ms of GPU */
    s.dispatch_s[STACK_BWD] = 3e-3; /* 10 backward: 30 ms against 20 ms */
    s.dispatch_s[STACK_OPT] = 1e-3;
    s.step_host_s = 2e-3;
    struct iter_model m;
    struct out o;
    toy_model(&m, 2.5e6, 0, &s);
    m.coll.nranks = 1;
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    /* deep queue, no sync: every kernel waits for its dispatch; the step is
     * the host's 2 + 30 + 30 + 1 = 63 ms */
    CU_ASSERT_DOUBLE_EQUAL(o.r.step_s, 63e-3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(o.r.forward_s + o.r.backward_s + o.r.optimizer_s + o.r.host_s, 63e-3, 1e-9);
    CU_ASSERT(o.r.host_s > 30e-3);
    same_as_kstream(&m, &o);
    /* synchronous: the sum of host and GPU, 63 + 30.5 ms */
    s.queue = 0;
    CU_ASSERT_DOUBLE_EQUAL(one_gpu(&s), 93.5e-3, 1e-9);
    /* a fast host hides behind the GPU: the step is the GPU's 30.5 ms */
    s.queue = 1024;
    s.dispatch_s[STACK_FWD] = s.dispatch_s[STACK_BWD] = s.dispatch_s[STACK_OPT] = 0.1e-3;
    s.step_host_s = 0;
    CU_ASSERT_DOUBLE_EQUAL(one_gpu(&s), 30.5e-3, 1e-9);
}

/* The knee and every sync variant, with the all-reduce on 8 GPUs and an
 * input pipeline: SimGrid and the plain-C timeline agree. */
static void test_against_kstream(void)
{
    static const int queues[] = {0, 1, 3, 1024};
    static const enum stack_sync syncs[] = {STACK_SYNC_NONE, STACK_SYNC_OPTIMIZER, STACK_SYNC_STEP};
    for (size_t q = 0; q < 4; q++)
        for (size_t y = 0; y < 3; y++) {
            struct stack s;
            stack_ideal(&s);
            s.name = "variant";
            s.queue = queues[q];
            s.sync = syncs[y];
            s.overlap = (int)((q + y) % 2);
            s.dispatch_s[STACK_FWD] = 0.8e-3;
            s.dispatch_s[STACK_BWD] = 2.5e-3;
            s.dispatch_s[STACK_OPT] = 0.2e-3;
            s.kernels[DNN_CONV][1] = 2;
            s.opt_kernels = 3;
            s.step_host_s = 1e-3;
            struct iter_model m;
            struct out o;
            toy_model(&m, 2.5e6, 25e-3, &s);
            CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
            same_as_kstream(&m, &o);
        }
}

int test_iter_register(void)
{
    CU_pSuite s = CU_add_suite("iter", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "buckets by hand", test_buckets) || !CU_add_test(s, "overlap", test_overlap) ||
        !CU_add_test(s, "single bucket is exposed", test_no_overlap) ||
        !CU_add_test(s, "input stall", test_input_stall) || !CU_add_test(s, "host-bound floor", test_host_floor) ||
        !CU_add_test(s, "actors = plain-C timeline", test_against_kstream))
        return -1;
    return 0;
}
