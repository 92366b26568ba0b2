/* stackfit.h -- a [stack NAME] row measured from one torch.profiler trace
 * (`dtsim calibrate-stack --trace`, docs/calibrate.md).
 *
 * Every value is read off the trace (traces/kineto.h) or taken from a base
 * stack, never tuned to make the step come out right:
 *
 *   kernels     per layer kind and pass: the kernels the trace's ops of that
 *               kind started (kineto_op_kind), divided by the model's layers
 *               of the kind, rounded; under amp the casts inside forward
 *               matrix ops are kernels_amp. Ops of no kind (aten::to,
 *               AccumulateGrad, ...) start kernels the row does not list:
 *               their host time is still counted (below), their GPU time
 *               is in the "other" kernel speed;
 *   dispatch    per pass, the host time of the pass's top-level ops and of
 *               the host's time outside every op within the pass (Python
 *               between ops, autograd's engine between nodes, the
 *               optimizer's loop), less the time spent waiting in
 *               synchronizing calls, divided by the kernels the row gives
 *               this model in that pass: the host time of a pass is the
 *               trace's whatever the count;
 *   optimizer   its kernels: a number per layer with parameters when there
 *               are at least as many as such layers (a per-tensor loop),
 *               else a fixed number (a fused or foreach optimizer);
 *   step_host   the host's time outside every op and DataLoader span
 *               before the first forward layer op and after the last pass
 *               (the training loop between steps);
 *   queue       the most kernels in flight at once, or the base stack's
 *               queue when that is deeper (a trace bounds the queue from
 *               below only);
 *   sync        step when the host waited at the start or end of the step
 *               or inside the model, optimizer when only between backward
 *               and the optimizer's end, none when it never waited;
 *   kernel_eff  on the trace's GPU architecture: the reference kernels'
 *               time of the matrix layers (conv, fc, matmul; compute.h,
 *               the [compute ARCH] row, less the launch term) over the
 *               traced GPU time of the matrix ops; likewise every other
 *               kernel (other layers, the optimizer, ops of no kind);
 *   the rest    optimizer placement, overlap, tf32, decode_per_core and
 *               year from the base stack (`dtsim calibrate-stack` sets the
 *               year from the trace's timestamps where they are wall-clock
 *               time, as Kineto's are).
 *
 * The traced step is the ProfilerStep span less its DataLoader spans and
 * the host's idle time right after each (the loop handling the batch the
 * loader returned): the input pipeline is dtsim's [input] model, not the
 * stack's.
 */
#ifndef DT_STACKFIT_H
#define DT_STACKFIT_H

#include "catalog.h"
#include "compute.h"
#include "dnn.h"
#include "err.h"
#include "kineto.h"
#include "stack.h"

struct stackfit_in {
    const struct kineto_info *info;
    const struct trace *t;
    const struct dnn_net *net;        /* built with the trace's activation element size */
    struct compute_gpu gpu;
    const char *arch;                 /* the GPU row's architecture */
    struct compute_params cp;         /* the [compute ARCH] row (speed ignored) */
    enum compute_prec prec;
    const struct stack *base;         /* fixed values come from it */
    const char *name;                 /* the new row's name */
    const char *source;               /* its source line */
};

struct stackfit_out {
    struct stack s;                   /* the row; name and source point into the input */
    char fitted[96];
    double kind_ref_s[KINETO_NCLS];   /* reference GPU time per kind, fwd + bwd (KINETO_OTHER: the optimizer) */
    double kind_gpu_s[KINETO_NCLS];   /* traced GPU time per kind, all passes */
    long long kind_kernels[KINETO_NCLS];
    int kind_layers[DNN_NKINDS];      /* the model's layers of each kind */
    double matrix_ref_s, matrix_gpu_s, other_ref_s, other_gpu_s;
    double host_s[3];                 /* per pass, waits excluded */
    long long trace_kernels[3];       /* per pass */
    int model_kernels[3];             /* what the row gives this model, per pass */
    double step_s;                    /* the traced step less its input */
};

/* Fill in's gpu, arch, cp and prec from the GPU row g and its [compute]
 * row cc; bf16: the 16-bit rate is the row's bf16 one. */
void stackfit_gpu(struct stackfit_in *in, const struct catalog_gpu *g, const struct catalog_compute *cc,
                  enum compute_prec prec, int bf16);

int stackfit(const struct stackfit_in *in, struct stackfit_out *o, dt_err *e);

/* One steady training step of net at `batch` on one GPU under stack s
 * (models/kstream.h, synthetic input), seconds; < 0 with e filled. */
double stackfit_step_s(const struct stack *s, const struct dnn_net *net, long long batch, enum compute_prec prec,
                       const struct compute_gpu *gpu, const char *arch, const struct compute_params *cp, dt_err *e);

#endif
