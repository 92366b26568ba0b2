#include "iter.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int iter_buckets(const struct iter_model *m, uint64_t *counts, size_t max)
{
    size_t esz = coll_dtype_size(m->coll.dtype);
    int n = 0;
    double acc = 0;
    for (size_t k = m->nlayers; k-- > 0;) {
        acc += m->grad_bytes[k];
        if (acc > 0 && (acc >= m->bucket_bytes || k == 0)) {
            if (counts && (size_t)n < max) counts[n] = (uint64_t)(acc / (double)esz + 0.5);
            n++;
            acc = 0;
        }
    }
    return n;
}

/* State shared by the three actors of one iter_run. */
struct iter_state {
    const struct iter_model *m;
    struct collsim *cs;
    dt_err *e;
    int rc;
    int total;                /* iterations */
    int nb;                   /* buckets per iteration */
    uint64_t *counts;         /* elements per bucket */
    size_t *close_at;         /* layer index that closes bucket b */
    sg_sem_t ready;           /* a bucket is ready for comm */
    sg_sem_t done;            /* comm finished the last bucket of an iteration */
    sg_sem_t full, empty;     /* input buffer */
    double ar_busy;           /* all-reduce seconds in measured iterations */
    struct collsim_stats st;  /* summed over measured iterations */
    double trace_t0;          /* start of the traced (last) iteration */
    double in_t0[8], in_t1[8];/* the input actor's last batches (ring) */
};

static void trace_add(struct iter_state *s, int it, int lane, const char *name, double t0, double t1, double bytes)
{
    struct iter_trace *tr = s->m->trace;
    if (!tr || it != s->total - 1 || tr->n >= ITER_MAX_EVENTS) return;
    struct iter_event *ev = &tr->ev[tr->n++];
    ev->lane = lane;
    snprintf(ev->name, sizeof ev->name, "%s", name);
    ev->t0_s = t0 - s->trace_t0;
    ev->t1_s = t1 - s->trace_t0;
    ev->bytes = bytes;
}

static void comm_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    struct iter_state *s = sg_actor_self_get_data();
    for (int it = 0; it < s->total; it++) {
        for (int b = 0; b < s->nb; b++) {
            sg_sem_acquire(s->ready);
            if (s->rc) continue;
            struct coll_params p = s->m->coll;
            p.count = s->counts[b];
            double sec = 0, t0 = simgrid_get_clock();
            struct collsim_stats st;
            int rc = collsim_run(s->cs, &p, s->m->mode, &sec, &st, s->e);
            if (rc) { s->rc = rc; continue; }
            char name[24];
            snprintf(name, sizeof name, "all-reduce %d", b);
            trace_add(s, it, ITER_LANE_COMM, name, t0, simgrid_get_clock(),
                      (double)p.count * (double)coll_dtype_size(p.dtype));
            if (it >= s->m->warmup) {
                s->ar_busy += sec;
                s->st.messages += st.messages;
                s->st.bytes += st.bytes;
                s->st.rounds += st.rounds;
                s->st.steps += st.steps;
                s->st.steps_simulated += st.steps_simulated;
                s->st.messages_simulated += st.messages_simulated;
            }
        }
        sg_sem_release(s->done);
    }
}

static void input_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    struct iter_state *s = sg_actor_self_get_data();
    for (int it = 0; it < s->total; it++) {
        sg_sem_acquire(s->empty);
        double t0 = simgrid_get_clock();
        sg_actor_sleep_for(s->m->input_s);
        s->in_t0[it % 8] = t0;
        s->in_t1[it % 8] = simgrid_get_clock();
        sg_sem_release(s->full);
    }
}

static int check(const struct iter_model *m, dt_err *e)
{
    if (m->nlayers == 0) return dt_errf(e, DT_EINVAL, "iteration: the model has no layers");
    if (!(m->bucket_bytes > 0)) return dt_errf(e, DT_EINVAL, "iteration: bucket size must be positive");
    if (m->measured < 1 || m->warmup < 0) return dt_errf(e, DT_EINVAL, "iteration: need at least one measured step");
    if (m->input_s < 0 || (m->input_s > 0 && m->prefetch < 1))
        return dt_errf(e, DT_EINVAL, "iteration: input pipeline needs a prefetch depth of at least 1");
    return 0;
}

int iter_run(struct collsim *cs, const struct iter_model *m, struct iter_result *r, dt_err *e)
{
    memset(r, 0, sizeof *r);
    int rc = check(m, e);
    if (rc) return rc;
    struct iter_state s;
    memset(&s, 0, sizeof s);
    s.m = m;
    s.cs = cs;
    s.e = e;
    s.total = m->warmup + m->measured;
    s.nb = iter_buckets(m, NULL, 0);
    s.counts = calloc((size_t)s.nb + 1, sizeof *s.counts);
    s.close_at = calloc((size_t)s.nb + 1, sizeof *s.close_at);
    if (!s.counts || !s.close_at) {
        free(s.counts);
        free(s.close_at);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    iter_buckets(m, s.counts, (size_t)s.nb);
    { /* where each bucket closes: the same walk as iter_buckets */
        int b = 0;
        double acc = 0;
        for (size_t k = m->nlayers; k-- > 0;) {
            acc += m->grad_bytes[k];
            if (acc > 0 && (acc >= m->bucket_bytes || k == 0)) { s.close_at[b++] = k; acc = 0; }
        }
    }
    s.ready = sg_sem_init(0);
    s.done = sg_sem_init(0);
    s.full = sg_sem_init(0);
    s.empty = sg_sem_init(m->prefetch > 0 ? m->prefetch : 1);
    sg_host_t host = sg_actor_get_host(sg_actor_self());
    sg_actor_t comm = sg_actor_init("comm", host);
    sg_actor_set_data(comm, &s);
    sg_actor_start(comm, comm_main, 0, NULL);
    if (m->input_s > 0) {
        sg_actor_t in = sg_actor_init("input", host);
        sg_actor_set_data(in, &s);
        sg_actor_start(in, input_main, 0, NULL);
    }
    double fwd = 0;
    for (size_t k = 0; k < m->nlayers; k++) fwd += m->fwd_s[k];
    if (m->trace) m->trace->n = 0;
    for (int it = 0; it < s.total; it++) {
        int meas = it >= m->warmup;
        double t0 = simgrid_get_clock();
        if (it == s.total - 1) s.trace_t0 = t0;
        if (m->input_s > 0) {
            sg_sem_acquire(s.full);
            sg_sem_release(s.empty);
        }
        double t1 = simgrid_get_clock();
        sg_actor_sleep_for(fwd);
        double t2 = simgrid_get_clock();
        trace_add(&s, it, ITER_LANE_COMPUTE, "forward", t1, t2, 0);
        int b = 0;
        double pending = 0, seg0 = t2;
        for (size_t k = m->nlayers; k-- > 0;) {
            pending += m->bwd_s[k];
            if (b < s.nb && s.close_at[b] == k) {
                sg_actor_sleep_for(pending);
                pending = 0;
                char name[24];
                snprintf(name, sizeof name, "backward %d", b);
                trace_add(&s, it, ITER_LANE_COMPUTE, name, seg0, simgrid_get_clock(), 0);
                seg0 = simgrid_get_clock();
                sg_sem_release(s.ready);
                b++;
            }
        }
        sg_actor_sleep_for(pending);
        double t3 = simgrid_get_clock();
        if (t3 > seg0) trace_add(&s, it, ITER_LANE_COMPUTE, "backward", seg0, t3, 0);
        if (s.nb == 0) sg_sem_release(s.done); /* no gradients: nothing to wait for */
        sg_sem_acquire(s.done);
        double t4 = simgrid_get_clock();
        sg_actor_sleep_for(m->optimizer_s);
        double t5 = simgrid_get_clock();
        trace_add(&s, it, ITER_LANE_COMPUTE, "optimizer", t4, t5, 0);
        if (meas) {
            r->input_stall_s += t1 - t0;
            r->forward_s += t2 - t1;
            r->backward_s += t3 - t2;
            r->exposed_comm_s += t4 - t3;
            r->optimizer_s += t5 - t4;
            r->step_s += t5 - t0;
        }
    }
    if (m->trace && m->input_s > 0) { /* input work that overlaps the traced step */
        double end = simgrid_get_clock();
        int lo = s.total > 8 ? s.total - 8 : 0;
        for (int k = lo; k < s.total; k++) {
            double a = s.in_t0[k % 8], b = s.in_t1[k % 8];
            if (b > s.trace_t0 && a < end)
                trace_add(&s, s.total - 1, ITER_LANE_INPUT, "read+decode", a > s.trace_t0 ? a : s.trace_t0, b, 0);
        }
    }
    /* comm released `done` as its last act and ends without touching s
     * again; the input actor has produced exactly `total` batches and ended.
     * (No sg_actor_join: an actor that has already ended is freed.) */
    double k = m->measured;
    r->step_s /= k;
    r->forward_s /= k;
    r->backward_s /= k;
    r->exposed_comm_s /= k;
    r->optimizer_s /= k;
    r->input_stall_s /= k;
    r->allreduce_s = s.ar_busy / k;
    r->buckets = s.nb;
    r->first_bucket_bytes = s.nb ? (double)s.counts[0] * (double)coll_dtype_size(m->coll.dtype) : 0;
    r->coll = s.st;
    rc = s.rc;
    sg_sem_destroy(s.ready);
    sg_sem_destroy(s.done);
    sg_sem_destroy(s.full);
    sg_sem_destroy(s.empty);
    free(s.counts);
    free(s.close_at);
    return rc;
}
