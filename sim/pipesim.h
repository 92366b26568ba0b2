/* pipesim.h -- one training step of a model split by tensor, pipeline and
 * data parallelism (models/layout.h), simulated on a loaded SimGrid
 * platform (sim/platform.h): the pipeline bubble, the exposed TP and DP
 * communication and the optimizer come out of the simulation.
 *
 * Actors. One actor per pipeline stage s of DP replica 0, on the host of
 * rank layout_rank(l, 0, s, 0). It runs the schedule's list of forward and
 * backward passes over the model chunks it holds (chunk c on stage
 * c mod PP; v = l->vstages chunks per stage):
 *   gpipe        every forward (m of them), then every backward
 *   1f1b         PipeDream-Flush: min(PP - s - 1, m) warm-up forwards,
 *                then one forward one backward, then the cool-down
 *                backwards (Narayanan et al. 2021, section 2.2)
 *   interleaved  Megatron-LM's interleaved 1F1B over v chunks per stage
 *                (ibid., section 2.2.2): microbatches in groups of PP
 *                (m % PP == 0, checked by layout_from_experiment)
 * A forward of microbatch j on chunk c > 0 starts when chunk c-1's
 * activation for j has arrived; a backward when chunk c+1's input
 * gradient has arrived (the last chunk: after its own forward).
 *
 * A pass is its op list (struct pipe_op), run in order:
 *   PIPE_COMPUTE    sleep `seconds` (the GPU's time for that part, from
 *                   the compute model; TP already divided in)
 *   PIPE_TP_*       a collective of `bytes` per GPU among the stage's TP
 *                   GPUs (ring: all-reduce 2(t-1) steps, reduce-scatter and
 *                   all-gather t-1 steps of bytes/t per GPU), every
 *                   message a SimGrid flow on the node's links;
 *                   a repeat of the same (kind, bytes) on the same stage is
 *                   memoised: a sleep of the first run's duration
 *   PIPE_DP_ALLGATHER  ZeRO-3's weight gather: an all-gather of `bytes`
 *                   per GPU over the stage's DP group (below); memoised
 *                   per (bytes) on the stage as the TP collectives are
 * Activations between stages: after a forward of chunk c (not the last),
 * each of the TP GPUs of c's stage sends act_bytes / TP to the same TP
 * rank of chunk c+1's stage (Megatron's scatter-gather of the pipeline
 * tensor), and a backward sends the input gradient back the same way;
 * the receiving actor waits for all TP flows. These are SimGrid flows:
 * they share NICs and uplinks with the DP reduction.
 *
 * DP reduction, overlapped with backward: during the last backward pass of
 * each chunk, after each of its PIPE_COMPUTE ops the gradients of that
 * op's share (grad_bytes x seconds / backward compute seconds) become
 * ready; they are reduced in buckets of at least `bucket_bytes` by a
 * second actor per stage, so the reduction runs beside the backward. The
 * collective (zero 0 and 1: all-reduce; zero >= 2: reduce-scatter) is a
 * ring over the DP GPUs of that stage with the same TP rank, for every TP
 * rank and every replica at once (TP x DP rings, each of 2(DP-1) or DP-1
 * steps of bytes/DP): every flow of a step is a SimGrid flow, so the rings
 * of one stage contend on NICs and uplinks with each other and with the
 * pipeline's flows. The steps of a ring are congruent: the first two are
 * simulated and the rest cost the second's duration (docs/sim.md, "Runs of
 * congruent steps"). After the last bucket: the optimizer (sleep
 * optimizer_s), then under zero >= 1 an all-gather of the updated weights
 * (grad_bytes in 16-bit) over the same rings.
 * A collective library (commlib.h; NULL = ideal) adds its per-call cost
 * and each step's latency (commlib_round_lat_s) to every TP and DP
 * collective, and sends bytes / commlib_share, as collsim does.
 *
 * Symmetry: only replica 0's pipeline runs actors; the other replicas do
 * the same at the same times. Their DP flows are simulated (above); their
 * point-to-point flows are not (an approximation: those use other nodes'
 * NICs, and share only uplinks; docs/sim.md).
 *
 * Step time: the last stage actor's end (optimizer and weight gather
 * included). Breakdown of the stage that ends last (the critical stage):
 *   compute      its PIPE_COMPUTE seconds
 *   tp           its TP collective seconds (never hidden: in the layer's
 *                critical path)
 *   dp_exposed   from its last backward's end to the reduction's end
 *                (plus its PIPE_DP_ALLGATHER ops, which are in the passes)
 *   optimizer    optimizer_s (+ the weight gather under ZeRO)
 *   bubble       step - the four above (waiting for other stages)
 */
#ifndef DT_PIPESIM_H
#define DT_PIPESIM_H

#include "commlib.h"
#include "err.h"
#include "layout.h"
#include "platform.h"

enum pipe_op_kind {
    PIPE_COMPUTE = 0,
    PIPE_TP_ALLREDUCE = 1,
    PIPE_TP_REDUCE_SCATTER = 2,
    PIPE_TP_ALLGATHER = 3,
    PIPE_DP_ALLGATHER = 4
};

struct pipe_op {
    int kind;                 /* enum pipe_op_kind */
    double seconds;           /* PIPE_COMPUTE: GPU seconds */
    double bytes;             /* collectives: bytes per GPU (the whole buffer, before any split) */
};

/* One model chunk (virtual stage): what one microbatch costs on it. */
struct pipe_chunk {
    const struct pipe_op *fwd; int nfwd;   /* forward of one microbatch */
    const struct pipe_op *bwd; int nbwd;   /* backward of one microbatch (recompute forward first, when any) */
    double grad_bytes;        /* gradient bytes per GPU of this chunk, reduced over DP */
};

struct pipe_model {
    struct layout l;          /* tp, pp, dp, vstages, microbatches, sched, zero, place */
    const struct pipe_chunk *chunks; /* pp x vstages of them, chunk c on stage c % pp */
    double act_bytes;         /* bytes of one microbatch's activation between chunks (whole tensor) */
    double bucket_bytes;      /* DP reduction bucket, bytes per GPU (>= 1) */
    double optimizer_s;       /* per stage, after its DP reduction; the largest stage's */
    const struct commlib *lib;/* NULL = ideal */
};

struct pipe_stage_stats {
    double compute_s, tp_s, dp_exposed_s, optimizer_s, bubble_s; /* s */
    double end_s;             /* s: when the stage finished its step */
    double dp_busy_s;         /* s: its DP reduction's busy time (hidden or not) */
};

struct pipe_result {
    double step_s;            /* s */
    int critical;             /* stage that ends last */
    double compute_s, tp_s, dp_exposed_s, optimizer_s, bubble_s; /* of the critical stage, s */
    double dp_busy_s;         /* s, critical stage's DP reduction busy time */
    double p2p_bytes;         /* bytes sent between stages by replica 0, one step */
    double dp_bytes;          /* bytes sent by one GPU for DP, one step */
    long long flows;          /* SimGrid flows simulated */
    int nstages;
    struct pipe_stage_stats *stage; /* [pp], owned; pipe_result_free */
};

/* Chrome trace: one lane per stage; times from the step's start. */
struct pipe_event {
    int stage;                /* lane */
    char name[24];            /* "F 3", "B 3", "F 3.c1" (chunk), "DP 2", "optimizer", "TP" not recorded */
    double t0_s, t1_s;
};
struct pipe_trace {
    int n, cap;               /* caller sets cap and ev (or cap 0: no trace) */
    struct pipe_event *ev;
};

/* After platform_load() of a cluster with tp x pp x dp GPUs: run the step
 * (initialises actors, calls simgrid_run once). Checks m (counts >= 1,
 * chunks given, ops non-negative, vstages 1 unless interleaved) before
 * starting. tr may be NULL. */
int pipesim_run(const struct sim_cluster *c, const struct pipe_model *m, struct pipe_result *r,
                struct pipe_trace *tr, dt_err *e);
void pipe_result_free(struct pipe_result *r);

/* The 1F1B bubble of a balanced pipeline, for tests: (p - 1) / (m + p - 1). */
double pipe_bubble_fraction(int p, int m);

#endif
