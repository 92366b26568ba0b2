/* collsim.c -- collective schedules as SimGrid communications. See collsim.h. */
#include "collsim_int.h"

#include <simgrid/actor.h>
#include <simgrid/barrier.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>
#include <simgrid/semaphore.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char token; /* payload of every message: sizes are simulated, data is not */

int collsim_create(struct collsim **out, const struct sim_cluster *c, const struct collsim_opts *o, dt_err *e)
{
    *out = NULL;
    int rc = platform_check(c, e);
    if (rc) return rc;
    if (!(o->reduce_elems_per_s >= 0)) return dt_errf(e, DT_EINVAL, "reduce rate %g, expected >= 0", o->reduce_elems_per_s);
    if (o->lib && (rc = commlib_check(o->lib, e))) return rc;
    struct collsim *cs = calloc(1, sizeof *cs);
    if (!cs) return dt_errf(e, DT_ENOMEM, "out of memory");
    cs->o = *o;
    cs->nhosts = c->nodes * c->gpus_per_node;
    cs->gpus_per_node = c->gpus_per_node;
    cs->host = calloc((size_t)cs->nhosts, sizeof *cs->host);
    if (!cs->host) {
        free(cs);
        return dt_errf(e, DT_ENOMEM, "out of memory");
    }
    /* One pass over the host list: SimGrid looks a name up zone by zone,
     * which costs a leaf-zone walk per rank at 100,000 ranks. */
    size_t nh = sg_host_count();
    sg_host_t *all = sg_host_list();
    for (size_t i = 0; all && i < nh; i++) {
        const char *nm = sg_host_get_name(all[i]);
        char *end;
        long r = nm[0] == 'g' ? strtol(nm + 1, &end, 10) : -1;
        if (r >= 0 && r < cs->nhosts && *end == '\0' && end > nm + 1) cs->host[r] = all[i];
    }
    free(all);
    for (int r = 0; r < cs->nhosts; r++)
        if (!cs->host[r]) {
            char name[32];
            collsim_free(cs);
            return dt_errf(e, DT_ENOENT, "host '%s' not in the loaded platform", platform_host_name(r, name, sizeof name));
        }
    *out = cs;
    return 0;
}

void collsim_free(struct collsim *cs)
{
    if (!cs) return;
    collsim__workers_stop(cs);
    free(cs->worker);
    free(cs->host);
    free(cs->memo.memo);
    free(cs->seen.memo);
    free(cs->arena);
    free(cs->mbox);
    free(cs);
}

/* ---- one round on one rank (both modes) ---------------------------------- */

static struct mbox *mbox_slot(struct collsim *cs, uint64_t key)
{
    size_t j = (key * 0x9e3779b97f4a7c15ULL >> 20) & (cs->mbox_cap - 1);
    while (cs->mbox[j].key && cs->mbox[j].key != key) j = (j + 1) & (cs->mbox_cap - 1);
    return &cs->mbox[j];
}

/* One mailbox per ordered pair, so that matching is by sender as well (a
 * rank may receive from several peers in one round). Looked up by name once,
 * then cached: formatting names showed up in profiles. sg_mailbox_by_name()
 * is a simcall, during which other actors run and may grow the table: no
 * pointer into it is held across the call. */
static sg_mailbox_t pair_mailbox(struct collsim *cs, int src, int dst)
{
    uint64_t key = (uint64_t)(src + 1) << 32 | (uint64_t)(dst + 1);
    if (cs->mbox_cap) {
        struct mbox *m = mbox_slot(cs, key);
        if (m->key) return m->m;
    }
    char name[32];
    snprintf(name, sizeof name, "m%d.%d", src, dst);
    sg_mailbox_t mb = sg_mailbox_by_name(name);
    if (2 * (cs->mbox_n + 1) > cs->mbox_cap) {
        size_t cap = cs->mbox_cap ? 2 * cs->mbox_cap : 1024;
        struct mbox *t = calloc(cap, sizeof *t), *old = cs->mbox;
        if (!t) return mb; /* no memory: uncached */
        size_t oldcap = cs->mbox_cap;
        cs->mbox = t;
        cs->mbox_cap = cap;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].key) *mbox_slot(cs, old[i].key) = old[i];
        free(old);
    }
    struct mbox *m = mbox_slot(cs, key);
    if (!m->key) {
        *m = (struct mbox){key, mb};
        cs->mbox_n++;
    }
    return m->m;
}

/* The round's largest message, sends and receives, in elements: it sets
 * the library's protocol and latency for the round. */
static uint64_t round_max_count(const struct coll_round *r)
{
    uint64_t m = 0;
    for (int i = 0; i < r->nops; i++)
        if (r->ops[i].count > m) m = r->ops[i].count;
    return m;
}

int collsim__round_small(const struct collsim *cs, const struct coll_round *r, size_t dsize)
{
    if (!cs->o.lib || !(cs->o.lib->small_bytes > 0)) return 0;
    return commlib_small(cs->o.lib, (double)(round_max_count(r) * dsize));
}

/* Library latency, post, wait, reduce. Returns the messages sent. */
int collsim__round(struct collsim *cs, int rank, const struct coll_round *r, size_t dsize)
{
    sg_comm_t comms[COLL_MAX_OPS];
    void *got[COLL_MAX_OPS];
    uint64_t reduce = 0;
    int n = 0, sent = 0;
    double share = 1;
    const struct commlib *lib = cs->o.lib;
    if (lib && r->nops > 0) {
        int inter = 0;
        for (int i = 0; i < r->nops; i++) inter |= rank / cs->gpus_per_node != r->ops[i].peer / cs->gpus_per_node;
        double mb = (double)(round_max_count(r) * dsize), lat = commlib_round_lat_s(lib, inter, mb);
        share = commlib_share(lib, mb);
        if (lat > 0) sg_actor_sleep_for(lat);
    }
    for (int i = 0; i < r->nops; i++) { /* receives first, as coll.h says */
        const struct coll_op *op = &r->ops[i];
        if (op->kind == COLL_SEND) continue;
        sg_mailbox_t mb = pair_mailbox(cs, op->peer, rank);
        comms[n] = sg_mailbox_get_async(mb, &got[n]);
        n++;
        if (op->kind == COLL_RECV_REDUCE) reduce += op->count;
    }
    for (int i = 0; i < r->nops; i++) {
        const struct coll_op *op = &r->ops[i];
        if (op->kind != COLL_SEND) continue;
        sg_mailbox_t mb = pair_mailbox(cs, rank, op->peer);
        double bytes = (double)(op->count * dsize);
        comms[n++] = sg_mailbox_put_async(mb, &token, share == 1 ? (long)bytes : (long)llround(bytes / share));
        sent++;
    }
    sg_comm_wait_all(comms, (size_t)n);
    if (reduce > 0) {
        double speed = sg_host_get_speed(cs->host[rank]);
        double flops = cs->o.reduce_elems_per_s > 0 ? (double)reduce * speed / cs->o.reduce_elems_per_s : (double)reduce;
        /* Only the caller's host runs anything else (the step's GPU actor
         * in sim/iter.c); on any other host the reduction has the GPU to
         * itself and takes flops / speed, a sleep, without an action in
         * SimGrid's CPU model (131,072 of them a step at scale). */
        if (cs->host[rank] == cs->caller) sg_actor_execute(flops);
        else sg_actor_sleep_for(flops / speed);
    }
    return sent;
}

/* ---- exact mode: one actor per rank ------------------------------------- */

struct xrun {
    struct collsim *cs;
    struct coll_params p;
    size_t dsize;
    sg_bar_t bar;
    int failed;
};

struct xrank {
    struct xrun *run;
    int rank;
};

static void rank_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct xrank *me = sg_actor_self_get_data();
    struct xrun *run = me->run;
    struct coll_iter it;
    struct coll_round r;
    int rc = coll_begin(&it, &run->p, me->rank, NULL);
    while (rc == 0 && (rc = coll_next(&it, &r)) == 1) {
        collsim__round(run->cs, me->rank, &r, run->dsize);
        rc = 0;
    }
    if (rc < 0) run->failed = 1;
    sg_barrier_wait(run->bar);
}

static int run_exact(struct collsim *cs, const struct coll_params *p, size_t dsize)
{
    struct xrun run = {cs, *p, dsize, sg_barrier_init((unsigned)p->nranks + 1), 0};
    struct xrank *ranks = calloc((size_t)p->nranks, sizeof *ranks);
    if (!ranks) {
        sg_barrier_destroy(run.bar);
        return DT_ENOMEM;
    }
    char name[32];
    for (int r = 0; r < p->nranks; r++) {
        ranks[r] = (struct xrank){&run, r};
        snprintf(name, sizeof name, "rank%d", r);
        sg_actor_t a = sg_actor_init(name, cs->host[r]);
        sg_actor_set_data(a, &ranks[r]);
        sg_actor_start(a, rank_main, 0, NULL);
    }
    sg_barrier_wait(run.bar);
    sg_barrier_destroy(run.bar);
    free(ranks);
    return run.failed ? DT_ESCHED : 0;
}

/* ---- repeated fast runs -------------------------------------------------- */

static int same_name(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static const struct runcache *run_find(struct collsim *cs, const struct coll_params *p)
{
    int n = cs->nruns < COLLSIM_RUNS ? cs->nruns : COLLSIM_RUNS;
    for (int i = 0; i < n; i++) {
        const struct runcache *c = &cs->runs[i];
        const struct coll_params *q = &c->p;
        if (same_name(q->algo, p->algo) && same_name(q->inner, p->inner) && q->nranks == p->nranks &&
            q->count == p->count && q->dtype == p->dtype && q->gpus_per_node == p->gpus_per_node &&
            q->grid_x == p->grid_x && q->grid_y == p->grid_y && q->chunks == p->chunks && q->variant == p->variant &&
            q->channels == p->channels)
            return c;
    }
    return NULL;
}

static void run_keep(struct collsim *cs, const struct coll_params *p, double seconds, const struct collsim_stats *st)
{
    if ((p->algo && strlen(p->algo) >= 32) || (p->inner && strlen(p->inner) >= 32)) return;
    struct runcache *c = &cs->runs[cs->nruns++ % COLLSIM_RUNS];
    c->p = *p;
    snprintf(c->algo, sizeof c->algo, "%s", p->algo ? p->algo : "");
    snprintf(c->inner, sizeof c->inner, "%s", p->inner ? p->inner : "");
    c->p.algo = c->algo;
    c->p.inner = p->inner ? c->inner : NULL;
    c->seconds = seconds;
    c->st = *st;
}

/* Sleep the library's cost per call, paid by a collective that moves
 * data: a single rank or an empty buffer calls no library. */
static void pay_call(const struct collsim *cs, const struct coll_params *p)
{
    double s = p->nranks > 1 && p->count > 0 ? commlib_call_s(cs->o.lib) : 0;
    if (s > 0) sg_actor_sleep_for(s);
}

int collsim_run(struct collsim *cs, const struct coll_params *p, int mode, double *seconds,
                struct collsim_stats *st, dt_err *e)
{
    struct collsim_stats local;
    if (!st) st = &local;
    memset(st, 0, sizeof *st);
    *seconds = 0;
    cs->caller = sg_actor_get_host(sg_actor_self());
    if (p->nranks < 1 || p->nranks > cs->nhosts)
        return dt_errf(e, DT_EINVAL, "'%s': %d ranks on a platform of %d gpus", p->algo ? p->algo : "?", p->nranks,
                       cs->nhosts);
    if (p->gpus_per_node != cs->gpus_per_node)
        return dt_errf(e, DT_EINVAL, "'%s': gpus_per_node %d, platform has %d", p->algo ? p->algo : "?",
                       p->gpus_per_node, cs->gpus_per_node);
    if (mode != COLLSIM_EXACT && mode != COLLSIM_FAST) return dt_errf(e, DT_EINVAL, "unknown collsim mode %d", mode);
    struct coll_iter probe; /* validates params and the algorithm name before any actor starts */
    int rc = coll_begin(&probe, p, 0, e);
    if (rc) return rc;
    size_t dsize = coll_dtype_size(p->dtype);
    double t0 = simgrid_get_clock();
    struct timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    if (mode == COLLSIM_EXACT) {
        st->exact = 1;
        /* counts for the stats come from the schedule itself */
        for (int r = 0; r < p->nranks; r++) {
            struct coll_iter it;
            struct coll_round rd;
            if ((rc = coll_begin(&it, p, r, e))) return rc;
            while ((rc = coll_next(&it, &rd)) == 1) {
                st->rounds++;
                for (int k = 0; k < rd.nops; k++)
                    if (rd.ops[k].kind == COLL_SEND) st->messages++, st->bytes += rd.ops[k].count * dsize;
                if (rd.step + 1 > st->steps) st->steps = rd.step + 1;
            }
            if (rc < 0) return dt_errf(e, DT_ESCHED, "'%s': schedule error on rank %d", p->algo, r);
        }
        st->steps_simulated = st->steps;
        st->messages_simulated = st->messages;
        rc = run_exact(cs, p, dsize);
        if (rc) return dt_errf(e, rc, "'%s': exact run failed", p->algo);
        pay_call(cs, p);
    } else {
        /* The same collective again: every window would hit the memo (or
         * the exact fallback would run again), so its time is known. */
        const struct runcache *hit = run_find(cs, p);
        if (hit) {
            *st = hit->st;
            st->steps_simulated = st->messages_simulated = 0;
            if (hit->seconds > 0) sg_actor_sleep_for(hit->seconds);
        } else {
            int use_exact = 0;
            rc = collsim__run_fast(cs, p, dsize, st, &use_exact, e);
            if (rc) return rc;
            if (use_exact) { /* the exact run pays the call cost */
                rc = collsim_run(cs, p, COLLSIM_EXACT, seconds, st, e);
                if (!rc) run_keep(cs, p, *seconds, st);
                return rc;
            }
            pay_call(cs, p);
            run_keep(cs, p, simgrid_get_clock() - t0, st); /* call cost included */
        }
    }
    *seconds = simgrid_get_clock() - t0;
    clock_gettime(CLOCK_MONOTONIC, &w1);
    st->wall_s = (double)(w1.tv_sec - w0.tv_sec) + 1e-9 * (double)(w1.tv_nsec - w0.tv_nsec);
    return 0;
}

/* ---- batch: a driver actor runs the list -------------------------------- */

struct batch {
    struct collsim *cs;
    struct collsim_job *jobs;
    int n;
    dt_err *e;
    int rc;
};

static void batch_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct batch *b = sg_actor_self_get_data();
    for (int i = 0; i < b->n && b->rc == 0; i++) {
        struct collsim_job *j = &b->jobs[i];
        b->rc = collsim_run(b->cs, &j->p, j->mode, &j->seconds, &j->st, b->e);
    }
    collsim_free(b->cs); /* inside the simulation: stops the workers */
    b->cs = NULL;
}

int collsim_batch(const struct sim_cluster *c, const struct collsim_opts *o, struct collsim_job *jobs, int n,
                  dt_err *e)
{
    struct batch b = {NULL, jobs, n, e, 0};
    int rc = collsim_create(&b.cs, c, o, e);
    if (rc) return rc;
    for (int i = 0; i < n; i++) { /* refuse bad input before the engine starts */
        struct coll_iter probe;
        if ((rc = coll_begin(&probe, &jobs[i].p, 0, e))) goto out;
        if (jobs[i].p.nranks > b.cs->nhosts || jobs[i].p.gpus_per_node != b.cs->gpus_per_node) {
            rc = dt_errf(e, DT_EINVAL, "'%s': %d ranks of %d per node on a platform of %d gpus, %d per node",
                         jobs[i].p.algo, jobs[i].p.nranks, jobs[i].p.gpus_per_node, b.cs->nhosts, b.cs->gpus_per_node);
            goto out;
        }
    }
    sg_actor_t a = sg_actor_init("driver", b.cs->host[0]);
    sg_actor_set_data(a, &b);
    sg_actor_start(a, batch_main, 0, NULL);
    simgrid_run();
    return b.rc;
out:
    collsim_free(b.cs);
    return rc;
}
