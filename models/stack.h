/* stack.h -- a training stack: the software between the model and the
 * silicon, as a catalog row [stack NAME] (DESIGN.md idea 4).
 *
 * What a GPU achieves depends on what drives it. A stack row says, for one
 * framework of one year:
 *
 *   host       a host thread issues every kernel of the step, one after
 *              the other, each costing `dispatch` seconds of host time
 *              (forward, backward and optimizer kernels apiece), after a
 *              fixed `step_host` per step (the Python loop, feeding the
 *              batch, bookkeeping);
 *   kernels    how many kernels each layer kind launches in forward and in
 *              backward (`kernels = conv:1/2, bn:1/1, ...`), how many extra
 *              forward kernels a matrix layer launches under amp (its
 *              weight cast), and the optimizer's kernels (a fixed number
 *              plus a number per layer with parameters);
 *   queue      how far the host may run ahead: kernel k can be issued only
 *              once kernel k - queue has finished on the GPU; 0 is
 *              synchronous (the host waits for every kernel);
 *   sync       where the host waits for the GPU to drain: none, before the
 *              optimizer (amp's loss-scale check reads a flag), or at the
 *              end of every step (a framework that fetches the loss);
 *   optimizer  on the GPU, or a CPU parameter server: gradients copied to
 *              the host over PCIe, the update on the CPU at `host_mem_bw`,
 *              weights copied back (2017 TensorFlow);
 *   overlap    whether gradient all-reduces start during backward (Caffe2,
 *              Horovod, DDP) or after it (ChainerMN 1.x);
 *   kernel_eff per GPU architecture, how fast this stack's kernels run
 *              against the reference kernels the [compute ARCH] row was
 *              fitted on: `kernel_eff = Pascal:0.62/0.80` divides the time
 *              of matrix layers by 0.62 and of every other kernel by 0.80;
 *   decode_per_core
 *              images/s one CPU core of this stack's input pipeline decodes
 *              (0: the cluster's CPU row);
 *   tf32       fp32 matrices run on TF32 tensor cores where the chip has
 *              them (the framework's default).
 *
 * With the queue deep, a step lasts max(host, GPU) (the host-bound floor of
 * small batches); synchronous, the sum; the knee between the two comes out
 * of simulating the host and the GPU (models/kstream.h, sim/iter.h), never
 * out of a formula.
 *
 * Rows are fitted by `dtsim calibrate-compute` on the stack's own single-GPU
 * and single-node points (configs/calibration/compute-points.ini) and
 * written to configs/catalog/stacks.ini; a user may add rows by hand.
 *
 * The name `none` is the ideal stack: no host cost, a kernel per layer and
 * pass, reference kernels, overlap on: what the silicon could do.
 */
#ifndef DT_STACK_H
#define DT_STACK_H

#include "dnn.h"
#include "err.h"

#include <stdio.h>

enum stack_sync { STACK_SYNC_NONE = 0, STACK_SYNC_OPTIMIZER = 1, STACK_SYNC_STEP = 2 };
enum stack_optimizer { STACK_OPT_GPU = 0, STACK_OPT_CPU = 1 };
enum stack_pass { STACK_FWD = 0, STACK_BWD = 1, STACK_OPT = 2 };

#define STACK_MAX_ARCH 12
#define STACK_ARCH_NAME 24

/* A stack's kernel speed on one architecture, against the reference. */
struct stack_eff {
    char arch[STACK_ARCH_NAME];  /* "Pascal" (a gpu row's arch) */
    double matrix;               /* factor on matrix-layer speed (conv, fc, matmul), > 0 */
    double memory;               /* factor on every other kernel's speed (and the optimizer's), > 0 */
};

struct stack {
    const char *name;            /* "caffe2-2017" */
    const char *framework;       /* "Caffe2" */
    const char *version;         /* "0.8" */
    int year;
    double dispatch_s[3];        /* host seconds per kernel, by enum stack_pass */
    int kernels[DNN_NKINDS][2];  /* kernels per layer of a kind: [kind][0] forward, [kind][1] backward */
    int kernels_amp;             /* extra forward kernels per matrix layer with weights under amp/fp16 (casts) */
    int opt_kernels;             /* optimizer kernels per step, fixed part */
    double opt_kernels_per_layer;/* optimizer kernels per layer with parameters */
    double step_host_s;          /* fixed host seconds per step */
    int queue;                   /* launch-queue depth in kernels; 0 = synchronous */
    enum stack_sync sync;
    enum stack_optimizer optimizer;
    double host_mem_bw_Bps;      /* bytes/s of the CPU update (optimizer = cpu) */
    const char *host_link;       /* [link] row the parameter-server copies cross (optimizer = cpu) */
    int overlap;                 /* 1: buckets all-reduced during backward; 0: after it */
    int tf32;                    /* 1: fp32 matrices on TF32 where the chip has it */
    double decode_per_core;      /* images/s per core of the input pipeline; 0 = the CPU row's */
    struct stack_eff eff[STACK_MAX_ARCH];
    int neff;
    const char *fitted;          /* what calibrate-compute fitted, "" for a hand-written row */
    const char *source;
    const char *file;            /* where the row was read, for messages */
    int line;
};

/* The ideal stack (`none`). */
void stack_ideal(struct stack *s);

/* Kernel speed factors of s on `arch`. DT_ENOENT with the architectures it
 * has ("stack 'caffe2-2017' has no fit for Volta (it has: Pascal)"). */
int stack_eff_for(const struct stack *s, const char *arch, double *matrix, double *memory, dt_err *e);

/* Parse "conv:1/2, bn:1/1" into kernels[][] (kinds not named keep their
 * value). "kind:N" alone sets forward and backward to N. Errors name the
 * kind with a suggestion. */
int stack_parse_kernels(const char *text, int kernels[DNN_NKINDS][2], dt_err *e);
/* Parse "Pascal:0.62/0.80, Volta:1" into eff[] (a single number sets both). */
int stack_parse_eff(const char *text, struct stack_eff *eff, int max, int *n, dt_err *e);

/* Inverse of the parsers, for listings and generated rows. */
void stack_format_kernels(char *buf, size_t len, const int kernels[DNN_NKINDS][2]);
void stack_format_eff(char *buf, size_t len, const struct stack_eff *eff, int n);

/* Write "[stack NAME]" and its keys from framework to kernel_eff, as
 * configs/catalog/stacks.ini holds them (the caller adds fitted, source
 * and comments). */
void stack_write_keys(FILE *f, const struct stack *s);

const char *stack_sync_name(enum stack_sync s);       /* "none", "optimizer", "step" */
const char *stack_optimizer_name(enum stack_optimizer o); /* "gpu", "cpu" */

#endif
