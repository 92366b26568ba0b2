/* coll_bblocks.c -- binary-blocks all-reduce (Rabenseifner & Traeff 2004,
 * "More efficient reduction algorithms for non-power-of-two number of
 * processors"; used by Goyal et al. 2017, arXiv 1706.02677 sec. 4, through
 * Gloo's allreduce_halving_doubling).
 *
 * N is cut into power-of-two blocks by its binary digits, largest first:
 * N = 13 = 8 + 4 + 1 gives ranks 0-7, 8-11 and 12. With P1 the largest
 * block, the data is cut into A = P1 atoms and a block of S = 2^b ranks
 * works on atom ranges of A/S (coll_int.h), so ranges nest across blocks.
 *
 *   1. every block: recursive-halving reduce-scatter (b steps);
 *   2. forward chain, smallest block first: each rank of block i sends its
 *      range, cut in R = S(i-1)/S(i) pieces, to the R ranks of block i-1
 *      that own them, which reduce (block i-1 forwards only after it has
 *      received from block i);
 *   3. the largest block now owns the total; backward chain: each rank of
 *      block i-1 sends its range to the rank of block i that covers it;
 *   4. every block: recursive-doubling all-gather (b steps).
 *
 * Rounds hold at most 8 ops, so a link with R > 8 pieces takes ceil(R/8)
 * steps. These are Goyal's "two additional communication steps" (one after
 * the intra-block reduce-scatter, one before the all-gather); blocks of very
 * different size are the load imbalance they mention.
 *
 * State: st[0] = stage (0 reduce-scatter .. 5 all-gather, 6 done), st[1] =
 * round within the stage.
 */
#include "coll_int.h"

struct bb {
    int K;         /* blocks */
    int i;         /* this rank's block, 0 = largest */
    int b[32];     /* log2 size of block j */
    int start[32]; /* first rank of block j */
    int v;         /* position in block */
    uint64_t A;    /* atoms = size of block 0 */
    uint64_t f[32];  /* first step of forward link j (block j -> j-1) */
    uint64_t g[32];  /* first step of backward link j (block j-1 -> j) */
    uint64_t ag[32]; /* first all-gather step of block j */
    uint64_t steps;
};

static uint64_t link_steps(const struct bb *x, int j) /* link between block j and j-1 */
{
    uint64_t R = (uint64_t)1 << (x->b[j - 1] - x->b[j]);
    return (R + COLL_MAX_OPS - 1) / COLL_MAX_OPS;
}

static void bb_layout(const struct coll_params *p, int rank, struct bb *x)
{
    unsigned n = (unsigned)p->nranks;
    x->K = 0;
    int start = 0;
    for (int bit = 31; bit >= 0; bit--) {
        if (!(n >> bit & 1)) continue;
        x->b[x->K] = bit;
        x->start[x->K] = start;
        if (rank >= start && rank < start + (1 << bit)) {
            x->i = x->K;
            x->v = rank - start;
        }
        start += 1 << bit;
        x->K++;
    }
    x->A = (uint64_t)1 << x->b[0];
    uint64_t t = (uint64_t)x->b[0];
    for (int j = x->K - 1; j >= 1; j--) {
        x->f[j] = t;
        t += link_steps(x, j);
    }
    for (int j = 1; j < x->K; j++) {
        x->g[j] = t;
        t += link_steps(x, j);
    }
    x->steps = 0;
    for (int j = 0; j < x->K; j++) {
        int last = j + 1 < x->K ? j + 1 : j; /* block j's last link */
        x->ag[j] = last == 0 ? (uint64_t)x->b[0] : x->g[last] + link_steps(x, last);
        if (x->ag[j] + (uint64_t)x->b[j] > x->steps) x->steps = x->ag[j] + (uint64_t)x->b[j];
    }
}

/* Atom range of position v in a block of 2^b ranks. */
static void range(const struct bb *x, int b, uint64_t v, uint64_t count, uint64_t *off, uint64_t *n)
{
    uint64_t len = x->A >> b;
    coll__atoms(count, x->A, v * len, (v + 1) * len, off, n);
}

static int bb_prepare(struct coll_params *p, dt_err *e)
{
    int rc = coll__prepare_common(p, e);
    p->channels = 1; /* one channel (docs/collectives.md, Multi-rail) */
    return rc;
}

static int bb_begin(struct coll_iter *it)
{
    it->st[0] = 0;
    it->st[1] = 0;
    return 0;
}

/* Stages of block i: 0 rs (b rounds), 1 forward receive (1, if a smaller
 * block exists), 2 forward send (L, if a larger one), 3 backward receive
 * (L, if larger), 4 backward send (1, if smaller), 5 ag (b). */
static uint64_t stage_rounds(const struct bb *x, int s)
{
    int small = x->i + 1 < x->K, large = x->i > 0;
    switch (s) {
    case 0: case 5: return (uint64_t)x->b[x->i];
    case 1: case 4: return small ? 1 : 0;
    case 2: case 3: return large ? link_steps(x, x->i) : 0;
    }
    return 0;
}

static int bb_next(struct coll_iter *it, struct coll_round *r)
{
    const struct coll_params *p = &it->p;
    if (p->count == 0 || p->nranks < 2) return 0;
    struct bb x;
    bb_layout(p, it->rank, &x);
    while (it->st[0] < 6 && it->st[1] >= stage_rounds(&x, (int)it->st[0])) {
        it->st[0]++;
        it->st[1] = 0;
    }
    if (it->st[0] >= 6) return 0;
    int s = (int)it->st[0];
    uint64_t k = it->st[1]++;
    int i = x.i, b = x.b[i];
    struct coll__hd h = {1 << b, b, x.v, x.A, p->count};
    uint64_t so, sn, ro, rn;
    int partner;
    r->nops = 0;
    r->phase = (uint16_t)s;
    switch (s) {
    case 0:
    case 5:
        if (s == 0) coll__hd_rs(&h, (int)k, &partner, &so, &sn, &ro, &rn);
        else coll__hd_ag(&h, (int)k, &partner, &so, &sn, &ro, &rn);
        r->step = (uint32_t)(s == 0 ? k : x.ag[i] + k);
        coll__op(r, COLL_SEND, x.start[i] + partner, so, sn);
        coll__op(r, s == 0 ? COLL_RECV_REDUCE : COLL_RECV_COPY, x.start[i] + partner, ro, rn);
        return 1;
    case 1:
    case 4: { /* one piece from / to the smaller block's rank covering me */
        int R = 1 << (b - x.b[i + 1]);
        range(&x, b, (uint64_t)x.v, p->count, &so, &sn);
        r->step = (uint32_t)((s == 1 ? x.f[i + 1] : x.g[i + 1]) + (uint64_t)((x.v % R) / COLL_MAX_OPS));
        coll__op(r, s == 1 ? COLL_RECV_REDUCE : COLL_SEND, x.start[i + 1] + x.v / R, so, sn);
        return 1;
    }
    default: { /* 2, 3: up to 8 pieces to / from the larger block */
        int R = 1 << (x.b[i - 1] - b);
        r->step = (uint32_t)((s == 2 ? x.f[i] : x.g[i]) + k);
        for (int q = (int)k * COLL_MAX_OPS; q < R && q < (int)(k + 1) * COLL_MAX_OPS; q++) {
            int w = x.v * R + q;
            range(&x, x.b[i - 1], (uint64_t)w, p->count, &so, &sn);
            coll__op(r, s == 2 ? COLL_SEND : COLL_RECV_COPY, x.start[i - 1] + w, so, sn);
        }
        return 1;
    }
    }
}

static int bb_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    coll__cost_zero(c);
    if (p->count == 0 || p->nranks < 2) return 0;
    struct bb x;
    bb_layout(p, rank, &x);
    int i = x.i, b = x.b[i];
    struct coll__hd h = {1 << b, b, x.v, x.A, p->count};
    uint64_t so, sn, ro, rn;
    int partner;
    c->steps = x.steps;
    for (int s = 0; s < 6; s++) c->rounds += stage_rounds(&x, s);
    for (int k = 0; k < b; k++) {
        coll__hd_rs(&h, k, &partner, &so, &sn, &ro, &rn);
        coll__cost_send(c, p, rank, x.start[i] + partner, sn);
        coll__cost_recv(c, p, rank, x.start[i] + partner, rn, 1);
        coll__hd_ag(&h, k, &partner, &so, &sn, &ro, &rn);
        coll__cost_send(c, p, rank, x.start[i] + partner, sn);
        coll__cost_recv(c, p, rank, x.start[i] + partner, rn, 0);
    }
    range(&x, b, (uint64_t)x.v, p->count, &so, &sn);
    if (i + 1 < x.K) { /* one range in from and out to the smaller block */
        int R = 1 << (b - x.b[i + 1]);
        coll__cost_recv(c, p, rank, x.start[i + 1] + x.v / R, sn, 1);
        coll__cost_send(c, p, rank, x.start[i + 1] + x.v / R, sn);
    }
    if (i > 0) { /* R pieces out to and in from the larger block */
        int R = 1 << (x.b[i - 1] - b);
        for (int q = 0; q < R; q++) {
            int w = x.v * R + q;
            range(&x, x.b[i - 1], (uint64_t)w, p->count, &so, &sn);
            coll__cost_send(c, p, rank, x.start[i - 1] + w, sn);
            coll__cost_recv(c, p, rank, x.start[i - 1] + w, sn, 0);
        }
    }
    return 0;
}

const struct coll_algo coll_algo_bblocks = {
    .name = "binary-blocks",
    .summary = "Goyal et al.: halving-doubling in power-of-two blocks of N, chained between blocks",
    .prepare = bb_prepare, .begin = bb_begin, .next = bb_next, .cost = bb_cost,
    .op = COLL_ALLREDUCE,
};
