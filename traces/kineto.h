/* kineto.h -- import a torch.profiler trace (Kineto's Chrome trace JSON).
 *
 * torch.profiler writes {"schemaVersion": ..., "deviceProperties": [...],
 * "traceEvents": [ {...}, ... ], ...}. The reader is a strict JSON parser
 * over the whole file (mapped, not copied) that keeps of each event only
 * ph, cat, name, ts, dur, pid, tid, id and args.{correlation,
 * "External id", "Sequence number", "Input Dims", "Input type"}.
 *
 * What it makes of them (docs/traces.md, "Importing a PyTorch profile"):
 *   - the step: of the "ProfilerStep#N" spans that hold an
 *     Optimizer.step# span (else a convolution/linear op), the one of
 *     median duration (else the last);
 *   - its CPU ops (cat cpu_op) per thread, nested by time;
 *   - layer ops: the outermost convolution / linear op of the forward
 *     (aten::conv2d, aten::convolution, ... aten::linear, aten::addmm),
 *     the k-th of them the k-th conv/fc layer of the dtsim model; backward
 *     ops (autograd::engine::evaluate_function: ConvolutionBackward0,
 *     AddmmBackward0, ...) paired with their forward op by "Sequence
 *     number", or in reverse order where that is absent;
 *   - GPU time of an op: the kernels, memcpys and memsets its cuda_runtime
 *     launches started (args.correlation, or an ac2g flow event);
 *   - host time of an op: its duration on the CPU thread (dispatch);
 *   - the optimizer: ops inside "Optimizer.step#..." and
 *     "Optimizer.zero_grad#..." spans; the step's host time: the step span
 *     less the top-level ops on its thread.
 *   - every other op (batch norm, ReLU, pooling, additions, loss) is summed
 *     per pass as "other".
 *   - per layer kind and pass (kineto_info.part): every top-level op is
 *     put in a kind by its name (aten::batch_norm and CudnnBatchNormBackward
 *     are bn, aten::relu_ and ReluBackward are relu, ...; kineto_op_kind),
 *     or in KINETO_OTHER (aten::to, AccumulateGrad, ...); the kernels its
 *     launches started, their GPU time and the op's host time are summed
 *     there. Kernels launched from a cast op (aten::to, aten::_to_copy)
 *     inside a forward layer op are counted apart (amp's weight casts);
 *   - host waits: cudaStreamSynchronize, cudaDeviceSynchronize,
 *     cudaEventSynchronize and blocking cudaMemcpy calls, their time per
 *     pass and where in the step they fall;
 *   - kernels in flight: the most kernels launched and not yet finished
 *     at any moment of the step (how far the host ran ahead); when ten or
 *     more launches were made at that count (or one fewer: the launch a
 *     kernel's end unblocks is stamped as the slot frees) the queue was full,
 *     and each such launch's time beyond the median launch's is a host
 *     wait (the CUDA launch queue blocks the host until a kernel ends);
 *   - the input: "enumerate(DataLoader)#..." spans in the step (a data
 *     loader run in the training loop) and the host's idle time right
 *     after each, up to the next op (the loop handling the batch it
 *     returned), kept out of every pass.
 * A trace without kernels (a CPU-only profile) gives host times only.
 * A gzip-compressed trace (tensorboard_trace_handler(use_gzip=True),
 * *.pt.trace.json.gz) is read as well.
 */
#ifndef DT_KINETO_H
#define DT_KINETO_H

#include "dnn.h"
#include "err.h"
#include "trace.h"

#include <stdio.h>

#define KINETO_OTHER DNN_NKINDS       /* ops of no layer kind */
#define KINETO_NCLS (DNN_NKINDS + 1)

/* Top-level ops of one kind in one pass of the step. */
struct kineto_part {
    long long ops;          /* top-level ops */
    long long kernels;      /* kernels, memcpys and memsets they started */
    long long casts;        /* of which started by a cast op inside a forward layer op */
    double gpu_s;           /* those kernels' GPU time */
    double host_s;          /* the ops' time on the CPU thread (waits included) */
};

/* Where a host wait falls in the step. */
enum kineto_wait { KW_START = 0, /* before the first forward layer op (the next input copy) */
                   KW_MODEL,     /* inside forward or backward */
                   KW_PREOPT,    /* after the last backward layer op, before or inside the optimizer */
                   KW_END,       /* after the optimizer */
                   KW_N };

struct kineto_info {
    char step[48];          /* "ProfilerStep#5" */
    char step_why[128];     /* "the last holding an optimizer step; 6 ProfilerStep spans" */
    char device[160];       /* from deviceProperties, or "" */
    char dtype[16];         /* from the first layer op's "Input type", or "-" */
    long long events;       /* trace events read */
    long long ops;          /* CPU ops in the step */
    long long kernels;      /* GPU kernels, memcpys and memsets paired to the step's ops */
    int pairing;            /* backward paired by 1 sequence number, 0 reverse order */
    int legacy;             /* 1: the legacy autograd profiler's bare array (no cat, no args) */
    int named;              /* layers by 1 "module: NAME" spans, 0 the order of the ops */
    double step_s;          /* the step span */
    double step_ts_us;      /* its start as written (Kineto: microseconds since 1970; the legacy profiler: since
                             * the profile began) */
    double step_host_s;     /* the step span less its thread's top-level ops */
    double opt_gpu_s, opt_host_s;
    double other_gpu_s[2], other_host_s[2]; /* [0] forward, [1] backward */
    struct kineto_part part[KINETO_NCLS][3]; /* by kind (or KINETO_OTHER) and pass: fwd, bwd, optimizer */
    double wait_s[3];       /* host time inside synchronizing runtime calls, by pass */
    int waits[KW_N];        /* synchronizing calls by where they fall */
    long long max_inflight; /* most kernels launched and not finished at once */
    long long queue_full;   /* launches made with max_inflight (or one fewer) kernels in flight, when 10 or
                             * more (the launch queue was full: a plateau), else 0 */
    double queue_wait_s;    /* those launches' time beyond the median launch's: the host blocked on the
                             * full queue (in wait_s too) */
    double input_s;         /* DataLoader spans in the step, and the host's idle time right after each (gap_s[4]) */
    double gpu_busy_s;      /* union of the step's kernels on the GPU */
    double gap_s[5];        /* step_host_s split by where the host is outside every op: [0] forward (from the
                             * first forward layer op to the first backward op), [1] backward, [2] inside
                             * an Optimizer span, [3] the rest (the loop between steps), [4] right after a
                             * DataLoader span, up to the next op (the loop handling the batch it returned) */
};

/* The layer kind a top-level op's name stands for (forward or backward:
 * "aten::batch_norm", "autograd::engine::evaluate_function:
 * CudnnBatchNormBackward0"), or KINETO_OTHER. */
int kineto_op_kind(const char *name, int len);

/* 1 when the file's first non-blank byte is '{' or '[' (JSON), 0 when not,
 * < 0 (e filled) when it cannot be read. */
int kineto_is_json(const char *path, dt_err *e);

/* Import the profile at path for model `model` (dnn_find). batch: images
 * per GPU, or 0 to take it from the first layer op's "Input Dims"
 * (record_shapes=True); when both are there they must agree. Fills t (as
 * trace_load would: trace_apply works on it, gpu_rows 0 for a CPU-only
 * profile) and info. Every malformed input is one message naming the file
 * (and the byte offset or event where it helps). */
int kineto_import(const char *path, const char *model, long long batch, struct trace *t, struct kineto_info *info,
                  dt_err *e);

/* Write t in dtsim's per-layer trace format (docs/traces.md) with the
 * model's layer kinds and FLOPs; `command` goes in the "# command:" line. */
int kineto_write(FILE *f, const struct trace *t, const struct kineto_info *info, const char *model,
                 const char *command, dt_err *e);

#endif
