/* coll_ring.c -- ring all-reduce, reduce-scatter and all-gather.
 *
 * Ring all-reduce on N ranks (Patarasuk & Yuan 2009; NCCL's ring):
 * reduce-scatter in N-1 steps then all-gather in N-1 steps, each step one
 * send to rank+1 and one receive from rank-1 of a block of count/N
 * elements (block schedule in coll_int.h). With `chunks` C > 1 each step
 * is cut into C rounds carrying 1/C of the block, so a receiver can reduce
 * chunk c while chunk c+1 is on the wire (the simulator overlaps them).
 *
 *   rounds per rank  = 2 (N-1) C
 *   bytes sent       = (2 count - len(r) - len(r+1)) * size   ~ 2 (N-1)/N * S
 *   bytes received   = (2 count - len(r-1) - len(r)) * size
 *   reduce elements  = count - len(r-1)
 *
 * where len(i) is block i's element count. With k channels (coll.h) each
 * channel is such a ring on 1/k of the buffer, its order rotated inside
 * every node so that channel c leaves the node on NIC c: the rounds are
 * the same, each holds 2k ops, and the sums above run over the channels. The standalone reduce-scatter and
 * all-gather are the two halves (rank r owns block r between them).
 * State: st[0] = next round index t; round t is ring step t / C, chunk t % C;
 * st[1], st[2] = count / N, count % N.
 */
#include "coll_int.h"

static inline int wrap(int a, int n) /* a in [-n, 2n) */
{
    return a < 0 ? a + n : a >= n ? a - n : a;
}

static inline int ring_ops(const struct coll__ring *g, int rs, int k, int c, struct coll_round *r)
{
    int n = g->n;
    int sb = wrap(g->pos - k - rs, n), rb = wrap(sb - 1, n);
    int right = coll__ring_rank(g, wrap(g->pos + 1, n));
    int left = coll__ring_rank(g, wrap(g->pos - 1, n));
    uint64_t so = (uint64_t)sb * g->blk + ((uint64_t)sb < g->rem ? (uint64_t)sb : g->rem);
    uint64_t ro = (uint64_t)rb * g->blk + ((uint64_t)rb < g->rem ? (uint64_t)rb : g->rem);
    uint64_t sl = g->blk + ((uint64_t)sb < g->rem), rl = g->blk + ((uint64_t)rb < g->rem);
    if (g->chunks > 1) {
        uint64_t C = (uint64_t)g->chunks;
        so += coll__part_off(sl, C, (uint64_t)c);
        sl = coll__part_len(sl, C, (uint64_t)c);
        ro += coll__part_off(rl, C, (uint64_t)c);
        rl = coll__part_len(rl, C, (uint64_t)c);
    }
    if (r->nops + 2 > COLL_MAX_OPS) return DT_ESCHED;
    struct coll_op *o = &r->ops[r->nops];
    r->nops += 2;
    o[0] = (struct coll_op){COLL_SEND, right, g->off + so, sl};
    o[1] = (struct coll_op){(uint8_t)(rs ? COLL_RECV_REDUCE : COLL_RECV_COPY), left, g->off + ro, rl};
    return 0;
}


int coll__ring_ops(const struct coll__ring *g, int rs, int k, int c, struct coll_round *r)
{
    return ring_ops(g, rs, k, c, r);
}

void coll__ring_cost(const struct coll__ring *g, int rs, const struct coll_params *p, int rank,
                     struct coll_cost *c)
{
    int n = g->n;
    if (n < 2) return;
    int right = coll__ring_rank(g, coll__mod(g->pos + 1, n));
    int left = coll__ring_rank(g, coll__mod((int64_t)g->pos - 1, n));
    /* Sent blocks are all but the one named; see the header. */
    int nsend = rs ? g->pos : coll__mod(g->pos + 1, n);
    int nrecv = rs ? coll__mod((int64_t)g->pos - 1, n) : g->pos;
    coll__cost_send(c, p, rank, right, g->count - coll__part_len(g->count, n, nsend));
    coll__cost_recv(c, p, rank, left, g->count - coll__part_len(g->count, n, nrecv), rs);
}

static int ring_prepare(struct coll_params *p, dt_err *e)
{
    int rc = coll__prepare_common(p, e);
    if (rc) return rc;
    if (p->chunks == 0) p->chunks = 1;
    p->channels = coll__channels(p, p->nranks);
    return 0;
}

/* Channel c of the whole ring (p prepared): region c of k, order rotated
 * inside each node (coll.h, Channels). */
static void chan_ring(const struct coll_params *p, int rank, int c, struct coll__ring *g)
{
    uint64_t k = (uint64_t)coll__nch(p);
    *g = (struct coll__ring){p->nranks, rank, 0, 1, coll__part_off(p->count, k, (uint64_t)c),
                             coll__part_len(p->count, k, (uint64_t)c), p->chunks, 0, 0, p->gpus_per_node,
                             coll__chan_rot(p->gpus_per_node, (int)k, c)};
    g->pos = coll__ring_pos(g, rank);
    coll__ring_init(g);
}

static int ring_begin(struct coll_iter *it)
{
    it->st[0] = 0;
    it->st[1] = it->p.count / (uint64_t)it->p.nranks; /* blk, rem: no division per round */
    it->st[2] = it->p.count % (uint64_t)it->p.nranks;
    return 0;
}

static void whole_ring(const struct coll_iter *it, struct coll__ring *g)
{
    g->n = it->p.nranks;
    g->pos = it->rank;
    g->base = 0;
    g->stride = 1;
    g->off = 0;
    g->count = it->p.count;
    g->chunks = it->p.chunks;
    g->blk = it->st[1];
    g->rem = it->st[2];
    g->gsize = g->rot = 0;
}

/* phases: bit 0 reduce-scatter, bit 1 all-gather. */
static int ring_next_phases(struct coll_iter *it, struct coll_round *r, int phases)
{
    uint64_t C = (uint64_t)it->p.chunks, per = (uint64_t)(it->p.nranks - 1) * C;
    uint64_t total = per * (uint64_t)((phases & 1) + (phases >> 1));
    uint64_t t = it->st[0];
    if (it->p.count == 0 || t >= total) return 0;
    it->st[0] = t + 1;
    struct coll__ring g;
    int rs = (phases & 1) && t < per;
    uint64_t u = (phases & 1) && !rs ? t - per : t;
    r->step = (uint32_t)t;
    r->phase = rs ? 0 : 1;
    r->nops = 0;
    if (coll__nch(&it->p) > 1) { /* one ring per channel, in channel order */
        for (int ch = 0; ch < it->p.channels; ch++) {
            chan_ring(&it->p, it->rank, ch, &g);
            int rc = ring_ops(&g, rs, (int)(u / C), (int)(u % C), r);
            if (rc) return rc;
        }
        return 1;
    }
    whole_ring(it, &g);
    int rc = C == 1 ? ring_ops(&g, rs, (int)u, 0, r) : ring_ops(&g, rs, (int)(u / C), (int)(u % C), r);
    return rc ? rc : 1;
}

static int ring_cost_phases(const struct coll_params *p, int rank, struct coll_cost *c, int phases)
{
    coll__cost_zero(c);
    if (p->count == 0 || p->nranks < 2) return 0;
    int nph = (phases & 1) + (phases >> 1);
    c->rounds = c->steps = (uint64_t)nph * (uint64_t)(p->nranks - 1) * (uint64_t)p->chunks;
    for (int ch = 0; ch < coll__nch(p); ch++) {
        struct coll__ring g;
        chan_ring(p, rank, ch, &g);
        if (phases & 1) coll__ring_cost(&g, 1, p, rank, c);
        if (phases & 2) coll__ring_cost(&g, 0, p, rank, c);
    }
    return 0;
}

static int ring_next(struct coll_iter *it, struct coll_round *r) { return ring_next_phases(it, r, 3); }
static int rs_next(struct coll_iter *it, struct coll_round *r) { return ring_next_phases(it, r, 1); }
static int ag_next(struct coll_iter *it, struct coll_round *r) { return ring_next_phases(it, r, 2); }
static int ring_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    return ring_cost_phases(p, rank, c, 3);
}
static int rs_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    return ring_cost_phases(p, rank, c, 1);
}
static int ag_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    return ring_cost_phases(p, rank, c, 2);
}

const struct coll_algo coll_algo_ring = {
    .name = "ring",
    .summary = "ring reduce-scatter + all-gather, 2(N-1) steps, optional chunk pipelining",
    .prepare = ring_prepare, .begin = ring_begin, .next = ring_next, .cost = ring_cost,
    .op = COLL_ALLREDUCE,
};

/* The halves keep one channel: their result is block r on rank r (coll.h),
 * which a rotated order would move. */
static int half_prepare(struct coll_params *p, dt_err *e)
{
    int rc = ring_prepare(p, e);
    p->channels = 1;
    return rc;
}

const struct coll_algo coll_algo_reduce_scatter = {
    .name = "reduce-scatter",
    .summary = "ring reduce-scatter alone: rank r ends with the sum of block r",
    .prepare = half_prepare, .begin = ring_begin, .next = rs_next, .cost = rs_cost,
    .op = COLL_REDUCE_SCATTER,
};

const struct coll_algo coll_algo_all_gather = {
    .name = "all-gather",
    .summary = "ring all-gather alone: rank r contributes block r",
    .prepare = half_prepare, .begin = ring_begin, .next = ag_next, .cost = ag_cost,
    .op = COLL_ALLGATHER,
};
