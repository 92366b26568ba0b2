/* pipesim.c -- one training step of a model split by tensor, pipeline and
 * data parallelism, as SimGrid actors. See pipesim.h and docs/sim.md,
 * "Pipeline, tensor and data parallelism".
 *
 * Actors:
 *   driver        starts the others, waits for the stages, stops the flow workers
 *   stage s       the schedule of stage s of replica 0 (compute, TP, p2p sends)
 *   dp s          the DP reduction of stage s (buckets, beside the backward)
 *   flow workers  a pool; each carries one SimGrid flow at a time
 *                 (sg_host_sendto between any two hosts, so that an actor can
 *                 start many flows at once and wait for the group)
 */
#include "pipesim.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A set of flows started together. When the last one ends: *flag = 1 (if
 * any) and `done` is released once. */
struct fgroup {
    int pending;
    sg_sem_t done;
    unsigned char *flag;
};

struct fworker {
    struct pipesim *ps;
    sg_sem_t go;
    sg_host_t from, to;
    double bytes;
    struct fgroup *g;         /* NULL: exit */
    struct fworker *next;     /* free list */
};

struct memo {
    int kind;
    double bytes, seconds;
};

struct pstage {
    struct pipesim *ps;
    int s;
    sg_sem_t wake;            /* a point-to-point message arrived for this stage */
    sg_sem_t csem;            /* the stage actor's own collectives */
    sg_sem_t dsem;            /* the DP actor's own collectives */
    sg_sem_t bready;          /* a bucket (or the end) is queued */
    sg_sem_t dpdone;          /* the DP actor has finished */
    sg_host_t *tp_host;       /* [tp] replica 0's TP group */
    sg_host_t *dp_host;       /* [tp x dp]: ring t is dp_host[t*dp .. t*dp+dp-1] */
    int tp_inter, dp_inter;   /* a ring step crosses nodes */
    double *bucket;           /* queued bucket sizes, bytes per GPU */
    int nb, capb, closed;
    struct memo *memo;
    int nmemo, capmemo;
    double grad_total;        /* its chunks' gradient bytes */
    double dp_bytes;          /* sent by one GPU for DP */
    struct pipe_stage_stats st;
};

struct pipesim {
    const struct sim_cluster *c;
    const struct pipe_model *m;
    struct pipe_trace *tr;
    int tp, pp, dp, v, mb, nchunks;
    sg_host_t *host;          /* [nodes x gpus_per_node] by rank */
    struct pstage *stage;
    unsigned char *arr_f, *arr_b;   /* [nchunks x mb]: activation / input gradient arrived */
    struct fgroup *grp_f, *grp_b;   /* [nchunks x mb] */
    struct fworker *free;
    struct fworker **all;
    int nall, capall;
    sg_sem_t fin;
    double t0;                /* the clock when the step starts */
    double p2p_bytes;
    long long flows;
    int rc;
};

/* layout_rank()'s formula (models/layout.h), here so that this file needs
 * nothing of models/layout.c. */
static int prank(const struct layout *l, int t, int s, int d)
{
    if (l->place == LAYOUT_TP_DP_PP) return (s * l->dp + d) * l->tp + t;
    return (d * l->pp + s) * l->tp + t;
}

static void sleep_s(double t)
{
    if (t > 0) sg_actor_sleep_for(t);
}

static void trace_add(struct pipesim *ps, int stage, const char *name, double t0, double t1)
{
    struct pipe_trace *tr = ps->tr;
    if (!tr || tr->n >= tr->cap || !tr->ev || !(t1 > t0)) return;
    struct pipe_event *ev = &tr->ev[tr->n++];
    ev->stage = stage;
    snprintf(ev->name, sizeof ev->name, "%s", name);
    ev->t0_s = t0 - ps->t0;
    ev->t1_s = t1 - ps->t0;
}

/* ---- flows ---------------------------------------------------------------- */

static void fworker_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct fworker *w = sg_actor_self_get_data();
    for (;;) {
        sg_sem_acquire(w->go);
        struct fgroup *g = w->g;
        if (!g) return;
        sg_host_sendto(w->from, w->to, w->bytes);
        w->next = w->ps->free;
        w->ps->free = w;
        if (--g->pending == 0) {
            if (g->flag) *g->flag = 1;
            sg_sem_release(g->done);
        }
    }
}

static struct fworker *fworker_get(struct pipesim *ps)
{
    struct fworker *w = ps->free;
    if (w) {
        ps->free = w->next;
        return w;
    }
    if (ps->nall == ps->capall) {
        int cap = ps->capall ? 2 * ps->capall : 256;
        struct fworker **a = realloc(ps->all, (size_t)cap * sizeof *a);
        if (!a) return NULL;
        ps->all = a;
        ps->capall = cap;
    }
    w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->ps = ps;
    w->go = sg_sem_init(0);
    ps->all[ps->nall++] = w;
    char name[32];
    snprintf(name, sizeof name, "flow%d", ps->nall - 1);
    sg_actor_t a = sg_actor_init(name, ps->host[0]);
    sg_actor_set_data(a, w);
    sg_actor_start(a, fworker_main, 0, NULL);
    return w;
}

/* Start one flow of group g (g->pending already counts it). */
static void flow_start(struct pipesim *ps, struct fgroup *g, sg_host_t from, sg_host_t to, double bytes)
{
    struct fworker *w = fworker_get(ps);
    if (!w) { /* out of memory: the flow is lost, the run fails */
        ps->rc = DT_ENOMEM;
        if (--g->pending == 0) {
            if (g->flag) *g->flag = 1;
            sg_sem_release(g->done);
        }
        return;
    }
    ps->flows++;
    w->from = from;
    w->to = to;
    w->bytes = bytes;
    w->g = g;
    sg_sem_release(w->go);
}

/* One ring step: every member of each of `nr` rings of `n` sends
 * flow_bytes to the next; wait for all. */
static void ring_step(struct pipesim *ps, sg_sem_t sem, const sg_host_t *h, int nr, int n, double flow_bytes)
{
    struct fgroup g = {nr * n, sem, NULL};
    for (int r = 0; r < nr; r++)
        for (int i = 0; i < n; i++) flow_start(ps, &g, h[r * n + i], h[r * n + (i + 1) % n], flow_bytes);
    sg_sem_acquire(sem);
}

/* A ring collective of nsteps steps of flow_bytes per GPU; the first
 * `nsim` steps are simulated, the rest cost the last simulated one's time.
 * The library's call cost, step latency and bandwidth share as collsim
 * (models/commlib.h). Returns seconds. */
static double ring_coll(struct pipesim *ps, sg_sem_t sem, const sg_host_t *h, int nr, int n, int inter, int nsteps,
                        double flow_bytes, int nsim)
{
    if (n < 2 || nsteps < 1 || !(flow_bytes > 0)) return 0;
    double t0 = simgrid_get_clock(), last = 0;
    const struct commlib *lib = ps->m->lib;
    sleep_s(commlib_call_s(lib));
    double lat = lib ? commlib_round_lat_s(lib, inter, flow_bytes) : 0;
    double wire = flow_bytes / commlib_share(lib, flow_bytes); /* a protocol's share of the link rate */
    int k = nsteps < nsim ? nsteps : nsim;
    for (int i = 0; i < k; i++) {
        double a = simgrid_get_clock();
        sleep_s(lat);
        ring_step(ps, sem, h, nr, n, wire);
        last = simgrid_get_clock() - a;
    }
    sleep_s((double)(nsteps - k) * last);
    return simgrid_get_clock() - t0;
}

static int ring_inter(const struct pipesim *ps, const int *rk, int nr, int n)
{
    int G = ps->c->gpus_per_node;
    for (int r = 0; r < nr; r++)
        for (int i = 0; i < n; i++)
            if (rk[r * n + i] / G != rk[r * n + (i + 1) % n] / G) return 1;
    return 0;
}

/* ---- collectives of a stage ----------------------------------------------- */

static double memo_get(struct pstage *st, int kind, double bytes)
{
    for (int i = 0; i < st->nmemo; i++)
        if (st->memo[i].kind == kind && st->memo[i].bytes == bytes) return st->memo[i].seconds;
    return -1;
}

static void memo_put(struct pipesim *ps, struct pstage *st, int kind, double bytes, double seconds)
{
    if (st->nmemo == st->capmemo) {
        int cap = st->capmemo ? 2 * st->capmemo : 8;
        struct memo *t = realloc(st->memo, (size_t)cap * sizeof *t);
        if (!t) {
            ps->rc = DT_ENOMEM;
            return;
        }
        st->memo = t;
        st->capmemo = cap;
    }
    st->memo[st->nmemo++] = (struct memo){kind, bytes, seconds};
}

/* An op's collective on stage st, memoised per (kind, bytes). Seconds. */
static double stage_coll(struct pipesim *ps, struct pstage *st, int kind, double bytes)
{
    double t = memo_get(st, kind, bytes);
    if (t >= 0) {
        sleep_s(t);
        return t;
    }
    double t0 = simgrid_get_clock();
    if (kind == PIPE_DP_ALLGATHER)
        ring_coll(ps, st->csem, st->dp_host, ps->tp, ps->dp, st->dp_inter, ps->dp - 1, bytes / ps->dp, 2);
    else
        ring_coll(ps, st->csem, st->tp_host, 1, ps->tp, st->tp_inter,
                  kind == PIPE_TP_ALLREDUCE ? 2 * (ps->tp - 1) : ps->tp - 1, bytes / ps->tp, ps->tp * 2);
    t = simgrid_get_clock() - t0;
    memo_put(ps, st, kind, bytes, t);
    return t;
}

/* ---- the DP reduction of a stage ------------------------------------------ */

static void bucket_push(struct pipesim *ps, struct pstage *st, double bytes)
{
    if (ps->dp < 2 || !(bytes > 0)) return;
    if (st->nb == st->capb) {
        int cap = st->capb ? 2 * st->capb : 64;
        double *b = realloc(st->bucket, (size_t)cap * sizeof *b);
        if (!b) {
            ps->rc = DT_ENOMEM;
            return;
        }
        st->bucket = b;
        st->capb = cap;
    }
    st->bucket[st->nb++] = bytes;
    sg_sem_release(st->bready);
}

static void dp_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct pstage *st = sg_actor_self_get_data();
    struct pipesim *ps = st->ps;
    int D = ps->dp, rs = ps->m->l.zero >= 2, next = 0;
    for (;;) {
        sg_sem_acquire(st->bready);
        if (next < st->nb) {
            double b = st->bucket[next], t0 = simgrid_get_clock();
            ring_coll(ps, st->dsem, st->dp_host, ps->tp, D, st->dp_inter, rs ? D - 1 : 2 * (D - 1), b / D, 2);
            double t1 = simgrid_get_clock();
            st->st.dp_busy_s += t1 - t0;
            st->dp_bytes += (rs ? 1.0 : 2.0) * (D - 1) / D * b;
            char name[24];
            snprintf(name, sizeof name, "DP %d", next);
            trace_add(ps, st->s, name, t0, t1);
            next++;
        } else if (st->closed) {
            break;
        }
    }
    sg_sem_release(st->dpdone);
}

/* ---- a stage --------------------------------------------------------------- */

struct pass {
    int fwd, c, j;            /* forward?, global chunk, microbatch */
};

/* The schedule of stage s: 2 m v passes (pipesim.h). */
static int schedule(const struct pipesim *ps, int s, struct pass *out)
{
    int P = ps->pp, v = ps->v, m = ps->mb, n = 0;
    if (ps->m->l.sched == EXP_SCHED_GPIPE) {
        for (int i = 0; i < v; i++)
            for (int j = 0; j < m; j++) out[n++] = (struct pass){1, i * P + s, j};
        for (int i = v - 1; i >= 0; i--)
            for (int j = 0; j < m; j++) out[n++] = (struct pass){0, i * P + s, j};
        return n;
    }
    if (ps->m->l.sched == EXP_SCHED_1F1B) {
        int w = P - s - 1 < m ? P - s - 1 : m;
        for (int j = 0; j < w; j++) out[n++] = (struct pass){1, s, j};
        for (int j = 0; j < m - w; j++) {
            out[n++] = (struct pass){1, s, w + j};
            out[n++] = (struct pass){0, s, j};
        }
        for (int j = m - w; j < m; j++) out[n++] = (struct pass){0, s, j};
        return n;
    }
    /* Megatron-LM's interleaved 1F1B (schedules.py,
     * forward_backward_pipelining_with_interleaving): virtual microbatch k
     * of m v; its chunk (k mod P v) / P, reversed for the backward; its
     * microbatch (k / (P v)) P + k mod P. */
    int total = m * v, warm;
    if (m == P) warm = total;
    else {
        warm = (P - s - 1) * 2 + (v - 1) * P;
        if (warm > total) warm = total;
    }
#define VF(k) (struct pass){1, (((k) % (P * v)) / P) * P + s, ((k) / (P * v)) * P + (k) % P}
#define VB(k) (struct pass){0, (v - 1 - ((k) % (P * v)) / P) * P + s, ((k) / (P * v)) * P + (k) % P}
    for (int k = 0; k < warm; k++) out[n++] = VF(k);
    for (int k = 0; k < total - warm; k++) {
        out[n++] = VF(warm + k);
        out[n++] = VB(k);
    }
    for (int k = total - warm; k < total; k++) out[n++] = VB(k);
#undef VF
#undef VB
    return n;
}

/* Send a pass's output to the chunk `to` (activation or input gradient). */
static void p2p_send(struct pipesim *ps, int from_c, int to_c, int j, int fwd)
{
    int sf = from_c % ps->pp, sd = to_c % ps->pp;
    struct pstage *dst = &ps->stage[sd];
    unsigned char *flag = (fwd ? ps->arr_f : ps->arr_b) + (size_t)to_c * ps->mb + j;
    struct fgroup *g = (fwd ? ps->grp_f : ps->grp_b) + (size_t)to_c * ps->mb + j;
    double per = ps->m->act_bytes / ps->tp;
    if (sf == sd || !(per > 0)) {
        *flag = 1;
        sg_sem_release(dst->wake);
        return;
    }
    *g = (struct fgroup){ps->tp, dst->wake, flag};
    ps->p2p_bytes += ps->m->act_bytes;
    for (int t = 0; t < ps->tp; t++) flow_start(ps, g, ps->stage[sf].tp_host[t], ps->stage[sd].tp_host[t], per);
}

static void wait_flag(struct pstage *st, const unsigned char *flag)
{
    while (!*flag) sg_sem_acquire(st->wake);
}

static double compute_s(const struct pipe_op *op, int n)
{
    double t = 0;
    for (int i = 0; i < n; i++)
        if (op[i].kind == PIPE_COMPUTE) t += op[i].seconds;
    return t;
}

/* Run a pass's ops. With `grads` (the chunk's last backward), after each
 * compute op its share of the gradients is ready for the DP reduction. */
static void run_ops(struct pipesim *ps, struct pstage *st, const struct pipe_op *op, int n,
                    const struct pipe_chunk *grads)
{
    double tb = grads ? compute_s(op, n) : 0, done = 0, pushed = 0;
    double gb = grads ? grads->grad_bytes : 0, bucket = ps->m->bucket_bytes;
    for (int i = 0; i < n; i++) {
        if (op[i].kind == PIPE_COMPUTE) {
            sleep_s(op[i].seconds);
            st->st.compute_s += op[i].seconds;
            if (grads && tb > 0) {
                done += op[i].seconds;
                double ready = gb * done / tb - pushed;
                if (ready >= bucket * (1 - 1e-9) && i + 1 < n) {
                    bucket_push(ps, st, ready);
                    pushed += ready;
                }
            }
        } else if (op[i].kind == PIPE_DP_ALLGATHER) {
            st->st.dp_exposed_s += stage_coll(ps, st, op[i].kind, op[i].bytes);
            st->dp_bytes += ps->dp > 1 ? (double)(ps->dp - 1) / ps->dp * op[i].bytes : 0;
        } else {
            st->st.tp_s += stage_coll(ps, st, op[i].kind, op[i].bytes);
        }
    }
    if (grads && gb - pushed > 0) bucket_push(ps, st, gb - pushed);
}

static void stage_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct pstage *st = sg_actor_self_get_data();
    struct pipesim *ps = st->ps;
    int s = st->s, n = 2 * ps->mb * ps->v, last_c = ps->nchunks - 1;
    struct pass *pl = malloc((size_t)n * sizeof *pl);
    int *nbwd = calloc((size_t)ps->v, sizeof *nbwd);
    if (!pl || !nbwd) {
        ps->rc = DT_ENOMEM;
        free(pl);
        free(nbwd);
        st->closed = 1;
        if (ps->dp > 1) sg_sem_release(st->bready), sg_sem_acquire(st->dpdone);
        sg_sem_release(ps->fin);
        return;
    }
    n = schedule(ps, s, pl);
    for (int k = 0; k < n; k++) {
        const struct pass *p = &pl[k];
        const struct pipe_chunk *ch = &ps->m->chunks[p->c];
        size_t at = (size_t)p->c * ps->mb + p->j;
        if (p->fwd && p->c > 0) wait_flag(st, &ps->arr_f[at]);
        if (!p->fwd && p->c < last_c) wait_flag(st, &ps->arr_b[at]);
        double t0 = simgrid_get_clock();
        if (p->fwd) {
            run_ops(ps, st, ch->fwd, ch->nfwd, NULL);
            if (p->c < last_c) p2p_send(ps, p->c, p->c + 1, p->j, 1);
        } else {
            int last = ++nbwd[p->c / ps->pp] == ps->mb;
            run_ops(ps, st, ch->bwd, ch->nbwd, last ? ch : NULL);
            if (p->c > 0) p2p_send(ps, p->c, p->c - 1, p->j, 0);
        }
        if (ps->tr) {
            char name[24];
            if (ps->v > 1) snprintf(name, sizeof name, "%c %d.c%d", p->fwd ? 'F' : 'B', p->j, p->c / ps->pp);
            else snprintf(name, sizeof name, "%c %d", p->fwd ? 'F' : 'B', p->j);
            trace_add(ps, s, name, t0, simgrid_get_clock());
        }
    }
    free(pl);
    free(nbwd);
    double t1 = simgrid_get_clock();
    if (ps->dp > 1) {
        st->closed = 1;
        sg_sem_release(st->bready);
        sg_sem_acquire(st->dpdone);
    }
    double t2 = simgrid_get_clock();
    st->st.dp_exposed_s += t2 - t1;
    sleep_s(ps->m->optimizer_s);
    if (ps->m->l.zero >= 1 && ps->dp > 1) {
        int D = ps->dp;
        ring_coll(ps, st->csem, st->dp_host, ps->tp, D, st->dp_inter, D - 1, st->grad_total / D, 2);
        st->dp_bytes += (double)(D - 1) / D * st->grad_total;
    }
    double t3 = simgrid_get_clock();
    st->st.optimizer_s = t3 - t2;
    trace_add(ps, s, "optimizer", t2, t3);
    st->st.end_s = t3 - ps->t0;
    sg_sem_release(ps->fin);
}

/* ---- driver ---------------------------------------------------------------- */

static void driver_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct pipesim *ps = sg_actor_self_get_data();
    char name[32];
    for (int s = 0; s < ps->pp; s++) {
        struct pstage *st = &ps->stage[s];
        sg_host_t h = st->tp_host[0];
        snprintf(name, sizeof name, "stage%d", s);
        sg_actor_t a = sg_actor_init(name, h);
        sg_actor_set_data(a, st);
        sg_actor_start(a, stage_main, 0, NULL);
        if (ps->dp > 1) {
            snprintf(name, sizeof name, "dp%d", s);
            a = sg_actor_init(name, h);
            sg_actor_set_data(a, st);
            sg_actor_start(a, dp_main, 0, NULL);
        }
    }
    for (int s = 0; s < ps->pp; s++) sg_sem_acquire(ps->fin);
    for (int i = 0; i < ps->nall; i++) {
        ps->all[i]->g = NULL;
        sg_sem_release(ps->all[i]->go);
    }
}

/* ---- checks, setup, results ------------------------------------------------ */

static int check_ops(const struct pipe_op *op, int n, int c, const char *what, dt_err *e)
{
    if (n < 0 || (n > 0 && !op)) return dt_errf(e, DT_EINVAL, "pipeline: chunk %d: %s op list missing", c, what);
    for (int i = 0; i < n; i++) {
        if (op[i].kind < PIPE_COMPUTE || op[i].kind > PIPE_DP_ALLGATHER)
            return dt_errf(e, DT_EINVAL, "pipeline: chunk %d: %s op %d: unknown kind %d", c, what, i, op[i].kind);
        if (!(op[i].seconds >= 0) || !isfinite(op[i].seconds) || !(op[i].bytes >= 0) || !isfinite(op[i].bytes))
            return dt_errf(e, DT_EINVAL, "pipeline: chunk %d: %s op %d: negative or non-finite seconds or bytes", c,
                           what, i);
    }
    return 0;
}

static int check(const struct sim_cluster *c, const struct pipe_model *m, dt_err *e)
{
    const struct layout *l = &m->l;
    if (l->tp < 1 || l->pp < 1 || l->dp < 1 || l->vstages < 1 || l->microbatches < 1)
        return dt_errf(e, DT_EINVAL, "pipeline: tensor %d, pipeline %d, data %d, virtual stages %d, microbatches %d: "
                       "each must be at least 1", l->tp, l->pp, l->dp, l->vstages, l->microbatches);
    if (l->sched != EXP_SCHED_GPIPE && l->sched != EXP_SCHED_1F1B && l->sched != EXP_SCHED_INTERLEAVED)
        return dt_errf(e, DT_EINVAL, "pipeline: unknown schedule %d", (int)l->sched);
    if (l->sched != EXP_SCHED_INTERLEAVED && l->vstages != 1)
        return dt_errf(e, DT_EINVAL, "pipeline: %d virtual stages need the interleaved schedule",
                       l->vstages);
    if (l->sched == EXP_SCHED_INTERLEAVED && l->microbatches % l->pp != 0)
        return dt_errf(e, DT_EINVAL, "pipeline: interleaved schedule needs microbatches (%d) a multiple of pipeline (%d)",
                       l->microbatches, l->pp);
    if (l->zero < 0 || l->zero > 3) return dt_errf(e, DT_EINVAL, "pipeline: zero %d, expected 0..3", l->zero);
    long long n = (long long)l->tp * l->pp * l->dp, have = (long long)c->nodes * c->gpus_per_node;
    if (n > have)
        return dt_errf(e, DT_EINVAL, "pipeline: tensor %d x pipeline %d x data %d = %lld GPUs, the platform has %lld",
                       l->tp, l->pp, l->dp, n, have);
    if (!m->chunks) return dt_errf(e, DT_EINVAL, "pipeline: no model chunks");
    for (int i = 0; i < l->pp * l->vstages; i++) {
        const struct pipe_chunk *ch = &m->chunks[i];
        int rc = check_ops(ch->fwd, ch->nfwd, i, "forward", e);
        if (!rc) rc = check_ops(ch->bwd, ch->nbwd, i, "backward", e);
        if (rc) return rc;
        if (!(ch->grad_bytes >= 0) || !isfinite(ch->grad_bytes))
            return dt_errf(e, DT_EINVAL, "pipeline: chunk %d: gradient bytes %g", i, ch->grad_bytes);
    }
    if (!(m->act_bytes >= 0) || !isfinite(m->act_bytes))
        return dt_errf(e, DT_EINVAL, "pipeline: activation bytes %g, expected >= 0", m->act_bytes);
    if (!(m->bucket_bytes >= 1) || !isfinite(m->bucket_bytes))
        return dt_errf(e, DT_EINVAL, "pipeline: bucket bytes %g, expected >= 1", m->bucket_bytes);
    if (!(m->optimizer_s >= 0) || !isfinite(m->optimizer_s))
        return dt_errf(e, DT_EINVAL, "pipeline: optimizer seconds %g, expected >= 0", m->optimizer_s);
    if (m->lib) return commlib_check(m->lib, e);
    return 0;
}

static void ps_free(struct pipesim *ps)
{
    for (int i = 0; i < ps->nall; i++) {
        sg_sem_destroy(ps->all[i]->go);
        free(ps->all[i]);
    }
    free(ps->all);
    if (ps->stage)
        for (int s = 0; s < ps->pp; s++) {
            struct pstage *st = &ps->stage[s];
            if (st->wake) {
                sg_sem_destroy(st->wake);
                sg_sem_destroy(st->csem);
                sg_sem_destroy(st->dsem);
                sg_sem_destroy(st->bready);
                sg_sem_destroy(st->dpdone);
            }
            free(st->tp_host);
            free(st->dp_host);
            free(st->bucket);
            free(st->memo);
        }
    free(ps->stage);
    free(ps->host);
    free(ps->arr_f);
    free(ps->arr_b);
    free(ps->grp_f);
    free(ps->grp_b);
    if (ps->fin) sg_sem_destroy(ps->fin);
}

int pipesim_run(const struct sim_cluster *c, const struct pipe_model *m, struct pipe_result *r,
                struct pipe_trace *tr, dt_err *e)
{
    memset(r, 0, sizeof *r);
    int rc = platform_check(c, e);
    if (rc) return rc;
    if ((rc = check(c, m, e))) return rc;
    const struct layout *l = &m->l;
    struct pipesim ps;
    memset(&ps, 0, sizeof ps);
    ps.c = c;
    ps.m = m;
    ps.tr = tr && tr->cap > 0 ? tr : NULL;
    if (tr) tr->n = 0;
    ps.tp = l->tp;
    ps.pp = l->pp;
    ps.dp = l->dp;
    ps.v = l->vstages;
    ps.mb = l->microbatches;
    ps.nchunks = l->pp * l->vstages;
    int N = c->nodes * c->gpus_per_node;
    size_t na = (size_t)ps.nchunks * (size_t)ps.mb;
    ps.host = calloc((size_t)N, sizeof *ps.host);
    ps.stage = calloc((size_t)ps.pp, sizeof *ps.stage);
    ps.arr_f = calloc(na, 1);
    ps.arr_b = calloc(na, 1);
    ps.grp_f = calloc(na, sizeof *ps.grp_f);
    ps.grp_b = calloc(na, sizeof *ps.grp_b);
    r->stage = calloc((size_t)ps.pp, sizeof *r->stage);
    if (!ps.host || !ps.stage || !ps.arr_f || !ps.arr_b || !ps.grp_f || !ps.grp_b || !r->stage) goto nomem;
    /* rank -> host in one pass over the host list (as collsim_create) */
    size_t nh = sg_host_count();
    sg_host_t *all = sg_host_list();
    for (size_t i = 0; all && i < nh; i++) {
        const char *nm = sg_host_get_name(all[i]);
        char *end;
        long k = nm[0] == 'g' ? strtol(nm + 1, &end, 10) : -1;
        if (k >= 0 && k < N && *end == '\0' && end > nm + 1) ps.host[k] = all[i];
    }
    free(all);
    int nused = l->tp * l->pp * l->dp;
    for (int k = 0; k < nused; k++)
        if (!ps.host[k]) {
            char name[32];
            rc = dt_errf(e, DT_ENOENT, "host '%s' not in the loaded platform", platform_host_name(k, name, sizeof name));
            goto out;
        }
    int *rk = malloc((size_t)l->tp * l->dp * sizeof *rk);
    if (!rk) goto nomem;
    for (int s = 0; s < ps.pp; s++) {
        struct pstage *st = &ps.stage[s];
        st->ps = &ps;
        st->s = s;
        st->tp_host = malloc((size_t)l->tp * sizeof *st->tp_host);
        st->dp_host = malloc((size_t)l->tp * l->dp * sizeof *st->dp_host);
        if (!st->tp_host || !st->dp_host) {
            free(rk);
            goto nomem;
        }
        for (int t = 0; t < l->tp; t++) rk[t] = prank(l, t, s, 0);
        for (int t = 0; t < l->tp; t++) st->tp_host[t] = ps.host[rk[t]];
        st->tp_inter = ring_inter(&ps, rk, 1, l->tp);
        for (int t = 0; t < l->tp; t++)
            for (int d = 0; d < l->dp; d++) rk[t * l->dp + d] = prank(l, t, s, d);
        for (int i = 0; i < l->tp * l->dp; i++) st->dp_host[i] = ps.host[rk[i]];
        st->dp_inter = ring_inter(&ps, rk, l->tp, l->dp);
        for (int i = 0; i < ps.v; i++) st->grad_total += m->chunks[i * ps.pp + s].grad_bytes;
        st->wake = sg_sem_init(0);
        st->csem = sg_sem_init(0);
        st->dsem = sg_sem_init(0);
        st->bready = sg_sem_init(0);
        st->dpdone = sg_sem_init(0);
    }
    free(rk);
    ps.fin = sg_sem_init(0);
    ps.t0 = simgrid_get_clock();
    sg_actor_t a = sg_actor_init("pipeline", ps.host[0]);
    sg_actor_set_data(a, &ps);
    sg_actor_start(a, driver_main, 0, NULL);
    simgrid_run();
    if (ps.rc) {
        rc = dt_errf(e, ps.rc, "pipeline: out of memory during the simulation");
        goto out;
    }
    r->nstages = ps.pp;
    r->critical = 0;
    for (int s = 0; s < ps.pp; s++) {
        struct pipe_stage_stats *q = &r->stage[s];
        *q = ps.stage[s].st;
        q->bubble_s = q->end_s - q->compute_s - q->tp_s - q->dp_exposed_s - q->optimizer_s;
        if (q->bubble_s < 0) q->bubble_s = 0;
        if (q->end_s > r->stage[r->critical].end_s) r->critical = s;
        if (ps.stage[s].dp_bytes > r->dp_bytes) r->dp_bytes = ps.stage[s].dp_bytes;
    }
    const struct pipe_stage_stats *q = &r->stage[r->critical];
    r->step_s = q->end_s;
    r->compute_s = q->compute_s;
    r->tp_s = q->tp_s;
    r->dp_exposed_s = q->dp_exposed_s;
    r->optimizer_s = q->optimizer_s;
    r->bubble_s = q->bubble_s;
    r->dp_busy_s = q->dp_busy_s;
    r->p2p_bytes = ps.p2p_bytes;
    r->flows = ps.flows;
    rc = 0;
    goto out;
nomem:
    rc = dt_errf(e, DT_ENOMEM, "pipeline: out of memory");
out:
    ps_free(&ps);
    if (rc) pipe_result_free(r);
    return rc;
}

void pipe_result_free(struct pipe_result *r)
{
    if (!r) return;
    free(r->stage);
    r->stage = NULL;
    r->nstages = 0;
}

double pipe_bubble_fraction(int p, int m)
{
    if (p < 1 || m < 1) return 0;
    return (double)(p - 1) / (double)(m + p - 1);
}
