/* coll.c -- collective registry, iterator entry points, shared helpers.
 * See coll.h for the schedule model and coll_int.h for the helpers. */
#include "coll.h"
#include "coll_int.h"
#include "strsim.h"

#include <string.h>

/* The registry: one row per algorithm file, in the order `--list` shows. */
static const struct coll_algo *const registry[] = {
    &coll_algo_ring, &coll_algo_reduce_scatter, &coll_algo_all_gather, &coll_algo_hd, &coll_algo_bblocks,
    &coll_algo_dbtree, &coll_algo_hier, &coll_algo_torus,
};
#define NALGOS (sizeof registry / sizeof registry[0])

/* Largest rank count: peers are int32 and step indices uint32. */
#define COLL_MAX_RANKS (1 << 24)
#define COLL_MAX_CHUNKS (1 << 16)

size_t coll_count(void)
{
    return NALGOS;
}

const struct coll_algo *coll_at(size_t i)
{
    return i < NALGOS ? registry[i] : NULL;
}

const struct coll_algo *coll_find(const char *name, dt_err *e)
{
    const char *names[NALGOS];
    for (size_t i = 0; i < NALGOS; i++) {
        names[i] = registry[i]->name;
        if (name && strcmp(name, registry[i]->name) == 0) return registry[i];
    }
    char list[512];
    strsim_join(list, sizeof list, names, NALGOS);
    if (!name) {
        dt_errf(e, DT_ENOENT, "no collective algorithm given (valid: %s)", list);
        return NULL;
    }
    const char *near = strsim_nearest(name, names, NALGOS);
    if (near)
        dt_errf(e, DT_ENOENT, "unknown collective algorithm '%s' (did you mean '%s'? valid: %s)", name, near,
                list);
    else
        dt_errf(e, DT_ENOENT, "unknown collective algorithm '%s' (valid: %s)", name, list);
    return NULL;
}

const struct coll_algo *coll_find_allreduce(const char *name, dt_err *e)
{
    const struct coll_algo *a = coll_find(name, e);
    if (!a || a->op == COLL_ALLREDUCE) return a;
    const char *names[NALGOS];
    size_t n = 0;
    for (size_t i = 0; i < NALGOS; i++)
        if (registry[i]->op == COLL_ALLREDUCE) names[n++] = registry[i]->name;
    char list[512];
    strsim_join(list, sizeof list, names, n);
    dt_errf(e, DT_EINVAL, "'%s' is %s, not an all-reduce: the gradients need an all-reduce (one of: %s)", name,
            a->op == COLL_REDUCE_SCATTER ? "a reduce-scatter" : a->op == COLL_ALLGATHER ? "an all-gather"
                                                                                        : "another collective",
            list);
    return NULL;
}

size_t coll_dtype_size(int dtype)
{
    switch (dtype) {
    case COLL_FP32: return 4;
    case COLL_FP16: return 2;
    }
    return 0;
}

int coll__prepare_common(struct coll_params *p, dt_err *e)
{
    if (p->nranks < 1)
        return dt_errf(e, DT_EINVAL, "%s: ranks must be at least 1, got %d", p->algo, p->nranks);
    if (p->nranks > COLL_MAX_RANKS)
        return dt_errf(e, DT_ERANGE, "%s: %d ranks is more than the %d supported", p->algo, p->nranks,
                       COLL_MAX_RANKS);
    if (coll_dtype_size(p->dtype) == 0) return dt_errf(e, DT_EINVAL, "%s: unknown dtype %d", p->algo, p->dtype);
    if (p->gpus_per_node < 0)
        return dt_errf(e, DT_EINVAL, "%s: gpus per node must be at least 1, got %d", p->algo, p->gpus_per_node);
    if (p->gpus_per_node == 0) p->gpus_per_node = 1;
    if (p->chunks < 0 || p->chunks > COLL_MAX_CHUNKS)
        return dt_errf(e, DT_ERANGE, "%s: chunks must be 1..%d, got %d", p->algo, COLL_MAX_CHUNKS, p->chunks);
    /* step indices are uint32; the ring's 2(N-1)C is the most any algorithm takes */
    if ((uint64_t)2 * (uint64_t)p->nranks * (uint64_t)(p->chunks ? p->chunks : 8) > UINT32_MAX)
        return dt_errf(e, DT_ERANGE, "%s: %d ranks x %d chunks is too many steps", p->algo, p->nranks, p->chunks);
    if (p->channels < 0 || p->channels > COLL_MAX_CHANNELS)
        return dt_errf(e, DT_ERANGE, "%s: channels must be 1..%d, got %d", p->algo, COLL_MAX_CHANNELS, p->channels);
    if (p->channels > p->gpus_per_node)
        return dt_errf(e, DT_EINVAL, "%s: %d channels on nodes of %d gpus (one NIC per gpu at most)", p->algo,
                       p->channels, p->gpus_per_node);
    if (p->channels == 0) p->channels = 1;
    if (p->count > UINT64_MAX / 8)
        return dt_errf(e, DT_ERANGE, "%s: %llu elements is too many", p->algo, (unsigned long long)p->count);
    return 0;
}

int coll__channels(const struct coll_params *p, int n)
{
    int G = p->gpus_per_node;
    return p->channels > 1 && n > G && n % G == 0 ? p->channels : 1;
}

int coll_prepare(struct coll_params *p, dt_err *e)
{
    const struct coll_algo *a = coll_find(p->algo, e);
    if (!a) return DT_ENOENT;
    p->algo = a->name;
    return a->prepare(p, e);
}

int coll_rank_cost(const struct coll_params *p, int rank, struct coll_cost *c, dt_err *e)
{
    struct coll_params q = *p;
    int rc = coll_prepare(&q, e);
    if (rc) return rc;
    if (rank < 0 || rank >= q.nranks)
        return dt_errf(e, DT_ERANGE, "%s: rank %d out of 0..%d", q.algo, rank, q.nranks - 1);
    const struct coll_algo *a = coll_find(q.algo, e);
    return a->cost(&q, rank, c);
}

int coll_begin(struct coll_iter *it, const struct coll_params *p, int rank, dt_err *e)
{
    const struct coll_algo *a = coll_find(p->algo, e);
    if (!a) return DT_ENOENT;
    memset(it, 0, sizeof *it);
    it->p = *p;
    it->p.algo = a->name;
    int rc = a->prepare(&it->p, e);
    if (rc) return rc;
    if (rank < 0 || rank >= it->p.nranks)
        return dt_errf(e, DT_ERANGE, "%s: rank %d out of 0..%d", a->name, rank, it->p.nranks - 1);
    it->algo = a;
    it->rank = rank;
    return a->begin(it);
}

int coll_next(struct coll_iter *it, struct coll_round *r)
{
    if (it->p.count == 0 || it->p.nranks == 1) return 0;
    return it->algo->next(it, r);
}

uint32_t coll_run_end(const struct coll_iter *it, uint32_t step)
{
    if (!it->algo->run_end || it->p.count == 0 || it->p.nranks == 1) return step + 1;
    uint32_t end = it->algo->run_end(&it->p, step);
    return end > step ? end : step + 1;
}

void coll_seek(struct coll_iter *it, uint32_t step)
{
    if (it->algo->seek) it->algo->seek(it, step);
}

int coll__op(struct coll_round *r, int kind, int peer, uint64_t off, uint64_t count)
{
    if (r->nops >= COLL_MAX_OPS) return -1;
    struct coll_op *o = &r->ops[r->nops++];
    o->kind = (uint8_t)kind;
    o->peer = peer;
    o->off = off;
    o->count = count;
    return 0;
}

void coll__cost_zero(struct coll_cost *c)
{
    memset(c, 0, sizeof *c);
}

void coll__cost_send(struct coll_cost *c, const struct coll_params *p, int rank, int peer, uint64_t elems)
{
    c->bytes_sent[coll_linkclass(p, rank, peer)] += elems * coll_dtype_size(p->dtype);
}

void coll__cost_recv(struct coll_cost *c, const struct coll_params *p, int rank, int peer, uint64_t elems,
                     int reduce)
{
    c->bytes_recv[coll_linkclass(p, rank, peer)] += elems * coll_dtype_size(p->dtype);
    if (reduce) c->reduce_elems += elems;
}
