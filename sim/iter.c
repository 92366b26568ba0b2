/* iter.c -- a training step as SimGrid actors: host, GPU, all-reduce
 * stream, input pipeline. See iter.h; models/kstream.c is the plain-C
 * reference of the same timeline. */
#include "iter.h"
#include "progress.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* State shared by the actors of one iter_run. */
struct iter_state {
    const struct iter_model *m;
    const struct kstream *ks;
    struct collsim *cs;
    dt_err *e;
    int rc;
    int total;                /* iterations */
    sg_sem_t queued;          /* kernels issued, not yet started */
    sg_sem_t slots;           /* free places in the launch queue (queue > 0) */
    sg_sem_t kdone;           /* a sync kernel finished */
    sg_sem_t ready;           /* a bucket is ready for comm */
    sg_sem_t comm_done;       /* comm finished the last bucket of an iteration */
    sg_sem_t full, empty;     /* input buffer */
    sg_sem_t fin;             /* a helper actor has ended */
    double *input_wait;       /* [total] s the host waited for each batch */
    double ar_busy;           /* all-reduce seconds in measured iterations */
    struct collsim_stats st;  /* summed over measured iterations */
    double trace_t0;          /* start of the traced (last) step */
    double in_t0[8], in_t1[8];/* the input actor's last batches (ring) */
    double host_t0[3], host_t1[3]; /* the traced step's dispatch spans by pass */
    double host_sh0, host_sh1;     /* the traced step's step_host */
};

static void trace_add(struct iter_state *s, int it, int lane, const char *name, double t0, double t1, double bytes)
{
    struct iter_trace *tr = s->m->trace;
    if (!tr || it != s->total - 1 || tr->n >= ITER_MAX_EVENTS || !(t1 > t0)) return;
    struct iter_event *ev = &tr->ev[tr->n++];
    ev->lane = lane;
    snprintf(ev->name, sizeof ev->name, "%s", name);
    ev->t0_s = t0; /* absolute until iter_run shifts them */
    ev->t1_s = t1;
    ev->bytes = bytes;
}

static void comm_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    struct iter_state *s = sg_actor_self_get_data();
    int nb = s->ks->nbuckets, total = s->total;
    sg_sem_t fin = s->fin;
    for (int it = 0; it < total; it++) {
        for (int b = 0; b < nb; b++) {
            sg_sem_acquire(s->ready);
            if (s->rc) continue;
            struct coll_params p = s->m->coll;
            p.count = s->ks->bucket_count[b];
            if (it == 0) progress_unit(b, nb); /* later iterations reuse the first's patterns */
            double sec = 0, t0 = simgrid_get_clock();
            struct collsim_stats st;
            int rc = collsim_run(s->cs, &p, s->m->mode, &sec, &st, s->e);
            if (rc) { s->rc = rc; continue; }
            char name[32];
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
        if (it == 0) progress_unit(nb, nb);
        if (nb > 0) sg_sem_release(s->comm_done);
    }
    sg_sem_release(fin); /* last act: s may be gone after this */
}

static void input_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    struct iter_state *s = sg_actor_self_get_data();
    int total = s->total;
    sg_sem_t fin = s->fin;
    for (int it = 0; it < total; it++) {
        sg_sem_acquire(s->empty);
        double t0 = simgrid_get_clock();
        sg_actor_sleep_for(s->m->input_s);
        s->in_t0[it % 8] = t0;
        s->in_t1[it % 8] = simgrid_get_clock();
        sg_sem_release(s->full);
    }
    sg_sem_release(fin);
}

static void sleep_s(double t)
{
    if (t > 0) sg_actor_sleep_for(t);
}

static void host_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    struct iter_state *s = sg_actor_self_get_data();
    const struct kstream *ks = s->ks;
    int total = s->total, traced = s->m->trace != NULL;
    sg_sem_t fin = s->fin;
    for (int it = 0; it < total; it++) {
        int last = traced && it == total - 1;
        if (s->m->input_s > 0) {
            double t0 = simgrid_get_clock();
            sg_sem_acquire(s->full);
            sg_sem_release(s->empty);
            s->input_wait[it] = simgrid_get_clock() - t0;
        }
        if (last) s->host_sh0 = simgrid_get_clock();
        sleep_s(ks->step_host_s);
        if (last) s->host_sh1 = simgrid_get_clock();
        for (int k = 0; k < ks->n; k++) {
            const struct kstream_kernel *K = &ks->k[k];
            if (last && (k == 0 || K->pass != ks->k[k - 1].pass)) s->host_t0[K->pass] = simgrid_get_clock();
            sleep_s(K->host_s);
            if (ks->queue > 0) sg_sem_acquire(s->slots);
            sg_sem_release(s->queued);
            if (last) s->host_t1[K->pass] = simgrid_get_clock();
            if (K->sync) sg_sem_acquire(s->kdone);
        }
    }
    sg_sem_release(fin);
}

static int check(const struct iter_model *m, dt_err *e)
{
    if (!m->ks || m->ks->n == 0) return dt_errf(e, DT_EINVAL, "iteration: the step has no kernels");
    if (m->measured < 1 || m->warmup < 0) return dt_errf(e, DT_EINVAL, "iteration: need at least one measured step");
    if (m->input_s < 0 || (m->input_s > 0 && m->prefetch < 1))
        return dt_errf(e, DT_EINVAL, "iteration: input pipeline needs a prefetch depth of at least 1");
    if (m->ks->nbuckets > 0 && m->ks->first_opt >= m->ks->n)
        return dt_errf(e, DT_EINVAL, "iteration: no optimizer kernel to wait for the all-reduces");
    return 0;
}

static void start_actor(const char *name, struct iter_state *s, void (*code)(int, char **))
{
    sg_actor_t a = sg_actor_init(name, sg_actor_get_host(sg_actor_self()));
    sg_actor_set_data(a, s);
    sg_actor_start(a, code, 0, NULL);
}

/* The GPU's spans of the traced step: forward, backward by bucket, optimizer. */
struct gspan {
    double t0;
    int open;
    char name[32];
};

static void gspan_close(struct iter_state *s, int it, struct gspan *g, double t1)
{
    if (g->open) trace_add(s, it, ITER_LANE_COMPUTE, g->name, g->t0, t1, 0);
    g->open = 0;
}

int iter_run(struct collsim *cs, const struct iter_model *m, struct iter_result *r, dt_err *e)
{
    memset(r, 0, sizeof *r);
    int rc = check(m, e);
    if (rc) return rc;
    const struct kstream *ks = m->ks;
    struct iter_state s;
    memset(&s, 0, sizeof s);
    s.m = m;
    s.ks = ks;
    s.cs = cs;
    s.e = e;
    s.total = m->warmup + m->measured;
    s.input_wait = calloc((size_t)s.total, sizeof *s.input_wait);
    if (!s.input_wait) return dt_errf(e, DT_ENOMEM, "out of memory");
    s.queued = sg_sem_init(0);
    s.slots = sg_sem_init(ks->queue > 0 ? (unsigned)ks->queue : 1);
    s.kdone = sg_sem_init(0);
    s.ready = sg_sem_init(0);
    s.comm_done = sg_sem_init(0);
    s.full = sg_sem_init(0);
    s.empty = sg_sem_init(m->prefetch > 0 ? (unsigned)m->prefetch : 1);
    s.fin = sg_sem_init(0);
    int helpers = 2;
    start_actor("host", &s, host_main);
    start_actor("comm", &s, comm_main);
    if (m->input_s > 0) {
        start_actor("input", &s, input_main);
        helpers++;
    }
    if (m->trace) m->trace->n = 0;
    double g0 = simgrid_get_clock();
    for (int it = 0; it < s.total; it++) {
        int meas = it >= m->warmup, traced = m->trace && it == s.total - 1, b = 0;
        double busy[3] = {0, 0, 0}, idle = 0, exposed = 0;
        struct gspan span = {0, 0, ""};
        if (traced) s.trace_t0 = g0;
        for (int k = 0; k < ks->n; k++) {
            const struct kstream_kernel *K = &ks->k[k];
            double t0 = simgrid_get_clock();
            sg_sem_acquire(s.queued);
            double t1 = simgrid_get_clock();
            idle += t1 - t0;
            if (k == ks->first_opt && ks->nbuckets > 0) {
                sg_sem_acquire(s.comm_done);
                exposed += simgrid_get_clock() - t1;
            }
            if (traced && !span.open) {
                span.t0 = simgrid_get_clock();
                span.open = 1;
                if (K->pass == STACK_FWD) snprintf(span.name, sizeof span.name, "forward");
                else if (K->pass == STACK_OPT) snprintf(span.name, sizeof span.name, "optimizer");
                else if (b < ks->nbuckets) snprintf(span.name, sizeof span.name, "backward %d", b);
                else snprintf(span.name, sizeof span.name, "backward");
            }
            sleep_s(K->gpu_s);
            busy[K->pass] += K->gpu_s;
            double t2 = simgrid_get_clock();
            if (K->bucket >= 0) {
                b = K->bucket + 1;
                if (ks->overlap) sg_sem_release(s.ready);
                if (traced) gspan_close(&s, it, &span, t2);
            }
            if (k == ks->last_bwd && !ks->overlap)
                for (int j = 0; j < ks->nbuckets; j++) sg_sem_release(s.ready);
            if (traced && (k + 1 == ks->n || ks->k[k + 1].pass != K->pass)) gspan_close(&s, it, &span, t2);
            if (ks->queue > 0) sg_sem_release(s.slots);
            if (K->sync) sg_sem_release(s.kdone);
        }
        double g1 = simgrid_get_clock();
        if (meas) {
            double stall = s.input_wait[it] < idle ? s.input_wait[it] : idle;
            r->step_s += g1 - g0;
            r->forward_s += busy[STACK_FWD];
            r->backward_s += busy[STACK_BWD];
            r->optimizer_s += busy[STACK_OPT];
            r->exposed_comm_s += exposed;
            r->input_stall_s += stall;
            r->host_s += idle - stall;
        } else {
            r->warmup_s += g1 - g0;
        }
        g0 = g1;
    }
    for (int i = 0; i < helpers; i++) sg_sem_acquire(s.fin);
    if (m->trace) {
        static const char *const pass[3] = {"dispatch forward", "dispatch backward", "dispatch optimizer"};
        int it = s.total - 1;
        trace_add(&s, it, ITER_LANE_HOST, "step host", s.host_sh0, s.host_sh1, 0);
        for (int p = 0; p < 3; p++) trace_add(&s, it, ITER_LANE_HOST, pass[p], s.host_t0[p], s.host_t1[p], 0);
        if (m->input_s > 0) { /* input work that overlaps the traced step */
            double end = simgrid_get_clock();
            int lo = s.total > 8 ? s.total - 8 : 0;
            for (int k = lo; k < s.total; k++) {
                double a = s.in_t0[k % 8], bb = s.in_t1[k % 8];
                if (bb > s.trace_t0 && a < end)
                    trace_add(&s, it, ITER_LANE_INPUT, "read+decode", a > s.trace_t0 ? a : s.trace_t0, bb, 0);
            }
        }
        double t0 = s.trace_t0; /* the host may start the step before the GPU ends the last */
        for (int i = 0; i < m->trace->n; i++)
            if (m->trace->ev[i].t0_s < t0) t0 = m->trace->ev[i].t0_s;
        for (int i = 0; i < m->trace->n; i++) m->trace->ev[i].t0_s -= t0, m->trace->ev[i].t1_s -= t0;
    }
    double k = m->measured;
    r->step_s /= k;
    r->forward_s /= k;
    r->backward_s /= k;
    r->exposed_comm_s /= k;
    r->optimizer_s /= k;
    r->input_stall_s /= k;
    r->host_s /= k;
    r->allreduce_s = s.ar_busy / k;
    r->buckets = ks->nbuckets;
    r->first_bucket_bytes = ks->nbuckets ? (double)ks->bucket_count[0] * (double)coll_dtype_size(m->coll.dtype) : 0;
    r->coll = s.st;
    rc = s.rc;
    sg_sem_destroy(s.queued);
    sg_sem_destroy(s.slots);
    sg_sem_destroy(s.kdone);
    sg_sem_destroy(s.ready);
    sg_sem_destroy(s.comm_done);
    sg_sem_destroy(s.full);
    sg_sem_destroy(s.empty);
    sg_sem_destroy(s.fin);
    free(s.input_wait);
    return rc;
}
