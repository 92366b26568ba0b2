/* collsim.h -- time a collective schedule (models/coll.h) on a loaded
 * SimGrid platform (sim/platform.h).
 *
 * Rank r runs on host "g<r>". A round of the schedule becomes, on its rank:
 *
 *     post every RECV (get_async) and SEND (put_async, count * dtype bytes)
 *     wait for all of them
 *     reduce: execute reduce_elems * speed / reduce_elems_per_s flops on the
 *             rank's host (so an idle GPU takes reduce_elems / rate seconds,
 *             and a GPU busy with backward shares its speed, as SimGrid's
 *             CPU model shares a host between executions). Only the host
 *             of the actor that called collsim_run can be busy (the step's
 *             GPU actor, sim/iter.c); on every other host the reduction is
 *             a sleep of the same length, which costs SimGrid no action in
 *             its CPU model (12% of a 131,072-GPU run)
 *
 * Two modes, same answer within 2% (tests/test_collsim.c, docs/sim.md):
 *
 *   COLLSIM_EXACT  one actor per rank runs its rounds one after the other;
 *                  every message is a SimGrid communication. Cost grows as
 *                  messages: 2(N-1) N for a ring of N.
 *
 *   COLLSIM_FAST   lock-step by `step`: the rounds of all ranks that carry
 *                  step s form the step's pattern (who sends how much to
 *                  whom, who reduces). A pattern is simulated once, in full
 *                  (all its flows at once, sharing links in SimGrid, then the
 *                  reductions), and its duration is memoised under a
 *                  signature; a later step with the same signature costs a
 *                  sleep of that duration. Duration of the collective = sum
 *                  of step durations.
 *                  Signature: for each participating rank in rank order, its
 *                  ops (kind, peer, size) and the library protocol of its
 *                  round (below), plus the largest message M of the
 *                  step; sizes enter as floor((M - b) / q), q = max(M/1024,
 *                  2 elements), so messages that differ by less than q (a
 *                  ring's blocks of ceil and floor count/N elements) share
 *                  a pattern.
 *                  A run with the same parameters as an earlier fast run
 *                  of this collsim costs one sleep (nothing is generated).
 *                  Approximations (see docs/sim.md): a step starts when the
 *                  previous one has ended on every rank (exact mode lets a
 *                  rank run ahead of ranks it does not talk to); a memoised
 *                  step does not load the network or the GPUs, so traffic
 *                  or compute running at the same time only sees the steps
 *                  that were simulated.
 *
 * A collective library (models/commlib.h, opts.lib; NULL = the ideal one)
 * is applied in both modes, round by round, on each rank:
 *
 *     sleep   commlib_round_lat_s(lib, inter, m): the step latency of the
 *             round's link class (inter when any op's peer is on another
 *             node) and protocol (m = the round's largest message, sends
 *             and receives, <= small_bytes: small), plus (pieces(m) - 1) x
 *             chunk_lat; then post as above, each SEND carrying
 *             bytes / share (the protocol's share of the link rate)
 *
 * and once per collective call, after its last step, `call` (the duration
 * includes it). A round's transfers start when both ends have slept, so in
 * lock-step fast mode a step lasts the slowest rank's latency plus its
 * transfer, as a lock-step ring does; a ring of N on one switch with link
 * latency L and bandwidth B takes
 *     call + 2(N-1) (L + step) + 2(N-1)/N x S / (B x share).
 * The library is fixed for the life of a collsim, so the fast mode's memo
 * and run cache stay valid; a round's protocol is part of the signature.
 *
 * One SimGrid engine per process: collsim_run() is called from inside a
 * running actor (the iteration model's communication actor), blocks for the
 * simulated duration and may be called many times; collsim_batch() wraps it
 * for callers that just want numbers (tests, dtsim simcoll, bench).
 */
#ifndef DT_COLLSIM_H
#define DT_COLLSIM_H

#include <stdint.h>

#include "coll.h"
#include "commlib.h"
#include "err.h"
#include "platform.h"

enum collsim_mode { COLLSIM_EXACT = 0, COLLSIM_FAST = 1 };

/* Fast mode's window: steps simulated together with exact semantics
 * (1 = lock-step; wider windows measured to help little, docs/sim.md). */
#define COLLSIM_WINDOW 1

struct collsim_opts {
    int window_steps;          /* fast: steps per memoised window; 0 = COLLSIM_WINDOW, 1 = lock-step */
    int no_fallback;           /* fast: never fall back to exact (to measure the approximation itself) */
    double reduce_elems_per_s; /* elements/s reduced by an idle GPU; 0 = one flop per element at host speed */
    const struct commlib *lib; /* software costs per call and per step (models/commlib.h); NULL = ideal.
                                  Must outlive the collsim. */
};

struct collsim_stats {
    uint64_t messages;        /* point-to-point messages in the schedule */
    uint64_t bytes;           /* bytes sent, all ranks */
    uint64_t rounds;          /* rounds, all ranks */
    uint64_t steps;           /* distinct step indices */
    uint64_t steps_simulated; /* steps run in SimGrid (fast: memo misses; exact: all) */
    uint64_t messages_simulated; /* SimGrid communications actually run */
    int exact;                /* 1 when the run was message-exact (asked, or fast mode found little reuse) */
    double wall_s;            /* wall-clock seconds the run took (not deterministic: never print in golden output) */
};

struct collsim;

/* After platform_load(): bind to the cluster's hosts. */
int collsim_create(struct collsim **out, const struct sim_cluster *c, const struct collsim_opts *o, dt_err *e);
/* Fast mode keeps a parked worker actor per rank: free the
 * collsim from inside an actor once it has run, so that they exit
 * (until then they keep simgrid_run() from returning). */
void collsim_free(struct collsim *cs);

/* From inside a running actor: run the collective, return its simulated
 * duration. p->gpus_per_node must equal the cluster's; p->nranks at most its
 * GPU count. st may be NULL (else it is filled, not accumulated). */
int collsim_run(struct collsim *cs, const struct coll_params *p, int mode, double *seconds,
                struct collsim_stats *st, dt_err *e);

/* One entry of a batch: the collective and mode in, duration and stats out. */
struct collsim_job {
    struct coll_params p;
    int mode;                 /* enum collsim_mode */
    double seconds;           /* out: simulated duration */
    struct collsim_stats st;  /* out */
};

/* From main, after platform_load(): run the jobs one after the other in
 * one simgrid_run() (the engine runs once per batch). All params are
 * checked before the engine starts. */
int collsim_batch(const struct sim_cluster *c, const struct collsim_opts *o, struct collsim_job *jobs, int n,
                  dt_err *e);

#endif
