#include "sched_exec.h"

#include "reduce.h"

#include <stdlib.h>
#include <string.h>

#define STREAM_MIN_BYTES (256 << 10)

/* What every callback needs about the running all-reduce. */
struct exec {
    struct sched *s;
    const char *src;
    char *dst;
    size_t esz;
    int dtype;
    int ncur;           /* ops in the current round */
};

/* One op of the current round. Receives that overlap nothing else in the
 * round are `streamed`: [off, off + applied) of dst is final already. */
struct sched_op_state {
    struct exec *x;
    int kind;
    int streamed;
    uint64_t off, end;  /* elements */
    uint64_t applied;   /* elements final in dst */
    char *tmp;          /* where the bytes land (scratch, or dst itself) */
};

/* An early send piece: elements [a, b) of dst. */
struct early {
    struct exec *x;
    uint64_t a, b;
};

void sched_init(struct sched *s)
{
    memset(s, 0, sizeof *s);
    s->policy = SCHED_EARLY_PEER;
}

int sched_early_parse(const char *name)
{
    static const char *const names[] = {"peer", "all", "none"};
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0) return i;
    return -1;
}

void sched_free(struct sched *s)
{
    free(s->scratch);
    free(s->x);
    free(s->written.iv);
    free(s->pred.iv);
    free(s->ops);
    free(s->early);
    memset(s, 0, sizeof *s);
}

/* --- element range sets ------------------------------------------------------ */

static int ivs_add(struct sched_ivset *v, uint64_t a, uint64_t b)
{
    if (a >= b) return 0;
    int i = 0;
    while (i < v->n && v->iv[i][1] < a) i++;
    int j = i;
    while (j < v->n && v->iv[j][0] <= b) {
        if (v->iv[j][0] < a) a = v->iv[j][0];
        if (v->iv[j][1] > b) b = v->iv[j][1];
        j++;
    }
    if (j == i) { /* insert at i */
        if (v->n == v->cap) {
            int cap = v->cap ? 2 * v->cap : 16;
            void *p = realloc(v->iv, sizeof *v->iv * (size_t)cap);
            if (!p) return -1;
            v->iv = p;
            v->cap = cap;
        }
        memmove(v->iv + i + 1, v->iv + i, sizeof *v->iv * (size_t)(v->n - i));
        v->n++;
    } else if (j > i + 1) { /* merge i..j-1 into i */
        memmove(v->iv + i + 1, v->iv + j, sizeof *v->iv * (size_t)(v->n - j));
        v->n -= j - i - 1;
    }
    v->iv[i][0] = a;
    v->iv[i][1] = b;
    return 0;
}

static int ivs_copy(struct sched_ivset *d, const struct sched_ivset *v)
{
    if (d->cap < v->n) {
        void *p = realloc(d->iv, sizeof *d->iv * (size_t)(v->n + 16));
        if (!p) return -1;
        d->iv = p;
        d->cap = v->n + 16;
    }
    if (v->n) memcpy(d->iv, v->iv, sizeof *v->iv * (size_t)v->n);
    d->n = v->n;
    return 0;
}

/* Split [a, b) by membership; f(ctx, piece, in_set). */
typedef int (*piece_fn)(void *ctx, uint64_t a, uint64_t b, int in);

static int ivs_walk(const struct sched_ivset *v, uint64_t a, uint64_t b, piece_fn f, void *ctx)
{
    for (int i = 0; i < v->n && a < b; i++) {
        if (v->iv[i][1] <= a) continue;
        if (v->iv[i][0] >= b) break;
        if (v->iv[i][0] > a) {
            int rc = f(ctx, a, v->iv[i][0], 0);
            if (rc) return rc;
            a = v->iv[i][0];
        }
        uint64_t end = v->iv[i][1] < b ? v->iv[i][1] : b;
        int rc = f(ctx, a, end, 1);
        if (rc) return rc;
        a = end;
    }
    return a < b ? f(ctx, a, b, 0) : 0;
}

/* --- transfers ------------------------------------------------------------------ */

static struct sched_xfer *push_xfer(struct sched *s)
{
    if (s->nx == s->xcap) {
        int cap = s->xcap ? 2 * s->xcap : 32;
        void *p = realloc(s->x, sizeof *s->x * (size_t)cap);
        if (!p) return NULL;
        s->x = p;
        s->xcap = cap;
    }
    struct sched_xfer *x = &s->x[s->nx++];
    memset(x, 0, sizeof *x);
    return x;
}

struct sendctx {
    struct exec *x;
    int peer, early;
};

/* A send piece reads dst where the data is (or will be, for an early send)
 * written, src elsewhere. */
static int send_piece(void *c, uint64_t a, uint64_t b, int in_dst)
{
    struct sendctx *sc = c;
    struct sched_xfer *t = push_xfer(sc->x->s);
    if (!t) return -1;
    const char *base = in_dst ? sc->x->dst : sc->x->src;
    t->peer = sc->peer;
    t->send = 1;
    t->early = sc->early;
    t->ptr = (void *)(base + a * sc->x->esz);
    t->bytes = (size_t)(b - a) * sc->x->esz;
    return 0;
}

static int plan_sends(struct exec *x, const struct coll_round *r, const struct sched_ivset *state, int early)
{
    struct sendctx sc = {x, 0, early};
    for (int i = 0; i < r->nops; i++) {
        const struct coll_op *o = &r->ops[i];
        if (o->kind != COLL_SEND || !o->count) continue;
        sc.peer = o->peer;
        if (ivs_walk(state, o->off, o->off + o->count, send_piece, &sc)) return -1;
        x->s->bytes_sent += o->count * x->esz;
    }
    return 0;
}

/* --- reductions -------------------------------------------------------------------- */

struct redctx {
    struct sched_op_state *q;
};

static int reduce_piece(void *c, uint64_t a, uint64_t b, int written)
{
    struct sched_op_state *q = ((struct redctx *)c)->q;
    struct exec *x = q->x;
    const char *t = q->tmp + (a - q->off) * x->esz;
    char *d = x->dst + a * x->esz;
    if (written)
        reduce_acc(x->dtype, d, t, (size_t)(b - a));
    else
        reduce_add(x->dtype, d, x->src + a * x->esz, t, (size_t)(b - a));
    return 0;
}

static void reduce_range(struct sched_op_state *q, uint64_t a, uint64_t b)
{
    struct redctx c = {q};
    ivs_walk(&q->x->s->written, a, b, reduce_piece, &c);
}

static void on_progress(void *arg, size_t done)
{
    struct sched_op_state *q = arg;
    uint64_t upto = q->off + done / q->x->esz;
    if (upto <= q->off + q->applied) return;
    if (q->kind == COLL_RECV_COPY) { /* landed in dst: final as it arrives */
        q->applied = upto - q->off;
        return;
    }
    if (upto < q->end && (upto - q->off - q->applied) * q->x->esz < STREAM_MIN_BYTES) return;
    reduce_range(q, q->off + q->applied, upto);
    q->applied = upto - q->off;
}

/* An early send the policy holds back: nothing final yet. */
static size_t not_ready(void *arg)
{
    (void)arg;
    return 0;
}

/* Leading bytes of an early send piece that are final now. */
static size_t early_ready(void *arg)
{
    const struct early *e = arg;
    const struct exec *x = e->x;
    uint64_t pos = e->a;
    while (pos < e->b) {
        const struct sched_op_state *in = NULL;
        uint64_t next = e->b;
        for (int i = 0; i < x->ncur; i++) {
            const struct sched_op_state *o = &x->s->ops[i];
            if (o->kind == COLL_SEND || o->end <= o->off) continue;
            if (o->off <= pos && pos < o->end) {
                in = o;
                break;
            }
            if (o->off > pos && o->off < next) next = o->off;
        }
        if (!in) {
            pos = next;
            continue;
        }
        uint64_t lim = in->streamed ? in->off + in->applied : in->off;
        if (lim <= pos) break;
        if (lim < in->end) {
            pos = lim;
            break;
        }
        pos = in->end;
    }
    if (pos > e->b) pos = e->b;
    return (size_t)(pos - e->a) * x->esz;
}

static int overlaps(const struct coll_op *o, const struct coll_op *q)
{
    return o->off < q->off + q->count && q->off < o->off + o->count;
}

/* --- the executor -------------------------------------------------------------------- */

static int check_round(const struct coll_params *p, int rank, const struct coll_round *r, dt_err *e)
{
    for (int i = 0; i < r->nops; i++) {
        const struct coll_op *o = &r->ops[i];
        if (o->off + o->count > p->count || o->peer < 0 || o->peer >= p->nranks || o->peer == rank ||
            o->kind > COLL_RECV_COPY)
            return dt_errf(e, DT_ESCHED, "%s: rank %d step %u: bad op (kind %d, peer %d, elements %llu+%llu of %llu)",
                           p->algo, rank, r->step, o->kind, o->peer, (unsigned long long)o->off,
                           (unsigned long long)o->count, (unsigned long long)p->count);
    }
    return 0;
}

int sched_allreduce(struct sched *s, const struct coll_params *p, int rank, const void *src, void *dst,
                    sched_round_fn round, void *ctx, dt_err *e)
{
    struct exec x = {.s = s, .src = src, .dst = dst, .esz = coll_dtype_size(p->dtype), .dtype = p->dtype};
    struct coll_iter it;
    struct coll_round rr[2], *cur = &rr[0], *nxt = &rr[1];
    int rc = coll_begin(&it, p, rank, e);
    if (rc) return rc;
    if (!s->ops && !(s->ops = calloc(COLL_MAX_OPS, sizeof *s->ops))) return dt_errf(e, DT_ENOMEM, "out of memory");
    s->written.n = 0;
    int oop = src != dst;
    if (!oop && ivs_add(&s->written, 0, p->count)) return dt_errf(e, DT_ENOMEM, "out of memory");
    s->nx = 0;
    rc = coll_next(&it, cur);
    if (rc == 1) {
        if (check_round(p, rank, cur, e)) return DT_ESCHED;
        if (plan_sends(&x, cur, &s->written, 0)) return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    while (rc == 1) {
        /* s->x[0..nx) holds this round's sends (partly sent early). */
        size_t need = 0, at[COLL_MAX_OPS];
        x.ncur = cur->nops;
        for (int i = 0; i < cur->nops; i++) {
            const struct coll_op *o = &cur->ops[i];
            struct sched_op_state *q = &s->ops[i];
            *q = (struct sched_op_state){.x = &x, .kind = o->kind, .off = o->off, .end = o->off + o->count};
            if (o->kind == COLL_SEND) continue;
            int alone = 1;
            for (int j = 0; j < cur->nops && alone; j++)
                if (j != i && overlaps(o, &cur->ops[j])) alone = 0;
            q->streamed = alone;
            if (alone && o->kind == COLL_RECV_COPY) {
                q->tmp = (char *)dst + o->off * x.esz;
                continue;
            }
            at[i] = need;
            need += o->count * x.esz;
        }
        if (need > s->scratch_bytes) { /* no transfer points into scratch now */
            void *q = realloc(s->scratch, need);
            if (!q) return dt_errf(e, DT_ENOMEM, "out of memory for %zu bytes of scratch", need);
            s->scratch = q;
            s->scratch_bytes = need;
        }
        for (int i = 0; i < cur->nops; i++) {
            const struct coll_op *o = &cur->ops[i];
            struct sched_op_state *q = &s->ops[i];
            if (o->kind == COLL_SEND || !o->count) continue;
            if (!q->tmp) q->tmp = (char *)s->scratch + at[i];
            struct sched_xfer *t = push_xfer(s);
            if (!t) return dt_errf(e, DT_ENOMEM, "out of memory");
            *t = (struct sched_xfer){.peer = o->peer, .ptr = q->tmp, .bytes = (size_t)o->count * x.esz};
            if (q->streamed) {
                t->progress = on_progress;
                t->arg = q;
            }
            s->bytes_recv += o->count * x.esz;
        }
        /* Look ahead: the next round's sends, to go as soon as final. */
        int first_early = s->nx;
        int have_next = coll_next(&it, nxt);
        if (have_next < 0) {
            rc = have_next;
            break;
        }
        if (have_next) {
            if (check_round(p, rank, nxt, e)) return DT_ESCHED;
            if (ivs_copy(&s->pred, &s->written)) return dt_errf(e, DT_ENOMEM, "out of memory");
            for (int i = 0; i < cur->nops; i++)
                if (cur->ops[i].kind != COLL_SEND &&
                    ivs_add(&s->pred, cur->ops[i].off, cur->ops[i].off + cur->ops[i].count))
                    return dt_errf(e, DT_ENOMEM, "out of memory");
            if (plan_sends(&x, nxt, &s->pred, 1)) return dt_errf(e, DT_ENOMEM, "out of memory");
            int ne = s->nx - first_early;
            if (ne > s->earlycap) {
                void *q = realloc(s->early, sizeof(struct early) * (size_t)ne);
                if (!q) return dt_errf(e, DT_ENOMEM, "out of memory");
                s->early = q;
                s->earlycap = ne;
            }
            struct early *ea = s->early;
            for (int k = 0; k < ne; k++) {
                struct sched_xfer *t = &s->x[first_early + k];
                if ((const char *)t->ptr < x.dst || (const char *)t->ptr >= x.dst + p->count * x.esz)
                    continue; /* reads src: final all along */
                uint64_t a = (uint64_t)((const char *)t->ptr - x.dst) / x.esz;
                ea[k] = (struct early){&x, a, a + t->bytes / x.esz};
                t->ready = early_ready;
                t->arg = &ea[k];
            }
            /* the policy (sched_exec.h): held sends wait for their round */
            for (int k = 0; k < ne && s->policy != SCHED_EARLY_ALL; k++) {
                struct sched_xfer *t = &s->x[first_early + k];
                int open = 0;
                for (int j = 0; j < first_early && !open && s->policy == SCHED_EARLY_PEER; j++)
                    open = s->x[j].send && s->x[j].peer == t->peer;
                if (!open) t->ready = not_ready;
            }
        }
        int rrc = round(ctx, cur, s->x, s->nx, e);
        if (rrc) return rrc;
        s->rounds++;
        for (int i = 0; i < cur->nops; i++) {
            const struct coll_op *o = &cur->ops[i];
            struct sched_op_state *q = &s->ops[i];
            if (o->kind == COLL_SEND || !o->count) continue;
            char *d = (char *)dst + o->off * x.esz;
            if (o->kind == COLL_RECV_COPY) {
                if (q->tmp != d) memcpy(d, q->tmp, (size_t)o->count * x.esz);
            } else {
                reduce_range(q, o->off + (q->streamed ? q->applied : 0), o->off + o->count);
            }
            if (ivs_add(&s->written, o->off, o->off + o->count)) return dt_errf(e, DT_ENOMEM, "out of memory");
        }
        x.ncur = 0;
        if (!have_next) break;
        /* The next round's sends move to the front, keeping what they sent. */
        int ne = s->nx - first_early;
        if (ne) memmove(s->x, s->x + first_early, sizeof *s->x * (size_t)ne);
        s->nx = ne;
        for (int k = 0; k < ne; k++) {
            s->x[k].early = 0;
            s->x[k].ready = NULL;
            s->x[k].arg = NULL;
        }
        struct coll_round *t = cur;
        cur = nxt;
        nxt = t;
    }
    if (rc < 0) return dt_errf(e, DT_ESCHED, "%s: schedule error at rank %d", p->algo, rank);
    /* Whatever no round wrote (1 rank, or an algorithm that leaves a block
     * untouched) is src's value. */
    const struct sched_ivset *w = &s->written;
    if (oop && (w->n != 1 || w->iv[0][0] != 0 || w->iv[0][1] != p->count)) {
        uint64_t a = 0;
        for (int i = 0; i <= w->n; i++) {
            uint64_t b = i < w->n ? w->iv[i][0] : p->count;
            if (b > a) memcpy((char *)dst + a * x.esz, (const char *)src + a * x.esz, (size_t)(b - a) * x.esz);
            if (i < w->n) a = w->iv[i][1];
        }
    }
    return 0;
}
