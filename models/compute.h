/* compute.h -- GPU compute time of a DNN, layer by layer (roofline).
 *
 * For layer l, pass p (forward, or backward = data + weight gradients),
 * per-GPU batch b, on a GPU with peak rate P and memory bandwidth BW:
 *
 *     F     = flops(l, p) * b                      (dnn.h conventions)
 *     eff   = eff_max(prec) [x bwd_eff in backward, matrix layers]
 *             * F / (F + P * ramp)             small kernels fill the GPU badly
 *     bytes = dnn_layer_{fwd,bwd}_bytes(l, b, E)
 *     t     = max(F / (P * eff), bytes / (BW * mem_eff)) / speed + kernels * launch
 *
 *   P       matrix layers (conv, fc, matmul): in fp32 the larger of the fp32
 *           and tf32 rates (frameworks run fp32 matrices as TF32 on chips
 *           that have it, as PyTorch and TensorFlow do by default); in
 *           fp16/amp the fp16 (tensor-core) rate, or the fp32 rate when the
 *           chip's fp16 rate is lower (P40: math stays in fp32). Other
 *           layers: the fp32 ALU rate at full efficiency (they are memory
 *           bound; eff_max describes matrix kernels only).
 *   eff_max fitted per architecture and precision class (fp32, fp16) on
 *           single-GPU throughput only (dtsim calibrate-compute); an arch
 *           with no point of its own borrows another's, stated in the file.
 *   bwd_eff backward matrix kernels (data and weight gradients) reach this
 *           fraction of the forward efficiency (fitted on training points).
 *   ramp    the fill-and-drain time of a matrix kernel: a kernel of F = P*ramp
 *           FLOPs reaches half of eff_max (cuBLAS GEMMs reach half of peak
 *           near M=N=K=1024, about 2 GFLOP, i.e. ~16 us on a V100's 125 TFLOPS).
 *   speed   the training stack's kernels against the reference ones the
 *           row was fitted on (stack.h kernel_eff): matrix layers and the
 *           rest apiece; 1 for the reference stack.
 *   ramp, mem_eff, launch: fixed assumptions, written in the calibration
 *           file with their reasons, never fitted per experiment.
 *   E       activation element size: 4 in fp32, 2 in fp16/amp.
 *   kernels forward 1; backward 1 per non-empty gradient (data, weight).
 *
 * Optimizer (SGD with momentum on fp32 master weights): per parameter read
 * w, g, m and write w, m (20 bytes), plus the fp16 weight copy in amp
 * (2 more): params * bytes / (BW * mem_eff) / speed[1] + launch.
 *
 * One training step on one GPU = sum(forward) + sum(backward) + optimizer.
 */
#ifndef DT_COMPUTE_H
#define DT_COMPUTE_H

#include "dnn.h"
#include "err.h"

enum compute_prec { COMPUTE_FP32 = 0, COMPUTE_FP16 = 1 }; /* fp16 = amp: fp16 math, fp32 master */

/* What the model needs of a GPU (from its catalog row). */
struct compute_gpu {
    double fp32_flops;     /* flop/s, plain ALU peak */
    double tf32_flops;     /* flop/s, TF32 tensor-core peak; 0 = none */
    double fp16_flops;     /* flop/s, tensor-core (or packed ALU) peak; 0 = none */
    double mem_bw_Bps;     /* bytes/s, device memory */
};

/* Fitted and assumed parameters of one GPU architecture. */
struct compute_params {
    double eff_max[2];     /* fraction of peak reached by big matrix kernels, by enum compute_prec */
    double ramp_s;         /* seconds: kernel fill/drain; F = P*ramp_s reaches half of eff_max */
    double bwd_eff;        /* fraction: backward matrix efficiency relative to forward (0, 1] */
    double mem_eff;        /* bandwidth reached / peak, on the bytes counted (above 1: kernels fuse and move fewer) */
    double launch_s;       /* seconds per kernel: launch and framework overhead */
    double speed[2];       /* the stack's kernel speed against the reference kernels (stack.h):
                            * [0] matrix layers, [1] every other kernel and the optimizer;
                            * a layer's time is divided by it; 0 means 1 (reference) */
};

/* Per-layer times of one step, seconds, arrays of net->nlayers. */
struct compute_times {
    double *fwd_s;         /* forward, per layer */
    double *bwd_s;         /* backward (data + weight gradients), per layer */
    double fwd_total_s;
    double bwd_total_s;
    double optimizer_s;
};

/* Matrix peak for a precision (see P above). */
double compute_matrix_peak(const struct compute_gpu *g, enum compute_prec prec);

/* Time of one layer pass; `bwd` 0 forward, 1 backward. */
double compute_layer_s(const struct dnn_layer *l, int bwd, int64_t batch, enum compute_prec prec,
                       const struct compute_gpu *g, const struct compute_params *p);

/* Fill t (allocating its arrays) for a whole net at per-GPU batch `batch`.
 * Returns 0, DT_EINVAL for a batch < 1 or a non-positive parameter,
 * DT_ENOMEM. */
int compute_net(const struct dnn_net *net, int64_t batch, enum compute_prec prec,
                const struct compute_gpu *g, const struct compute_params *p,
                struct compute_times *t, dt_err *e);
void compute_times_free(struct compute_times *t);

/* Single-GPU training throughput (images or samples per second). */
double compute_throughput(const struct compute_times *t, int64_t batch);

#endif
