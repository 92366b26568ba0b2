/* iter.h -- one data-parallel training step, simulated in SimGrid.
 *
 * Every GPU runs the same layers on the same per-GPU batch, so one compute
 * actor stands for all of them (exactly equivalent: the model has no
 * per-GPU noise, and all GPUs hand their buckets to the all-reduce at the
 * same instant). The all-reduce itself is simulated for every rank by
 * collsim (contention on every link). Three actors:
 *
 *   input    per node: produce one step's images every input_s, into a
 *            buffer of `prefetch` batches (absent when input_s == 0)
 *   compute  take a batch (waiting = input stall), forward (sum of layers),
 *            backward layer by layer from the last; a gradient bucket is
 *            handed to `comm` as soon as its layers are done; after the
 *            last layer wait for the all-reduce of the last bucket
 *            (waiting = exposed communication), then the optimizer
 *   comm     all-reduce buckets one after the other, in order (one stream,
 *            as NCCL and Horovod do), each with collsim_run()
 *
 *   |--fwd--|-----------bwd-----------|(exposed)|opt|
 *                  [ar b0 ][ar b1  ][ar b2  ]
 *
 * Buckets: walking backward from the last layer, gradients accumulate until
 * they reach bucket_bytes; the layer that crosses the threshold closes the
 * bucket (so a bucket holds at least bucket_bytes, except the last one,
 * closed by the first layer). A layer without parameters adds nothing.
 *
 * `warmup` iterations run first, then `measured` ones; results are the
 * mean over the measured ones (steady state). The model is deterministic,
 * so every steady iteration is the same: warm-up only fills the input
 * buffer and the collsim memo.
 */
#ifndef DT_ITER_H
#define DT_ITER_H

#include <stddef.h>
#include <stdint.h>

#include "coll.h"
#include "collsim.h"
#include "err.h"

/* One interval of the timeline (for --trace). */
enum iter_lane { ITER_LANE_INPUT = 0, ITER_LANE_COMPUTE = 1, ITER_LANE_COMM = 2 };
struct iter_event {
    int lane;                   /* enum iter_lane */
    char name[24];              /* "forward", "backward", "all-reduce 3", ... */
    double t0_s, t1_s;          /* s, from the start of the traced step */
    double bytes;               /* all-reduce: bytes per GPU; else 0 */
};
#define ITER_MAX_EVENTS 256
struct iter_trace {
    int n;                      /* events recorded (of the last measured step) */
    struct iter_event ev[ITER_MAX_EVENTS];
};

struct iter_model {
    size_t nlayers;
    const double *fwd_s;        /* s per layer, forward order */
    const double *bwd_s;        /* s per layer (backward of layer i) */
    const double *grad_bytes;   /* bytes per layer on the wire (params * gradient element size) */
    double optimizer_s;         /* s per step */
    struct coll_params coll;    /* algorithm, nranks, gpus_per_node, grid, dtype; count is set per bucket */
    double bucket_bytes;        /* fusion threshold, bytes (> 0) */
    int mode;                   /* enum collsim_mode */
    double input_s;             /* s for a node to read and decode one step's images; 0 = not modelled */
    int prefetch;               /* batches buffered ahead, >= 1 */
    int warmup;                 /* iterations before measuring, >= 0 */
    int measured;               /* iterations measured, >= 1 */
    struct iter_trace *trace;   /* when not NULL: the last step's timeline */
};

struct iter_result {
    double step_s;              /* s, one steady step */
    double forward_s;           /* s */
    double backward_s;          /* s */
    double exposed_comm_s;      /* s, all-reduce time not hidden behind backward */
    double optimizer_s;         /* s */
    double input_stall_s;       /* s, waiting for the input pipeline */
    double allreduce_s;         /* s, all-reduce busy time per step (hidden or not) */
    int buckets;                /* all-reduces per step */
    double first_bucket_bytes;  /* bytes of the first (largest-layers) bucket */
    struct collsim_stats coll;  /* summed over the measured iterations' all-reduces */
};

/* Number of buckets and their element counts, in the order they are
 * all-reduced. counts may be NULL (to size it). */
int iter_buckets(const struct iter_model *m, uint64_t *counts, size_t max);

/* From inside a running SimGrid actor (collsim needs one): simulate
 * warmup + measured steps and fill r. */
int iter_run(struct collsim *cs, const struct iter_model *m, struct iter_result *r, dt_err *e);

#endif
