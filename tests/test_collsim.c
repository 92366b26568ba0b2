/* Tests for sim/platform and sim/collsim against hand-worked closed forms.
 *
 * SimGrid runs one engine per process, so every simulation runs in a forked
 * child that loads its platform, runs a batch and sends the durations back
 * through a pipe. */
#include "collsim.h"
#include "commlib.h"
#include "platform.h"
#include "simchild.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct result {
    double seconds;
    struct collsim_stats st;
};

/* What a child needs: the cluster, options and jobs (copied at fork). */
struct childarg {
    const struct sim_cluster *c;
    double reduce_rate;
    int no_fallback;
    const struct commlib *lib;
    struct collsim_job *jobs;
    int n;
};

static int batch_child(void *argp, void *outp)
{
    const struct childarg *a = argp;
    struct result *res = outp;
    dt_err e = {0};
    char *av[] = {"dtsim-tests", NULL};
    char path[] = "/tmp/dtsim-test-XXXXXX.xml";
    int fd = mkstemps(path, 4), rc = -1;
    if (fd >= 0) {
        close(fd);
        struct collsim_opts o = {.no_fallback = a->no_fallback, .reduce_elems_per_s = a->reduce_rate, .lib = a->lib};
        rc = platform_engine_init(1, av, &e);
        if (!rc) rc = platform_load(a->c, path, &e);
        unlink(path);
        if (!rc) rc = collsim_batch(a->c, &o, a->jobs, a->n, &e);
        if (rc) fprintf(stderr, "sim_child: %s\n", e.msg);
    }
    for (int i = 0; i < a->n; i++) {
        res[i].seconds = rc ? -1 : a->jobs[i].seconds;
        res[i].st = a->jobs[i].st;
    }
    return rc ? 1 : 0;
}

/* Run jobs on cluster c in a child; fill res. Returns 0 or -1. */
static int sim_child_opts(const struct sim_cluster *c, double reduce_rate, int no_fallback, struct collsim_job *jobs,
                          int n, struct result *res)
{
    struct childarg a = {c, reduce_rate, no_fallback, NULL, jobs, n};
    return simchild_run(batch_child, &a, res, (size_t)n * sizeof *res) == 0 ? 0 : -1;
}

static int sim_child(const struct sim_cluster *c, double reduce_rate, struct collsim_job *jobs, int n,
                     struct result *res)
{
    return sim_child_opts(c, reduce_rate, 1, jobs, n, res);
}

static struct collsim_job job(const char *algo, int nranks, uint64_t count, int gpn, int mode)
{
    struct collsim_job j;
    memset(&j, 0, sizeof j);
    j.p.algo = algo;
    j.p.nranks = nranks;
    j.p.count = count;
    j.p.dtype = COLL_FP32;
    j.p.gpus_per_node = gpn;
    j.mode = mode;
    return j;
}

/* One GPU per node on one switch: every hop is NIC -> switch -> NIC, latency
 * nic_lat + switch_lat, bandwidth B; reductions free (gpu_flops huge). */
static void flat_switch(struct sim_cluster *c, int nodes)
{
    memset(c, 0, sizeof *c);
    c->nodes = nodes;
    c->gpus_per_node = 1;
    c->gpu_flops = 1e18;
    c->nics_per_node = 1;
    c->nic_bw_Bps = 10e9;
    c->nic_lat_s = 1.5e-6;
    c->switch_lat_s = 0.5e-6;
    c->topology = SIM_TOPO_SWITCH;
}

static int near(double got, double want, double tol)
{
    int ok = fabs(got - want) <= tol * want;
    if (!ok) fprintf(stderr, "  got %.9g, want %.9g (%.3f%% off)\n", got, want, 100 * (got / want - 1));
    return ok;
}

/* T = 2(N-1)/N * S/B + steps * latency, S = count * 4 bytes. */
static double closed_form(int n, uint64_t count, double bw, double lat, int steps)
{
    return 2.0 * (n - 1) / n * (double)count * 4 / bw + steps * lat;
}

static void test_ring_closed_form(void)
{
    static const int ns[] = {2, 3, 5, 16, 100, 256};
    enum { K = sizeof ns / sizeof *ns };
    struct sim_cluster c;
    flat_switch(&c, 256);
    struct collsim_job jobs[K];
    struct result res[K];
    uint64_t count = 25500000; /* 102 MB fp32 */
    for (int i = 0; i < K; i++) jobs[i] = job("ring", ns[i], count, 1, COLLSIM_FAST);
    CU_ASSERT_FATAL(sim_child(&c, 0, jobs, K, res) == 0);
    for (int i = 0; i < K; i++) {
        int n = ns[i];
        double want = closed_form(n, count, c.nic_bw_Bps, c.nic_lat_s + c.switch_lat_s, 2 * (n - 1));
        CU_ASSERT(near(res[i].seconds, want, 0.02));
        CU_ASSERT_EQUAL(res[i].st.messages, (uint64_t)2 * (n - 1) * n);
    }
    /* N = 2 by hand: 2 steps of 51 MB at 10 GB/s + 2 x 2 us = 10.204 ms */
    CU_ASSERT(near(res[0].seconds, 0.010204, 1e-4));
}

static void test_hd_closed_form(void)
{
    static const int ns[] = {2, 4, 16, 64, 256};
    enum { K = sizeof ns / sizeof *ns };
    struct sim_cluster c;
    flat_switch(&c, 256);
    struct collsim_job jobs[K];
    struct result res[K];
    uint64_t count = 1 << 24; /* 64 MiB fp32, halves evenly down to 256 ranks */
    for (int i = 0; i < K; i++) jobs[i] = job("halving-doubling", ns[i], count, 1, COLLSIM_FAST);
    CU_ASSERT_FATAL(sim_child(&c, 0, jobs, K, res) == 0);
    for (int i = 0; i < K; i++) {
        int n = ns[i], lg = 0;
        while ((1 << lg) < n) lg++;
        double want = closed_form(n, count, c.nic_bw_Bps, c.nic_lat_s + c.switch_lat_s, 2 * lg);
        CU_ASSERT(near(res[i].seconds, want, 0.02));
    }
}

/* Fat-tree with one node per leaf: every ring hop crosses the spine, and a
 * leaf's uplink carries one flow each way. At 2:1 the uplink has B/2, so the
 * bandwidth term doubles; latency is nic + 3 switches either way. */
static void test_oversubscribed_fattree(void)
{
    struct sim_cluster full, over;
    flat_switch(&full, 16);
    full.topology = SIM_TOPO_FATTREE;
    full.nodes_per_leaf = 1;
    full.oversubscription = 1;
    over = full;
    over.oversubscription = 2;
    uint64_t count = 25000000;
    struct collsim_job j1 = job("ring", 16, count, 1, COLLSIM_FAST), j2 = j1;
    struct result r1, r2;
    CU_ASSERT_FATAL(sim_child(&full, 0, &j1, 1, &r1) == 0);
    CU_ASSERT_FATAL(sim_child(&over, 0, &j2, 1, &r2) == 0);
    double lat = full.nic_lat_s + 3 * full.switch_lat_s;
    double t1 = closed_form(16, count, full.nic_bw_Bps, lat, 30), t2 = closed_form(16, count, full.nic_bw_Bps / 2, lat, 30);
    CU_ASSERT(near(r1.seconds, t1, 0.02));
    CU_ASSERT(near(r2.seconds, t2, 0.02));
    CU_ASSERT(near(r2.seconds / r1.seconds, t2 / t1, 0.02)); /* 1.9985 */
}

/* Fast mode within 2% of the message-exact simulation. */
static void check_exact_vs_fast(const struct sim_cluster *c, const char *algo, int n, uint64_t count, double rate)
{
    struct collsim_job jobs[2] = {job(algo, n, count, c->gpus_per_node, COLLSIM_EXACT),
                                  job(algo, n, count, c->gpus_per_node, COLLSIM_FAST)};
    struct result res[2];
    CU_ASSERT_FATAL(sim_child(c, rate, jobs, 2, res) == 0);
    fprintf(stderr, "  %s n=%d exact %.9f fast %.9f (%+.4f%%) steps %llu simulated %llu\n", algo, n, res[0].seconds,
            res[1].seconds, 100 * (res[1].seconds / res[0].seconds - 1), (unsigned long long)res[1].st.steps,
            (unsigned long long)res[1].st.steps_simulated);
    CU_ASSERT(near(res[1].seconds, res[0].seconds, 0.02));
    CU_ASSERT_EQUAL(res[0].st.messages, res[1].st.messages);
    CU_ASSERT(res[1].st.steps_simulated < res[1].st.steps || res[1].st.steps <= 2);
}

static void test_exact_vs_fast(void)
{
    struct sim_cluster c;
    platform_abci(&c, 16); /* 64 GPUs, mesh NVLink, 2 NICs, fat-tree */
    c.nodes_per_leaf = 4;  /* 4 leaves at 3:1 */
    check_exact_vs_fast(&c, "ring", 64, 2500000, 100e9);
    check_exact_vs_fast(&c, "hierarchical", 64, 2500000, 100e9);
    /* 2d-torus columns crossing 3:1 leaves of 4 nodes drift apart in the
     * exact run and share uplinks better than lock-step: 2.5% here, listed
     * in docs/sim.md. With one 34-node leaf it is within 1%. */
    c.nodes_per_leaf = 34;
    check_exact_vs_fast(&c, "2d-torus", 64, 2500000, 100e9);
    c.topology = SIM_TOPO_SWITCH;
    c.intra = SIM_INTRA_SWITCH;
    check_exact_vs_fast(&c, "ring", 24, 2500001, 0);
}

/* Multi-rail, by hand. N = 4 nodes x G = 8 GPUs on one switch, k = 8 NICs
 * of B = 10 GB/s, NVSwitch ports of 1000 GB/s (never the bottleneck). A
 * ring step moves a block of S/(N G) per channel; with one channel it all
 * leaves a node on one NIC, with k channels each NIC carries S/(k N G):
 *     T(k) = 2 (NG - 1) x (L + W + S / (k N G B))
 * S = 102.4 MB: T(1) = 62 x (2 us + 320 us) = 19.964 ms,
 *               T(8) = 62 x (2 us + 40 us) = 2.604 ms.
 * The same with 2d-torus rows of two nodes (16 x 2 grid): its row rings
 * cross nodes too; its column rings join GPU j to GPU j (NIC j) already. */
static void test_multirail(void)
{
    struct sim_cluster c;
    flat_switch(&c, 4);
    c.gpus_per_node = 8;
    c.nics_per_node = 8;
    c.intra = SIM_INTRA_SWITCH;
    c.intra_bw_Bps = 1e12;
    c.intra_lat_s = 0.5e-6;
    uint64_t count = 25600000; /* 102.4 MB fp32 */
    struct collsim_job jobs[6] = {job("ring", 32, count, 8, COLLSIM_FAST), job("ring", 32, count, 8, COLLSIM_FAST),
                                  job("ring", 32, count, 8, COLLSIM_EXACT),
                                  job("2d-torus", 32, count, 8, COLLSIM_FAST),
                                  job("2d-torus", 32, count, 8, COLLSIM_FAST),
                                  job("2d-torus", 32, count, 8, COLLSIM_EXACT)};
    jobs[1].p.channels = jobs[2].p.channels = jobs[4].p.channels = jobs[5].p.channels = 8;
    for (int i = 3; i < 6; i++) jobs[i].p.grid_x = 16;
    struct result res[6];
    CU_ASSERT_FATAL(sim_child(&c, 0, jobs, 6, res) == 0);
    double lat = c.nic_lat_s + c.switch_lat_s, S = (double)count * 4;
    double t1 = 62 * (lat + S / (32 * c.nic_bw_Bps)), t8 = 62 * (lat + S / (8 * 32 * c.nic_bw_Bps));
    CU_ASSERT(near(t1, 0.019964, 1e-6));
    CU_ASSERT(near(t8, 0.002604, 1e-6));
    CU_ASSERT(near(res[0].seconds, t1, 0.02));
    CU_ASSERT(near(res[1].seconds, t8, 0.02));
    CU_ASSERT(near(res[2].seconds, t8, 0.02));
    CU_ASSERT_EQUAL(res[1].st.messages, 8 * res[0].st.messages);
    /* 2d-torus 16 x 2: rows of 16 ranks, 2 (16-1) steps, each a block of
     * S/16 of a row (one node-to-node hop per row, on one NIC without
     * channels); columns: 2 (2-1) steps of S/32 on NIC j each. */
    double r1 = 30 * (lat + S / (16 * c.nic_bw_Bps)) + 2 * (lat + S / (32 * c.nic_bw_Bps));
    double r8 = 30 * (lat + S / (8 * 16 * c.nic_bw_Bps)) + 2 * (lat + S / (32 * c.nic_bw_Bps));
    CU_ASSERT(near(res[3].seconds, r1, 0.02));
    CU_ASSERT(near(res[4].seconds, r8, 0.02));
    CU_ASSERT(near(res[5].seconds, r8, 0.02));
}

/* The memo outlives a run: the same collective again simulates nothing and
 * takes the same time. Halving-doubling (every step a new pattern) falls
 * back to the exact run, and says so. */
static void test_reuse_and_fallback(void)
{
    struct sim_cluster c;
    platform_abci(&c, 8);
    struct collsim_job jobs[4] = {job("ring", 32, 1000000, 4, COLLSIM_FAST), job("ring", 32, 1000000, 4, COLLSIM_FAST),
                                  job("halving-doubling", 32, 1000000, 4, COLLSIM_FAST),
                                  job("halving-doubling", 32, 1000000, 4, COLLSIM_EXACT)};
    struct result res[4];
    dt_err e = {0};
    (void)e;
    /* sim_child sets no_fallback for the accuracy checks: run this one plainly */
    CU_ASSERT_FATAL(sim_child_opts(&c, 0, 0, jobs, 4, res) == 0);
    CU_ASSERT(res[0].st.steps_simulated == 2);
    CU_ASSERT(res[1].st.steps_simulated == 0);
    CU_ASSERT_DOUBLE_EQUAL(res[1].seconds, res[0].seconds, 1e-12);
    CU_ASSERT(res[2].st.exact == 1);
    CU_ASSERT_DOUBLE_EQUAL(res[2].seconds, res[3].seconds, 1e-12);
}

/* ---- a collective library (models/commlib.h) ----------------------------- */

/* Jobs on cluster c with library lib (NULL: ideal), fast mode may fall back. */
static int sim_child_lib(const struct sim_cluster *c, const struct commlib *lib, struct collsim_job *jobs, int n,
                         struct result *res)
{
    struct childarg a = {c, 0, 0, lib, jobs, n};
    return simchild_run(batch_child, &a, res, (size_t)n * sizeof *res) == 0 ? 0 : -1;
}

/* A library with round numbers: 100 us a call, 50 us a step across nodes,
 * 20 us inside one, 80% of the link for large messages; up to 32 KiB per
 * message the small protocol: 5 / 2 us a step, 25% of the link. */
static struct commlib test_lib(void)
{
    struct commlib l = commlib_none;
    l.name = "test";
    l.call_s = 100e-6;
    l.step_inter_s = 50e-6;
    l.step_intra_s = 20e-6;
    l.bw_share = 0.8;
    l.small_bytes = 32768;
    l.small_step_inter_s = 5e-6;
    l.small_step_intra_s = 2e-6;
    l.small_bw_share = 0.25;
    return l;
}

/* Ring of 4 on one switch (B = 10 GB/s, L = 2 us a hop), both protocols:
 *   T = call + 2(N-1) (L + step) + 2(N-1)/N x S / (B x share)
 * large, S = 4 MB (1 MB a message):
 *   100 + 6 (2 + 50) + 1.5 x 4e6 / 8e9 s = 100 + 312 + 750 = 1162 us
 * small, S = 64 KB (16 KB a message):
 *   100 + 6 (2 + 5) + 1.5 x 64e3 / 2.5e9 s = 100 + 42 + 38.4 = 180.4 us
 * Against the ideal library the difference is exact (same platform):
 *   large: 100 + 6 x 50 + 750 - 600 = 550 us; small: 100 + 6 x 5 + 38.4 - 9.6 = 158.8 us */
static void test_lib_ring(void)
{
    struct sim_cluster c;
    flat_switch(&c, 4);
    struct commlib lib = test_lib();
    struct collsim_job jobs[4] = {job("ring", 4, 1000000, 1, COLLSIM_FAST), job("ring", 4, 16000, 1, COLLSIM_FAST),
                                  job("ring", 4, 1000000, 1, COLLSIM_EXACT), job("ring", 4, 16000, 1, COLLSIM_EXACT)};
    struct collsim_job ideal[2] = {jobs[0], jobs[1]};
    struct result res[4], base[2];
    CU_ASSERT_FATAL(sim_child_lib(&c, &lib, jobs, 4, res) == 0);
    CU_ASSERT_FATAL(sim_child_lib(&c, NULL, ideal, 2, base) == 0);
    CU_ASSERT(near(res[0].seconds, 1162e-6, 0.01));
    CU_ASSERT(near(res[1].seconds, 180.4e-6, 0.01));
    CU_ASSERT(near(res[0].seconds - base[0].seconds, 550e-6, 1e-6));
    CU_ASSERT(near(res[1].seconds - base[1].seconds, 158.8e-6, 1e-6));
    CU_ASSERT(near(res[2].seconds, res[0].seconds, 1e-9)); /* exact mode: the same lock-step ring */
    CU_ASSERT(near(res[3].seconds, res[1].seconds, 1e-9));
}

/* Hierarchical on 2 nodes x 2 GPUs (intra port 20 GB/s, NIC 10 GB/s), S =
 * 4 MB: step 0 and 3 inside a node (a 2 MB message each), steps 1 and 2
 * across (1 MB each). Against the ideal library:
 *   call + 2 step_intra + 2 step_inter + (1/share - 1) x (2 x 2e6/20e9 + 2 x 1e6/10e9)
 *   = 100 + 40 + 100 + 0.25 x 400 = 340 us
 * and in all: T = call + 2 (L_i + 20 + 2e6/16e9) + 2 (L_n + 50 + 1e6/8e9). */
static void test_lib_hierarchical(void)
{
    struct sim_cluster c;
    flat_switch(&c, 2);
    c.gpus_per_node = 2;
    c.nics_per_node = 2;
    c.intra = SIM_INTRA_SWITCH;
    c.intra_bw_Bps = 20e9;
    c.intra_lat_s = 1e-6;
    struct commlib lib = test_lib();
    struct collsim_job jobs[2] = {job("hierarchical", 4, 1000000, 2, COLLSIM_FAST),
                                  job("hierarchical", 4, 1000000, 2, COLLSIM_EXACT)}, ideal = jobs[0];
    struct result res[2], base;
    CU_ASSERT_FATAL(sim_child_lib(&c, &lib, jobs, 2, res) == 0);
    CU_ASSERT_FATAL(sim_child_lib(&c, NULL, &ideal, 1, &base) == 0);
    CU_ASSERT(near(res[0].seconds - base.seconds, 340e-6, 1e-6));
    double want = 100e-6 + 2 * (1e-6 + 20e-6 + 2e6 / 16e9) + 2 * (2e-6 + 50e-6 + 1e6 / 8e9);
    CU_ASSERT(near(res[0].seconds, want, 0.02));
    CU_ASSERT(near(res[1].seconds, res[0].seconds, 0.02));
}

/* Chunking: 1 MB messages in pieces of 256 KiB are 4 pieces (1e6 / 262144 =
 * 3.8), so each of the ring's 6 steps pays 3 x chunk_lat = 30 us more; the
 * same collective again is served from the run cache, call included. */
static void test_lib_chunks_and_cache(void)
{
    struct sim_cluster c;
    flat_switch(&c, 4);
    struct commlib lib = test_lib(), chunked = lib;
    chunked.chunk_bytes = 262144;
    chunked.chunk_lat_s = 10e-6;
    struct collsim_job a[2] = {job("ring", 4, 1000000, 1, COLLSIM_FAST), job("ring", 4, 1000000, 1, COLLSIM_FAST)};
    struct collsim_job b = a[0];
    struct result ra[2], rb;
    CU_ASSERT_FATAL(sim_child_lib(&c, &lib, a, 2, ra) == 0);
    CU_ASSERT_FATAL(sim_child_lib(&c, &chunked, &b, 1, &rb) == 0);
    CU_ASSERT(near(rb.seconds - ra[0].seconds, 6 * 30e-6, 1e-6));
    CU_ASSERT_EQUAL(ra[1].st.steps_simulated, 0);
    CU_ASSERT_DOUBLE_EQUAL(ra[1].seconds, ra[0].seconds, 1e-12);
}

static void test_commlib_model(void)
{
    struct commlib l = test_lib();
    dt_err e = {0};
    CU_ASSERT_EQUAL(commlib_check(&l, &e), 0);
    CU_ASSERT_DOUBLE_EQUAL(commlib_round_lat_s(&l, 1, 32768), 5e-6, 1e-15);  /* at the threshold: small */
    CU_ASSERT_DOUBLE_EQUAL(commlib_round_lat_s(&l, 1, 32769), 50e-6, 1e-15); /* past it: large */
    CU_ASSERT_DOUBLE_EQUAL(commlib_round_lat_s(&l, 0, 100), 2e-6, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(commlib_share(&l, 100), 0.25, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(commlib_share(NULL, 100), 1, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(commlib_round_lat_s(NULL, 1, 1e9), 0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(commlib_call_s(&commlib_none), 0, 1e-15);
    l.chunk_bytes = 1000;
    l.chunk_lat_s = 1e-6;
    CU_ASSERT_DOUBLE_EQUAL(commlib_round_lat_s(&l, 1, 1e6), 50e-6 + 999e-6, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(commlib_round_lat_s(&l, 1, 1000), 5e-6, 1e-15); /* one piece: no extra */
    l.bw_share = 1.5;
    CU_ASSERT_EQUAL(commlib_check(&l, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "[commlib test] bw_share: 1.5, expected a fraction in (0, 1]");
    l = test_lib();
    l.step_inter_s = -1;
    CU_ASSERT_EQUAL(commlib_check(&l, &e), DT_EINVAL);
    /* a layered row: the base's steps, the calls added, its own name */
    struct commlib hv = commlib_none, merged;
    hv.name = "hv";
    hv.library = "Horovod";
    hv.on = "test";
    hv.call_s = 1e-3;
    l = test_lib();
    commlib_layer(&hv, &l, &merged);
    CU_ASSERT_STRING_EQUAL(merged.name, "hv");
    CU_ASSERT_STRING_EQUAL(merged.library, "Horovod");
    CU_ASSERT_DOUBLE_EQUAL(merged.call_s, 1.1e-3, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(merged.step_inter_s, 50e-6, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(merged.small_bw_share, 0.25, 1e-15);
}

static void test_platform_xml(void)
{
    struct sim_cluster c;
    platform_abci(&c, 2);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    dt_err e = {0};
    CU_ASSERT_EQUAL(platform_write_xml(&c, f, &e), 0);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<host id=\"g7\" speed=\"15700000000000f\"/>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<link id=\"n1nic1\" bandwidth=\"12500000000Bps\""));
    /* GPU 3 of node 1 uses NIC 3*2/4 = 1 */
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<route src=\"g7\" dst=\"n1gw\"><link_ctn id=\"n1nic1\" direction=\"UP\"/>"));
    /* mesh: each pair gets 150/3 = 50 GB/s */
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "<link id=\"g4-5\" bandwidth=\"50000000000Bps\""));
    /* uplink of a 2-node leaf at 3:1: 2 x 2 x 12.5 / 3 GB/s */
    CU_ASSERT(fabs(platform_uplink_Bps(&c, 0) - 50e9 / 3) < 1);
    free(buf);
}

static void test_platform_refuses(void)
{
    struct sim_cluster c;
    dt_err e = {0};
    platform_abci(&c, 4);
    c.nics_per_node = 5;
    CU_ASSERT_EQUAL(platform_check(&c, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "nics_per_node: 5, expected 1..4 (one per gpu at most)");
    platform_abci(&c, 4);
    c.nic_bw_Bps = 0;
    CU_ASSERT_EQUAL(platform_check(&c, &e), DT_EINVAL);
    platform_abci(&c, 6);
    c.topology = SIM_TOPO_TORUS;
    c.torus_x = 2, c.torus_y = 2, c.torus_z = 1;
    CU_ASSERT_EQUAL(platform_check(&c, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "torus 2x2x1 does not match 6 nodes");
    c.torus_y = 3;
    CU_ASSERT_EQUAL(platform_check(&c, &e), 0);
    platform_abci(&c, 4);
    c.oversubscription = 0.5;
    CU_ASSERT_EQUAL(platform_check(&c, &e), DT_EINVAL);
}

int test_collsim_register(void)
{
    CU_pSuite s = CU_add_suite("collsim", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "platform_xml", test_platform_xml) || !CU_add_test(s, "platform_refuses", test_platform_refuses) ||
        !CU_add_test(s, "ring_closed_form", test_ring_closed_form) ||
        !CU_add_test(s, "hd_closed_form", test_hd_closed_form) || !CU_add_test(s, "multirail", test_multirail) ||
        !CU_add_test(s, "oversubscribed_fattree", test_oversubscribed_fattree) ||
        !CU_add_test(s, "exact_vs_fast", test_exact_vs_fast) ||
        !CU_add_test(s, "reuse_and_fallback", test_reuse_and_fallback) ||
        !CU_add_test(s, "commlib_model", test_commlib_model) || !CU_add_test(s, "lib_ring", test_lib_ring) ||
        !CU_add_test(s, "lib_hierarchical", test_lib_hierarchical) ||
        !CU_add_test(s, "lib_chunks_and_cache", test_lib_chunks_and_cache))
        return -1;
    return 0;
}
