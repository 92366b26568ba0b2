/* kineto.h -- import a torch.profiler trace (Kineto's Chrome trace JSON).
 *
 * torch.profiler writes {"schemaVersion": ..., "deviceProperties": [...],
 * "traceEvents": [ {...}, ... ], ...}. The reader is a strict JSON parser
 * over the whole file (mapped, not copied) that keeps of each event only
 * ph, cat, name, ts, dur, pid, tid, id and args.{correlation,
 * "External id", "Sequence number", "Input Dims", "Input type"}.
 *
 * What it makes of them (docs/traces.md, "Importing a PyTorch profile"):
 *   - the step: the last "ProfilerStep#N" span that holds an
 *     Optimizer.step# span (else a convolution/linear op, else the last);
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
 * A trace without kernels (a CPU-only profile) gives host times only.
 */
#ifndef DT_KINETO_H
#define DT_KINETO_H

#include "dnn.h"
#include "err.h"
#include "trace.h"

#include <stdio.h>

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
    double step_host_s;     /* the step span less its thread's top-level ops */
    double opt_gpu_s, opt_host_s;
    double other_gpu_s[2], other_host_s[2]; /* [0] forward, [1] backward */
};

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
