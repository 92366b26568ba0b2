/* coll_dbtree.c -- double binary tree all-reduce (Sanders, Speck & Traeff
 * 2009; NCCL 2.4+, "Massively scale your deep learning training with NCCL
 * 2.4", and NCCL's src/graph/trees.cc which this follows rank for rank).
 *
 * Tree 0 is NCCL's in-order binary tree on ranks 0..N-1 (root 0, leaves the
 * odd ranks); tree 1 is its mirror r -> N-1-r when N is even, or its shift
 * r -> r+1 when N is odd, so a rank that is a leaf in one tree is inner in
 * the other (bar rank 0 for odd N, which is root of tree 0 with one child).
 * Tree t reduces and broadcasts half t of the buffer, in C chunks,
 * pipelined. With D = ceil(log2 N) (depth of the deepest rank) and d the
 * rank's depth, chunk c moves at these steps:
 *
 *   reduce:    receive from children at c + D-d-1, send to parent at c + D-d
 *   broadcast: receive from parent at c + D+d-1, send to children at c + D+d
 *
 * so the root turns a chunk around the step after it has reduced it, and
 * both trees run in the same steps. Steps = 2D + C - 1. A rank holds at most
 * 6 ops for its inner tree and 2 for its leaf tree: 8 per round. (NCCL runs
 * the trees across nodes with chains inside; here they span all ranks.)
 *
 *   bytes sent per rank = (parent? + children) * half  (each tree)
 *   reduce elements     = children * half
 *
 * Channels (coll.h): with k NICs, k' = min(k, COLL_MAX_OPS / 8) channels,
 * each a pair of trees on region c of k' of the buffer, over ranks
 * relabelled inside every node (local GPU l at tree position
 * (l - c G / k') mod G): the trees' node-to-node edges, which leave from a
 * few local positions (0, G/2, G-1 ...), leave from other GPUs, so other
 * NICs, in each channel. Whole nodes, more than one; else one channel.
 *
 * State: st[0] = next step to try; st[1 + 8 ch + 4 t ..] = per channel and
 * tree: parent, child 0, child 1, depth. Default chunks: 8.
 */
#include "coll_int.h"

#include <stdlib.h>

#define DBT_DEFAULT_CHUNKS 8

/* NCCL ncclGetBtree: parent and children of rank r in the in-order tree. */
static void btree(int n, int r, int *up, int *d0, int *d1)
{
    int bit;
    for (bit = 1; bit < n; bit <<= 1)
        if (bit & r) break;
    if (r == 0) {
        *up = -1;
        *d0 = -1;
        *d1 = n > 1 ? bit >> 1 : -1;
        return;
    }
    int u = (r ^ bit) | (bit << 1);
    if (u >= n) u = r ^ bit;
    *up = u;
    int lowbit = bit >> 1;
    *d0 = lowbit == 0 ? -1 : r - lowbit;
    int down1 = lowbit == 0 ? -1 : r + lowbit;
    while (down1 >= n) {
        down1 = lowbit == 0 ? -1 : r + lowbit;
        lowbit >>= 1;
    }
    *d1 = down1;
}

/* Tree t's view of rank r, mapped back to real ranks. */
static int tmap(int n, int t, int r, int inverse)
{
    if (r < 0 || t == 0) return r;
    if (n % 2 == 0) return n - 1 - r;
    return inverse ? (r + 1) % n : (r - 1 + n) % n;
}

static void tree(int n, int t, int r, int rel[4])
{
    int up, d0, d1, x = tmap(n, t, r, 0);
    btree(n, x, &up, &d0, &d1);
    rel[0] = tmap(n, t, up, 1);
    rel[1] = tmap(n, t, d0, 1);
    rel[2] = tmap(n, t, d1, 1);
    int depth = 0;
    while (up >= 0) {
        int a, b;
        btree(n, up, &up, &a, &b);
        depth++;
    }
    rel[3] = depth;
}

static int depth_max(int n)
{
    int D = 0;
    while ((1 << D) < n) D++;
    return D;
}

/* Channels: a round holds up to 8 ops per channel. */
#define DBT_MAX_CHANNELS (COLL_MAX_OPS / 8)

static int dbt_prepare(struct coll_params *p, dt_err *e)
{
    int rc = coll__prepare_common(p, e);
    if (rc) return rc;
    p->channels = coll__channels(p, p->nranks);
    if (p->channels > DBT_MAX_CHANNELS) p->channels = DBT_MAX_CHANNELS;
    if (p->chunks == 0) p->chunks = DBT_DEFAULT_CHUNKS;
    return 0;
}

/* Channel ch's relabelling: rank r is tree position node*G + (l - rot)
 * mod G, rot spreading the channels evenly over the node (ch * G / k), so
 * each channel's trees leave the nodes from other local GPUs (NICs). */
static int chan_rot(const struct coll_params *p, int ch)
{
    return (int)((int64_t)ch * p->gpus_per_node / coll__nch(p));
}

static int to_pos(const struct coll_params *p, int rot, int r)
{
    if (r < 0 || !rot) return r;
    int G = p->gpus_per_node, l = r % G - rot;
    return r - r % G + (l < 0 ? l + G : l);
}

static int to_rank(const struct coll_params *p, int rot, int v)
{
    if (v < 0 || !rot) return v;
    int G = p->gpus_per_node, l = v % G + rot;
    return v - v % G + (l >= G ? l - G : l);
}

/* Tree t of channel ch seen from rank r, in ranks: parent, child 0, child 1, depth. */
static void chan_tree(const struct coll_params *p, int ch, int t, int r, int rel[4])
{
    int rot = chan_rot(p, ch);
    tree(p->nranks, t, to_pos(p, rot, r), rel);
    for (int k = 0; k < 3; k++) rel[k] = to_rank(p, rot, rel[k]);
}

static int dbt_begin(struct coll_iter *it)
{
    int rel[4];
    it->st[0] = 0;
    for (int ch = 0; ch < coll__nch(&it->p); ch++)
        for (int t = 0; t < 2; t++) {
            chan_tree(&it->p, ch, t, it->rank, rel);
            for (int k = 0; k < 4; k++) it->st[1 + 8 * ch + 4 * t + k] = (uint64_t)(int64_t)rel[k];
        }
    return 0;
}

/* chunk c of tree t's half of channel ch's region */
static void chunk(const struct coll_params *p, int ch, int t, uint64_t c, uint64_t *off, uint64_t *n)
{
    uint64_t k = (uint64_t)coll__nch(p);
    uint64_t co = coll__part_off(p->count, k, (uint64_t)ch), cl = coll__part_len(p->count, k, (uint64_t)ch);
    uint64_t ho = co + coll__part_off(cl, 2, (uint64_t)t), hl = coll__part_len(cl, 2, (uint64_t)t);
    *off = ho + coll__part_off(hl, (uint64_t)p->chunks, c);
    *n = coll__part_len(hl, (uint64_t)p->chunks, c);
}

/* The chunk moving at step s for an event starting at `first`, or -1. */
static int64_t at(int64_t s, int64_t first, int64_t C)
{
    int64_t c = s - first;
    return c >= 0 && c < C ? c : -1;
}

static int dbt_next(struct coll_iter *it, struct coll_round *r)
{
    const struct coll_params *p = &it->p;
    if (p->count == 0 || p->nranks < 2) return 0;
    int64_t D = depth_max(p->nranks), C = p->chunks, total = 2 * D + C - 1;
    while ((int64_t)it->st[0] < total) {
        int64_t s = (int64_t)it->st[0]++;
        r->nops = 0;
        r->step = (uint32_t)s;
        r->phase = 0;
        for (int ch = 0; ch < coll__nch(p); ch++)
            for (int t = 0; t < 2; t++) {
                const uint64_t *q = &it->st[1 + 8 * ch + 4 * t];
                int up = (int)(int64_t)q[0], kid[2] = {(int)(int64_t)q[1], (int)(int64_t)q[2]};
                int64_t d = (int64_t)q[3], c;
                uint64_t off, n;
                int rc = 0;
                if (up >= 0 && (c = at(s, D - d, C)) >= 0) {
                    chunk(p, ch, t, (uint64_t)c, &off, &n);
                    rc |= coll__op(r, COLL_SEND, up, off, n);
                }
                if ((c = at(s, D - d - 1, C)) >= 0)
                    for (int k = 0; k < 2; k++)
                        if (kid[k] >= 0) {
                            chunk(p, ch, t, (uint64_t)c, &off, &n);
                            rc |= coll__op(r, COLL_RECV_REDUCE, kid[k], off, n);
                        }
                if (up >= 0 && (c = at(s, D + d - 1, C)) >= 0) {
                    chunk(p, ch, t, (uint64_t)c, &off, &n);
                    rc |= coll__op(r, COLL_RECV_COPY, up, off, n);
                }
                if ((c = at(s, D + d, C)) >= 0)
                    for (int k = 0; k < 2; k++)
                        if (kid[k] >= 0) {
                            chunk(p, ch, t, (uint64_t)c, &off, &n);
                            rc |= coll__op(r, COLL_SEND, kid[k], off, n);
                        }
                if (rc) return DT_ESCHED;
            }
        if (r->nops) return 1;
    }
    return 0;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int dbt_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    coll__cost_zero(c);
    if (p->count == 0 || p->nranks < 2) return 0;
    int64_t D = depth_max(p->nranks), C = p->chunks;
    c->steps = (uint64_t)(2 * D + C - 1);
    int64_t first[8 * DBT_MAX_CHANNELS];
    int nf = 0;
    uint64_t k = (uint64_t)coll__nch(p);
    for (int ch = 0; ch < coll__nch(p); ch++)
        for (int t = 0; t < 2; t++) {
            int rel[4];
            chan_tree(p, ch, t, rank, rel);
            uint64_t half = coll__part_len(coll__part_len(p->count, k, (uint64_t)ch), 2, (uint64_t)t);
            int64_t d = rel[3];
            int kids = (rel[1] >= 0) + (rel[2] >= 0);
            if (rel[0] >= 0) {
                coll__cost_send(c, p, rank, rel[0], half);
                coll__cost_recv(c, p, rank, rel[0], half, 0);
                first[nf++] = D - d;
                first[nf++] = D + d - 1;
            }
            for (int j = 1; j <= 2; j++)
                if (rel[j] >= 0) {
                    coll__cost_recv(c, p, rank, rel[j], half, 1);
                    coll__cost_send(c, p, rank, rel[j], half);
                }
            if (kids) {
                first[nf++] = D - d - 1;
                first[nf++] = D + d;
            }
        }
    /* rounds = steps covered by the union of the intervals [first, first + C) */
    qsort(first, (size_t)nf, sizeof first[0], cmp64);
    int64_t end = INT64_MIN;
    for (int j = 0; j < nf; j++) {
        int64_t lo = first[j] > end ? first[j] : end, hi = first[j] + C;
        if (hi > lo) c->rounds += (uint64_t)(hi - lo);
        if (hi > end) end = hi;
    }
    return 0;
}

const struct coll_algo coll_algo_dbtree = {
    .name = "double-binary-tree",
    .summary = "NCCL 2.4+: two complementary binary trees, each reduces and broadcasts half, pipelined in chunks",
    .prepare = dbt_prepare, .begin = dbt_begin, .next = dbt_next, .cost = dbt_cost,
    .op = COLL_ALLREDUCE,
};
