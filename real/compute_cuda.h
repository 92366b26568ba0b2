/* compute_cuda.h -- the CUDA side of `dtbench compute` (real/compute_cuda.cu).
 *
 * A C interface over cuBLAS, cuDNN and two small kernels, so that the
 * command layer (real/compute.c) stays plain C11. Built only when nvcc is
 * found (the Makefile then defines DT_HAVE_CUDA); without it compute.c
 * never calls these.
 *
 * Timing (every probe): `warmup` untimed runs, then `reps` runs on one
 * stream, each bracketed by CUDA events (event i before run i, event reps
 * after the last), so a run's time is the gap between two events. The
 * timed runs are queued behind a "hold" kernel that spins until the host
 * has enqueued all of them: the GPU then runs them back to back, and a
 * gap is GPU time even where a library call takes longer on the host than
 * on the GPU (cuDNN's legacy API does for small layers: about 0.1 ms).
 * The host's enqueue time per run is kept as host_s. Should a call wait
 * for the GPU while held, the hold kernel gives up after 1 s, and that
 * probe and all later ones are timed without it (held = 0). The median
 * run is reported; the minimum is kept beside it.
 *
 * FLOP counts (the caller's; a multiply-add is 2 FLOPs):
 *   GEMM m x n x k:                  2 m n k
 *   convolution, any of the passes:  2 N K P Q C R S   (P x Q the output)
 * Memory bandwidth counts bytes read plus bytes written: a copy of B bytes
 * moves 2B.
 *
 * Errors: every CUDA, cuBLAS and cuDNN call goes through a check macro
 * that fills a dt_err with "compute_cuda.cu:LINE: call: message" and
 * returns DT_EIO. No GPU is DT_ESKIP from cc_device_count. Nothing prints.
 */
#ifndef DT_COMPUTE_CUDA_H
#define DT_COMPUTE_CUDA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "err.h" /* a C header without its own extern "C" */

/* Element types. fp32 is strict IEEE fp32 FMA (no TF32 tensor cores);
 * tf32 is fp32 storage with TF32 tensor-core math; fp16 and bf16 store
 * 16-bit values and accumulate in fp32 (as mixed-precision training). */
enum cc_dtype { CC_FP32, CC_TF32, CC_FP16, CC_BF16 };

enum cc_layout { CC_NHWC, CC_NCHW };

enum cc_pass { CC_FWD, CC_BWD_DATA, CC_BWD_FILTER };

struct cc_info {
    char name[256];          /* "NVIDIA H100 80GB HBM3" */
    char pci[32];            /* "0000:00:05.0" */
    int cc_major, cc_minor;  /* compute capability */
    int sms;                 /* multiprocessors */
    size_t mem_bytes;        /* global memory, bytes */
    int clock_khz;           /* peak SM clock, kHz (0 when not reported) */
    int mem_clock_khz;       /* peak memory clock, kHz (0 when not reported) */
    int bus_bits;            /* memory bus width, bits (0 when not reported) */
    int driver_api;          /* cudaDriverGetVersion: 13000 = 13.0 */
    int runtime;             /* cudaRuntimeGetVersion */
    int cublas;              /* cublasGetVersion: 130000 = 13.0.0 */
    size_t cudnn;            /* cudnnGetVersion: 91900 = 9.19.0 */
};

struct cc_time {
    double med_s;  /* median run, seconds (GPU time between events) */
    double min_s;  /* fastest run, seconds */
    double host_s; /* host time to enqueue one run, seconds */
    int held;      /* 1: runs were queued behind the hold kernel */
};

/* One 2-D convolution, groups 1, dilation 1, square kernel, padding and
 * stride alike in both dimensions. Output p = (h + 2 pad - r) / stride + 1. */
struct cc_conv {
    int n;       /* batch */
    int c, h, w; /* input channels, height, width */
    int k;       /* output channels */
    int r;       /* kernel height and width */
    int stride;  /* both dimensions */
    int pad;     /* both dimensions */
};

struct cc_conv_result {
    struct cc_time t;
    char algo[64];          /* "implicit_precomp_gemm+tc" */
    size_t workspace_bytes; /* of the chosen algorithm */
};

/* Number of CUDA devices; DT_ESKIP with the runtime's reason when none. */
int cc_device_count(int *n, dt_err *e);

/* Select device `dev`, create the cuBLAS and cuDNN handles, fill `info`. */
int cc_open(int dev, struct cc_info *info, dt_err *e);
void cc_close(void);

/* C = op(A) op(B), column-major, op = transpose when ta/tb is nonzero;
 * operands hold uniform values in [-0.5, 0.5). */
int cc_gemm(enum cc_dtype dt, int m, int n, int k, int ta, int tb, int warmup, int reps,
            struct cc_time *t, dt_err *e);

/* Device memory bandwidth: a vectorised grid-stride copy kernel and
 * cudaMemcpyAsync device-to-device, each of `bytes` between two buffers. */
int cc_membw(size_t bytes, int warmup, int reps, struct cc_time *kernel, struct cc_time *memcpy_t,
             dt_err *e);

/* Time one pass of a convolution. The algorithm is chosen among the first
 * `ntry` candidates of cuDNN's heuristic (cudnnGet*Algorithm_v7) whose
 * workspace fits `ws_limit` bytes: each is run once to check it works and
 * timed over 3 runs, the fastest is kept and then timed over warmup+reps. */
int cc_conv_time(const struct cc_conv *cv, enum cc_dtype dt, enum cc_layout lay, enum cc_pass pass,
                 int warmup, int reps, int ntry, size_t ws_limit, struct cc_conv_result *res,
                 dt_err *e);

/* A convolution kept ready to run (dtbench scaling): descriptors, input,
 * output, weight and gradient buffers, and per pass the first algorithm of
 * cuDNN's heuristic whose workspace fits ws_limit and that runs. */
struct cc_plan;
int cc_plan_open(const struct cc_conv *cv, enum cc_dtype dt, enum cc_layout lay, size_t ws_limit,
                 struct cc_plan **plan, dt_err *e);
/* Enqueue one pass on the stream (no wait). */
int cc_plan_run(struct cc_plan *plan, enum cc_pass pass, dt_err *e);
void cc_plan_close(struct cc_plan *plan); /* NULL is fine */
/* Wait for everything enqueued. */
int cc_sync(dt_err *e);

#ifdef __cplusplus
}
#endif

#endif
