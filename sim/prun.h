/* prun.h -- `dtsim run` of an experiment with a [parallel] section: a
 * transformer split by tensor, pipeline and data parallelism
 * (models/layout.h), its step simulated by sim/pipesim.h.
 *
 * From the experiment to the pipeline's op lists:
 *
 *   layer table   dnn_build of the transformer row (overrides applied) at
 *                 the sequence length, 16-bit elements (4 in fp32)
 *   TP split      every layer of a block divided by t (its GEMMs, attention
 *                 heads and FFN columns are split over the TP GPUs: FLOPs,
 *                 bytes, parameters), except LayerNorm/RMSNorm and the
 *                 residual adds, which every TP GPU runs whole unless
 *                 sequence_parallel splits them too; the embedding and the
 *                 LM head are vocabulary-parallel (divided by t)
 *   times         compute_layer_s (models/compute.h) of each TP-split layer
 *                 at the microbatch, with the stack's kernel speed; a pass
 *                 that the stack's host issues slower than the GPU runs it
 *                 (kernels x dispatch) is host-bound and takes the host's time
 *   ops per block forward   attention part, TP collective, MLP part, TP
 *                 collective: all-reduces of s b h x E bytes, or with
 *                 sequence parallelism an all-gather before and a
 *                 reduce-scatter after each part (Korthikanti et al. 2022)
 *                 backward   the same in reverse (the conjugate collectives);
 *                 full recompute runs the block's forward (with its
 *                 collectives) first, selective recompute the attention
 *                 core (scores, softmax, context) without collectives
 *   chunks        blocks split evenly over PP x v chunks; chunk 0 adds the
 *                 embedding, the last chunk the final norm and the head
 *   gradients     each chunk's parameters per GPU x the gradient size
 *                 (model.grad_precision), reduced over DP by pipesim
 *   optimizer     mixed-precision Adam: 28 bytes of memory traffic a
 *                 parameter (read fp32 weight, 16-bit gradient, m, v; write
 *                 weight, m, v and the 16-bit copy) [U], over the GPU's
 *                 memory bandwidth, divided by DP under ZeRO >= 1
 *
 * Outputs: step, tokens/s, model TFLOP/s per GPU (6N + attention, no
 * recompute) and MFU against the GPU's dense 16-bit peak (fp32 peak in
 * fp32), the same counting recompute (Megatron-LM's per-GPU figure),
 * memory per GPU (layout_mem), time to train (training.tokens, or epochs
 * of training.dataset_images sequences).
 */
#ifndef DT_PRUN_H
#define DT_PRUN_H

#include "catalog.h"
#include "compute.h"
#include "stack.h"
#include "experiment.h"
#include "pipesim.h"
#include "run.h"

#include <stdio.h>

/* run_check's part for [parallel] experiments (replaces the data-parallel
 * memory check): one batch phase, the layout (layout_from_experiment) and
 * its memory on the GPU row. Errors name file:line. */
int prun_check(const struct experiment *x, const struct catalog *cat, dt_err *e);

/* The layout of x and its memory per GPU, with the GPU row's capacity
 * (bytes), without refusing (dtsim config prints it). */
int prun_memory(const struct experiment *x, const struct catalog *cat, struct layout *l, struct layout_mem *m,
                double *cap, dt_err *e);

/* What prun_prepare builds from an experiment (no SimGrid): the
 * transformer, the layout, the TP-split layer table's times and the
 * pipeline's op lists (pm, ready for pipesim_run). Free with
 * prun_plan_free. */
struct prun_plan {
    const struct experiment *x;
    struct dnn_xf a;
    struct layout l;
    struct dnn_net net;
    enum compute_prec prec;
    struct compute_gpu g;
    struct compute_params cp;
    const struct stack *st;
    const struct commlib *lib;
    int gsz;                     /* gradient bytes per element */
    int esz;                     /* activation bytes per element */
    struct pipe_model pm;        /* chunks point into ops */
    /* op storage */
    struct pipe_op *ops;
    size_t nops, cap;
    size_t floor;                /* ops before this index never merge with a new one (pass boundary) */
    struct pipe_chunk *chunks;
    size_t *fwd_at, *bwd_at;     /* op offsets per chunk (ops may move while growing) */
};

/* run_check, then build *pl. 0 or an error (file:line where there is one). */
int prun_prepare(const struct experiment *x, const struct catalog *cat, struct prun_plan *pl, dt_err *e);
void prun_plan_free(struct prun_plan *pl);

/* Simulate one step and fill r (r->par.present = 1). tr may be NULL. */
int prun_simulate(const struct experiment *x, const struct catalog *cat, const struct run_opts *o,
                  struct run_result *r, struct pipe_trace *tr, dt_err *e);

/* dtsim run's outputs for such a run. */
void prun_print_text(FILE *f, const struct experiment *x, const struct run_result *r);
void prun_print_json(FILE *f, const struct experiment *x, const struct run_result *r);
void prun_print_csv(FILE *f, const struct run_result *r);
/* Chrome trace: one lane per pipeline stage. Returns 0 or -1 (errno). */
int prun_write_trace(FILE *f, const struct experiment *x, const struct run_result *r, const struct pipe_trace *tr);

#endif
