/* Tests for sim/iter: buckets worked by hand, overlap of all-reduce with
 * backward, input stall. Each simulation runs in a forked child. */
#include "collsim.h"
#include "iter.h"
#include "platform.h"
#include "simchild.h"

#include <CUnit/CUnit.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdlib.h>

#define NL 10
static double fwd[NL], bwd[NL], grad[NL];

/* 10 layers: forward 1 ms, backward 2 ms, 1 MB of gradients each. */
static void toy_model(struct iter_model *m, double bucket, double input_s)
{
    for (int i = 0; i < NL; i++) { fwd[i] = 1e-3; bwd[i] = 2e-3; grad[i] = 1e6; }
    memset(m, 0, sizeof *m);
    m->nlayers = NL;
    m->fwd_s = fwd;
    m->bwd_s = bwd;
    m->grad_bytes = grad;
    m->optimizer_s = 0.5e-3;
    m->coll.algo = "ring";
    m->coll.nranks = 8;
    m->coll.gpus_per_node = 4;
    m->coll.dtype = COLL_FP32;
    m->bucket_bytes = bucket;
    m->mode = COLLSIM_FAST;
    m->input_s = input_s;
    m->prefetch = 2;
    m->warmup = 2;
    m->measured = 3;
}

static void test_buckets(void)
{
    struct iter_model m;
    toy_model(&m, 2.5e6, 0);
    /* backward from layer 9: 1, 2, 3 MB >= 2.5 closes at layer 7; then 6-4,
     * 3-1, and layer 0 alone: 3, 3, 3, 1 MB = 750000 x3, 250000 floats. */
    uint64_t c[8];
    CU_ASSERT_EQUAL_FATAL(iter_buckets(&m, c, 8), 4);
    CU_ASSERT_EQUAL(c[0], 750000);
    CU_ASSERT_EQUAL(c[1], 750000);
    CU_ASSERT_EQUAL(c[2], 750000);
    CU_ASSERT_EQUAL(c[3], 250000);
    toy_model(&m, 100e6, 0);
    CU_ASSERT_EQUAL(iter_buckets(&m, c, 8), 1);
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
    uint64_t counts[64];
    int nb = iter_buckets(&g_job->m, counts, 64);
    for (int b = 0; b < nb && !g_out->rc; b++) {
        struct coll_params p = g_job->m.coll;
        p.count = counts[b];
        double s;
        g_out->rc = collsim_run(cs, &p, g_job->m.mode, &s, NULL, &e);
        g_out->ar_alone_s += s;
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

static void test_overlap(void)
{
    struct iter_model m;
    struct out o;
    toy_model(&m, 2.5e6, 0);
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
}

static void test_no_overlap(void)
{
    /* one bucket closed by layer 0: nothing to overlap, the whole
     * all-reduce is exposed */
    struct iter_model m;
    struct out o;
    toy_model(&m, 1e9, 0);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    CU_ASSERT_EQUAL(o.r.buckets, 1);
    CU_ASSERT_DOUBLE_EQUAL(o.r.exposed_comm_s, o.r.allreduce_s, 1e-9);
}

static void test_input_stall(void)
{
    /* compute alone: step S; an input pipeline taking S + 7 ms per batch
     * stalls every steady step by exactly 7 ms */
    struct iter_model m;
    struct out o;
    toy_model(&m, 2.5e6, 0);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    double step = o.r.step_s;
    toy_model(&m, 2.5e6, step + 7e-3);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    CU_ASSERT_DOUBLE_EQUAL(o.r.input_stall_s, 7e-3, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(o.r.step_s, step + 7e-3, 1e-9);
    /* a faster pipeline never stalls a steady step */
    toy_model(&m, 2.5e6, step * 0.5);
    CU_ASSERT_EQUAL_FATAL(simulate(&m, &o), 0);
    CU_ASSERT_DOUBLE_EQUAL(o.r.input_stall_s, 0, 1e-12);
}

int test_iter_register(void)
{
    CU_pSuite s = CU_add_suite("iter", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "buckets by hand", test_buckets) || !CU_add_test(s, "overlap", test_overlap) ||
        !CU_add_test(s, "single bucket is exposed", test_no_overlap) ||
        !CU_add_test(s, "input stall", test_input_stall))
        return -1;
    return 0;
}
