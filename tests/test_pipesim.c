/* Tests for sim/pipesim: the pipeline schedules' bubbles, point-to-point
 * and TP collective closed forms, DP overlap and contention, determinism.
 *
 * SimGrid runs one engine per process: each case runs in a forked child
 * (tests/simchild.h) that loads its platform and runs one step. */
#include "pipesim.h"
#include "platform.h"
#include "simchild.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXST 16
#define MAXEV 64

struct out {
    struct pipe_result r;     /* r.stage not valid in the parent */
    struct pipe_stage_stats st[MAXST];
    struct pipe_event ev[MAXEV];
    int nev;
};

struct arg {
    const struct sim_cluster *c;
    const struct pipe_model *m;
    int trace;
};

static int child(void *ap, void *op)
{
    const struct arg *a = ap;
    struct out *o = op;
    memset(o, 0, sizeof *o);
    dt_err e = {0};
    char *av[] = {"dtsim-tests", NULL};
    char path[] = "/tmp/dtsim-pipe-XXXXXX.xml";
    int fd = mkstemps(path, 4), rc = -1;
    if (fd < 0) return 1;
    close(fd);
    rc = platform_engine_init(1, av, &e);
    if (!rc) rc = platform_load(a->c, path, &e);
    unlink(path);
    struct pipe_trace tr = {0, MAXEV, o->ev};
    if (!rc) rc = pipesim_run(a->c, a->m, &o->r, a->trace ? &tr : NULL, &e);
    if (rc) {
        fprintf(stderr, "pipesim child: %s\n", e.msg);
        return 1;
    }
    o->nev = tr.n;
    for (int s = 0; s < o->r.nstages && s < MAXST; s++) o->st[s] = o->r.stage[s];
    int n = o->r.nstages;
    pipe_result_free(&o->r);
    o->r.nstages = n;
    return 0;
}

static int run(const struct sim_cluster *c, const struct pipe_model *m, struct out *o)
{
    struct arg a = {c, m, 1};
    return simchild_run(child, &a, o, sizeof *o);
}

static int near(double got, double want, double tol)
{
    int ok = fabs(got - want) <= tol * fabs(want);
    if (!ok) fprintf(stderr, "  got %.9g, want %.9g (%.3f%% off)\n", got, want, 100 * (got / want - 1));
    return ok;
}

/* One GPU per node on one switch, 10 GB/s NICs, 2 us one way. */
static void flat(struct sim_cluster *c, int nodes, int gpn)
{
    memset(c, 0, sizeof *c);
    c->nodes = nodes;
    c->gpus_per_node = gpn;
    c->gpu_flops = 1e15;
    c->intra = SIM_INTRA_SWITCH;
    c->intra_bw_Bps = 100e9;
    c->intra_lat_s = 1e-6;
    c->nics_per_node = 1;
    c->nic_bw_Bps = 10e9;
    c->nic_lat_s = 1.5e-6;
    c->switch_lat_s = 0.5e-6;
    c->topology = SIM_TOPO_SWITCH;
}

static void model(struct pipe_model *m, int tp, int pp, int dp, int v, int mb, enum exp_schedule sched)
{
    memset(m, 0, sizeof *m);
    m->l.tp = tp;
    m->l.pp = pp;
    m->l.dp = dp;
    m->l.vstages = v;
    m->l.microbatches = mb;
    m->l.microbatch = 1;
    m->l.sched = sched;
    m->l.seq = 2048;
    m->bucket_bytes = 1;
}

/* Balanced pipeline without communication: every chunk forward tf/v,
 * backward tb/v. Returns the simulated bubble fraction. */
static double bubble(enum exp_schedule sched, int p, int mb, int v, struct out *o)
{
    const double tf = 1e-3, tb = 2e-3;
    struct sim_cluster c;
    flat(&c, p, 1);
    struct pipe_op f = {PIPE_COMPUTE, tf / v, 0}, b = {PIPE_COMPUTE, tb / v, 0};
    struct pipe_chunk ch[64];
    for (int i = 0; i < p * v; i++) ch[i] = (struct pipe_chunk){&f, 1, &b, 1, 0};
    struct pipe_model m;
    model(&m, 1, p, 1, v, mb, sched);
    m.chunks = ch;
    if (run(&c, &m, o) != 0) return -1;
    double busy = mb * (tf + tb);
    CU_ASSERT(near(o->r.compute_s, busy, 1e-9));
    CU_ASSERT(near(o->r.bubble_s, o->r.step_s - busy, 1e-6));
    return (o->r.step_s - busy) / o->r.step_s;
}

static void test_1f1b_bubble(void)
{
    static const int pm[][2] = {{4, 8}, {8, 32}, {2, 1}, {4, 3}, {3, 7}};
    struct out o;
    for (size_t i = 0; i < sizeof pm / sizeof *pm; i++) {
        int p = pm[i][0], m = pm[i][1];
        double got = bubble(EXP_SCHED_1F1B, p, m, 1, &o);
        CU_ASSERT(near(got, pipe_bubble_fraction(p, m), 0.01));
        CU_ASSERT_EQUAL(o.r.nstages, p);
    }
    CU_ASSERT(near(pipe_bubble_fraction(8, 32), 7.0 / 39, 1e-12));
}

static void test_gpipe_bubble(void)
{
    static const int pm[][2] = {{4, 8}, {8, 32}, {2, 5}};
    struct out o;
    for (size_t i = 0; i < sizeof pm / sizeof *pm; i++) {
        int p = pm[i][0], m = pm[i][1];
        CU_ASSERT(near(bubble(EXP_SCHED_GPIPE, p, m, 1, &o), pipe_bubble_fraction(p, m), 0.01));
    }
}

/* Interleaved: bubble time (p-1)(tf+tb)/v (Narayanan et al. 2021, section
 * 2.2.2) against m (tf+tb) of work: fraction (p-1) / (v m + p - 1). */
static void test_interleaved_bubble(void)
{
    static const int pmv[][3] = {{4, 8, 2}, {4, 16, 4}, {8, 32, 2}, {2, 4, 3}, {4, 4, 2}};
    struct out o;
    for (size_t i = 0; i < sizeof pmv / sizeof *pmv; i++) {
        int p = pmv[i][0], m = pmv[i][1], v = pmv[i][2];
        double want = (double)(p - 1) / (v * m + p - 1);
        double got = bubble(EXP_SCHED_INTERLEAVED, p, m, v, &o);
        fprintf(stderr, "  interleaved p=%d m=%d v=%d: bubble %.5f, want %.5f\n", p, m, v, got, want);
        CU_ASSERT(near(got, want, 0.01));
    }
}

/* 2 stages, 1 microbatch, activation B bytes between two nodes on one
 * switch: step = tf0 + (L + B/bw) + tf1 + tb1 + (L + B/bw) + tb0. With
 * TP 2 and two NICs a node, each TP rank sends B/2 on its own NIC. */
static void test_p2p_closed_form(void)
{
    const double tf = 1e-3, tb = 2e-3, B = 50e6;
    for (int tp = 1; tp <= 2; tp++) {
        struct sim_cluster c;
        flat(&c, 2, tp);
        c.nics_per_node = tp;
        struct pipe_op f = {PIPE_COMPUTE, tf, 0}, b = {PIPE_COMPUTE, tb, 0};
        struct pipe_chunk ch[2] = {{&f, 1, &b, 1, 0}, {&f, 1, &b, 1, 0}};
        struct pipe_model m;
        model(&m, tp, 2, 1, 1, 1, EXP_SCHED_1F1B);
        m.chunks = ch;
        m.act_bytes = B;
        struct out o;
        CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
        double hop = c.nic_lat_s + c.switch_lat_s + B / tp / c.nic_bw_Bps;
        CU_ASSERT(near(o.r.step_s, 2 * (tf + tb) + 2 * hop, 0.01));
        CU_ASSERT(near(o.r.p2p_bytes, 2 * B, 1e-12));
        CU_ASSERT_EQUAL(o.r.flows, 2 * tp);
        CU_ASSERT_EQUAL(o.r.critical, 0);
    }
}

/* A TP all-reduce of S bytes on t GPUs of one node (NVSwitch-like ports):
 * ring closed form 2(t-1)/t S/bw + 2(t-1) lat; repeated ops memoised; a
 * reduce-scatter and an all-gather half each. */
static void test_tp_collective(void)
{
    const double S = 64e6;
    for (int t = 2; t <= 8; t *= 2) {
        struct sim_cluster c;
        flat(&c, 1, t);
        struct pipe_op f[3] = {{PIPE_TP_ALLREDUCE, 0, S}, {PIPE_TP_REDUCE_SCATTER, 0, S}, {PIPE_TP_ALLGATHER, 0, S}};
        struct pipe_chunk ch = {f, 3, NULL, 0, 0};
        struct pipe_model m;
        model(&m, t, 1, 1, 1, 3, EXP_SCHED_1F1B);
        m.chunks = &ch;
        struct out o;
        CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
        double ar = 2.0 * (t - 1) / t * S / c.intra_bw_Bps + 2 * (t - 1) * c.intra_lat_s;
        double rs = (t - 1.0) / t * S / c.intra_bw_Bps + (t - 1) * c.intra_lat_s;
        CU_ASSERT(near(o.r.step_s, 3 * (ar + 2 * rs), 0.01));
        CU_ASSERT(near(o.r.tp_s, o.r.step_s, 1e-9));
        /* memo: only the first microbatch's collectives are flows */
        CU_ASSERT_EQUAL(o.r.flows, (long long)t * (2 * (t - 1) + 2 * (t - 1)));
    }
}

/* The same with a collective library: its call cost once per collective,
 * its step latency at each ring step, and its bandwidth share
 * (models/commlib.h): call + 2(t-1)(L + step) + 2(t-1)/t S/(B share). */
static void test_tp_commlib(void)
{
    const double S = 64e6;
    const int t = 4;
    struct commlib lib = commlib_none;
    lib.name = "test";
    lib.call_s = 20e-6;
    lib.step_intra_s = 5e-6;
    lib.step_inter_s = 9e-6;
    lib.bw_share = 0.8;
    struct sim_cluster c;
    flat(&c, 1, t);
    struct pipe_op f = {PIPE_TP_ALLREDUCE, 0, S};
    struct pipe_chunk ch = {&f, 1, NULL, 0, 0};
    struct pipe_model m;
    model(&m, t, 1, 1, 1, 1, EXP_SCHED_1F1B);
    m.chunks = &ch;
    m.lib = &lib;
    struct out o;
    CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
    double want = lib.call_s + 2 * (t - 1) * (c.intra_lat_s + lib.step_intra_s) +
                  2.0 * (t - 1) / t * S / (c.intra_bw_Bps * lib.bw_share);
    CU_ASSERT(near(o.r.step_s, want, 0.01));
}

/* DP 2 over two nodes, one stage: the backward is 10 ops of 10 ms, each
 * making a tenth of the gradients ready, a bucket each. A bucket's
 * all-reduce (2 steps of b/2) takes well under 10 ms, so only the last
 * one is exposed. Without gradients nothing is. */
static void test_dp_overlap(void)
{
    struct sim_cluster c;
    flat(&c, 2, 1);
    const double G = 100e6, tb = 10e-3;
    struct pipe_op f = {PIPE_COMPUTE, 5e-3, 0}, b[10];
    for (int i = 0; i < 10; i++) b[i] = (struct pipe_op){PIPE_COMPUTE, tb, 0};
    struct pipe_chunk ch = {&f, 1, b, 10, G};
    struct pipe_model m;
    model(&m, 1, 1, 2, 1, 2, EXP_SCHED_1F1B);
    m.chunks = &ch;
    m.bucket_bytes = G / 10;
    struct out o;
    CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
    double lat = c.nic_lat_s + c.switch_lat_s, bucket = 2 * (lat + G / 10 / 2 / c.nic_bw_Bps);
    CU_ASSERT(bucket < tb);
    CU_ASSERT(near(o.r.dp_exposed_s, bucket, 0.01));
    CU_ASSERT(near(o.r.dp_busy_s, 10 * bucket, 0.01));
    CU_ASSERT(near(o.r.step_s, 2 * (5e-3 + 10 * tb) + bucket, 0.01));
    CU_ASSERT(near(o.r.dp_bytes, G, 1e-9)); /* 2 (D-1)/D G */
    ch.grad_bytes = 0;
    CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
    CU_ASSERT_EQUAL(o.r.dp_exposed_s, 0);
    CU_ASSERT(near(o.r.step_s, 2 * (5e-3 + 10 * tb), 1e-9));
    /* ZeRO 1: the optimizer then an all-gather of the weights (1 step of G/2) */
    ch.grad_bytes = G;
    m.l.zero = 1;
    m.optimizer_s = 1e-3;
    CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
    CU_ASSERT(near(o.r.optimizer_s, 1e-3 + lat + G / 2 / c.nic_bw_Bps, 0.01));
}

/* One bucket at the end of the backward on DP 4 and 8 (one GPU a node):
 * the ring closed form, although only two steps are simulated and the
 * rest are slept (congruent steps). ZeRO 2: a reduce-scatter, then the
 * optimizer's all-gather of the weights, t - 1 steps each. */
static void test_dp_ring_closed_form(void)
{
    const double G = 40e6;
    for (int D = 4; D <= 8; D *= 2)
        for (int zero = 0; zero <= 2; zero += 2) {
            struct sim_cluster c;
            flat(&c, D, 1);
            struct pipe_op f = {PIPE_COMPUTE, 1e-3, 0};
            struct pipe_chunk ch = {&f, 1, &f, 1, G};
            struct pipe_model m;
            model(&m, 1, 1, D, 1, 1, EXP_SCHED_1F1B);
            m.chunks = &ch;
            m.bucket_bytes = 1e12;
            m.l.zero = zero;
            struct out o;
            CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
            double step = c.nic_lat_s + c.switch_lat_s + G / D / c.nic_bw_Bps;
            int steps = zero >= 2 ? D - 1 : 2 * (D - 1);
            CU_ASSERT(near(o.r.dp_exposed_s, steps * step, 0.01));
            CU_ASSERT(near(o.r.optimizer_s, zero >= 1 ? (D - 1) * step : 0, 0.01));
            CU_ASSERT_EQUAL(o.r.flows, (long long)(zero >= 1 ? 4 : 2) * D); /* 2 steps simulated a collective */
            /* all-reduce, or reduce-scatter and the weights' all-gather */
            CU_ASSERT(near(o.r.dp_bytes, 2.0 * (D - 1) / D * G, 1e-9));
        }
}

/* Placement: 2 nodes of 2 GPUs, PP 2 x DP 2. With "tp,pp,dp" stage 0's
 * DP pair is ranks 0 and 2 (two nodes: the NIC); with "tp,dp,pp" it is
 * ranks 0 and 1 (one node: the node fabric). */
static void test_placement(void)
{
    const double G = 40e6;
    struct sim_cluster c;
    flat(&c, 2, 2);
    struct pipe_op f = {PIPE_COMPUTE, 1e-3, 0};
    struct pipe_chunk ch[2] = {{&f, 1, &f, 1, G}, {&f, 1, &f, 1, 0}};
    struct pipe_model m;
    model(&m, 1, 2, 2, 1, 1, EXP_SCHED_1F1B);
    m.chunks = ch;
    m.bucket_bytes = 1e12;
    struct out o;
    CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
    CU_ASSERT(near(o.st[0].dp_busy_s, 2 * (c.nic_lat_s + c.switch_lat_s + G / 2 / c.nic_bw_Bps), 0.01));
    m.l.place = LAYOUT_TP_DP_PP;
    CU_ASSERT_FATAL(run(&c, &m, &o) == 0);
    CU_ASSERT(near(o.st[0].dp_busy_s, 2 * (c.intra_lat_s + G / 2 / c.intra_bw_Bps), 0.01));
}

/* Two stages' DP rings through one 2:1 uplink (fat-tree, a leaf per
 * replica) take longer than one stage's alone; on a non-blocking tree
 * they do not. Both run the same step twice: byte-identical results. */
static void contention(double oversub, double g1, struct out *o)
{
    struct sim_cluster c;
    flat(&c, 4, 1);
    c.topology = SIM_TOPO_FATTREE;
    c.nodes_per_leaf = 2; /* ranks d x 2 + s: replica d on leaf d */
    c.oversubscription = oversub;
    struct pipe_op f = {PIPE_COMPUTE, 1e-6, 0}, b = {PIPE_COMPUTE, 1e-6, 0};
    struct pipe_chunk ch[2] = {{&f, 1, &b, 1, 400e6}, {&f, 1, &b, 1, g1}};
    struct pipe_model m;
    model(&m, 1, 2, 2, 1, 1, EXP_SCHED_1F1B);
    m.chunks = ch;
    m.bucket_bytes = 1e12;
    CU_ASSERT_FATAL(run(&c, &m, o) == 0);
}

static void test_contention(void)
{
    struct out one, two, again;
    contention(2, 0, &one);
    contention(2, 400e6, &two);
    fprintf(stderr, "  stage 0 DP alone %.6f s, beside stage 1's %.6f s\n", one.st[0].dp_busy_s, two.st[0].dp_busy_s);
    CU_ASSERT(two.st[0].dp_busy_s > 1.5 * one.st[0].dp_busy_s);
    contention(1, 0, &one);
    contention(1, 400e6, &two);
    CU_ASSERT(near(two.st[0].dp_busy_s, one.st[0].dp_busy_s, 0.01));
    /* determinism */
    contention(2, 400e6, &two);
    contention(2, 400e6, &again);
    CU_ASSERT(memcmp(&two.st, &again.st, sizeof two.st) == 0);
    CU_ASSERT(two.r.step_s == again.r.step_s && two.r.flows == again.r.flows);
    CU_ASSERT(memcmp(two.ev, again.ev, sizeof two.ev) == 0 && two.nev == again.nev);
}

/* The trace: a lane per stage, forward and backward of each microbatch. */
static void test_trace(void)
{
    struct out o;
    bubble(EXP_SCHED_1F1B, 2, 2, 1, &o);
    int f = 0, bw = 0, opt = 0;
    for (int i = 0; i < o.nev; i++) {
        f += o.ev[i].name[0] == 'F';
        bw += o.ev[i].name[0] == 'B';
        opt += strcmp(o.ev[i].name, "optimizer") == 0;
        CU_ASSERT(o.ev[i].stage >= 0 && o.ev[i].stage < 2);
        CU_ASSERT(o.ev[i].t1_s > o.ev[i].t0_s);
    }
    CU_ASSERT_EQUAL(f, 4);
    CU_ASSERT_EQUAL(bw, 4);
    CU_ASSERT_EQUAL(opt, 0); /* optimizer_s 0: nothing to show */
}

/* Bad input is refused before any simulation (no engine needed). */
static void test_refuses(void)
{
    struct sim_cluster c;
    flat(&c, 4, 1);
    struct pipe_op f = {PIPE_COMPUTE, 1e-3, 0}, neg = {PIPE_COMPUTE, -1, 0};
    struct pipe_chunk ch[2] = {{&f, 1, &f, 1, 0}, {&f, 1, &f, 1, 0}};
    struct pipe_model m;
    struct pipe_result r;
    dt_err e = {0};
    model(&m, 1, 2, 4, 1, 4, EXP_SCHED_1F1B);
    m.chunks = ch;
    CU_ASSERT_EQUAL(pipesim_run(&c, &m, &r, NULL, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "pipeline: tensor 1 x pipeline 2 x data 4 = 8 GPUs, the platform has 4");
    model(&m, 1, 2, 2, 1, 4, EXP_SCHED_1F1B);
    m.chunks = NULL;
    CU_ASSERT_EQUAL(pipesim_run(&c, &m, &r, NULL, &e), DT_EINVAL);
    m.chunks = ch;
    ch[1].bwd = &neg;
    CU_ASSERT_EQUAL(pipesim_run(&c, &m, &r, NULL, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "pipeline: chunk 1: backward op 0: negative or non-finite seconds or bytes");
    ch[1].bwd = &f;
    m.l.sched = EXP_SCHED_INTERLEAVED;
    m.l.microbatches = 3;
    CU_ASSERT_EQUAL(pipesim_run(&c, &m, &r, NULL, &e), DT_EINVAL);
    m.l.sched = EXP_SCHED_1F1B;
    m.l.microbatches = 4;
    m.l.vstages = 2;
    CU_ASSERT_EQUAL(pipesim_run(&c, &m, &r, NULL, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "pipeline: 2 virtual stages need the interleaved schedule");
    m.l.vstages = 1;
    m.bucket_bytes = 0;
    CU_ASSERT_EQUAL(pipesim_run(&c, &m, &r, NULL, &e), DT_EINVAL);
}

int test_pipesim_register(void)
{
    CU_pSuite s = CU_add_suite("pipesim", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "1f1b_bubble", test_1f1b_bubble) || !CU_add_test(s, "gpipe_bubble", test_gpipe_bubble) ||
        !CU_add_test(s, "interleaved_bubble", test_interleaved_bubble) ||
        !CU_add_test(s, "p2p_closed_form", test_p2p_closed_form) ||
        !CU_add_test(s, "tp_collective", test_tp_collective) || !CU_add_test(s, "tp_commlib", test_tp_commlib) || !CU_add_test(s, "dp_overlap", test_dp_overlap) ||
        !CU_add_test(s, "dp_ring_closed_form", test_dp_ring_closed_form) ||
        !CU_add_test(s, "placement", test_placement) || !CU_add_test(s, "contention", test_contention) || !CU_add_test(s, "trace", test_trace) ||
        !CU_add_test(s, "refuses", test_refuses))
        return -1;
    return 0;
}
