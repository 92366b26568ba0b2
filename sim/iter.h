/* iter.h -- one data-parallel training step, simulated in SimGrid: the
 * host that issues kernels, the GPU that runs them, the all-reduce stream
 * and the input pipeline.
 *
 * Every GPU runs the same kernels on the same per-GPU batch, so one host
 * and one GPU actor stand for all of them (exactly equivalent: the model
 * has no per-GPU noise, and all GPUs hand their buckets to the all-reduce
 * at the same instant). The all-reduce itself is simulated for every rank
 * by collsim (contention on every link). Four actors, on the semantics of
 * models/kstream.h (the plain-C reference this file must agree with):
 *
 *   host     per step: take a batch (waiting = input stall), step_host,
 *            then per kernel of the stream: dispatch time, wait for a slot
 *            in the launch queue (kernel seq - queue finished), issue; at a
 *            sync point wait until the GPU has finished that kernel
 *   gpu      (the calling actor) per kernel: wait until issued (= waiting
 *            for the host), the first optimizer kernel also for the step's
 *            last all-reduce (= exposed communication), run; a kernel that
 *            closes a gradient bucket hands it to comm as it ends (or all
 *            buckets when backward ends, for stacks without overlap)
 *   comm     all-reduce buckets one after the other, in order (one stream,
 *            as NCCL and Horovod do), each with collsim_run()
 *   input    per node: produce one step's images every input_s, into a
 *            buffer of `prefetch` batches (absent when input_s == 0)
 *
 *   host |sh|dispatch fwd.......|dispatch bwd...........|   |opt|
 *   gpu      |--fwd--|-----------bwd-----------|(exposed)|opt|
 *   comm                  [ar b0 ][ar b1  ][ar b2  ]
 *
 * With a deep queue the step is max(host, GPU) once the host is ahead; with
 * queue 0 the sum; the knee in between is what the actors do, not a formula.
 *
 * `warmup` iterations run first, then `measured` ones; results are the
 * mean over the measured ones (steady state). A step is the interval
 * between the ends of two consecutive steps on the GPU.
 */
#ifndef DT_ITER_H
#define DT_ITER_H

#include <stddef.h>
#include <stdint.h>

#include "coll.h"
#include "collsim.h"
#include "err.h"
#include "kstream.h"

/* One interval of the timeline (for --trace). */
enum iter_lane { ITER_LANE_INPUT = 0, ITER_LANE_HOST = 1, ITER_LANE_COMPUTE = 2, ITER_LANE_COMM = 3, ITER_NLANES = 4 };
struct iter_event {
    int lane;                   /* enum iter_lane */
    char name[32];              /* "forward", "dispatch backward", "all-reduce 3", ... */
    double t0_s, t1_s;          /* s, from the start of the traced step */
    double bytes;               /* all-reduce: bytes per GPU; else 0 */
};
#define ITER_MAX_EVENTS 256
struct iter_trace {
    int n;                      /* events recorded (of the last measured step) */
    struct iter_event ev[ITER_MAX_EVENTS];
};

struct iter_model {
    const struct kstream *ks;   /* the step's kernels and buckets (models/kstream.h) */
    struct coll_params coll;    /* algorithm, nranks, gpus_per_node, grid, dtype; count is set per bucket */
    int mode;                   /* enum collsim_mode */
    double input_s;             /* s for a node to read and decode one step's images; 0 = not modelled */
    int prefetch;               /* batches buffered ahead, >= 1 */
    int warmup;                 /* iterations before measuring, >= 0 */
    int measured;               /* iterations measured, >= 1 */
    struct iter_trace *trace;   /* when not NULL: the last step's timeline */
};

struct iter_result {
    double step_s;              /* s, one steady step */
    double forward_s;           /* s, GPU busy in forward kernels */
    double backward_s;          /* s, GPU busy in backward kernels */
    double exposed_comm_s;      /* s, the GPU waiting for the all-reduce */
    double optimizer_s;         /* s, GPU busy in optimizer kernels */
    double input_stall_s;       /* s, the GPU idle while the host waited for the input pipeline */
    double host_s;              /* s, the GPU idle waiting for the host to issue kernels */
    double allreduce_s;         /* s, all-reduce busy time per step (hidden or not) */
    double warmup_s;            /* s, the warm-up steps together (pipeline fill included) */
    int buckets;                /* all-reduces per step */
    double first_bucket_bytes;  /* bytes of the first (largest-layers) bucket */
    struct collsim_stats coll;  /* summed over the measured iterations' all-reduces */
};

/* From inside a running SimGrid actor (collsim needs one): simulate
 * warmup + measured steps and fill r. */
int iter_run(struct collsim *cs, const struct iter_model *m, struct iter_result *r, dt_err *e);

#endif
