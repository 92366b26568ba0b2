/* calib.h -- fit the compute model (compute.h) on single-GPU measurements.
 *
 * A calibration point is one published or measured single-GPU figure:
 *   train      images/s of whole training steps (forward+backward+optimizer)
 *   inference  images/s of forward passes alone
 *   backward   seconds of one backward pass
 *   matrix-fwd, matrix-bwd
 *              seconds of GPU time of the matrix layers alone (conv, fc,
 *              matmul) in forward or backward (data + weight gradients), as
 *              a `dtbench compute` trace measures them (docs/traces.md):
 *              kernel time only, so the model's per-kernel launch overhead
 *              is left out of the prediction
 * at a given model, precision and per-GPU batch.
 *
 * The fit chooses the free parameters (a subset of eff_fp32, eff_fp16,
 * launch, ramp, mem_eff, bwd_eff) that minimise
 *
 *     sum_i  log(predicted_i / measured_i)^2
 *
 * by Nelder-Mead on unbounded variables (logit of an efficiency, log of a
 * time), from fixed starting values and a fixed iteration budget, so the
 * same points always give the same digits. Parameters that no point
 * constrains must be fixed by the caller (borrowed from another
 * architecture, with the reason written in the calibration file).
 *
 * Honesty rule (shared/DESIGN.md): only single-GPU or single-node figures
 * are fitted; nothing here sees a multi-node result.
 */
#ifndef DT_CALIB_H
#define DT_CALIB_H

#include "compute.h"

enum calib_mode { CALIB_TRAIN = 0, CALIB_INFERENCE = 1, CALIB_BACKWARD = 2, CALIB_MATRIX_FWD = 3, CALIB_MATRIX_BWD = 4 };

struct calib_point {
    const char *name;          /* row name, for messages */
    const struct dnn_net *net;
    struct compute_gpu gpu;
    enum compute_prec prec;
    int64_t batch;             /* per GPU */
    enum calib_mode mode;
    double value;              /* images/s (train, inference) or seconds (backward, matrix-*) */
};

enum { CALIB_EFF_FP32 = 0, CALIB_EFF_FP16 = 1, CALIB_LAUNCH = 2, CALIB_RAMP = 3, CALIB_MEM = 4, CALIB_BWD = 5, CALIB_NPARAM = 6 };
#define CALIB_FREE(k) (1u << (k))

/* What the model predicts for a point (same unit as its value). */
double calib_predict(const struct calib_point *pt, const struct compute_params *p);

/* Fit the parameters named by free_mask (CALIB_FREE bits) on n points,
 * starting from and keeping the others of *p. rms_log is the root mean
 * square of log(predicted/measured) at the optimum. */
int calib_fit(const struct calib_point *pts, size_t n, unsigned free_mask, struct compute_params *p,
              double *rms_log, dt_err *e);

#endif
