/* collsim_int.h -- internals shared by sim/collsim.c (exact mode, the
 * round executor, the API) and sim/collsim_fast.c (fast mode). Not a public
 * API: names carry the collsim__ prefix. See collsim.h for the design. */
#ifndef DT_COLLSIM_INT_H
#define DT_COLLSIM_INT_H

#include <simgrid/forward.h>
#include <stddef.h>
#include <stdint.h>

#include "collsim.h"

struct step;

struct mbox {
    uint64_t key; /* (src + 1) << 32 | (dst + 1) */
    sg_mailbox_t m;
};

/* Memoised step: signature words live in cs->arena[off, off+len). */
struct memo {
    uint64_t hash;
    size_t off, len;  /* signature in arena */
    double seconds;   /* duration of the window */
};

/* Open addressing, cap a power of two, hash 0 = empty. */
struct memotab {
    struct memo *memo;
    size_t cap, n;
};

/* Fast mode runs a step's rounds on a pool of worker actors, one per rank,
 * started on first use and parked on a semaphore between steps: creating
 * thousands of actors per step costs more than simulating the step. */
struct worker {
    struct collsim *cs;
    int rank;
    sg_sem_t go;                    /* released by the driver: run `round` */
    const struct step *win;         /* window to run; NULL: exit */
    int first, last;                /* its rounds: win->order[first..last) */
};

/* A finished fast run, by its parameters as given. */
#define COLLSIM_RUNS 64
struct runcache {
    struct coll_params p;     /* algo and inner point into the names below */
    char algo[32], inner[32];
    double seconds;
    struct collsim_stats st;
};

struct collsim {
    struct collsim_opts o;
    struct runcache runs[COLLSIM_RUNS]; /* ring buffer */
    int nruns;
    struct worker *worker;  /* [nhosts], go == NULL until started */
    int nworkers;
    sg_sem_t done;          /* released by the last worker of a step */
    int pending;            /* workers still running the step */
    int sent;               /* messages sent in the step */
    size_t dsize;

    int nhosts, gpus_per_node;
    sg_host_t *host;        /* [nhosts] */
    sg_host_t caller;       /* host of the actor in collsim_run: the only one that may compute beside a reduction */
    struct memotab memo;    /* simulated windows, kept across runs (same platform, same options) */
    struct memotab seen;    /* counting pass of one run: hashes only */
    uint64_t *arena;        /* signature words */
    size_t arena_n, arena_cap;
    struct mbox *mbox;      /* (src, dst) -> mailbox, open addressing, key 0 = empty */
    size_t mbox_cap, mbox_n;
};

/* 1 when the library sends this round with its small-message protocol
 * (part of a fast-mode step's signature). */
int collsim__round_small(const struct collsim *cs, const struct coll_round *r, size_t dsize);

/* Sleep the library's latency of the round, post its receives and sends,
 * wait for all, reduce. Returns the messages sent. Yields to other actors
 * (simcalls). */
int collsim__round(struct collsim *cs, int rank, const struct coll_round *r, size_t dsize);

/* Fast mode; sets *use_exact when reuse is too low to pay (see collsim.h). */
int collsim__run_fast(struct collsim *cs, const struct coll_params *p, size_t dsize, struct collsim_stats *st,
                      int *use_exact, dt_err *e);

/* Stop the fast-mode worker actors (from an actor). */
void collsim__workers_stop(struct collsim *cs);

#endif
