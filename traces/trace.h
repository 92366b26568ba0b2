/* trace.h -- measured per-layer compute times in, replacing the model.
 *
 * Reads the `dtbench compute` trace format, version 1 (docs/traces.md):
 * CSV with '#' comment lines (the first is "# dtbench compute trace v1"),
 * a header row naming at least layer, pass, batch, dtype, time_s, then one
 * row per layer and pass (fwd, bwd_data, bwd_filter).
 *
 * trace_apply() puts the measured times into a compute_times table: a
 * layer's forward time becomes its `fwd` row, its backward time the sum of
 * its `bwd_data` and `bwd_filter` rows. Layers the trace does not hold
 * (batch norm, ReLU, pooling: the trace has convolutions and fc only) keep
 * the compute model's times. Compatible extensions (dtsim trace import,
 * traces/kineto.h): an optional host_s column, an empty time_s (no GPU
 * time: a CPU-only profile), pass "bwd" (both gradients in one op), and
 * "# step_host_s:" / "# optimizer_s:" comments. The trace's batch must equal the per-GPU
 * batch it is applied to: a time measured at one batch says nothing exact
 * about another.
 */
#ifndef DT_TRACE_H
#define DT_TRACE_H

#include "compute.h"
#include "dnn.h"
#include "err.h"

struct trace_row {
    char layer[64];      /* torchvision module name */
    double fwd_s;        /* s; < 0 when absent */
    double bwd_data_s;   /* s; < 0 when absent (first layer) */
    double bwd_filter_s; /* s; < 0 when absent */
    double bwd_s;        /* s; whole backward (pass "bwd", a profiler trace: one op computes both
                          * gradients); < 0 when absent */
    double fwd_host_s;   /* host (dispatch) time of the forward, s; < 0 when absent */
    double bwd_host_s;   /* host time of the backward passes summed, s; < 0 when absent */
};

struct trace {
    char path[512];
    long long batch;     /* per GPU */
    char dtype[16];      /* fp32, tf32, fp16, bf16 */
    char gpu[160];       /* the "# gpu:" comment, or "" */
    struct trace_row *rows;
    size_t nrows;
    size_t gpu_rows;     /* passes (CSV rows) with a GPU time; 0: a host-only (CPU) trace, which trace_apply refuses */
    /* from "# step_host_s:" and "# optimizer_s:" comments (dtsim trace import); < 0 when absent */
    double step_host_s;  /* host time of the step outside any op */
    double opt_gpu_s, opt_host_s; /* the optimizer's GPU and host time */
};

/* Load and check a trace. Errors name file:line. */
int trace_load(struct trace *t, const char *path, dt_err *e);
void trace_free(struct trace *t);

/* 0 when t has GPU times to apply; else DT_EINVAL saying it has none. */
int trace_apply_check(const struct trace *t, dt_err *e);

/* Replace the times of net's layers that the trace measured; returns the
 * number of layers replaced, or < 0 (batch mismatch, a trace layer the net
 * does not have). */
int trace_apply(const struct trace *t, const struct dnn_net *net, long long batch, struct compute_times *ct,
                dt_err *e);

#endif
