/* jobs.h -- run simulations in child processes, several at once.
 *
 * SimGrid runs one engine per process (run.h: run_simulate() initialises
 * it), so every simulation runs in a forked child that sends its result
 * back through a pipe as one fixed-size struct jobs_reply:
 *
 *   parent: jobs_run(n, par, child, done, ctx)
 *             for each job i, at most `par` at a time:
 *               fork -> child(ctx, i, &reply) -> write(pipe) -> _exit(0)
 *             wait -> read(pipe) -> done(ctx, i, &reply)   (in finishing order)
 *
 * A child that dies (signal, crash, short write) gives a reply with
 * rc = -1 and err "the simulation died (status S)". `done` runs in the
 * parent, one reply at a time, as soon as that child has finished: a caller
 * that appends each result to a file loses at most the running jobs when
 * interrupted (dtsim sweep resumes from such a file).
 *
 * Used by dtsim reproduce and dtsim sweep / plan.
 */
#ifndef DTSIM_JOBS_H
#define DTSIM_JOBS_H

#include "run.h"

struct jobs_reply {
    int rc;                  /* 0, or the negative DT_E* code of the failure */
    struct run_result r;     /* valid when rc == 0; r.compute_arch is NULL */
    char err[1024];          /* message when rc != 0 */
};

/* In the child: fill *rep for job i (the reply starts zeroed). */
typedef void (*jobs_child_fn)(void *ctx, int i, struct jobs_reply *rep);

/* In the parent: job i finished; `done` of `n` have finished so far. */
typedef void (*jobs_done_fn)(void *ctx, int i, const struct jobs_reply *rep, int done, int n);

/* Run jobs 0..n-1, `par` (>= 1) at a time, in index order of starting.
 * Returns 0, or -1 with errno set when a pipe or fork fails (jobs already
 * started are waited for first), or -1 with errno EINTR after SIGINT or
 * SIGTERM: the running children are ended with SIGTERM (each child runs in its own
 * process group, so ^C reaches only the parent) and `done` has been called
 * for every job that finished before. */
int jobs_run(int n, int par, jobs_child_fn child, jobs_done_fn done, void *ctx);

/* The signal (SIGINT or SIGTERM) that ended the last jobs_run, or 0. */
int jobs_stop_signal(void);

/* The usual child: load experiment `path` with `sets` ("section.key=value")
 * through the catalog resolver, load the catalog, run_simulate with `o`
 * (NULL: run_opts_default). Fills rep->rc / rep->r / rep->err. */
void jobs_simulate(const char *path, char **sets, int nsets, const struct run_opts *o, struct jobs_reply *rep);

#endif
