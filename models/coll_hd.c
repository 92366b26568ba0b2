/* coll_hd.c -- halving-doubling all-reduce (Rabenseifner; Thakur, Rabenseifner
 * & Gropp 2005, "Optimization of collective communication operations in
 * MPICH", sec. 4.4), and the recursive halving/doubling core that
 * binary-blocks shares (coll_int.h).
 *
 * Power of two P = 2^a: reduce-scatter by recursive halving (step i swaps
 * half of the current range with v ^ P/2^(i+1)), then all-gather by
 * recursive doubling (step j swaps the owned range with v ^ 2^j):
 *
 *   rounds = 2 log2 P,  bytes sent = bytes received ~ 2 (P-1)/P * S.
 *
 * Other N (the standard treatment): P = 2^floor(log2 N), rem = N - P. In a
 * first step the even ranks r < 2 rem send their whole buffer to r+1, which
 * reduces it; the P remaining ranks (odd r < 2 rem as v = r/2, the others as
 * v = r - rem) run the power-of-two algorithm; in a last step r+1 sends the
 * result back (copy). Steps = 2a + 2; the folded ranks idle in between.
 *
 * Atom ranges [lo, hi) of the A-way partition map to elements with
 * coll__atoms; ranges split in exact halves of atoms, so the element
 * counts are balanced to within one element per atom.
 *
 * State: st[0] = index of the rank's next round.
 */
#include "coll_int.h"

void coll__hd_rs(const struct coll__hd *h, int i, int *partner, uint64_t *soff, uint64_t *scount, uint64_t *roff,
                 uint64_t *rcount)
{
    int mask = 1 << (h->a - i - 1);
    uint64_t len = h->A >> i, lo = (uint64_t)(h->v >> (h->a - i)) * len, half = len / 2;
    uint64_t keep = (h->v & mask) ? lo + half : lo, give = (h->v & mask) ? lo : lo + half;
    *partner = h->v ^ mask;
    coll__atoms(h->count, h->A, give, give + half, soff, scount);
    coll__atoms(h->count, h->A, keep, keep + half, roff, rcount);
}

void coll__hd_ag(const struct coll__hd *h, int j, int *partner, uint64_t *soff, uint64_t *scount, uint64_t *roff,
                 uint64_t *rcount)
{
    int mask = 1 << j;
    uint64_t len = (h->A / (uint64_t)h->S) << j;
    uint64_t lo = (uint64_t)(h->v >> j) * len, plo = (uint64_t)((h->v ^ mask) >> j) * len;
    *partner = h->v ^ mask;
    coll__atoms(h->count, h->A, lo, lo + len, soff, scount);
    coll__atoms(h->count, h->A, plo, plo + len, roff, rcount);
}

struct layout {
    int P, a, rem, s0;
    int v; /* position among the P, -1 for a folded (even, < 2 rem) rank */
};

static void layout(const struct coll_params *p, int r, struct layout *l)
{
    l->a = coll__log2((uint64_t)p->nranks);
    l->P = 1 << l->a;
    l->rem = p->nranks - l->P;
    l->s0 = l->rem > 0;
    if (r < 2 * l->rem) l->v = (r & 1) ? r / 2 : -1;
    else l->v = r - l->rem;
}

static int real_rank(const struct layout *l, int v)
{
    return v < l->rem ? 2 * v + 1 : v + l->rem;
}

static int hd_prepare(struct coll_params *p, dt_err *e)
{
    int rc = coll__prepare_common(p, e);
    p->channels = 1; /* its inter-node partners are GPU j and GPU j: every rail already */
    return rc;
}

static int hd_begin(struct coll_iter *it)
{
    it->st[0] = 0;
    return 0;
}

/* Core step k (0..2a-1) of position v: partner's real rank and the ranges. */
static void core(const struct coll_params *p, const struct layout *l, int k, int *peer, uint64_t *so, uint64_t *sn,
                 uint64_t *ro, uint64_t *rn)
{
    struct coll__hd h = {l->P, l->a, l->v, (uint64_t)l->P, p->count};
    int partner;
    if (k < l->a) coll__hd_rs(&h, k, &partner, so, sn, ro, rn);
    else coll__hd_ag(&h, k - l->a, &partner, so, sn, ro, rn);
    *peer = real_rank(l, partner);
}

static int hd_next(struct coll_iter *it, struct coll_round *r)
{
    const struct coll_params *p = &it->p;
    if (p->count == 0 || p->nranks < 2) return 0;
    struct layout l;
    layout(p, it->rank, &l);
    uint64_t t = it->st[0]++;
    uint32_t last = (uint32_t)(2 * l.a + 1);
    r->nops = 0;
    if (l.v < 0) { /* folded: give everything, get the result back */
        if (t > 1) return 0;
        r->step = t == 0 ? 0 : last;
        r->phase = t == 0 ? 0 : 3;
        coll__op(r, t == 0 ? COLL_SEND : COLL_RECV_COPY, it->rank + 1, 0, p->count);
        return 1;
    }
    int folds = it->rank < 2 * l.rem; /* odd partner of a folded rank */
    if (folds) {
        if (t == 0) {
            r->step = 0;
            r->phase = 0;
            coll__op(r, COLL_RECV_REDUCE, it->rank - 1, 0, p->count);
            return 1;
        }
        if (t == (uint64_t)2 * l.a + 1) {
            r->step = last;
            r->phase = 3;
            coll__op(r, COLL_SEND, it->rank - 1, 0, p->count);
            return 1;
        }
        if (t > (uint64_t)2 * l.a + 1) return 0;
        t--;
    }
    if (t >= (uint64_t)2 * l.a) return 0;
    int peer;
    uint64_t so, sn, ro, rn;
    core(p, &l, (int)t, &peer, &so, &sn, &ro, &rn);
    r->step = (uint32_t)(l.s0 + t);
    r->phase = t < (uint64_t)l.a ? 1 : 2;
    coll__op(r, COLL_SEND, peer, so, sn);
    coll__op(r, t < (uint64_t)l.a ? COLL_RECV_REDUCE : COLL_RECV_COPY, peer, ro, rn);
    return 1;
}

static int hd_cost(const struct coll_params *p, int rank, struct coll_cost *c)
{
    coll__cost_zero(c);
    if (p->count == 0 || p->nranks < 2) return 0;
    struct layout l;
    layout(p, rank, &l);
    c->steps = (uint64_t)(2 * l.a + 2 * l.s0);
    if (l.v < 0) {
        c->rounds = 2;
        coll__cost_send(c, p, rank, rank + 1, p->count);
        coll__cost_recv(c, p, rank, rank + 1, p->count, 0);
        return 0;
    }
    c->rounds = (uint64_t)(2 * l.a);
    if (rank < 2 * l.rem) {
        c->rounds += 2;
        coll__cost_recv(c, p, rank, rank - 1, p->count, 1);
        coll__cost_send(c, p, rank, rank - 1, p->count);
    }
    for (int k = 0; k < 2 * l.a; k++) {
        int peer;
        uint64_t so, sn, ro, rn;
        core(p, &l, k, &peer, &so, &sn, &ro, &rn);
        coll__cost_send(c, p, rank, peer, sn);
        coll__cost_recv(c, p, rank, peer, rn, k < l.a);
    }
    return 0;
}

const struct coll_algo coll_algo_hd = {
    .name = "halving-doubling",
    .summary = "Rabenseifner: recursive halving reduce-scatter + doubling all-gather, 2 log2 N steps",
    .prepare = hd_prepare, .begin = hd_begin, .next = hd_next, .cost = hd_cost,
    .op = COLL_ALLREDUCE,
};
