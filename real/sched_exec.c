#include "sched_exec.h"

#include "reduce.h"

#include <stdlib.h>
#include <string.h>

void sched_init(struct sched *s)
{
    memset(s, 0, sizeof *s);
}

void sched_free(struct sched *s)
{
    free(s->scratch);
    free(s->x);
    free(s->iv);
    memset(s, 0, sizeof *s);
}

/* --- written ranges -------------------------------------------------------- */

static int iv_add(struct sched *s, uint64_t a, uint64_t b)
{
    if (a >= b) return 0;
    int i = 0;
    while (i < s->niv && s->iv[i][1] < a) i++;
    int j = i;
    while (j < s->niv && s->iv[j][0] <= b) {
        if (s->iv[j][0] < a) a = s->iv[j][0];
        if (s->iv[j][1] > b) b = s->iv[j][1];
        j++;
    }
    if (j == i) { /* insert at i */
        if (s->niv == s->ivcap) {
            int cap = s->ivcap ? 2 * s->ivcap : 16;
            void *p = realloc(s->iv, sizeof *s->iv * (size_t)cap);
            if (!p) return -1;
            s->iv = p;
            s->ivcap = cap;
        }
        memmove(s->iv + i + 1, s->iv + i, sizeof *s->iv * (size_t)(s->niv - i));
        s->niv++;
    } else if (j > i + 1) { /* merge i..j-1 into i */
        memmove(s->iv + i + 1, s->iv + j, sizeof *s->iv * (size_t)(s->niv - j));
        s->niv -= j - i - 1;
    }
    s->iv[i][0] = a;
    s->iv[i][1] = b;
    return 0;
}

/* Split [a, b) into pieces by written state; calls f(piece, written). */
typedef int (*piece_fn)(void *ctx, uint64_t a, uint64_t b, int written);

static int iv_walk(const struct sched *s, uint64_t a, uint64_t b, piece_fn f, void *ctx)
{
    for (int i = 0; i < s->niv && a < b; i++) {
        if (s->iv[i][1] <= a) continue;
        if (s->iv[i][0] >= b) break;
        if (s->iv[i][0] > a) {
            int rc = f(ctx, a, s->iv[i][0], 0);
            if (rc) return rc;
            a = s->iv[i][0];
        }
        uint64_t end = s->iv[i][1] < b ? s->iv[i][1] : b;
        int rc = f(ctx, a, end, 1);
        if (rc) return rc;
        a = end;
    }
    return a < b ? f(ctx, a, b, 0) : 0;
}

/* --- one round ------------------------------------------------------------- */

struct rctx {
    struct sched *s;
    int peer;
    size_t esz;
    const char *src;
    char *dst;
    const char *tmp;   /* REDUCE: scratch for the op's first element */
    uint64_t off0;     /* REDUCE: the op's first element */
    int dtype;
    int nx;            /* transfers pushed this round */
};

static int push_xfer(struct sched *s, int n, int peer, int send, void *ptr, size_t bytes)
{
    if (n == s->xcap) {
        int cap = s->xcap ? 2 * s->xcap : 32;
        void *p = realloc(s->x, sizeof *s->x * (size_t)cap);
        if (!p) return -1;
        s->x = p;
        s->xcap = cap;
    }
    s->x[n] = (struct sched_xfer){peer, send, ptr, bytes};
    return n + 1;
}

static int send_piece(void *c, uint64_t a, uint64_t b, int written)
{
    struct rctx *r = c;
    const char *base = written ? r->dst : r->src;
    int n = push_xfer(r->s, r->nx, r->peer, 1, (void *)(base + a * r->esz), (size_t)(b - a) * r->esz);
    if (n < 0) return -1;
    r->nx = n;
    return 0;
}

static int reduce_piece(void *c, uint64_t a, uint64_t b, int written)
{
    struct rctx *r = c;
    const char *t = r->tmp + (a - r->off0) * r->esz;
    char *d = r->dst + a * r->esz;
    if (written)
        reduce_acc(r->dtype, d, t, (size_t)(b - a));
    else
        reduce_add(r->dtype, d, r->src + a * r->esz, t, (size_t)(b - a));
    return 0;
}

static int overlaps(const struct coll_op *o, const struct coll_op *q)
{
    return o->off < q->off + q->count && q->off < o->off + o->count;
}

int sched_allreduce(struct sched *s, const struct coll_params *p, int rank, const void *src, void *dst,
                    sched_round_fn round, void *ctx, dt_err *e)
{
    size_t esz = coll_dtype_size(p->dtype);
    struct coll_iter it;
    int rc = coll_begin(&it, p, rank, e);
    if (rc) return rc;
    s->niv = 0;
    int oop = src != dst;
    if (!oop) iv_add(s, 0, p->count); /* in place: everything counts as written */
    struct coll_round r;
    struct rctx c = {.s = s, .esz = esz, .src = src, .dst = dst, .dtype = p->dtype};
    void *recvptr[COLL_MAX_OPS];
    while ((rc = coll_next(&it, &r)) == 1) {
        /* Scratch for every receive that is not landing straight in dst. */
        size_t need = 0, at[COLL_MAX_OPS];
        for (int i = 0; i < r.nops; i++) {
            const struct coll_op *o = &r.ops[i];
            if (o->off + o->count > p->count || o->peer < 0 || o->peer >= p->nranks || o->peer == rank)
                return dt_errf(e, DT_ESCHED, "%s: rank %d step %u: bad op (peer %d, elements %llu+%llu of %llu)",
                               p->algo, rank, r.step, o->peer, (unsigned long long)o->off,
                               (unsigned long long)o->count, (unsigned long long)p->count);
            recvptr[i] = NULL;
            if (o->kind == COLL_SEND) continue;
            int direct = o->kind == COLL_RECV_COPY;
            for (int j = 0; j < r.nops && direct; j++)
                if (j != i && overlaps(o, &r.ops[j])) direct = 0;
            if (direct) {
                recvptr[i] = (char *)dst + o->off * esz;
                continue;
            }
            at[i] = need;
            need += o->count * esz;
        }
        if (need > s->scratch_bytes) {
            void *q = realloc(s->scratch, need);
            if (!q) return dt_errf(e, DT_ENOMEM, "out of memory for %zu bytes of scratch", need);
            s->scratch = q;
            s->scratch_bytes = need;
        }
        c.nx = 0;
        for (int i = 0; i < r.nops; i++) {
            const struct coll_op *o = &r.ops[i];
            if (!o->count) continue;
            c.peer = o->peer;
            if (o->kind == COLL_SEND) {
                if (iv_walk(s, o->off, o->off + o->count, send_piece, &c))
                    return dt_errf(e, DT_ENOMEM, "out of memory");
                s->bytes_sent += o->count * esz;
                continue;
            }
            if (!recvptr[i]) recvptr[i] = (char *)s->scratch + at[i];
            int n = push_xfer(s, c.nx, o->peer, 0, recvptr[i], (size_t)o->count * esz);
            if (n < 0) return dt_errf(e, DT_ENOMEM, "out of memory");
            c.nx = n;
            s->bytes_recv += o->count * esz;
        }
        rc = round(ctx, &r, s->x, c.nx, e);
        if (rc) return rc;
        s->rounds++;
        for (int i = 0; i < r.nops; i++) {
            const struct coll_op *o = &r.ops[i];
            if (o->kind == COLL_SEND || !o->count) continue;
            char *d = (char *)dst + o->off * esz;
            if (o->kind == COLL_RECV_COPY) {
                if (recvptr[i] != d) memcpy(d, recvptr[i], (size_t)o->count * esz);
            } else {
                c.tmp = recvptr[i];
                c.off0 = o->off;
                iv_walk(s, o->off, o->off + o->count, reduce_piece, &c);
            }
            if (iv_add(s, o->off, o->off + o->count)) return dt_errf(e, DT_ENOMEM, "out of memory");
        }
    }
    if (rc < 0) return dt_errf(e, DT_ESCHED, "%s: schedule error at rank %d", p->algo, rank);
    /* Whatever no round wrote (1 rank, or an algorithm that leaves a block
     * untouched) is src's value. */
    if (oop && (s->niv != 1 || s->iv[0][0] != 0 || s->iv[0][1] != p->count)) {
        uint64_t a = 0;
        for (int i = 0; i <= s->niv; i++) {
            uint64_t b = i < s->niv ? s->iv[i][0] : p->count;
            if (b > a) memcpy((char *)dst + a * esz, (const char *)src + a * esz, (size_t)(b - a) * esz);
            if (i < s->niv) a = s->iv[i][1];
        }
    }
    return 0;
}
