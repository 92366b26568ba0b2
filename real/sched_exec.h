/* sched_exec.h -- run a models/coll.h schedule on host buffers over any
 * transport that can move a round of point-to-point transfers.
 *
 * For each round k of this rank (coll_next):
 *
 *     transfers = SENDs from the buffer as it stands at round start
 *               + RECVs into scratch (REDUCE, or a COPY that overlaps
 *                 something else in the round) or straight into dst
 *                 (a COPY that overlaps nothing: no extra copy)
 *               + round k+1's SENDs, marked early (see below);
 *     round(transfers)        the transport moves them all, full duplex,
 *                             and returns when round k's are done;
 *     apply RECVs in order:   dst += scratch (REDUCE), dst = scratch (COPY).
 *
 * Streamed reduce: a REDUCE whose range overlaps nothing else in round k
 * is applied in pieces of >= 256 KB as its bytes arrive (progress
 * callback), so the sum overlaps the transfer (every ring step qualifies).
 *
 * Early sends (cut-through): a SEND of round k+1 reads data that is final
 * once round k is applied. Bytes of it that round k does not write, or that
 * a streamed REDUCE of round k has already produced, are final *now*, so
 * the transport may send them during round k (ready callback: how many
 * leading bytes are final). On a ring, step k+1 forwards the block being
 * reduced in step k: it leaves as soon as it is summed, socket buffers stay
 * full, and no step waits for the slowest rank to wake up. The bytes sent
 * are the same as in the lock-step order; only the timing changes. Peer
 * order holds: a transfer starts only after every earlier one to the same
 * peer (array order), and the receiver reads round k+1 bytes only in its
 * round k+1.
 *
 * Which early sends may go (struct sched.policy):
 *   SCHED_EARLY_PEER  (default) only those to a peer that round k already
 *                     sends to: they continue a stream that is open anyway
 *                     (the ring's forwarding, for which early sends exist),
 *                     and take no link share from round k's exchanges.
 *   SCHED_EARLY_ALL   also those to a peer round k does not send to (a new
 *                     partner, as in halving-doubling). They compete with
 *                     round k at the sender's link and the new partner's:
 *                     measured on the testbed, the partner that got ahead
 *                     then idles 10-17% of the time, 15% slower at 64 MiB
 *                     on 4 hosts (docs/validate.md); neither the simulator
 *                     nor the libraries it models (Gloo, MPI, NCCL) do it.
 *   SCHED_EARLY_NONE  none: every round starts after the previous one ends.
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

/* One transfer as a transport sees it. Transfers with the same peer and
 * direction must be moved in array order (they share a stream). */
struct sched_xfer {
    int peer;         /* rank */
    int send;         /* 1 send, 0 receive */
    int early;        /* 1: a later round's send; the round may end without it */
    void *ptr;        /* host memory */
    size_t bytes;
    size_t done;      /* bytes moved so far (the transport advances it) */
    /* Receives, may be NULL: called with `done` after bytes arrive. */
    void (*progress)(void *arg, size_t done);
    /* Sends, may be NULL (= all ready): leading bytes that may go now. */
    size_t (*ready)(void *arg);
    void *arg;
};

/* Move the transfers; return when every non-early one is done (0) or on
 * error. Early ones go as far as ready() allows; their `done` is kept. */
typedef int (*sched_round_fn)(void *ctx, const struct coll_round *r, struct sched_xfer *x, int n, dt_err *e);

struct sched_ivset {
    uint64_t (*iv)[2];      /* element ranges [a, b), sorted, disjoint */
    int n, cap;
};

struct sched_op_state;

enum sched_early { SCHED_EARLY_PEER = 0, SCHED_EARLY_ALL = 1, SCHED_EARLY_NONE = 2 };

struct sched {
    int policy;             /* enum sched_early: which early sends go; sched_init sets SCHED_EARLY_PEER */
    void *scratch;          /* receive staging, grown on demand */
    size_t scratch_bytes;
    struct sched_xfer *x;   /* transfers of the current round (+ early) */
    int nx, xcap;
    struct sched_ivset written;  /* dst ranges holding their current value */
    struct sched_ivset pred;     /* written after the current round */
    struct sched_op_state *ops;  /* per op of the current round */
    void *early;            /* early-send bookkeeping */
    int earlycap;
    uint64_t rounds;        /* counters since init, for reports */
    uint64_t bytes_sent;
    uint64_t bytes_recv;
};

void sched_init(struct sched *s);

/* "peer", "all", "none" -> enum sched_early; -1 for anything else. */
int sched_early_parse(const char *name);
void sched_free(struct sched *s);

/* All-reduce p->count elements of src into dst (src == dst: in place) as
 * rank `rank` of the (prepared) schedule p. */
int sched_allreduce(struct sched *s, const struct coll_params *p, int rank, const void *src, void *dst,
                    sched_round_fn round, void *ctx, dt_err *e);

#endif
