/* Tests for sim/prun: the op lists a [parallel] experiment gives the
 * pipeline simulator, checked against the layer table and the compute
 * model (no SimGrid: prun_prepare only).
 *
 * Base: tests/data/parallel-small.ini (GPT-2, 12 blocks, 2 nodes x 4 A100,
 * TP 4 x PP 2, microbatch 2), with the ideal stack (no host cost) so that
 * every pass is the GPU's time. */
#include "catalog.h"
#include "cmdutil.h"
#include "compute.h"
#include "prun.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define BASE "tests/data/parallel-small.ini"

static struct catalog *cat;

/* Load BASE with the stack none and the given sets; prepare it. */
static int prep(struct experiment *x, struct prun_plan *pl, const char *s1, const char *s2, const char *s3)
{
    char *sets[4] = {"model.stack=none", (char *)s1, (char *)s2, (char *)s3};
    int n = 1 + (s1 != NULL) + (s2 != NULL) + (s3 != NULL);
    dt_err e = {0, ""};
    if (experiment_load_ex(x, BASE, sets, n, cmd_resolve, NULL, &e)) {
        printf("\n  load: %s\n", e.msg);
        return -1;
    }
    if (prun_prepare(x, cat, pl, &e)) {
        printf("\n  prepare: %s\n", e.msg);
        experiment_free(x);
        return -1;
    }
    return 0;
}

static void done(struct experiment *x, struct prun_plan *pl)
{
    prun_plan_free(pl);
    experiment_free(x);
}

static int count(const struct pipe_op *ops, int n, int kind)
{
    int k = 0;
    for (int i = 0; i < n; i++) k += ops[i].kind == kind;
    return k;
}

static double compute_sum(const struct pipe_op *ops, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        if (ops[i].kind == PIPE_COMPUTE) s += ops[i].seconds;
    return s;
}

static int near(double got, double want, double tol)
{
    int ok = fabs(got - want) <= tol * fabs(want);
    if (!ok) printf("\n  got %.12g, want %.12g\n", got, want);
    return ok;
}

/* Megatron's collectives per block: two all-reduces forward and two
 * backward; full recompute runs the forward's two again before the
 * backward; sequence parallelism swaps each all-reduce for an all-gather
 * before and a reduce-scatter after. */
static void test_tp_ops(void)
{
    struct experiment x;
    struct prun_plan pl;
    const char *cases[3][2] = {{"parallel.recompute=none", "parallel.sequence_parallel=0"},
                               {"parallel.recompute=full", "parallel.sequence_parallel=0"},
                               {"parallel.recompute=none", "parallel.sequence_parallel=1"}};
    for (int k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL_FATAL(prep(&x, &pl, cases[k][0], cases[k][1], NULL), 0);
        int per = (int)pl.a.layers / pl.l.pp; /* blocks per chunk */
        CU_ASSERT_EQUAL(per, 6);
        for (int c = 0; c < pl.l.pp; c++) {
            const struct pipe_chunk *ch = &pl.chunks[c];
            int far = count(ch->fwd, ch->nfwd, PIPE_TP_ALLREDUCE), bar = count(ch->bwd, ch->nbwd, PIPE_TP_ALLREDUCE);
            int fag = count(ch->fwd, ch->nfwd, PIPE_TP_ALLGATHER), frs = count(ch->fwd, ch->nfwd, PIPE_TP_REDUCE_SCATTER);
            if (k == 0) {
                CU_ASSERT_EQUAL(far, 2 * per);
                CU_ASSERT_EQUAL(bar, 2 * per);
            } else if (k == 1) {
                CU_ASSERT_EQUAL(far, 2 * per);
                CU_ASSERT_EQUAL(bar, 4 * per);
            } else {
                CU_ASSERT_EQUAL(far + bar, 0);
                CU_ASSERT_EQUAL(fag, 2 * per);
                CU_ASSERT_EQUAL(frs, 2 * per);
            }
            /* every TP collective moves one microbatch's activation, s b h x 2 bytes */
            for (int i = 0; i < ch->nfwd; i++)
                if (ch->fwd[i].kind != PIPE_COMPUTE)
                    CU_ASSERT_DOUBLE_EQUAL(ch->fwd[i].bytes, 1024.0 * 2 * 768 * 2, 0);
        }
        done(&x, &pl);
    }
}

/* One GPU, one stage: the forward and backward compute are the layer
 * table's, as compute_net gives them for the data-parallel model; the
 * gradients are every parameter's, 2 bytes each. */
static void test_one_gpu_matches_compute_model(void)
{
    struct experiment x;
    struct prun_plan pl;
    CU_ASSERT_EQUAL_FATAL(prep(&x, &pl, "parallel.tensor=1", "parallel.pipeline=1", "cluster.nodes=8"), 0);
    CU_ASSERT_EQUAL(pl.l.tp * pl.l.pp, 1);
    struct compute_times t;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(compute_net(&pl.net, pl.l.microbatch, pl.prec, &pl.g, &pl.cp, &t, &e), 0);
    const struct pipe_chunk *ch = &pl.chunks[0];
    CU_ASSERT(near(compute_sum(ch->fwd, ch->nfwd), t.fwd_total_s, 1e-9));
    CU_ASSERT(near(compute_sum(ch->bwd, ch->nbwd), t.bwd_total_s, 1e-9));
    CU_ASSERT_EQUAL(count(ch->fwd, ch->nfwd, PIPE_TP_ALLREDUCE), 0);
    CU_ASSERT(near(ch->grad_bytes, 2.0 * (double)pl.net.params, 1e-12));
    compute_times_free(&t);
    done(&x, &pl);
}

/* Recompute adds a forward to the backward: full, every block's forward;
 * selective, the attention core's (Q K^T, softmax, P V). */
static void test_recompute_cost(void)
{
    struct experiment x;
    struct prun_plan pl;
    double bwd[3], fwd_blocks = 0, core = 0;
    const char *rc[3] = {"parallel.recompute=none", "parallel.recompute=selective", "parallel.recompute=full"};
    for (int k = 0; k < 3; k++) {
        CU_ASSERT_EQUAL_FATAL(prep(&x, &pl, "parallel.tensor=1", "cluster.nodes=4", rc[k]), 0);
        bwd[k] = 0;
        for (int c = 0; c < pl.l.pp; c++) bwd[k] += compute_sum(pl.chunks[c].bwd, pl.chunks[c].nbwd);
        if (k == 0)
            for (size_t i = 0; i < pl.net.nlayers; i++) {
                const struct dnn_layer *l = &pl.net.layers[i];
                if (l->block < 0) continue;
                double f = compute_layer_s(l, 0, pl.l.microbatch, pl.prec, &pl.g, &pl.cp);
                fwd_blocks += f;
                if (l->kind == DNN_MATMUL || l->kind == DNN_SOFTMAX) core += f;
            }
        done(&x, &pl);
    }
    CU_ASSERT(core > 0);
    CU_ASSERT(near(bwd[1] - bwd[0], core, 1e-9));
    CU_ASSERT(near(bwd[2] - bwd[0], fwd_blocks, 1e-9));
}

static int init(void)
{
    dt_err e;
    return catalog_load(&cat, NULL, &e) ? -1 : 0;
}

static int fini(void)
{
    catalog_free(cat);
    cat = NULL;
    return 0;
}

int test_prun_register(void)
{
    CU_pSuite s = CU_add_suite("prun", init, fini);
    if (!s) return -1;
    if (!CU_add_test(s, "tp_ops", test_tp_ops) ||
        !CU_add_test(s, "one_gpu_matches_compute_model", test_one_gpu_matches_compute_model) ||
        !CU_add_test(s, "recompute_cost", test_recompute_cost))
        return -1;
    return 0;
}
