/* coll.h -- collective schedules: one description, three executors.
 *
 * An all-reduce algorithm is a generator of *rounds* for each rank. A round
 * is a small set of point-to-point operations that a rank posts together
 * and completes together (full duplex, like MPI_Sendrecv):
 *
 *     round k of rank r:   post every RECV into a scratch buffer
 *                          post every SEND (data as it stands at round start)
 *                          wait for all of them
 *                          apply each RECV in order: REDUCE (buf += tmp) or COPY
 *
 * So data received in round k can be sent on in round k+1, never in k.
 * This is the dependency structure every executor honours:
 *   - models/coll_exec.c   in memory, on N real buffers, one process;
 *   - sim/                 SimGrid communications + reduce executions;
 *   - real/ (dtbench)      TCP sockets, ibverbs RDMA writes, NCCL send/recv.
 *
 * Offsets and counts are in *elements* of the buffer (fp32 or fp16), not
 * bytes; bytes = count * coll_dtype_size(dtype). Every rank's buffer holds
 * `count` elements; on return every rank holds the element-wise sum.
 *
 * Each round carries `step`, a global index: rounds with equal `step` on
 * different ranks are the ones that run concurrently in a lock-step
 * execution (ring: step k is the k-th hop on every rank). A rank that sits
 * a step out simply emits no round with that index. The simulator uses
 * `step` to group identical communication patterns.
 *
 * Generation is lazy: coll_iter holds O(1) (at most O(log N)) state per
 * rank; a 4096-rank ring (8190 rounds per rank, 33 M in all) is never
 * materialised.
 *
 * Matching rule: within rounds of equal `step`, the i-th SEND from rank a
 * to rank b pairs with the i-th RECV_* from a in b's round; both carry the
 * same count. (A round may hold a send and a receive to the same peer.)
 *
 * Block partition used by every algorithm (and by reduce-scatter's result):
 * n blocks of `count` elements, block i has count/n + (i < count%n)
 * elements and starts at i*(count/n) + min(i, count%n).
 *
 * A zero-element collective (count 0) and a 1-rank one have no rounds.
 *
 * Channels (multi-rail, as NCCL). A node with k NICs has local GPU j on NIC
 * floor(j k / G) (sim/platform.h). With channels = k, the buffer is cut into
 * k regions (partition above) and region c runs its own ring (or tree)
 * whose order inside every node is rotated so that the node's exit GPU is
 * the last one on NIC c and its entry GPU the first one on NIC c+1 (mod k):
 * each NIC sends and receives one channel's inter-node traffic, S/k. The
 * channels run in lock-step, so their ops share rounds (two per channel for
 * a ring: at most COLL_MAX_CHANNELS; eight for a tree pair, so
 * double-binary-tree runs two at most). One channel is the plain ring.
 * An algorithm whose inter-node traffic already leaves from every GPU, or
 * a layout that does not fill more than one whole node, runs one channel:
 * prepare sets channels to the number it runs (docs/collectives.md,
 * "Multi-rail").
 */
#ifndef DT_COLL_H
#define DT_COLL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum coll_dtype { COLL_FP32 = 0, COLL_FP16 = 1 };

enum coll_opkind {
    COLL_SEND = 0,        /* send buf[off, off+count) to peer */
    COLL_RECV_REDUCE = 1, /* receive count elements from peer, buf[off..] += them */
    COLL_RECV_COPY = 2    /* receive count elements from peer, buf[off..] = them */
};

/* Link class of a transfer: same node (NVLink/PCIe) or across nodes (NIC). */
enum coll_linkclass { COLL_INTRA = 0, COLL_INTER = 1 };

#define COLL_MAX_OPS 16
/* Channels (rings or trees over the NICs of a node) at most: a ring round
 * holds two ops per channel. */
#define COLL_MAX_CHANNELS 8

struct coll_op {
    uint8_t kind;     /* enum coll_opkind */
    int32_t peer;     /* rank 0..nranks-1 */
    uint64_t off;     /* first element */
    uint64_t count;   /* elements */
};

struct coll_round {
    uint32_t step;    /* global lock-step index, increasing along a rank's rounds */
    uint16_t phase;   /* algorithm-defined phase, e.g. 0 reduce-scatter, 1 all-gather */
    uint16_t nops;    /* <= COLL_MAX_OPS */
    struct coll_op ops[COLL_MAX_OPS];
};

/* What a collective is asked to do, and on what layout. */
struct coll_params {
    const char *algo;      /* registry name: "ring", "2d-torus", ... */
    int nranks;            /* N >= 1 */
    uint64_t count;        /* elements per rank buffer */
    int dtype;             /* enum coll_dtype */
    int gpus_per_node;     /* G >= 1; rank r lives on node r / G */
    int grid_x, grid_y;    /* 2d-torus grid; 0,0 = choose */
    int chunks;            /* ring pipelining chunks per step; 0 or 1 = none */
    const char *inner;     /* hierarchical: inter-node algorithm (default "ring") */
    int variant;           /* hierarchical: 0 reduce-scatter/all-gather, 1 reduce/broadcast */
    int channels;          /* rails: 0 or 1 = one channel; k = the node's NICs (see Channels above) */
};

/* Iterator over one rank's rounds. State is a fixed-size block. */
struct coll_iter {
    const struct coll_algo *algo;
    struct coll_params p;
    int rank;
    uint64_t st[24];       /* algorithm-private state */
};

/* Closed-form cost for one rank (alpha-beta-gamma). Exact, not an estimate:
 * the in-memory executor's byte counts must equal these. */
struct coll_cost {
    uint64_t rounds;            /* rounds this rank takes part in (alpha term) */
    uint64_t bytes_sent[2];     /* by enum coll_linkclass */
    uint64_t bytes_recv[2];
    uint64_t reduce_elems;      /* elements added (gamma term: flops = reduce_elems) */
    uint64_t steps;             /* whole collective: max step + 1 over all ranks */
};

/* What holds on return. all-reduce: every rank holds the sum. reduce-scatter:
 * rank r holds the sum on block r (partition above), the rest is scratch.
 * all-gather: rank r starts with block r, every rank ends with all blocks. */
enum coll_collop { COLL_ALLREDUCE = 0, COLL_REDUCE_SCATTER = 1, COLL_ALLGATHER = 2 };

/* An algorithm: a const descriptor in its own file, found by name. */
struct coll_algo {
    const char *name;
    const char *summary;
    /* Check params (grid fits, ranks >= 1 ...) and fill derived fields. */
    int (*prepare)(struct coll_params *p, dt_err *e);
    int (*begin)(struct coll_iter *it);
    /* 1: *r holds the next round; 0: done; <0: error. */
    int (*next)(struct coll_iter *it, struct coll_round *r);
    int (*cost)(const struct coll_params *p, int rank, struct coll_cost *c);
    int op;                /* enum coll_collop */
    /* Optional (NULL: every step stands alone). The steps [step, end) are
     * congruent: the ranks with a round in one have a round in each, with
     * the same ops (kind and peer, in order) and counts within two
     * elements of each other (the ceil/floor blocks and chunks of the
     * partition in coll.h). Returns end > step (prepared params). The
     * simulator's fast mode times such a run as (end - step) times its
     * first step without generating the others (sim/collsim.h). */
    uint32_t (*run_end)(const struct coll_params *p, uint32_t step);
    /* With run_end: position the iterator so that next() returns the
     * rank's first round with step >= `step` (O(1): no rounds generated). */
    void (*seek)(struct coll_iter *it, uint32_t step);
};

/* Registry. An unknown name fills e with the list of valid names. */
const struct coll_algo *coll_find(const char *name, dt_err *e);
/* The same for a name that must be an all-reduce (training's gradients):
 * a reduce-scatter or all-gather gets DT_EINVAL naming the all-reduces. */
const struct coll_algo *coll_find_allreduce(const char *name, dt_err *e);
size_t coll_count(void);
const struct coll_algo *coll_at(size_t i);

/* Find p->algo and run its prepare (fills defaults: gpus_per_node 0 -> 1,
 * chunks, grid, inner). cost() and the iterators expect prepared params. */
int coll_prepare(struct coll_params *p, dt_err *e);
/* Cost of `rank` for (unprepared or prepared) params; prepares a copy. */
int coll_rank_cost(const struct coll_params *p, int rank, struct coll_cost *c, dt_err *e);

/* Validate params (prepare) and start rank's iterator. */
int coll_begin(struct coll_iter *it, const struct coll_params *p, int rank, dt_err *e);
int coll_next(struct coll_iter *it, struct coll_round *r);
/* The end of the run of congruent steps that starts at `step` (see
 * coll_algo.run_end; step + 1 where the algorithm claims none), and a jump
 * of the iterator to its first round with step >= `step` (only after a run
 * claim: algorithms without run_end never need it). */
uint32_t coll_run_end(const struct coll_iter *it, uint32_t step);
void coll_seek(struct coll_iter *it, uint32_t step);

size_t coll_dtype_size(int dtype);
static inline int coll_linkclass(const struct coll_params *p, int a, int b)
{
    return (a / p->gpus_per_node) == (b / p->gpus_per_node) ? COLL_INTRA : COLL_INTER;
}

#endif
