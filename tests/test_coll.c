/* Collective schedules: every algorithm on awkward rank and element counts,
 * run on real buffers (exact sums), executor counts == closed form, and the
 * checker on deliberately broken schedules. */
#include "coll.h"
#include "coll_exec.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

static const int ranks[] = {1, 2, 3, 5, 7, 8, 12, 13, 16, 31, 64};
#define NRANKS (sizeof ranks / sizeof ranks[0])

static int failures_reported;

/* Run one configuration; return 0 when right, print the first problem. */
static int run_one(const struct coll_params *p0, int data)
{
    struct coll_params p = *p0;
    dt_err e = {0};
    const struct coll_algo *a = coll_find(p.algo, &e);
    if (!a) return -1;
    struct coll_cost got[128], want;
    struct coll_exec_result res;
    char what[160];
    snprintf(what, sizeof what, "%s N=%d count=%llu %s G=%d chunks=%d grid=%dx%d inner=%s variant=%d", p.algo,
             p.nranks, (unsigned long long)p.count, p.dtype ? "fp16" : "fp32", p.gpus_per_node, p.chunks, p.grid_x,
             p.grid_y, p.inner ? p.inner : "-", p.variant);
    int rc = coll_exec_run(a, &p, data, got, &res, &e);
    if (rc) {
        if (failures_reported++ < 10) printf("\n  %s: %s\n", what, e.msg);
        return -1;
    }
    if (res.wrong || (data == COLL_DATA_INT && res.max_err != 0)) {
        if (failures_reported++ < 10)
            printf("\n  %s: %llu wrong, rank %d [%llu] = %g, want %g\n", what, (unsigned long long)res.wrong,
                   res.wrong_rank, (unsigned long long)res.wrong_index, res.wrong_got, res.wrong_want);
        return -1;
    }
    for (int r = 0; r < p.nranks; r++) {
        if (coll_rank_cost(&p, r, &want, &e) != 0) return -1;
        if (p.count == 0) want.steps = got[r].steps; /* no rounds anywhere */
        if (memcmp(&want, &got[r], sizeof want) != 0) {
            if (failures_reported++ < 10)
                printf("\n  %s rank %d: closed form rounds %llu sent %llu/%llu recv %llu/%llu reduce %llu steps %llu;"
                       " executor %llu %llu/%llu %llu/%llu %llu %llu\n",
                       what, r, (unsigned long long)want.rounds, (unsigned long long)want.bytes_sent[0],
                       (unsigned long long)want.bytes_sent[1], (unsigned long long)want.bytes_recv[0],
                       (unsigned long long)want.bytes_recv[1], (unsigned long long)want.reduce_elems,
                       (unsigned long long)want.steps, (unsigned long long)got[r].rounds,
                       (unsigned long long)got[r].bytes_sent[0], (unsigned long long)got[r].bytes_sent[1],
                       (unsigned long long)got[r].bytes_recv[0], (unsigned long long)got[r].bytes_recv[1],
                       (unsigned long long)got[r].reduce_elems, (unsigned long long)got[r].steps);
            return -1;
        }
    }
    return 0;
}

/* Every element count the issue asks for, both dtypes. */
static int run_counts(struct coll_params p)
{
    int bad = 0;
    uint64_t n = (uint64_t)p.nranks;
    uint64_t counts[] = {0, 1, n > 1 ? n - 1 : 2, n + 1, 3 * n + 2};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
        for (int dt = 0; dt < 2; dt++) {
            p.count = counts[c];
            p.dtype = dt;
            bad |= run_one(&p, COLL_DATA_INT);
        }
    return bad;
}

static void sweep(const char *algo)
{
    int bad = 0;
    for (size_t i = 0; i < NRANKS; i++) {
        int n = ranks[i];
        struct coll_params p = {.algo = algo, .nranks = n, .gpus_per_node = 1};
        if (strcmp(algo, "hierarchical") == 0) {
            static const char *inner[] = {"ring", "halving-doubling", "binary-blocks", "double-binary-tree",
                                          "2d-torus"};
            static const int gs[] = {1, 2, 3, 4, 8};
            for (size_t g = 0; g < 5; g++) {
                if (n % gs[g]) continue;
                for (int v = 0; v < 2; v++)
                    for (size_t in = 0; in < 5; in++) {
                        if (n > 16 && in % 2 != (size_t)v) continue; /* keep ASan time down */
                        p.gpus_per_node = gs[g];
                        p.variant = v;
                        p.inner = inner[in];
                        bad |= run_counts(p);
                    }
            }
        } else if (strcmp(algo, "2d-torus") == 0) {
            for (int x = 1; x <= n; x++) {
                if (n % x) continue;
                p.grid_x = x;
                p.grid_y = n / x;
                p.gpus_per_node = 1;
                bad |= run_counts(p);
            }
            p.grid_x = p.grid_y = 0;
            p.gpus_per_node = 4;
            bad |= run_counts(p);
        } else {
            bad |= run_counts(p);
            p.gpus_per_node = 4;
            bad |= run_counts(p);
            if (strcmp(algo, "ring") == 0 || strcmp(algo, "double-binary-tree") == 0) {
                p.chunks = 3;
                bad |= run_counts(p);
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

/* Multi-rail: ring, 2d-torus, double-binary-tree and hierarchical's
 * reduce variant with k channels on nodes of G GPUs give
 * exact sums and the executor's counts equal the closed form (which sums
 * the channels), on whole nodes, partial layouts and awkward counts. */
static void test_channels_exec(void)
{
    static const int gk[][2] = {{2, 2}, {4, 2}, {4, 4}, {3, 2}, {8, 8}, {8, 3}};
    int bad = 0;
    for (size_t i = 0; i < sizeof gk / sizeof gk[0]; i++)
        for (int nodes = 1; nodes <= 5; nodes++) {
            int G = gk[i][0], k = gk[i][1];
            struct coll_params p = {.algo = "ring", .nranks = nodes * G, .gpus_per_node = G, .channels = k};
            bad |= run_counts(p);
            p.chunks = 3;
            bad |= run_counts(p);
            p.nranks = nodes * G - 1; /* a partial node: one channel */
            if (p.nranks > 1) bad |= run_counts(p);
            static const char *inner[] = {"ring", "double-binary-tree", "halving-doubling", "2d-torus"};
            for (int in = 0; in < 4; in++) { /* hierarchical --variant reduce: k roots */
                struct coll_params h = {.algo = "hierarchical", .nranks = nodes * G, .gpus_per_node = G,
                                        .channels = k, .variant = 1, .inner = inner[in]};
                bad |= run_counts(h);
            }
            struct coll_params d = {.algo = "double-binary-tree", .nranks = nodes * G, .gpus_per_node = G,
                                    .channels = k};
            bad |= run_counts(d);
            d.chunks = 3;
            bad |= run_counts(d);
            if (nodes % 2 == 0) { /* rows of two nodes */
                struct coll_params t = {.algo = "2d-torus", .nranks = nodes * G, .gpus_per_node = G, .channels = k,
                                        .grid_x = 2 * G};
                bad |= run_counts(t);
            }
        }
    CU_ASSERT_EQUAL(bad, 0);
}

/* Channels by hand. Ring, 2 nodes x 4 GPUs, 2 NICs (GPUs 0,1 on NIC 0 and
 * 2,3 on NIC 1), 16 elements: channel 0 (elements 0..7) runs the node
 * order 2 3 0 1, leaving node 0 from GPU 1 (NIC 0) into GPU 6 (NIC 1);
 * channel 1 (8..15) runs 0 1 2 3, leaving from GPU 3 (NIC 1) into GPU 4
 * (NIC 0). Each NIC sends one channel: half the bytes of one channel. */
static void test_channels_known(void)
{
    struct coll_params p = {.algo = "ring", .nranks = 8, .count = 16, .gpus_per_node = 4, .channels = 2};
    dt_err e;
    struct coll_iter it;
    struct coll_round r;
    CU_ASSERT_EQUAL_FATAL(coll_begin(&it, &p, 1, &e), 0);
    CU_ASSERT_EQUAL(it.p.channels, 2);
    CU_ASSERT_EQUAL_FATAL(coll_next(&it, &r), 1);
    CU_ASSERT_EQUAL(r.nops, 4);
    CU_ASSERT_EQUAL(r.ops[0].kind, COLL_SEND);
    CU_ASSERT_EQUAL(r.ops[0].peer, 6); /* channel 0: GPU 1 is the exit, GPU 6 the next node's entry */
    CU_ASSERT_EQUAL(r.ops[1].peer, 0);
    CU_ASSERT_TRUE(r.ops[0].off < 8 && r.ops[1].off < 8);
    CU_ASSERT_EQUAL(r.ops[2].peer, 2); /* channel 1: the plain order 0 1 2 3 */
    CU_ASSERT_EQUAL(r.ops[3].peer, 0);
    CU_ASSERT_TRUE(r.ops[2].off >= 8 && r.ops[3].off >= 8);
    /* GPU 3 leaves on channel 1 only; GPU 1 on channel 0 only: each sends
     * 2 (N-1)/N of one channel's 8 elements = 14 elements inter-node minus
     * the blocks it keeps (ring cost), the same as one channel's share */
    struct coll_cost c1, c3, c0;
    CU_ASSERT_EQUAL(coll_rank_cost(&p, 1, &c1, &e), 0);
    CU_ASSERT_EQUAL(coll_rank_cost(&p, 3, &c3, &e), 0);
    CU_ASSERT_EQUAL(coll_rank_cost(&p, 0, &c0, &e), 0);
    CU_ASSERT_EQUAL(c0.bytes_sent[COLL_INTER], 0);
    CU_ASSERT_TRUE(c1.bytes_sent[COLL_INTER] > 0 && c3.bytes_sent[COLL_INTER] > 0);
    /* blocks of 1 element: a member sends 2 x 8 - 2 = 14 elements per channel */
    CU_ASSERT_EQUAL(c1.bytes_sent[COLL_INTER], 14 * 4);
    CU_ASSERT_EQUAL(c1.bytes_sent[COLL_INTRA], 14 * 4);
    CU_ASSERT_EQUAL(c1.rounds, 14);
    /* one node, or the halves, or hd: one channel */
    struct coll_params q = p;
    q.nranks = 4;
    CU_ASSERT_EQUAL_FATAL(coll_begin(&it, &q, 0, &e), 0);
    CU_ASSERT_EQUAL(it.p.channels, 1);
    q = p;
    q.algo = "reduce-scatter";
    CU_ASSERT_EQUAL_FATAL(coll_begin(&it, &q, 0, &e), 0);
    CU_ASSERT_EQUAL(it.p.channels, 1);
    /* more channels than GPUs, or than COLL_MAX_CHANNELS: refused */
    q = p;
    q.channels = 5;
    CU_ASSERT_NOT_EQUAL(coll_begin(&it, &q, 0, &e), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "5 channels on nodes of 4 gpus"));
    q.gpus_per_node = 16;
    q.nranks = 32;
    q.channels = COLL_MAX_CHANNELS + 1;
    CU_ASSERT_NOT_EQUAL(coll_begin(&it, &q, 0, &e), 0);
}

/* binary-blocks links with more than 8 pieces (32 + 1, 64 + 1 ranks) */
static void test_bblocks_wide(void)
{
    int bad = 0;
    for (int n = 33; n <= 65; n += 32) {
        struct coll_params p = {.algo = "binary-blocks", .nranks = n, .gpus_per_node = 8};
        bad |= run_counts(p);
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_algorithms(void)
{
    CU_ASSERT_TRUE(coll_count() >= 8);
    for (size_t i = 0; i < coll_count(); i++) sweep(coll_at(i)->name);
}

/* fp16 data with fractions: sums round, stay within (N-1) u sum|x|. */
static void test_fp16_bound(void)
{
    for (size_t i = 0; i < coll_count(); i++) {
        struct coll_params p = {.algo = coll_at(i)->name, .nranks = 13, .count = 100, .dtype = COLL_FP16,
                                .gpus_per_node = 1};
        struct coll_exec_result res;
        dt_err e;
        CU_ASSERT_EQUAL(coll_exec_run(coll_at(i), &p, COLL_DATA_FRAC, NULL, &res, &e), 0);
        CU_ASSERT_EQUAL(res.wrong, 0);
        CU_ASSERT_TRUE(res.checked > 0);
    }
}

/* Ring on 4 ranks, 8 fp32 elements, 2 GPUs per node, worked by hand:
 * blocks of 2; rank 1 sends all but blocks 1 and 2 (12 elems = 48 bytes)
 * to rank 2, which is on the other node; receives 48 bytes from rank 0
 * (same node); reduces count - len(0) = 6 elements; 2*3 = 6 rounds. */
static void test_ring_known(void)
{
    struct coll_params p = {.algo = "ring", .nranks = 4, .count = 8, .gpus_per_node = 2};
    struct coll_cost c;
    dt_err e;
    CU_ASSERT_EQUAL(coll_rank_cost(&p, 1, &c, &e), 0);
    CU_ASSERT_EQUAL(c.rounds, 6);
    CU_ASSERT_EQUAL(c.steps, 6);
    CU_ASSERT_EQUAL(c.bytes_sent[COLL_INTRA], 0);
    CU_ASSERT_EQUAL(c.bytes_sent[COLL_INTER], 48);
    CU_ASSERT_EQUAL(c.bytes_recv[COLL_INTRA], 48);
    CU_ASSERT_EQUAL(c.bytes_recv[COLL_INTER], 0);
    CU_ASSERT_EQUAL(c.reduce_elems, 6);
    /* first round of rank 1: send block 0 to rank 2, reduce block 3 from rank 0 */
    struct coll_iter it;
    struct coll_round r;
    CU_ASSERT_EQUAL(coll_begin(&it, &p, 1, &e), 0);
    CU_ASSERT_EQUAL(coll_next(&it, &r), 1);
    CU_ASSERT_EQUAL(r.step, 0);
    CU_ASSERT_EQUAL(r.nops, 2);
    CU_ASSERT_EQUAL(r.ops[0].kind, COLL_SEND);
    CU_ASSERT_EQUAL(r.ops[0].peer, 2);
    CU_ASSERT_EQUAL(r.ops[0].off, 0);
    CU_ASSERT_EQUAL(r.ops[0].count, 2);
    CU_ASSERT_EQUAL(r.ops[1].kind, COLL_RECV_REDUCE);
    CU_ASSERT_EQUAL(r.ops[1].peer, 0);
    CU_ASSERT_EQUAL(r.ops[1].off, 6);
}

static void expect_cost(const char *algo, int n, uint64_t count, int rank, uint64_t rounds, uint64_t sent,
                        uint64_t recv, uint64_t reduce, uint64_t steps)
{
    struct coll_params p = {.algo = algo, .nranks = n, .count = count, .gpus_per_node = 1, .chunks = 1};
    struct coll_cost c;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(coll_rank_cost(&p, rank, &c, &e), 0);
    CU_ASSERT_EQUAL(c.rounds, rounds);
    CU_ASSERT_EQUAL(c.bytes_sent[COLL_INTER], sent);
    CU_ASSERT_EQUAL(c.bytes_recv[COLL_INTER], recv);
    CU_ASSERT_EQUAL(c.reduce_elems, reduce);
    CU_ASSERT_EQUAL(c.steps, steps);
}

/* Worked by hand. halving-doubling, N = 5, 8 elements: P = 4, rank 0 folds
 * into rank 1 (8 elements each way, 2 rounds). Rank 1 is v = 0: receives 8
 * (pre), halving swaps 4 with rank 3 then 2 with rank 2, doubling 2 with
 * rank 2 then 4 with rank 3, sends 8 back: 20 elements each way, reduces
 * 8 + 4 + 2, 6 rounds of 6 steps.
 * double-binary-tree, N = 12, 24 elements, 1 chunk (NCCL trees.cc picture):
 * rank 8 is inner in tree 0 (parent 0, children 4 and 10, depth 1) and a
 * leaf in the mirror tree (it is 3 there: parent 2 -> rank 9, depth 4).
 * Halves of 12: sends 12 up + 24 down + 12 up = 48, receives the same,
 * reduces 24; D = 4, active at steps {2,3,4,5} (tree 0) and {0,7} (tree 1):
 * 6 rounds, 2D + C - 1 = 8 steps. */
static void test_known_costs(void)
{
    expect_cost("halving-doubling", 5, 8, 0, 2, 32, 32, 0, 6);
    expect_cost("halving-doubling", 5, 8, 1, 6, 80, 80, 14, 6);
    expect_cost("double-binary-tree", 12, 24, 8, 6, 192, 192, 24, 8);
    /* 2d-torus 4x2, 16 elements, rank 5 (x 1, y 1): row reduce-scatter
     * sends 12, receives 12; column ring of 4 elements in 2: 2 + 2 each way;
     * row all-gather 12 + 12. Reduces 12 + 2. 2*3 + 2*1 = 8 steps. */
    struct coll_params t = {.algo = "2d-torus", .nranks = 8, .count = 16, .grid_x = 4, .grid_y = 2};
    struct coll_cost c;
    dt_err e;
    CU_ASSERT_EQUAL_FATAL(coll_rank_cost(&t, 5, &c, &e), 0);
    CU_ASSERT_EQUAL(c.bytes_sent[COLL_INTER], 4 * (12 + 2 + 2 + 12));
    CU_ASSERT_EQUAL(c.reduce_elems, 14);
    CU_ASSERT_EQUAL(c.rounds, 8);
}

static void test_half(void)
{
    CU_ASSERT_EQUAL(coll_float_to_half(1.0f), 0x3c00);
    CU_ASSERT_EQUAL(coll_float_to_half(-2.0f), 0xc000);
    CU_ASSERT_EQUAL(coll_float_to_half(65504.0f), 0x7bff);
    CU_ASSERT_EQUAL(coll_float_to_half(65520.0f), 0x7c00);   /* rounds up to inf */
    CU_ASSERT_EQUAL(coll_float_to_half(0.1f), 0x2e66);
    CU_ASSERT_EQUAL(coll_float_to_half(5.9604645e-8f), 0x0001); /* 2^-24 */
    CU_ASSERT_EQUAL(coll_float_to_half(2049.0f), 0x6800);    /* tie to even: 2048 */
    CU_ASSERT_EQUAL(coll_float_to_half(2051.0f), 0x6802);    /* tie to even: 2052 */
    CU_ASSERT_EQUAL(coll_half_to_float(0x3555), 0.333251953125f);
    CU_ASSERT_EQUAL(coll_half_to_float(0x0001), 5.9604645e-8f);
    CU_ASSERT_EQUAL(coll_half_to_float(0x7bff), 65504.0f);
    for (unsigned h = 0; h < 0x7c00; h++) /* every finite half round-trips */
        if (coll_float_to_half(coll_half_to_float((uint16_t)h)) != h) {
            CU_FAIL("half round trip");
            break;
        }
}

static void test_errors(void)
{
    dt_err e = {0};
    CU_ASSERT_PTR_NULL(coll_find("rign", &e));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did you mean 'ring'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "2d-torus"));
    struct coll_params p = {.algo = "ring", .nranks = 0, .count = 4};
    CU_ASSERT_EQUAL(coll_prepare(&p, &e), DT_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "at least 1"));
    struct coll_params t = {.algo = "2d-torus", .nranks = 16, .count = 4, .grid_x = 3, .grid_y = 5};
    CU_ASSERT_EQUAL(coll_prepare(&t, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "2d-torus: grid 3x5 holds 15 ranks, not 16");
    t.grid_x = t.grid_y = 0;
    t.nranks = 4096;
    t.gpus_per_node = 8;
    CU_ASSERT_EQUAL(coll_prepare(&t, &e), 0);
    CU_ASSERT_EQUAL(t.grid_x, 64);
    CU_ASSERT_EQUAL(t.grid_y, 64);
    t.grid_x = t.grid_y = 0;
    t.nranks = 12;
    t.gpus_per_node = 4; /* smallest multiple of 4 dividing 12 with X*X >= 12 */
    CU_ASSERT_EQUAL(coll_prepare(&t, &e), 0);
    CU_ASSERT_EQUAL(t.grid_x, 4);
    CU_ASSERT_EQUAL(t.grid_y, 3);
    struct coll_params h = {.algo = "hierarchical", .nranks = 12, .count = 4, .gpus_per_node = 5};
    CU_ASSERT_EQUAL(coll_prepare(&h, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "hierarchical: 12 ranks do not fill whole nodes of 5 gpus");
    h.gpus_per_node = 4;
    h.inner = "hierarchical";
    CU_ASSERT_EQUAL(coll_prepare(&h, &e), DT_EINVAL);
    h.inner = "rung";
    CU_ASSERT_EQUAL(coll_prepare(&h, &e), DT_ENOENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "hierarchical: inner: unknown collective algorithm 'rung' (did you mean 'ring'?"));
    h.inner = "2d-torus";
    h.grid_x = 2;
    h.grid_y = 2; /* 3 nodes */
    CU_ASSERT_EQUAL(coll_prepare(&h, &e), DT_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "hierarchical: inner over 3 nodes: 2d-torus: grid 2x2 holds 4 ranks, not 3");
    h.inner = "reduce-scatter";
    h.grid_x = h.grid_y = 0;
    CU_ASSERT_EQUAL(coll_prepare(&h, &e), DT_EINVAL);
}

/* --- broken schedules for the checker ------------------------------------ */

static int broken_kind;

static int br_prepare(struct coll_params *p, dt_err *e)
{
    (void)e;
    if (!p->gpus_per_node) p->gpus_per_node = 1;
    p->chunks = 1;
    return 0;
}
static int br_begin(struct coll_iter *it)
{
    const struct coll_algo *ring = coll_find("ring", NULL);
    struct coll_algo *self = (struct coll_algo *)0; /* keep it->algo */
    (void)self;
    it->st[20] = 0;
    return ring->begin(it);
}
static int br_next(struct coll_iter *it, struct coll_round *r)
{
    const struct coll_algo *ring = coll_find("ring", NULL);
    if (broken_kind == 3) { /* deadlock: 0 and 1 both receive first */
        uint64_t k = it->st[20]++;
        if (k >= 2 || it->rank > 1) return 0;
        r->step = (uint32_t)k;
        r->nops = 1;
        r->ops[0].kind = k == 0 ? COLL_RECV_COPY : COLL_SEND;
        r->ops[0].peer = 1 - it->rank;
        r->ops[0].off = 0;
        r->ops[0].count = 1;
        return 1;
    }
    int rc = ring->next(it, r);
    if (rc != 1) return rc;
    if (it->rank == 2 && r->step == 3) {
        if (broken_kind == 0) r->ops[0].peer = 0;  /* wrong peer */
        if (broken_kind == 1) r->ops[0].count--;   /* short send */
        if (broken_kind == 2) r->step++;           /* off by one step */
        if (broken_kind == 4) r->ops[1].kind = COLL_RECV_COPY; /* wrong sum */
    }
    return 1;
}
static int br_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    (void)p, (void)rank;
    memset(c, 0, sizeof *c);
    return 0;
}
static const struct coll_algo broken = {"broken", "test", br_prepare, br_begin, br_next, br_cost, COLL_ALLREDUCE};

static void expect_broken(int kind, const char *needle)
{
    struct coll_params p = {.algo = "broken", .nranks = 5, .count = 20, .gpus_per_node = 1};
    struct coll_exec_result res;
    dt_err e = {0};
    broken_kind = kind;
    int rc = coll_exec_run(&broken, &p, COLL_DATA_INT, NULL, &res, &e);
    if (kind == 4) {
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_TRUE(res.wrong > 0);
        return;
    }
    CU_ASSERT_EQUAL(rc, DT_ESCHED);
    if (!strstr(e.msg, needle)) printf("\n  broken %d: '%s' lacks '%s'\n", kind, e.msg, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, needle));
}

static void test_checker(void)
{
    expect_broken(0, "deadlock: rank 2 step 3 waits to send to rank 0 (4 elements), which is blocked at step 5");
    expect_broken(1, "rank 2 step 3 sends 3 elements to rank 3, which receives 4 at step 3");
    expect_broken(2, "step mismatch");
    expect_broken(3, "rank 0 step 0: receive from rank 1 (1 elements) has no matching send in rank 1's step 0");
    expect_broken(4, "");
}

int test_coll_register(void)
{
    CU_pSuite s = CU_add_suite("coll", NULL, NULL);
    if (!s) return -1;
    if (!CU_add_test(s, "half", test_half) || !CU_add_test(s, "ring_known", test_ring_known) ||
        !CU_add_test(s, "known_costs", test_known_costs) ||
        !CU_add_test(s, "errors", test_errors) || !CU_add_test(s, "checker", test_checker) ||
        !CU_add_test(s, "algorithms", test_algorithms) || !CU_add_test(s, "fp16_bound", test_fp16_bound) ||
        !CU_add_test(s, "bblocks_wide", test_bblocks_wide) ||
        !CU_add_test(s, "channels_exec", test_channels_exec) ||
        !CU_add_test(s, "channels_known", test_channels_known))
        return -1;
    return 0;
}
