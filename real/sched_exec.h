/* sched_exec.h -- run a models/coll.h schedule on host buffers over any
 * transport that can move a round of point-to-point transfers.
 *
 * For each round of this rank (coll_next):
 *
 *     transfers = SENDs from the buffer as it stands at round start
 *               + RECVs into scratch (REDUCE, or a COPY that overlaps
 *                 something else in the round) or straight into dst
 *                 (a COPY that overlaps nothing: no extra copy);
 *     round(transfers)        the transport posts them all, full duplex,
 *                             and returns when all are done;
 *     apply RECVs in order:   dst += scratch (REDUCE), dst = scratch (COPY).
 *
 * Out of place (src != dst) costs no up-front copy: the executor keeps the
 * set of element ranges of dst already written. A SEND of an unwritten
 * range reads src, a REDUCE onto it computes dst = src + scratch, and what
 * is still unwritten at the end is copied (nothing, for an all-reduce
 * whose every element is reduced or copied at least once).
 */
#ifndef DT_SCHED_EXEC_H
#define DT_SCHED_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "coll.h"
#include "err.h"

/* One transfer of a round as a transport sees it. Transfers with the same
 * peer and direction must be moved in array order (they share a stream). */
struct sched_xfer {
    int peer;         /* rank */
    int send;         /* 1 send, 0 receive */
    void *ptr;        /* host memory */
    size_t bytes;
};

/* Post every transfer, return when all are complete (0) or on error. */
typedef int (*sched_round_fn)(void *ctx, const struct coll_round *r, struct sched_xfer *x, int n, dt_err *e);

struct sched {
    void *scratch;          /* receive staging, grown on demand */
    size_t scratch_bytes;
    struct sched_xfer *x;   /* transfers of the current round */
    int xcap;
    uint64_t (*iv)[2];      /* written ranges of dst [a, b), sorted, disjoint */
    int niv, ivcap;
    uint64_t rounds;        /* counters since init, for reports */
    uint64_t bytes_sent;
    uint64_t bytes_recv;
};

void sched_init(struct sched *s);
void sched_free(struct sched *s);

/* All-reduce p->count elements of src into dst (src == dst: in place) as
 * rank `rank` of the (prepared) schedule p. */
int sched_allreduce(struct sched *s, const struct coll_params *p, int rank, const void *src, void *dst,
                    sched_round_fn round, void *ctx, dt_err *e);

#endif
