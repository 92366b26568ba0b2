/* coll_hier.c -- hierarchical all-reduce: inside the node, across nodes,
 * inside the node again. N = M nodes x G gpus_per_node; rank r is GPU
 * j = r % G of node m = r / G.
 *
 * variant 0 (rs, NCCL/Horovod style):
 *   1. ring reduce-scatter inside each node: GPU j owns shard j of G (G-1 steps)
 *   2. for each j, the M GPUs j of all nodes all-reduce shard j with the
 *      inner algorithm (G concurrent inter-node collectives, S/G each)
 *   3. ring all-gather inside each node (G-1 steps)
 * variant 1 (reduce, Goyal et al. 2017 sec. 4):
 *   1. binomial-tree reduce to GPU 0 of each node (ceil(log2 G) steps)
 *   2. the M node leaders all-reduce the whole buffer with the inner algorithm
 *   3. binomial-tree broadcast from GPU 0 (ceil(log2 G) steps)
 *
 * Channels (coll.h): variant 0 already crosses nodes from every GPU (GPU j
 * on NIC j k / G carries shard j): one channel. Variant 1 with k channels
 * cuts the buffer into k regions; region c is reduced to, all-reduced
 * between and broadcast from the first GPU of NIC c in every node (the
 * binomial tree relabelled to that root), so every NIC carries S/k instead
 * of GPU 0's NIC carrying S.
 *
 * The inner algorithm is any other registry entry, run on M virtual ranks
 * (gpus_per_node 1 inside, so all of its traffic is inter-node); its rounds
 * are shifted by the steps of stage 1 and its ranks mapped to m*G + j. Its
 * grid (2d-torus over the M nodes) and chunks come from these params, and
 * prepare writes the inner's choices back into grid_x/grid_y/chunks.
 *
 *   steps = 2 * stage-1 steps + inner steps
 *   cost  = intra ring or tree terms + inner cost on S/G (rs) or S (reduce)
 *
 * State: st[0..15] the inner iterator's state; st[16] stage, st[17] round
 * in stage, st[18] inner steps, st[19] stage-1 steps.
 */
#include "coll_int.h"

#include <string.h>

static int ceil_log2(int g)
{
    int l = 0;
    while ((1 << l) < g) l++;
    return l;
}

/* variant 1 with k channels: channel c's root in every node is local GPU
 * ceil(c G / k), the first GPU of NIC c. */
static int chan_root(const struct coll_params *p, int c)
{
    int k = coll__nch(p);
    return (int)(((int64_t)c * p->gpus_per_node + k - 1) / k);
}

/* The channel local GPU j leads (variant 1), or -1. */
static int lead_chan(const struct coll_params *p, int j)
{
    for (int c = 0; c < coll__nch(p); c++)
        if (chan_root(p, c) == j) return c;
    return -1;
}

/* Region of the buffer GPU j all-reduces across nodes: shard j (variant
 * 0), the region of the channel it leads (variant 1; count 0 if none). */
static void inner_region(const struct coll_params *p, int j, uint64_t *off, uint64_t *count)
{
    if (p->variant == 0) {
        *off = coll__part_off(p->count, (uint64_t)p->gpus_per_node, (uint64_t)j);
        *count = coll__part_len(p->count, (uint64_t)p->gpus_per_node, (uint64_t)j);
        return;
    }
    int c = lead_chan(p, j);
    uint64_t k = (uint64_t)coll__nch(p);
    *off = c < 0 ? 0 : coll__part_off(p->count, k, (uint64_t)c);
    *count = c < 0 ? 0 : coll__part_len(p->count, k, (uint64_t)c);
}

static void inner_params(const struct coll_params *p, int j, struct coll_params *ip)
{
    int G = p->gpus_per_node;
    *ip = (struct coll_params){.algo = p->inner, .nranks = p->nranks / G, .dtype = p->dtype, .gpus_per_node = 1,
                               .grid_x = p->grid_x, .grid_y = p->grid_y, .chunks = p->chunks, .channels = 1};
    uint64_t off;
    inner_region(p, j, &off, &ip->count);
}

static int hier_prepare(struct coll_params *p, dt_err *e)
{
    int rc = coll__prepare_common(p, e);
    if (rc) return rc;
    /* variant 0 runs G inter-node collectives, one from each local GPU j
     * (NIC j k / G): every rail already; variant 1 runs k channels, channel
     * c reducing region c to the first GPU of NIC c, which crosses nodes */
    p->channels = p->variant == 1 ? coll__channels(p, p->nranks) : 1;
    int G = p->gpus_per_node;
    if (p->nranks % G)
        return dt_errf(e, DT_EINVAL, "hierarchical: %d ranks do not fill whole nodes of %d gpus", p->nranks, G);
    if (p->variant != 0 && p->variant != 1)
        return dt_errf(e, DT_EINVAL, "hierarchical: unknown variant %d (0 rs, 1 reduce)", p->variant);
    if (!p->inner) p->inner = "ring";
    if (strcmp(p->inner, "hierarchical") == 0)
        return dt_errf(e, DT_EINVAL, "hierarchical: the inner algorithm cannot be 'hierarchical'");
    dt_err ie;
    const struct coll_algo *in = coll_find(p->inner, &ie);
    if (!in) return dt_errf(e, DT_ENOENT, "hierarchical: inner: %s", ie.msg);
    if (in->op != COLL_ALLREDUCE)
        return dt_errf(e, DT_EINVAL, "hierarchical: inner '%s' is not an all-reduce", p->inner);
    p->inner = in->name;
    struct coll_params ip;
    inner_params(p, 0, &ip);
    if ((rc = in->prepare(&ip, &ie)))
        return dt_errf(e, rc, "hierarchical: inner over %d nodes: %s", ip.nranks, ie.msg);
    p->grid_x = ip.grid_x;
    p->grid_y = ip.grid_y;
    p->chunks = ip.chunks;
    return 0;
}

static int stage1_steps(const struct coll_params *p)
{
    return p->variant == 0 ? p->gpus_per_node - 1 : ceil_log2(p->gpus_per_node);
}

static uint64_t inner_steps(const struct coll_params *p)
{
    struct coll_params ip;
    struct coll_cost c;
    inner_params(p, 0, &ip);
    ip.count = 1; /* structural: steps do not depend on the count */
    coll_find(p->inner, NULL)->cost(&ip, 0, &c);
    return c.steps;
}

static int hier_begin(struct coll_iter *it)
{
    const struct coll_params *p = &it->p;
    int G = p->gpus_per_node;
    const struct coll_algo *in = coll_find(p->inner, NULL);
    struct coll_iter ti = {.algo = in, .rank = it->rank / G};
    inner_params(p, it->rank % G, &ti.p);
    int rc = in->begin(&ti);
    memcpy(it->st, ti.st, COLL__ST_OWN * sizeof it->st[0]);
    it->st[16] = 0;
    it->st[17] = 0;
    it->st[18] = inner_steps(p);
    it->st[19] = (uint64_t)stage1_steps(p);
    return rc;
}

/* Binomial tree on G local ranks rooted at 0. Reduce step k: l with low
 * bits == 2^k sends to l - 2^k; l with low bits 0 receives from l + 2^k. */
static int tree_op(int G, int l, int k, int bcast, int *peer)
{
    int mask = 1 << k, low = l & ((mask << 1) - 1);
    if (low == mask) {
        *peer = l - mask;
        return bcast ? COLL_RECV_COPY : COLL_SEND;
    }
    if (low == 0 && l + mask < G) {
        *peer = l + mask;
        return bcast ? COLL_SEND : COLL_RECV_REDUCE;
    }
    return -1;
}

/* Intra-node stage s (0 down, 2 up), round k: 1 built, 0 idle this step. */
static int intra(const struct coll_iter *it, int s, int k, struct coll_round *r)
{
    const struct coll_params *p = &it->p;
    int G = p->gpus_per_node, m = it->rank / G, l = it->rank % G;
    r->nops = 0;
    r->phase = (uint16_t)s;
    r->step = (uint32_t)(s == 0 ? (uint64_t)k : it->st[19] + it->st[18] + (uint64_t)k);
    if (p->variant == 0) {
        struct coll__ring g = {G, l, m * G, 1, 0, p->count, 1, 0, 0, 0, 0};
        coll__ring_init(&g);
        coll__ring_ops(&g, s == 0, k, 0, r);
        return 1;
    }
    int L = (int)it->st[19], K = coll__nch(p);
    for (int c = 0; c < K; c++) { /* channel c: tree rooted at its GPU, on region c */
        int root = chan_root(p, c), peer, kind = tree_op(G, (l - root + G) % G, s == 0 ? k : L - 1 - k, s == 2, &peer);
        if (kind < 0) continue;
        coll__op(r, kind, m * G + (peer + root) % G, coll__part_off(p->count, (uint64_t)K, (uint64_t)c),
                 coll__part_len(p->count, (uint64_t)K, (uint64_t)c));
    }
    return r->nops > 0;
}

static int hier_next(struct coll_iter *it, struct coll_round *r)
{
    const struct coll_params *p = &it->p;
    if (p->count == 0 || p->nranks < 2) return 0;
    int G = p->gpus_per_node, m = it->rank / G, j = it->rank % G;
    for (;;) {
        uint64_t s = it->st[16], k = it->st[17];
        if (s == 0 || s == 2) {
            if (k >= it->st[19]) {
                it->st[16]++;
                it->st[17] = 0;
                continue;
            }
            it->st[17]++;
            if (intra(it, (int)s, (int)k, r)) return 1;
            continue;
        }
        if (s != 1) return 0;
        const struct coll_algo *in = coll_find(p->inner, NULL);
        struct coll_iter ti = {.algo = in, .rank = m};
        inner_params(p, j, &ti.p);
        if (ti.p.count == 0 || ti.p.nranks < 2) {
            it->st[16] = 2;
            continue;
        }
        memcpy(ti.st, it->st, COLL__ST_OWN * sizeof it->st[0]);
        int rc = in->next(&ti, r);
        memcpy(it->st, ti.st, COLL__ST_OWN * sizeof it->st[0]);
        if (rc < 0) return rc;
        if (rc == 0) {
            it->st[16] = 2;
            continue;
        }
        uint64_t off, cnt;
        inner_region(p, j, &off, &cnt);
        for (int i = 0; i < r->nops; i++) {
            r->ops[i].peer = r->ops[i].peer * G + j;
            r->ops[i].off += off;
        }
        r->step = (uint32_t)(r->step + it->st[19]);
        r->phase = 1;
        return 1;
    }
}

static int hier_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    coll__cost_zero(c);
    if (p->count == 0 || p->nranks < 2) return 0;
    int G = p->gpus_per_node, m = rank / G, l = rank % G, S1 = stage1_steps(p);
    c->steps = 2 * (uint64_t)S1 + inner_steps(p);
    if (p->variant == 0) {
        struct coll__ring g = {G, l, m * G, 1, 0, p->count, 1, 0, 0, 0, 0};
        c->rounds += 2 * (uint64_t)(G - 1);
        coll__ring_cost(&g, 1, p, rank, c);
        coll__ring_cost(&g, 0, p, rank, c);
    } else {
        int K = coll__nch(p);
        for (int k = 0; k < S1; k++) {
            int any = 0;
            for (int ch = 0; ch < K; ch++) {
                int root = chan_root(p, ch), peer, kind = tree_op(G, (l - root + G) % G, k, 0, &peer);
                if (kind < 0) continue;
                any = 1;
                int q = m * G + (peer + root) % G;
                uint64_t n = coll__part_len(p->count, (uint64_t)K, (uint64_t)ch);
                if (kind == COLL_SEND) {
                    coll__cost_send(c, p, rank, q, n);
                    coll__cost_recv(c, p, rank, q, n, 0);
                } else {
                    coll__cost_recv(c, p, rank, q, n, 1);
                    coll__cost_send(c, p, rank, q, n);
                }
            }
            c->rounds += any ? 2 : 0; /* the broadcast mirrors it */
        }
    }
    struct coll_params ip;
    inner_params(p, l, &ip);
    if (ip.count == 0 || ip.nranks < 2) return 0;
    struct coll_cost ic;
    int rc = coll_find(p->inner, NULL)->cost(&ip, m, &ic);
    if (rc) return rc;
    c->rounds += ic.rounds;
    c->bytes_sent[COLL_INTER] += ic.bytes_sent[0] + ic.bytes_sent[1];
    c->bytes_recv[COLL_INTER] += ic.bytes_recv[0] + ic.bytes_recv[1];
    c->reduce_elems += ic.reduce_elems;
    return 0;
}

const struct coll_algo coll_algo_hier = {
    .name = "hierarchical",
    .summary = "intra-node reduce-scatter (or reduce), inter-node all-reduce with an inner algorithm, intra-node all-gather (or broadcast)",
    .prepare = hier_prepare, .begin = hier_begin, .next = hier_next, .cost = hier_cost,
    .op = COLL_ALLREDUCE,
};
