/* calib.h -- fit the compute model (compute.h) and training stacks
 * (stack.h) on single-GPU and single-node measurements.
 *
 * A calibration point is one published or measured figure of one GPU or
 * one node, run by one stack:
 *   train      images/s of whole training steps (forward, backward, the
 *              node's all-reduce when gpus > 1, optimizer), for the node
 *   inference  images/s of forward passes alone (the host waits for each)
 *   backward   seconds of one backward pass: from the end of forward to the
 *              end of backward on the GPU, inside a training step
 *   matrix-fwd, matrix-bwd
 *              seconds of GPU time of the matrix layers alone (conv, fc,
 *              matmul) in forward or backward (data + weight gradients), as
 *              a `dtbench compute` trace measures them (docs/traces.md):
 *              kernel time only, no stack and no launch overhead
 * at a given model, precision and per-GPU batch.
 *
 * The prediction of a train, inference or backward point is the stack's
 * step simulated in plain C (kstream.h: host, launch queue, GPU, the
 * node's all-reduce in closed form with its collective library, the input
 * pipeline), never a formula
 * for the step; `dtsim run` simulates the same stream with SimGrid actors
 * (tests check they agree).
 *
 * The fit chooses the free parameters (arch rows: eff_fp32, eff_fp16,
 * launch, ramp, mem_eff, bwd_eff; stack rows: a dispatch scale, step_host,
 * kernel speed factors, decode rate, host memory bandwidth) that minimise
 *
 *     sum_i  log(predicted_i / measured_i)^2
 *
 * by Nelder-Mead on unbounded variables (logit of a bounded value, log of
 * a positive one), from fixed starting values and a fixed iteration budget,
 * so the same points always give the same digits. A parameter whose
 * optimum sits on a bound is flagged (calibrate-compute warns).
 *
 * Honesty rule (shared/DESIGN.md): only single-GPU or single-node figures
 * are fitted; nothing here sees a multi-node result.
 */
#ifndef DT_CALIB_H
#define DT_CALIB_H

#include "commlib.h"
#include "compute.h"
#include "stack.h"

enum calib_mode { CALIB_TRAIN = 0, CALIB_INFERENCE = 1, CALIB_BACKWARD = 2, CALIB_MATRIX_FWD = 3, CALIB_MATRIX_BWD = 4 };

struct calib_point {
    const char *name;          /* row name, for messages */
    const struct dnn_net *net;
    struct compute_gpu gpu;
    const char *arch;          /* the gpu row's architecture */
    enum compute_prec prec;
    const char *prec_name;     /* as the point writes it: "fp32", "amp", "bf16" (NULL: from prec) */
    int64_t batch;             /* per GPU */
    enum calib_mode mode;
    double value;              /* images/s (train: the node's; inference) or seconds (backward, matrix-*) */
    const struct stack *stack; /* the stack that ran it; NULL: the ideal stack */
    int tf32;                  /* -1: the stack's default; 0: TF32 off; 1: on */
    int gpus;                  /* GPUs in the node (train), >= 1 */
    double intra_bw_Bps;       /* the node's GPU link, per direction (gpus > 1) */
    double intra_lat_s;
    const char *algorithm;     /* the node's all-reduce (gpus > 1) */
    const struct commlib *lib; /* its collective library (NULL: ideal) */
    double bucket_bytes;       /* gradient fusion bucket */
    int grad_elem;             /* gradient bytes per element on the wire (2 or 4) */
    int cpu_cores;             /* real data: cores decoding for the node; 0 = synthetic data */
    double host_link_bw_Bps;   /* optimizer = cpu: the GPU-host link */
};

/* What the model predicts for a point (same unit as its value) with the
 * architecture parameters p, and the point's stack. The stack's kernel
 * speed on the point's architecture multiplies into p's. Returns NaN when
 * the prediction fails (a stack without a fit for the arch). */
double calib_predict(const struct calib_point *pt, const struct compute_params *p);

/* ---- the fit ------------------------------------------------------------ */

enum calib_xform { CALIB_X_LOG = 0, CALIB_X_RANGE = 1 };

struct calib_param {
    char name[64];             /* "eff_fp32", "caffe2-2017:step_host" */
    double *slot;              /* the value fitted */
    enum calib_xform x;        /* LOG: (0, inf); RANGE: (lo, hi) through a logit */
    double lo, hi;
    int at_bound;              /* out: the optimum sits within 0.1% of a bound */
};

struct calib_problem {
    const struct calib_point *pts;
    const struct compute_params *const *cp; /* [n] each point's architecture parameters */
    size_t n;
    struct calib_param *par;
    int npar;
    void (*apply)(void *ctx);  /* after the slots are set: derived values (may be NULL) */
    void *ctx;
};

/* Fit the parameters of pb on its points; leaves the optimum in the slots.
 * rms_log is the root mean square of log(predicted/measured) there. */
int calib_solve(struct calib_problem *pb, double *rms_log, dt_err *e);

/* rms of log(predicted/measured) with the slots as they are. */
double calib_rms(const struct calib_problem *pb);

#endif
