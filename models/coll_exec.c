/* coll_exec.c -- in-memory executor and schedule checker (see coll_exec.h). */
#include "coll_exec.h"
#include "coll_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float coll_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, m = h & 0x3ff, x;
    int32_t e = (h >> 10) & 0x1f;
    if (e == 0) {
        if (m == 0) {
            x = sign;
        } else { /* subnormal: m * 2^-24, normalise */
            e = 1;
            while (!(m & 0x400)) {
                m <<= 1;
                e--;
            }
            x = sign | ((uint32_t)(e + 112) << 23) | ((m & 0x3ff) << 13);
        }
    } else if (e == 31) {
        x = sign | 0x7f800000u | (m << 13);
    } else {
        x = sign | ((uint32_t)(e + 112) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

uint16_t coll_float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t e = (x >> 23) & 0xff, m = x & 0x7fffff;
    if (e == 0xff) return (uint16_t)(sign | 0x7c00 | (m ? 0x200 : 0));
    int32_t he = (int32_t)e - 127 + 15;
    if (he >= 31) return (uint16_t)(sign | 0x7c00);
    if (he <= 0) { /* half subnormal: hm = m * 2^(e-126) */
        if (he < -10) return sign;
        m |= 0x800000;
        int shift = 14 - he;
        uint32_t hm = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (hm & 1))) hm++;
        return (uint16_t)(sign | hm);
    }
    uint32_t hm = m >> 13, rem = m & 0x1fff;
    uint16_t h = (uint16_t)(sign | ((uint32_t)he << 10) | hm);
    if (rem > 0x1000 || (rem == 0x1000 && (hm & 1))) h++; /* carries into the exponent, up to inf */
    return h;
}

struct rk {
    struct coll_iter it;
    struct coll_round r;
    int has;                     /* r is the current round */
    int started;                 /* a round was seen (last_step valid) */
    uint32_t last_step;
    int ndone;
    uint8_t done[COLL_MAX_OPS];
    void *tmp[COLL_MAX_OPS];     /* received data, applied at completion */
};

struct ex {
    const struct coll_params *p;
    struct rk *rk;
    unsigned char *buf;          /* nranks * count * size, or NULL */
    size_t sz;
    struct coll_cost *per_rank;
    struct coll_exec_result *res;
    dt_err *e;
};

static const char *verb(int kind)
{
    return kind == COLL_SEND ? "send to" : "receive from";
}

static int fetch(struct ex *x, int r)
{
    struct rk *k = &x->rk[r];
    const struct coll_params *p = x->p;
    k->has = 0;
    int rc = coll_next(&k->it, &k->r);
    if (rc < 0)
        return dt_errf(x->e, DT_ESCHED, "rank %d after step %u: generator failed (%s)", r, k->last_step,
                       dt_strerror(rc));
    if (rc == 0) return 0;
    const struct coll_round *q = &k->r;
    if (k->started && q->step <= k->last_step)
        return dt_errf(x->e, DT_ESCHED, "rank %d step %u: steps must increase (previous %u)", r, q->step,
                       k->last_step);
    if (q->nops > COLL_MAX_OPS)
        return dt_errf(x->e, DT_ESCHED, "rank %d step %u: %u ops, at most %d", r, q->step, q->nops, COLL_MAX_OPS);
    for (int i = 0; i < q->nops; i++) {
        const struct coll_op *o = &q->ops[i];
        if (o->kind > COLL_RECV_COPY)
            return dt_errf(x->e, DT_ESCHED, "rank %d step %u: op %d has kind %u", r, q->step, i, o->kind);
        if (o->peer < 0 || o->peer >= p->nranks || o->peer == r)
            return dt_errf(x->e, DT_ESCHED, "rank %d step %u: op %d names peer %d", r, q->step, i, (int)o->peer);
        if (o->off > p->count || o->count > p->count - o->off)
            return dt_errf(x->e, DT_ESCHED, "rank %d step %u: op %d covers [%llu, %llu) beyond %llu elements", r,
                           q->step, i, (unsigned long long)o->off, (unsigned long long)(o->off + o->count),
                           (unsigned long long)p->count);
    }
    k->started = 1;
    k->last_step = q->step;
    k->has = 1;
    k->ndone = 0;
    memset(k->done, 0, sizeof k->done);
    x->res->rounds++;
    if (q->step + 1ull > x->res->steps) x->res->steps = q->step + 1ull;
    if (x->per_rank) x->per_rank[r].rounds++;
    return 0;
}

static unsigned char *at(struct ex *x, int r, uint64_t off)
{
    return x->buf + ((uint64_t)r * x->p->count + off) * x->sz;
}

/* Pair op i of rank r with the first open complementary op from r in the
 * peer's current round. 1 matched, 0 not yet, <0 error. */
static int pair(struct ex *x, int r, int i)
{
    struct rk *k = &x->rk[r];
    const struct coll_op *o = &k->r.ops[i];
    int p = o->peer, send = o->kind == COLL_SEND;
    struct rk *pk = &x->rk[p];
    if (!pk->has) return 0;
    int j;
    for (j = 0; j < pk->r.nops; j++) {
        const struct coll_op *q = &pk->r.ops[j];
        if (!pk->done[j] && q->peer == r && (q->kind == COLL_SEND) != send) break;
    }
    if (j == pk->r.nops) return 0;
    const struct coll_op *q = &pk->r.ops[j];
    int s = send ? r : p, d = send ? p : r;
    const struct coll_op *so = send ? o : q, *ro = send ? q : o;
    uint32_t sstep = send ? k->r.step : pk->r.step, rstep = send ? pk->r.step : k->r.step;
    if (so->count != ro->count)
        return dt_errf(x->e, DT_ESCHED, "rank %d step %u sends %llu elements to rank %d, which receives %llu at step %u",
                       s, sstep, (unsigned long long)so->count, d, (unsigned long long)ro->count, rstep);
    if (sstep != rstep)
        return dt_errf(x->e, DT_ESCHED, "step mismatch: rank %d sends to rank %d at step %u, which receives at step %u",
                       s, d, sstep, rstep);
    struct rk *dk = send ? pk : k;
    int di = send ? j : i;
    if (x->buf && ro->count) {
        size_t n = (size_t)ro->count * x->sz;
        dk->tmp[di] = malloc(n);
        if (!dk->tmp[di]) return dt_errf(x->e, DT_ENOMEM, "out of memory for a %zu-byte message", n);
        memcpy(dk->tmp[di], at(x, s, so->off), n);
    }
    k->done[i] = 1;
    k->ndone++;
    pk->done[j] = 1;
    pk->ndone++;
    if (x->per_rank) {
        coll__cost_send(&x->per_rank[s], x->p, s, d, so->count);
        coll__cost_recv(&x->per_rank[d], x->p, d, s, ro->count, ro->kind == COLL_RECV_REDUCE);
    }
    return 1;
}

static void apply(struct ex *x, int r)
{
    struct rk *k = &x->rk[r];
    for (int i = 0; i < k->r.nops; i++) {
        const struct coll_op *o = &k->r.ops[i];
        if (o->kind == COLL_SEND || !k->tmp[i]) continue;
        unsigned char *b = at(x, r, o->off);
        if (o->kind == COLL_RECV_COPY) {
            memcpy(b, k->tmp[i], (size_t)o->count * x->sz);
        } else if (x->p->dtype == COLL_FP32) {
            float *d = (float *)(void *)b;
            const float *t = k->tmp[i];
            for (uint64_t n = 0; n < o->count; n++) d[n] += t[n];
        } else {
            uint16_t *d = (uint16_t *)(void *)b;
            const uint16_t *t = k->tmp[i];
            for (uint64_t n = 0; n < o->count; n++)
                d[n] = coll_float_to_half(coll_half_to_float(d[n]) + coll_half_to_float(t[n]));
        }
        free(k->tmp[i]);
        k->tmp[i] = NULL;
    }
}

/* Nothing can move: report the blocked rank with the lowest step (lowest
 * rank on ties), on its first open op. */
static int stuck(struct ex *x)
{
    int best = -1;
    for (int r = 0; r < x->p->nranks; r++)
        if (x->rk[r].has && (best < 0 || x->rk[r].r.step < x->rk[best].r.step)) best = r;
    if (best < 0) return 0;
    struct rk *k = &x->rk[best];
    for (int i = 0; i < k->r.nops; i++) {
        if (k->done[i]) continue;
        const struct coll_op *o = &k->r.ops[i];
        struct rk *pk = &x->rk[o->peer];
        const char *want = o->kind == COLL_SEND ? "receive" : "send";
        unsigned long long n = o->count;
        if (!pk->has)
            return dt_errf(x->e, DT_ESCHED, "rank %d step %u: %s rank %d (%llu elements) is never matched: rank %d has finished",
                           best, k->r.step, verb(o->kind), o->peer, n, o->peer);
        if (pk->r.step == k->r.step)
            return dt_errf(x->e, DT_ESCHED, "rank %d step %u: %s rank %d (%llu elements) has no matching %s in rank %d's step %u",
                           best, k->r.step, verb(o->kind), o->peer, n, want, o->peer, k->r.step);
        return dt_errf(x->e, DT_ESCHED, "deadlock: rank %d step %u waits to %s rank %d (%llu elements), which is blocked at step %u",
                       best, k->r.step, verb(o->kind), o->peer, n, pk->r.step);
    }
    return 0;
}

static double value(int data, int r, uint64_t i)
{
    if (data == COLL_DATA_INT) return (double)((r * 7 + (int64_t)(i % 1021) * 13) % 17) - 8.0;
    return (double)((r * 31 + (int64_t)(i % 1021) * 17) % 97) / 64.0 - 0.75;
}

static void put(struct ex *x, int r, uint64_t i, double v)
{
    if (x->p->dtype == COLL_FP32)
        ((float *)(void *)x->buf)[(uint64_t)r * x->p->count + i] = (float)v;
    else
        ((uint16_t *)(void *)x->buf)[(uint64_t)r * x->p->count + i] = coll_float_to_half((float)v);
}

static double get(struct ex *x, int r, uint64_t i)
{
    if (x->p->dtype == COLL_FP32) return ((float *)(void *)x->buf)[(uint64_t)r * x->p->count + i];
    return coll_half_to_float(((uint16_t *)(void *)x->buf)[(uint64_t)r * x->p->count + i]);
}

static int owner(const struct coll_params *p, uint64_t i)
{
    /* inverse of the block partition: blocks 0..rem-1 have b+1 elements */
    uint64_t n = (uint64_t)p->nranks, b = p->count / n, rem = p->count % n;
    if (i < rem * (b + 1)) return (int)(i / (b + 1));
    return (int)(rem + (i - rem * (b + 1)) / b);
}

static void fill(struct ex *x, int data, int op)
{
    const struct coll_params *p = x->p;
    for (int r = 0; r < p->nranks; r++)
        for (uint64_t i = 0; i < p->count; i++)
            put(x, r, i, op == COLL_ALLGATHER && owner(p, i) != r ? 1000.0 + r : value(data, r, i));
}

static void check(struct ex *x, int data, int op)
{
    const struct coll_params *p = x->p;
    struct coll_exec_result *res = x->res;
    double u = p->dtype == COLL_FP32 ? ldexp(1.0, -24) : ldexp(1.0, -11);
    for (uint64_t i = 0; i < p->count; i++) {
        double want = 0, mag = 0;
        int own = owner(p, i);
        if (op == COLL_ALLGATHER) {
            want = p->dtype == COLL_FP32 ? (double)(float)value(data, own, i)
                                         : coll_half_to_float(coll_float_to_half((float)value(data, own, i)));
        } else {
            for (int r = 0; r < p->nranks; r++) {
                double v = p->dtype == COLL_FP32 ? (double)(float)value(data, r, i)
                                                 : coll_half_to_float(coll_float_to_half((float)value(data, r, i)));
                want += v;
                mag += fabs(v);
            }
        }
        double tol = op == COLL_ALLGATHER ? 0 : (p->nranks - 1) * u * mag;
        for (int r = 0; r < p->nranks; r++) {
            if (op == COLL_REDUCE_SCATTER && own != r) continue;
            double got = get(x, r, i), err = fabs(got - want);
            res->checked++;
            if (!(err <= tol)) {
                if (res->wrong++ == 0) {
                    res->wrong_rank = r;
                    res->wrong_index = i;
                    res->wrong_got = got;
                    res->wrong_want = want;
                }
            }
            if (err > res->max_err || err != err) res->max_err = err;
        }
    }
}

int coll_exec_run(const struct coll_algo *a, const struct coll_params *p0, int data, struct coll_cost *per_rank,
                  struct coll_exec_result *res, dt_err *e)
{
    struct coll_params p = *p0;
    p.algo = a->name;
    memset(res, 0, sizeof *res);
    res->wrong_rank = -1;
    int rc = a->prepare(&p, e);
    if (rc) return rc;
    int n = p.nranks;
    struct ex x = {&p, NULL, NULL, coll_dtype_size(p.dtype), per_rank, res, e};
    if (data != COLL_DATA_NONE) {
        if (p.count > COLL_EXEC_MAX_BYTES / x.sz / (uint64_t)n)
            return dt_errf(e, DT_ERANGE, "%d ranks x %llu elements is more than the executor's %llu MiB of buffers", n,
                           (unsigned long long)p.count, (unsigned long long)(COLL_EXEC_MAX_BYTES >> 20));
        x.buf = malloc((size_t)n * p.count * x.sz + 1);
        if (!x.buf) return dt_errf(e, DT_ENOMEM, "out of memory for %d buffers", n);
        fill(&x, data, a->op);
    }
    x.rk = calloc((size_t)n, sizeof *x.rk);
    if (!x.rk) {
        rc = dt_errf(e, DT_ENOMEM, "out of memory for %d ranks", n);
        goto err;
    }
    if (per_rank) memset(per_rank, 0, (size_t)n * sizeof *per_rank);
    for (int r = 0; r < n; r++) {
        struct rk *k = &x.rk[r];
        k->it.algo = a;
        k->it.p = p;
        k->it.rank = r;
        if ((rc = a->begin(&k->it)) < 0) {
            rc = dt_errf(e, DT_ESCHED, "rank %d: generator failed to start (%s)", r, dt_strerror(rc));
            goto err;
        }
        if ((rc = fetch(&x, r))) goto err;
    }
    for (;;) {
        int moved = 0, open = 0;
        for (int r = 0; r < n; r++) {
            struct rk *k = &x.rk[r];
            while (k->has) {
                for (int i = 0; i < k->r.nops; i++) {
                    if (k->done[i]) continue;
                    rc = pair(&x, r, i);
                    if (rc < 0) goto err;
                }
                if (k->ndone < k->r.nops) break;
                if (x.buf) apply(&x, r);
                if ((rc = fetch(&x, r))) goto err;
                moved = 1;
            }
            open |= k->has;
        }
        if (!open) break;
        if (!moved) {
            rc = stuck(&x);
            if (!rc) rc = dt_errf(e, DT_ESCHED, "deadlock");
            goto err;
        }
    }
    if (per_rank)
        for (int r = 0; r < n; r++) per_rank[r].steps = res->steps;
    if (x.buf) check(&x, data, a->op);
    rc = 0;
err:
    if (x.rk)
        for (int r = 0; r < n; r++)
            for (int i = 0; i < COLL_MAX_OPS; i++) free(x.rk[r].tmp[i]);
    free(x.rk);
    free(x.buf);
    return rc;
}
