/* coll_int.h -- internals shared by the collective algorithm files.
 *
 * Not a public API: the simulator and the harness use coll.h only.
 * Names carry the coll__ prefix (libuv style).
 *
 * Sub-rings. Ring all-reduce, the 2d-torus rows and columns and the
 * intra-node phase of `hierarchical` all run a ring over a subset of ranks:
 * member q (0..n-1) is rank base + q*stride, and the ring works on the
 * region [off, off+count) split into n blocks (partition in coll.h).
 *
 *   reduce-scatter step k (0..n-2): send block (pos-k-1) to the right,
 *                                   receive+reduce block (pos-k-2) from the left
 *                                   -> after n-1 steps member pos owns block pos
 *   all-gather step k (0..n-2):     send block (pos-k), receive+copy (pos-k-1)
 *
 * Each ring step may be cut into `chunks` sub-rounds (chunk c of every block).
 * Per member: reduce-scatter sends count - len(pos), receives count - len(pos-1);
 * all-gather sends count - len(pos+1), receives count - len(pos).
 */
#ifndef DT_COLL_INT_H
#define DT_COLL_INT_H

#include "coll.h"

extern const struct coll_algo coll_algo_ring, coll_algo_reduce_scatter, coll_algo_all_gather,
    coll_algo_hd, coll_algo_bblocks, coll_algo_dbtree, coll_algo_hier, coll_algo_torus;

/* Algorithms use st[0..COLL__ST_OWN-1] only, so that `hierarchical` can nest
 * an inner iterator's state in its own block. */
#define COLL__ST_OWN 16

static inline uint64_t coll__part_off(uint64_t count, uint64_t n, uint64_t i)
{
    uint64_t b = count / n, r = count % n;
    return i * b + (i < r ? i : r);
}

static inline uint64_t coll__part_len(uint64_t count, uint64_t n, uint64_t i)
{
    return count / n + (i < count % n ? 1 : 0);
}

static inline int coll__mod(int64_t a, int n)
{
    int64_t m = a % n;
    return (int)(m < 0 ? m + n : m);
}

/* Checks shared by every prepare: ranks, dtype, gpus_per_node (0 -> 1), chunks. */
int coll__prepare_common(struct coll_params *p, dt_err *e);

/* Append an op to r (asserts nops < COLL_MAX_OPS; returns -1 when full). */
int coll__op(struct coll_round *r, int kind, int peer, uint64_t off, uint64_t count);

/* Zero c; count bytes/rounds into c for rank `rank`. */
void coll__cost_zero(struct coll_cost *c);
void coll__cost_send(struct coll_cost *c, const struct coll_params *p, int rank, int peer, uint64_t elems);
void coll__cost_recv(struct coll_cost *c, const struct coll_params *p, int rank, int peer, uint64_t elems,
                     int reduce);

struct coll__ring {
    int n;            /* members */
    int pos;          /* this rank's position, 0..n-1 */
    int base, stride; /* member q is rank base + q*stride */
    uint64_t off;     /* region start, elements */
    uint64_t count;   /* region length, elements */
    int chunks;       /* sub-rounds per ring step, >= 1 */
    uint64_t blk, rem; /* count / n, count % n (coll__ring_init) */
    int gsize, rot;   /* channel rotation: rot 0 = none; else (stride 1, base and n
                         multiples of gsize) member q is base + (q / gsize) * gsize
                         + (q % gsize + rot) % gsize: the order inside every node
                         of gsize GPUs starts at local GPU rot */
};

/* Rank of member q, and the member that rank r is (inverse). */
static inline int coll__ring_rank(const struct coll__ring *g, int q)
{
    if (!g->rot) return g->base + q * g->stride;
    int l = q % g->gsize + g->rot;
    return g->base + (q - q % g->gsize) + (l >= g->gsize ? l - g->gsize : l);
}
static inline int coll__ring_pos(const struct coll__ring *g, int r)
{
    if (!g->rot) return (r - g->base) / g->stride;
    int q = r - g->base, l = q % g->gsize - g->rot;
    return (q - q % g->gsize) + (l < 0 ? l + g->gsize : l);
}

/* Channels. Channel c of k on nodes of G GPUs starts each node's order at
 * the first GPU of NIC c+1 (mod k), so its exit GPU (the one before) is the
 * last GPU of NIC c: rot = ceil(((c+1) mod k) G / k) mod G. One channel: 0. */
static inline int coll__chan_rot(int G, int k, int c)
{
    int n = (c + 1) % k;
    return (int)(((int64_t)n * G + k - 1) / k % G);
}
/* Channels of prepared params (an unprepared 0 is one). */
static inline int coll__nch(const struct coll_params *p)
{
    return p->channels > 1 ? p->channels : 1;
}
/* Channels an algorithm runs when the sub-ring crossing nodes is `n`
 * consecutive ranks: k when it spans more than one whole node, else 1. */
int coll__channels(const struct coll_params *p, int n);

/* Fill blk and rem once, so that ring rounds need no division. */
static inline void coll__ring_init(struct coll__ring *g)
{
    g->blk = g->count / (uint64_t)g->n;
    g->rem = g->count % (uint64_t)g->n;
}

/* Append ring step k, chunk c (reduce-scatter when rs, else all-gather). */
int coll__ring_ops(const struct coll__ring *g, int rs, int k, int c, struct coll_round *r);
/* Add one member's whole reduce-scatter (rs) or all-gather traffic to c. */
void coll__ring_cost(const struct coll__ring *g, int rs, const struct coll_params *p, int rank,
                     struct coll_cost *c);

/* Recursive halving / doubling on S = 2^a members (position v; member q is
 * rank map[q] given by the caller) over A atoms of [0, count) (partition in
 * coll.h), A a multiple of S. Reduce-scatter step i (0..a-1) exchanges with
 * v ^ (S >> (i+1)) and keeps the half of the atom range that v's bit picks:
 * after a steps v owns atoms [v*A/S, (v+1)*A/S). All-gather step j
 * (0..a-1) exchanges with v ^ (1 << j), doubling the owned range. */
struct coll__hd {
    int S, a;        /* members, log2 */
    int v;           /* position */
    uint64_t A;      /* atoms */
    uint64_t count;  /* elements */
};
/* Fill the element ranges of step i: what v sends and what it receives. */
void coll__hd_rs(const struct coll__hd *h, int i, int *partner, uint64_t *soff, uint64_t *scount,
                 uint64_t *roff, uint64_t *rcount);
void coll__hd_ag(const struct coll__hd *h, int j, int *partner, uint64_t *soff, uint64_t *scount,
                 uint64_t *roff, uint64_t *rcount);
/* Atom range [lo, hi) in elements. */
static inline void coll__atoms(uint64_t count, uint64_t A, uint64_t lo, uint64_t hi, uint64_t *off,
                               uint64_t *n)
{
    *off = coll__part_off(count, A, lo);
    *n = coll__part_off(count, A, hi) - *off;
}

static inline int coll__log2(uint64_t x) /* floor */
{
    int l = 0;
    while (x >>= 1) l++;
    return l;
}

#endif
