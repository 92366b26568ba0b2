/* coll_exec.h -- run a collective schedule in memory, and check it.
 *
 * The executor drives every rank's iterator (coll.h) in one process with
 * rendezvous semantics, which is stricter than any transport's: a rank's
 * round completes when each of its ops has met its partner in the peer's
 * *current* round (i-th send a->b with i-th receive-from-a at b). Then the
 * received data (the sender's buffer as it stood at the start of its round)
 * is applied in op order:
 *
 *     RECV_REDUCE  fp32: buf += tmp
 *                  fp16: buf = half(float(buf) + float(tmp))   (NCCL: fp32 math)
 *     RECV_COPY    buf = tmp
 *
 * Rounds are tried in rank order until no round can progress. The checker
 * is the same walk without buffers (data = COLL_DATA_NONE). It reports, with
 * rank and step: an op out of range (peer, offset, ops per round), steps
 * not increasing, a send and receive that pair with different counts or
 * steps, an op whose peer has finished, and a deadlock (nothing can move).
 *
 * The result is checked against the element-wise sum computed in double:
 * |got - want| <= (N-1) * u * sum_r |x_r|, u = 2^-24 (fp32) or 2^-11 (fp16),
 * the first-order bound for N-1 rounded additions; integer test data in
 * range is exact in both types and gives max_err 0.
 */
#ifndef DT_COLL_EXEC_H
#define DT_COLL_EXEC_H

#include "coll.h"

enum coll_data {
    COLL_DATA_NONE = 0, /* checker only: match ops and count, no buffers */
    COLL_DATA_INT = 1,  /* integer values in [-8, 8]: sums exact */
    COLL_DATA_FRAC = 2  /* multiples of 1/64 in [-0.75, 0.75]: rounding shows */
};

struct coll_exec_result {
    uint64_t steps;        /* max step + 1 over all ranks */
    uint64_t rounds;       /* all ranks together */
    uint64_t checked;      /* elements compared */
    uint64_t wrong;        /* elements off by more than the bound */
    int wrong_rank;        /* first wrong element: rank, -1 when none */
    uint64_t wrong_index;  /* element index */
    double wrong_got, wrong_want;
    double max_err;        /* largest |got - want| */
};

/* Largest buffer footprint (N * count * element size) run with data. */
#define COLL_EXEC_MAX_BYTES ((uint64_t)1 << 30)

/* Run algorithm a (p is prepared on a copy). per_rank: NULL or nranks
 * entries, filled with what each rank did (steps = whole collective).
 * Returns 0 when the schedule ran to the end (res->wrong says whether the
 * sum is right), DT_ESCHED naming rank and step for a faulty schedule,
 * DT_ERANGE/DT_ENOMEM when the buffers are too big. */
int coll_exec_run(const struct coll_algo *a, const struct coll_params *p, int data, struct coll_cost *per_rank,
                  struct coll_exec_result *res, dt_err *e);

/* IEEE binary16 <-> binary32, round to nearest even. */
float coll_half_to_float(uint16_t h);
uint16_t coll_float_to_half(float f);

#endif
