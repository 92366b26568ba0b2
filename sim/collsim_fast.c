/* collsim_fast.c -- fast mode: memoised step patterns run on a pool of
 * parked worker actors, with the exact fallback. See collsim.h. */
#include "collsim_int.h"
#include "progress.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fast mode: memoised windows of steps ----------------------------- */

/* A window being assembled: the rounds of `nsteps` consecutive steps, in
 * step order, then rank order. */
struct step {
    int n, cap, nsteps;
    int *rank;                /* [cap] rank of round i */
    struct coll_round *round; /* [cap] */
    int *order;               /* [cap] round indices grouped by rank (simulation) */
    int *cnt;                 /* [N + 1] per-rank counts, then offsets into order */
    uint64_t *sig;
    size_t sig_n, sig_cap;
    uint64_t msgs;            /* messages in the window */
    uint64_t rounds;          /* rounds in the window */
    uint64_t bytes;           /* bytes sent in the window */
    uint32_t rep;             /* lock-step: the step stands for a run of rep congruent steps */
};

/* The step generator: N iterators advanced in step order. */
struct stepgen {
    const struct coll_params *p;
    int N;
    struct coll_iter *it;
    struct coll_round *nx;
    int *has;
};

static void worker_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct worker *w = sg_actor_self_get_data();
    struct collsim *cs = w->cs;
    for (;;) {
        sg_sem_acquire(w->go);
        const struct step *s = w->win;
        if (s) {
            int k = 0;
            for (int j = w->first; j < w->last; j++) /* its rounds, in step order */
                k += collsim__round(cs, w->rank, &s->round[s->order[j]], cs->dsize);
            cs->sent += k; /* collsim__round yields: read cs->sent after */
        }
        if (--cs->pending == 0) sg_sem_release(cs->done);
        if (!s) return;
    }
}

static int worker_start(struct collsim *cs, int rank)
{
    if (!cs->worker) {
        cs->worker = calloc((size_t)cs->nhosts, sizeof *cs->worker);
        if (!cs->worker) return -1;
        cs->done = sg_sem_init(0);
    }
    struct worker *w = &cs->worker[rank];
    if (w->go) return 0;
    char name[32];
    snprintf(name, sizeof name, "w%d", rank);
    *w = (struct worker){cs, rank, sg_sem_init(0), NULL, 0, 0};
    sg_actor_t a = sg_actor_init(name, cs->host[rank]);
    sg_actor_set_data(a, w);
    sg_actor_start(a, worker_main, 0, NULL);
    cs->nworkers++;
    return 0;
}

/* Tell every worker to exit and wait until they have (from an actor). */
void collsim__workers_stop(struct collsim *cs)
{
    if (!cs->nworkers) return;
    cs->pending = cs->nworkers;
    for (int r = 0; r < cs->nhosts; r++)
        if (cs->worker[r].go) {
            cs->worker[r].win = NULL;
            sg_sem_release(cs->worker[r].go);
        }
    sg_sem_acquire(cs->done);
    for (int r = 0; r < cs->nhosts; r++)
        if (cs->worker[r].go) sg_sem_destroy(cs->worker[r].go), cs->worker[r].go = NULL;
    sg_sem_destroy(cs->done);
    cs->nworkers = 0;
}

static uint64_t mix64(uint64_t h, uint64_t w)
{
    h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 29);
}

static int sig_push(struct step *s, uint64_t w)
{
    if (s->sig_n == s->sig_cap) {
        size_t cap = s->sig_cap ? 2 * s->sig_cap : 1024;
        uint64_t *p = realloc(s->sig, cap * sizeof *p);
        if (!p) return -1;
        s->sig = p;
        s->sig_cap = cap;
    }
    s->sig[s->sig_n++] = w;
    return 0;
}

/* Signature of the assembled window (see collsim.h); returns its hash.
 * Step boundaries are marked by the round's step offset in the window. */
static int step_signature(const struct collsim *cs, struct step *s, size_t dsize, uint64_t *hash)
{
    uint64_t m = 0;
    for (int i = 0; i < s->n; i++)
        for (int k = 0; k < s->round[i].nops; k++)
            if (s->round[i].ops[k].count > m) m = s->round[i].ops[k].count;
    /* size quantum: 1/1024 of the largest message, at least 2 elements */
    uint64_t q = m / 1024 > 2 ? m / 1024 : 2;
    s->sig_n = 0;
    if (sig_push(s, m * dsize)) return -1;
    uint32_t step0 = s->n ? s->round[0].step : 0;
    for (int i = 0; i < s->n; i++) {
        const struct coll_round *r = &s->round[i];
        uint64_t small = (uint64_t)collsim__round_small(cs, r, dsize) << 7; /* the protocol sets its latency */
        if (sig_push(s, (uint64_t)(r->step - step0) << 40 | (uint64_t)s->rank[i] << 8 | small | r->nops)) return -1;
        for (int k = 0; k < r->nops; k++) {
            const struct coll_op *op = &r->ops[k];
            uint64_t rel = (m - op->count) / q;
            if (sig_push(s, (uint64_t)op->kind | (uint64_t)(uint32_t)op->peer << 2 | rel << 34)) return -1;
        }
    }
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (size_t i = 0; i < s->sig_n; i++) h = mix64(h, s->sig[i]);
    *hash = h ? h : 1;
    return 0;
}

/* Memo keyed by signature hash; `full` also compares the stored signature
 * (the counting pass keeps hashes only). */
static struct memo *memo_find(const struct collsim *cs, const struct memotab *t, const struct step *s, uint64_t h,
                              int full)
{
    if (!t->cap) return NULL;
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        struct memo *m = &t->memo[i];
        if (!m->hash) return NULL;
        if (m->hash == h && (!full || (m->len == s->sig_n &&
                                       !memcmp(cs->arena + m->off, s->sig, s->sig_n * sizeof *s->sig))))
            return m;
    }
}

static void memo_clear(struct collsim *cs, struct memotab *t)
{
    if (t->memo) memset(t->memo, 0, t->cap * sizeof *t->memo);
    t->n = 0;
    if (t == &cs->memo) cs->arena_n = 0;
}

/* Signatures kept at most (words); past it the memo starts afresh. */
#define MEMO_ARENA_MAX ((size_t)1 << 24)

static int memo_add(struct collsim *cs, struct memotab *t, const struct step *s, uint64_t h, int keep, double seconds)
{
    if (keep && cs->arena_n + s->sig_n > MEMO_ARENA_MAX) memo_clear(cs, t);
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        struct memo *nt = calloc(cap, sizeof *nt);
        if (!nt) return -1;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->memo[i].hash) continue;
            size_t j = t->memo[i].hash & (cap - 1);
            while (nt[j].hash) j = (j + 1) & (cap - 1);
            nt[j] = t->memo[i];
        }
        free(t->memo);
        t->memo = nt;
        t->cap = cap;
    }
    struct memo m = {h, 0, 0, seconds};
    if (keep) {
        if (cs->arena_n + s->sig_n > cs->arena_cap) {
            size_t cap = cs->arena_cap ? cs->arena_cap : 4096;
            while (cap < cs->arena_n + s->sig_n) cap *= 2;
            uint64_t *a = realloc(cs->arena, cap * sizeof *a);
            if (!a) return -1;
            cs->arena = a;
            cs->arena_cap = cap;
        }
        memcpy(cs->arena + cs->arena_n, s->sig, s->sig_n * sizeof *s->sig);
        m.off = cs->arena_n;
        m.len = s->sig_n;
        cs->arena_n += s->sig_n;
    }
    size_t j = h & (t->cap - 1);
    while (t->memo[j].hash) j = (j + 1) & (t->cap - 1);
    t->memo[j] = m;
    t->n++;
    return 0;
}

/* Simulate one window in full on the worker pool: every rank starts it at
 * the same time and runs its rounds as exact mode does. Returns its
 * duration (the time the last rank finishes). */
static double step_simulate(struct collsim *cs, struct step *s, int N, size_t dsize, int *sent)
{
    memset(s->cnt, 0, (size_t)(N + 1) * sizeof *s->cnt);
    for (int i = 0; i < s->n; i++) s->cnt[s->rank[i] + 1]++;
    for (int r = 0; r < N; r++) s->cnt[r + 1] += s->cnt[r];
    for (int i = 0; i < s->n; i++) s->order[s->cnt[s->rank[i]]++] = i; /* cnt[r] -> end of r */
    int nw = 0;
    for (int r = 0; r < N; r++) {
        int first = r ? s->cnt[r - 1] : 0;
        if (s->cnt[r] == first) continue;
        if (worker_start(cs, r)) return -1;
        cs->worker[r].first = first;
        cs->worker[r].last = s->cnt[r];
        nw++;
    }
    double t0 = simgrid_get_clock();
    cs->pending = nw;
    cs->sent = 0;
    cs->dsize = dsize;
    for (int r = 0; r < N; r++) {
        struct worker *w = &cs->worker[r];
        if (w->last == w->first) continue;
        w->win = s;
        sg_sem_release(w->go);
    }
    sg_sem_acquire(cs->done);
    for (int r = 0; r < N; r++) cs->worker[r].first = cs->worker[r].last = 0;
    *sent = cs->sent;
    return simgrid_get_clock() - t0;
}

static void stepgen_free(struct stepgen *g)
{
    free(g->it);
    free(g->nx);
    free(g->has);
    memset(g, 0, sizeof *g);
}

static int stepgen_begin(struct stepgen *g, const struct coll_params *p, dt_err *e)
{
    int N = p->nranks;
    g->p = p;
    g->N = N;
    g->it = malloc((size_t)N * sizeof *g->it);
    g->nx = malloc((size_t)N * sizeof *g->nx);
    g->has = malloc((size_t)N * sizeof *g->has);
    if (!g->it || !g->nx || !g->has) return dt_errf(e, DT_ENOMEM, "out of memory (%d ranks)", N);
    for (int r = 0; r < N; r++) {
        int rc = coll_begin(&g->it[r], p, r, e);
        if (rc) return rc;
        if ((g->has[r] = coll_next(&g->it[r], &g->nx[r])) < 0)
            return dt_errf(e, DT_ESCHED, "'%s': schedule error on rank %d", p->algo, r);
    }
    return 0;
}

/* Append the next step's rounds to s. 1: a step; 0: done; <0: error.
 * With `skip`, a step that opens a run of congruent steps (coll.h,
 * run_end) stands for the whole run: s->rep is its length, and every
 * iterator jumps past it. */
static int stepgen_next(struct stepgen *g, struct step *s, struct collsim_stats *st, size_t dsize, int skip,
                        dt_err *e)
{
    uint32_t step = UINT32_MAX;
    int any = 0;
    for (int r = 0; r < g->N; r++)
        if (g->has[r] && (!any || g->nx[r].step < step)) step = g->nx[r].step, any = 1;
    if (!any) return 0;
    uint64_t m0 = s->msgs, b0 = s->bytes, r0 = s->rounds;
    for (int r = 0; r < g->N; r++) {
        if (!g->has[r] || g->nx[r].step != step) continue;
        s->rank[s->n] = r;
        s->round[s->n++] = g->nx[r];
        for (int k = 0; k < g->nx[r].nops; k++)
            if (g->nx[r].ops[k].kind == COLL_SEND) s->msgs++, s->bytes += g->nx[r].ops[k].count * dsize;
        s->rounds++;
        if ((g->has[r] = coll_next(&g->it[r], &g->nx[r])) < 0)
            return dt_errf(e, DT_ESCHED, "'%s': schedule error on rank %d", g->p->algo, r);
        if (g->has[r] && g->nx[r].step <= step)
            return dt_errf(e, DT_ESCHED, "'%s': rank %d: step %u after step %u", g->p->algo, r, g->nx[r].step, step);
    }
    s->nsteps++;
    uint32_t rep = 1;
    if (skip) {
        uint32_t end = coll_run_end(&g->it[0], step);
        rep = end - step;
        for (int r = 0; rep > 1 && r < g->N; r++) {
            if (!g->has[r] || g->nx[r].step >= end) continue;
            coll_seek(&g->it[r], end);
            if ((g->has[r] = coll_next(&g->it[r], &g->nx[r])) < 0)
                return dt_errf(e, DT_ESCHED, "'%s': schedule error on rank %d", g->p->algo, r);
            if (g->has[r] && g->nx[r].step < end)
                return dt_errf(e, DT_ESCHED, "'%s': rank %d: step %u inside a skipped run", g->p->algo, r,
                               g->nx[r].step);
        }
    }
    s->rep = rep;
    if (st) {
        st->steps += rep;
        st->rounds += (s->rounds - r0) * rep;
        st->messages += (s->msgs - m0) * rep;
        st->bytes += (s->bytes - b0) * rep; /* the run's other steps: within two elements a message */
    }
    return 1;
}

/* Assemble the next window of up to W steps. 1: a window; 0: done. */
static int window_next(struct stepgen *g, struct step *s, int W, struct collsim_stats *st, size_t dsize, dt_err *e)
{
    s->n = s->nsteps = 0;
    s->msgs = s->bytes = s->rounds = 0;
    int rc = 0;
    while (s->nsteps < W && (rc = stepgen_next(g, s, st, dsize, W == 1, e)) == 1) {
    }
    if (rc < 0) return rc;
    return s->nsteps > 0;
}

int collsim__run_fast(struct collsim *cs, const struct coll_params *p, size_t dsize, struct collsim_stats *st,
                      int *use_exact, dt_err *e)
{
    int N = p->nranks, W = cs->o.window_steps > 0 ? cs->o.window_steps : COLLSIM_WINDOW, rc = 0;
    struct stepgen g = {0};
    struct step s = {0};
    s.cap = W * N;
    s.rank = malloc((size_t)s.cap * sizeof *s.rank);
    s.round = malloc((size_t)s.cap * sizeof *s.round);
    s.order = malloc((size_t)s.cap * sizeof *s.order);
    s.cnt = malloc((size_t)(N + 1) * sizeof *s.cnt);
    if (!s.rank || !s.round || !s.order || !s.cnt) goto nomem;
    /* Pass 1: count messages, and messages in first occurrences of each
     * window. Where reuse would not halve the SimGrid work, the exact run
     * costs about the same and is exact: take it. */
    uint64_t msgs = 0, distinct = 0, nwin = 0, done = 0;
    memo_clear(cs, &cs->seen);
    if ((rc = stepgen_begin(&g, p, e))) goto out;
    while ((rc = window_next(&g, &s, W, NULL, dsize, e)) == 1) {
        uint64_t h;
        if (step_signature(cs, &s, dsize, &h)) goto nomem;
        msgs += s.msgs * s.rep;
        if (memo_find(cs, &cs->memo, &s, h, 1) || memo_find(cs, &cs->seen, &s, h, 0)) continue;
        if (memo_add(cs, &cs->seen, &s, h, 0, 0)) goto nomem;
        distinct += s.msgs;
        nwin++;
    }
    stepgen_free(&g);
    if (rc < 0) goto out;
    rc = 0;
    if (2 * distinct > msgs && !cs->o.no_fallback) {
        *use_exact = 1;
        goto out;
    }
    /* Pass 2: simulate each distinct window once; a repeat costs a sleep. */
    double pending = 0; /* memoised time not yet slept */
    if ((rc = stepgen_begin(&g, p, e))) goto out;
    while ((rc = window_next(&g, &s, W, st, dsize, e)) == 1) {
        uint64_t h;
        if (step_signature(cs, &s, dsize, &h)) goto nomem;
        struct memo *m = memo_find(cs, &cs->memo, &s, h, 1);
        if (m) {
            pending += m->seconds * s.rep;
            continue;
        }
        if (pending > 0) sg_actor_sleep_for(pending);
        pending = 0;
        int sent = 0;
        double d = step_simulate(cs, &s, N, dsize, &sent);
        if (d < 0 || memo_add(cs, &cs->memo, &s, h, 1, d)) goto nomem;
        pending = d * (s.rep - 1); /* the rest of its run */
        st->steps_simulated += (uint64_t)s.nsteps;
        st->messages_simulated += (uint64_t)sent;
        progress_sub(nwin ? (double)++done / (double)nwin : 1);
    }
    if (rc < 0) goto out;
    rc = 0;
    if (pending > 0) sg_actor_sleep_for(pending);
    goto out;
nomem:
    rc = dt_errf(e, DT_ENOMEM, "out of memory (%d ranks, window of %d steps)", N, W);
out:
    stepgen_free(&g);
    free(s.rank);
    free(s.round);
    free(s.order);
    free(s.cnt);
    free(s.sig);
    return rc;
}
