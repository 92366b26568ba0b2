/* compute_cuda.cu -- cuBLAS GEMM, memory copy and cuDNN convolution probes
 * behind the C interface of compute_cuda.h (timing and FLOP conventions are
 * described there).
 *
 * C++ only for RAII: device buffers, events and cuDNN descriptors free
 * themselves, so a check macro can return from anywhere without leaking.
 */
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <new>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compute_cuda.h"

#define CK_CUDA(call)                                                                         \
    do {                                                                                      \
        cudaError_t s_ = (call);                                                              \
        if (s_ != cudaSuccess)                                                                \
            return dt_errf(e, DT_EIO, "%s:%d: %s: %s", __FILE__, __LINE__, #call,             \
                           cudaGetErrorString(s_));                                           \
    } while (0)
#define CK_BLAS(call)                                                                         \
    do {                                                                                      \
        cublasStatus_t s_ = (call);                                                           \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                                      \
            return dt_errf(e, DT_EIO, "%s:%d: %s: %s", __FILE__, __LINE__, #call,             \
                           cublasGetStatusString(s_));                                        \
    } while (0)
#define CK_DNN(call)                                                                          \
    do {                                                                                      \
        cudnnStatus_t s_ = (call);                                                            \
        if (s_ != CUDNN_STATUS_SUCCESS)                                                       \
            return dt_errf(e, DT_EIO, "%s:%d: %s: %s", __FILE__, __LINE__, #call,             \
                           cudnnGetErrorString(s_));                                          \
    } while (0)

static struct {
    int open;
    cudaStream_t stream;
    cublasHandle_t blas;
    cudnnHandle_t dnn;
    int sms;
    int *hold;         /* mapped pinned: [0] release flag, [1] timed out */
    int hold_broken;   /* a call synchronised behind the hold: stop holding */
} ctx;

/* ---- RAII helpers ------------------------------------------------------- */

struct DevBuf {
    void *p = nullptr;
    size_t bytes = 0;
    ~DevBuf() { if (p) cudaFree(p); }
    cudaError_t alloc(size_t n)
    {
        if (n <= bytes) return cudaSuccess;
        if (p) cudaFree(p);
        p = nullptr;
        bytes = 0;
        cudaError_t s = cudaMalloc(&p, n ? n : 1);
        if (s == cudaSuccess) bytes = n;
        return s;
    }
};

struct Events {
    cudaEvent_t *ev = nullptr;
    int n = 0;
    ~Events()
    {
        for (int i = 0; i < n; i++) cudaEventDestroy(ev[i]);
        free(ev);
    }
    cudaError_t make(int count)
    {
        ev = (cudaEvent_t *)calloc((size_t)count, sizeof *ev);
        if (!ev) return cudaErrorMemoryAllocation;
        for (; n < count; n++) {
            cudaError_t s = cudaEventCreate(&ev[n]);
            if (s != cudaSuccess) return s;
        }
        return cudaSuccess;
    }
};

struct TensorDesc {
    cudnnTensorDescriptor_t d = nullptr;
    ~TensorDesc() { if (d) cudnnDestroyTensorDescriptor(d); }
};
struct FilterDesc {
    cudnnFilterDescriptor_t d = nullptr;
    ~FilterDesc() { if (d) cudnnDestroyFilterDescriptor(d); }
};
struct ConvDesc {
    cudnnConvolutionDescriptor_t d = nullptr;
    ~ConvDesc() { if (d) cudnnDestroyConvolutionDescriptor(d); }
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and minimum of the gaps between consecutive events. */
static int gaps(const Events &ev, int reps, struct cc_time *t, dt_err *e)
{
    double *d = (double *)malloc((size_t)reps * sizeof *d);
    if (!d) return dt_errf(e, DT_ENOMEM, "out of memory");
    for (int i = 0; i < reps; i++) {
        float ms = 0;
        cudaError_t s = cudaEventElapsedTime(&ms, ev.ev[i], ev.ev[i + 1]);
        if (s != cudaSuccess) {
            free(d);
            return dt_errf(e, DT_EIO, "%s:%d: cudaEventElapsedTime: %s", __FILE__, __LINE__,
                           cudaGetErrorString(s));
        }
        d[i] = ms * 1e-3;
    }
    qsort(d, (size_t)reps, sizeof *d, cmp_double);
    t->min_s = d[0];
    t->med_s = reps % 2 ? d[reps / 2] : 0.5 * (d[reps / 2 - 1] + d[reps / 2]);
    free(d);
    return 0;
}

/* ---- timing ------------------------------------------------------------- */

/* The hold kernel: spins until the host sets hold[0], or gives up after
 * timeout_ns (globaltimer) and sets hold[1]. Queued ahead of the timed runs
 * it lets the host enqueue them all before the GPU starts, so the gaps
 * between events are GPU time even when a library call costs more host
 * time than GPU time (cuDNN's legacy API does, for small layers). */
__global__ void hold_kernel(volatile int *hold, unsigned long long timeout_ns)
{
    unsigned long long t0, t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
    while (hold[0] == 0) {
        asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
        if (t - t0 > timeout_ns) {
            hold[1] = 1;
            return;
        }
        __nanosleep(1000);
    }
}

static double host_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Run call() warmup times, then reps times between events (see the header).
 * Returns 0 or the call's error. */
template <typename F>
static int timed(F &&call, int warmup, int reps, struct cc_time *t, dt_err *e)
{
    Events ev;
    CK_CUDA(ev.make(reps + 1));
    for (int i = 0; i < warmup; i++)
        if (call()) return e->code;
    CK_CUDA(cudaStreamSynchronize(ctx.stream));
    for (int attempt = 0; attempt < 2; attempt++) {
        int hold = !ctx.hold_broken && ctx.hold;
        if (hold) {
            ((volatile int *)ctx.hold)[0] = 0;
            ((volatile int *)ctx.hold)[1] = 0;
            hold_kernel<<<1, 1, 0, ctx.stream>>>(ctx.hold, 1000000000ull);
            CK_CUDA(cudaGetLastError());
        }
        double h0 = host_now();
        int rc = 0;
        for (int i = 0; i < reps && !rc; i++) {
            cudaError_t s = cudaEventRecord(ev.ev[i], ctx.stream);
            if (s != cudaSuccess)
                rc = dt_errf(e, DT_EIO, "%s:%d: cudaEventRecord: %s", __FILE__, __LINE__, cudaGetErrorString(s));
            else
                rc = call();
        }
        if (!rc) {
            cudaError_t s = cudaEventRecord(ev.ev[reps], ctx.stream);
            if (s != cudaSuccess)
                rc = dt_errf(e, DT_EIO, "%s:%d: cudaEventRecord: %s", __FILE__, __LINE__, cudaGetErrorString(s));
        }
        double h1 = host_now();
        if (hold) ((volatile int *)ctx.hold)[0] = 1;
        CK_CUDA(cudaStreamSynchronize(ctx.stream));
        if (rc) return rc;
        t->host_s = (h1 - h0) / reps;
        t->held = hold;
        if (hold && ((volatile int *)ctx.hold)[1]) {
            ctx.hold_broken = 1; /* something waited for the GPU: time without holding */
            continue;
        }
        return gaps(ev, reps, t, e);
    }
    return dt_errf(e, DT_EIO, "timing failed twice");
}

/* ---- kernels ------------------------------------------------------------ */

__device__ __forceinline__ void store(float *p, float v) { *p = v; }
__device__ __forceinline__ void store(__half *p, float v) { *p = __float2half(v); }
__device__ __forceinline__ void store(__nv_bfloat16 *p, float v) { *p = __float2bfloat16(v); }

/* Uniform values in [-0.5, 0.5) from a splitmix64 hash of the index:
 * random data (zeros run faster on tensor cores and would flatter us). */
template <typename T>
__global__ void fill_kernel(T *p, size_t n, uint64_t seed)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        uint64_t z = (i + seed) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        store(p + i, (float)(z >> 40) * (1.0f / 16777216.0f) - 0.5f);
    }
}

__global__ void copy_kernel(const float4 *__restrict__ a, float4 *__restrict__ b, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        b[i] = a[i];
}

static size_t elem_bytes(enum cc_dtype dt) { return dt == CC_FP16 || dt == CC_BF16 ? 2 : 4; }

static int fill(void *p, size_t n, enum cc_dtype dt, uint64_t seed, dt_err *e)
{
    int blocks = ctx.sms * 8;
    if (dt == CC_FP16)
        fill_kernel<<<blocks, 256, 0, ctx.stream>>>((__half *)p, n, seed);
    else if (dt == CC_BF16)
        fill_kernel<<<blocks, 256, 0, ctx.stream>>>((__nv_bfloat16 *)p, n, seed);
    else
        fill_kernel<<<blocks, 256, 0, ctx.stream>>>((float *)p, n, seed);
    CK_CUDA(cudaGetLastError());
    return 0;
}

/* ---- device ------------------------------------------------------------- */

extern "C" int cc_device_count(int *n, dt_err *e)
{
    int c = 0;
    cudaError_t s = cudaGetDeviceCount(&c);
    *n = 0;
    if (s != cudaSuccess)
        return dt_errf(e, DT_ESKIP, "no cuda device (cudaGetDeviceCount: %s)", cudaGetErrorString(s));
    if (c == 0) return dt_errf(e, DT_ESKIP, "no cuda device (cudaGetDeviceCount returned 0)");
    *n = c;
    return 0;
}

extern "C" int cc_open(int dev, struct cc_info *info, dt_err *e)
{
    cudaDeviceProp p;
    memset(info, 0, sizeof *info);
    CK_CUDA(cudaSetDevice(dev));
    CK_CUDA(cudaGetDeviceProperties(&p, dev));
    snprintf(info->name, sizeof info->name, "%s", p.name);
    CK_CUDA(cudaDeviceGetPCIBusId(info->pci, (int)sizeof info->pci, dev));
    info->cc_major = p.major;
    info->cc_minor = p.minor;
    info->sms = p.multiProcessorCount;
    info->mem_bytes = p.totalGlobalMem;
    /* Clocks are attributes since CUDA 13 dropped them from cudaDeviceProp;
     * a device that does not report one leaves 0. */
    if (cudaDeviceGetAttribute(&info->clock_khz, cudaDevAttrClockRate, dev) != cudaSuccess)
        info->clock_khz = 0;
    if (cudaDeviceGetAttribute(&info->mem_clock_khz, cudaDevAttrMemoryClockRate, dev) != cudaSuccess)
        info->mem_clock_khz = 0;
    if (cudaDeviceGetAttribute(&info->bus_bits, cudaDevAttrGlobalMemoryBusWidth, dev) != cudaSuccess)
        info->bus_bits = 0;
    cudaGetLastError();
    CK_CUDA(cudaDriverGetVersion(&info->driver_api));
    CK_CUDA(cudaRuntimeGetVersion(&info->runtime));
    ctx.sms = p.multiProcessorCount;
    CK_CUDA(cudaStreamCreateWithFlags(&ctx.stream, cudaStreamNonBlocking));
    CK_BLAS(cublasCreate(&ctx.blas));
    CK_BLAS(cublasSetStream(ctx.blas, ctx.stream));
    CK_BLAS(cublasGetVersion(ctx.blas, &info->cublas));
    CK_DNN(cudnnCreate(&ctx.dnn));
    CK_DNN(cudnnSetStream(ctx.dnn, ctx.stream));
    info->cudnn = cudnnGetVersion();
    CK_CUDA(cudaHostAlloc((void **)&ctx.hold, 2 * sizeof(int), cudaHostAllocMapped));
    ctx.hold[0] = ctx.hold[1] = 0;
    ctx.open = 1;
    return 0;
}

extern "C" void cc_close(void)
{
    if (ctx.dnn) cudnnDestroy(ctx.dnn);
    if (ctx.blas) cublasDestroy(ctx.blas);
    if (ctx.stream) cudaStreamDestroy(ctx.stream);
    if (ctx.hold) cudaFreeHost(ctx.hold);
    memset(&ctx, 0, sizeof ctx);
}

/* ---- GEMM --------------------------------------------------------------- */

extern "C" int cc_gemm(enum cc_dtype dt, int m, int n, int k, int ta, int tb, int warmup, int reps,
                       struct cc_time *t, dt_err *e)
{
    if (!ctx.open) return dt_errf(e, DT_EINVAL, "cc_gemm: device not open");
    if (m <= 0 || n <= 0 || k <= 0 || reps <= 0 || warmup < 0)
        return dt_errf(e, DT_EINVAL, "gemm %dx%dx%d: sizes and reps must be positive", m, n, k);
    cudaDataType_t ty = dt == CC_FP16 ? CUDA_R_16F : dt == CC_BF16 ? CUDA_R_16BF : CUDA_R_32F;
    cublasComputeType_t ct = dt == CC_TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    size_t es = elem_bytes(dt);
    DevBuf a, b, c;
    CK_CUDA(a.alloc((size_t)m * k * es));
    CK_CUDA(b.alloc((size_t)k * n * es));
    CK_CUDA(c.alloc((size_t)m * n * es));
    if (fill(a.p, (size_t)m * k, dt, 1, e) || fill(b.p, (size_t)k * n, dt, 2, e) ||
        fill(c.p, (size_t)m * n, dt, 3, e))
        return e->code;
    const float alpha = 1.0f, beta = 0.0f;
    cublasOperation_t oa = ta ? CUBLAS_OP_T : CUBLAS_OP_N, ob = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    int lda = ta ? k : m, ldb = tb ? n : k;
    auto call = [&]() -> int {
        CK_BLAS(cublasGemmEx(ctx.blas, oa, ob, m, n, k, &alpha, a.p, ty, lda, b.p, ty, ldb, &beta,
                             c.p, ty, m, ct, CUBLAS_GEMM_DEFAULT));
        return 0;
    };
    return timed(call, warmup, reps, t, e);
}

/* ---- memory bandwidth --------------------------------------------------- */

extern "C" int cc_membw(size_t bytes, int warmup, int reps, struct cc_time *kt, struct cc_time *mt,
                        dt_err *e)
{
    if (!ctx.open) return dt_errf(e, DT_EINVAL, "cc_membw: device not open");
    if (bytes < 16 || reps <= 0 || warmup < 0)
        return dt_errf(e, DT_EINVAL, "membw: bytes must be at least 16 and reps positive");
    bytes &= ~(size_t)15;
    DevBuf a, b;
    CK_CUDA(a.alloc(bytes));
    CK_CUDA(b.alloc(bytes));
    if (fill(a.p, bytes / 4, CC_FP32, 7, e)) return e->code;
    CK_CUDA(cudaMemsetAsync(b.p, 0, bytes, ctx.stream));
    /* Enough resident blocks to fill every SM, as the occupancy API says. */
    int per_sm = 0;
    CK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, copy_kernel, 256, 0));
    int blocks = ctx.sms * (per_sm > 0 ? per_sm : 1);
    size_t n4 = bytes / 16;
    auto kernel = [&]() -> int {
        copy_kernel<<<blocks, 256, 0, ctx.stream>>>((const float4 *)a.p, (float4 *)b.p, n4);
        CK_CUDA(cudaGetLastError());
        return 0;
    };
    auto copy = [&]() -> int {
        CK_CUDA(cudaMemcpyAsync(b.p, a.p, bytes, cudaMemcpyDeviceToDevice, ctx.stream));
        return 0;
    };
    if (timed(kernel, warmup, reps, kt, e)) return e->code;
    return timed(copy, warmup, reps, mt, e);
}

/* ---- convolution -------------------------------------------------------- */

static const char *const fwd_names[] = {"implicit_gemm", "implicit_precomp_gemm", "gemm", "direct",
                                        "fft", "fft_tiling", "winograd", "winograd_nonfused"};
static const char *const bwd_data_names[] = {"algo_0", "algo_1", "fft", "fft_tiling", "winograd",
                                             "winograd_nonfused"};
static const char *const bwd_filter_names[] = {"algo_0", "algo_1", "fft", "algo_3", "winograd",
                                               "winograd_nonfused", "fft_tiling"};

/* The candidates of one pass, as one shape for the three perf structs. */
struct Cand {
    int algo;
    size_t memory;
    cudnnMathType_t math;
};

struct ConvSetup {
    TensorDesc x, y;
    FilterDesc w;
    ConvDesc conv;
    DevBuf xb, yb, wb, dxb, dwb, ws;
    enum cc_pass pass;
};

static int conv_run(ConvSetup &s, const Cand &c, dt_err *e)
{
    const float one = 1.0f, zero = 0.0f;
    CK_DNN(cudnnSetConvolutionMathType(s.conv.d, c.math));
    switch (s.pass) {
    case CC_FWD:
        CK_DNN(cudnnConvolutionForward(ctx.dnn, &one, s.x.d, s.xb.p, s.w.d, s.wb.p, s.conv.d,
                                       (cudnnConvolutionFwdAlgo_t)c.algo, s.ws.p, c.memory, &zero,
                                       s.y.d, s.yb.p));
        break;
    case CC_BWD_DATA:
        CK_DNN(cudnnConvolutionBackwardData(ctx.dnn, &one, s.w.d, s.wb.p, s.y.d, s.yb.p, s.conv.d,
                                            (cudnnConvolutionBwdDataAlgo_t)c.algo, s.ws.p,
                                            c.memory, &zero, s.x.d, s.dxb.p));
        break;
    case CC_BWD_FILTER:
        CK_DNN(cudnnConvolutionBackwardFilter(ctx.dnn, &one, s.x.d, s.xb.p, s.y.d, s.yb.p, s.conv.d,
                                              (cudnnConvolutionBwdFilterAlgo_t)c.algo, s.ws.p,
                                              c.memory, &zero, s.w.d, s.dwb.p));
        break;
    }
    return 0;
}

static int conv_timed(ConvSetup &s, const Cand &c, int warmup, int reps, struct cc_time *t,
                      dt_err *e)
{
    auto call = [&]() -> int { return conv_run(s, c, e); };
    return timed(call, warmup, reps, t, e);
}

#define MAXCAND 16

static int conv_candidates(ConvSetup &s, Cand *cand, int *ncand, dt_err *e)
{
    int got = 0;
    *ncand = 0;
    if (s.pass == CC_FWD) {
        cudnnConvolutionFwdAlgoPerf_t p[MAXCAND];
        CK_DNN(cudnnGetConvolutionForwardAlgorithm_v7(ctx.dnn, s.x.d, s.w.d, s.conv.d, s.y.d, MAXCAND,
                                                      &got, p));
        for (int i = 0; i < got; i++)
            if (p[i].status == CUDNN_STATUS_SUCCESS)
                cand[(*ncand)++] = Cand{(int)p[i].algo, p[i].memory, p[i].mathType};
    } else if (s.pass == CC_BWD_DATA) {
        cudnnConvolutionBwdDataAlgoPerf_t p[MAXCAND];
        CK_DNN(cudnnGetConvolutionBackwardDataAlgorithm_v7(ctx.dnn, s.w.d, s.y.d, s.conv.d, s.x.d,
                                                           MAXCAND, &got, p));
        for (int i = 0; i < got; i++)
            if (p[i].status == CUDNN_STATUS_SUCCESS)
                cand[(*ncand)++] = Cand{(int)p[i].algo, p[i].memory, p[i].mathType};
    } else {
        cudnnConvolutionBwdFilterAlgoPerf_t p[MAXCAND];
        CK_DNN(cudnnGetConvolutionBackwardFilterAlgorithm_v7(ctx.dnn, s.x.d, s.y.d, s.conv.d, s.w.d,
                                                             MAXCAND, &got, p));
        for (int i = 0; i < got; i++)
            if (p[i].status == CUDNN_STATUS_SUCCESS)
                cand[(*ncand)++] = Cand{(int)p[i].algo, p[i].memory, p[i].mathType};
    }
    return 0;
}

static void algo_name(enum cc_pass pass, const Cand &c, char *buf, size_t len)
{
    const char *n = "?";
    if (pass == CC_FWD && c.algo >= 0 && c.algo < 8) n = fwd_names[c.algo];
    if (pass == CC_BWD_DATA && c.algo >= 0 && c.algo < 6) n = bwd_data_names[c.algo];
    if (pass == CC_BWD_FILTER && c.algo >= 0 && c.algo < 7) n = bwd_filter_names[c.algo];
    snprintf(buf, len, "%s%s", n, c.math == CUDNN_FMA_MATH ? "" : "+tc");
}

/* Describe the convolution cv in s (input x, filter w, output y, conv) and
 * allocate and fill x, w and y; the gradient buffers dx (with_dx) and dw
 * (with_dw) are allocated, unfilled. s.pass is left as it is. */
static int conv_setup(ConvSetup &s, const struct cc_conv *cv, enum cc_dtype dt, enum cc_layout lay,
                      bool with_dx, bool with_dw, dt_err *e)
{
    cudnnDataType_t ty = dt == CC_FP16 ? CUDNN_DATA_HALF : dt == CC_BF16 ? CUDNN_DATA_BFLOAT16
                                                                         : CUDNN_DATA_FLOAT;
    cudnnTensorFormat_t fmt = lay == CC_NHWC ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
    /* fp32 means FMA units only; the others may use tensor cores. */
    cudnnMathType_t math = dt == CC_FP32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH;
    CK_DNN(cudnnCreateTensorDescriptor(&s.x.d));
    CK_DNN(cudnnCreateTensorDescriptor(&s.y.d));
    CK_DNN(cudnnCreateFilterDescriptor(&s.w.d));
    CK_DNN(cudnnCreateConvolutionDescriptor(&s.conv.d));
    CK_DNN(cudnnSetTensor4dDescriptor(s.x.d, fmt, ty, cv->n, cv->c, cv->h, cv->w));
    CK_DNN(cudnnSetFilter4dDescriptor(s.w.d, ty, fmt, cv->k, cv->c, cv->r, cv->r));
    CK_DNN(cudnnSetConvolution2dDescriptor(s.conv.d, cv->pad, cv->pad, cv->stride, cv->stride, 1, 1,
                                           CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    CK_DNN(cudnnSetConvolutionMathType(s.conv.d, math));
    int on, oc, oh, ow;
    CK_DNN(cudnnGetConvolution2dForwardOutputDim(s.conv.d, s.x.d, s.w.d, &on, &oc, &oh, &ow));
    CK_DNN(cudnnSetTensor4dDescriptor(s.y.d, fmt, ty, on, oc, oh, ow));
    size_t es = elem_bytes(dt);
    size_t nx = (size_t)cv->n * cv->c * cv->h * cv->w, nw = (size_t)cv->k * cv->c * cv->r * cv->r;
    size_t ny = (size_t)on * oc * oh * ow;
    CK_CUDA(s.xb.alloc(nx * es));
    CK_CUDA(s.wb.alloc(nw * es));
    CK_CUDA(s.yb.alloc(ny * es));
    if (with_dx) CK_CUDA(s.dxb.alloc(nx * es));
    if (with_dw) CK_CUDA(s.dwb.alloc(nw * es));
    if (fill(s.xb.p, nx, dt, 11, e) || fill(s.wb.p, nw, dt, 12, e) || fill(s.yb.p, ny, dt, 13, e))
        return e->code;
    return 0;
}

extern "C" int cc_conv_time(const struct cc_conv *cv, enum cc_dtype dt, enum cc_layout lay,
                            enum cc_pass pass, int warmup, int reps, int ntry, size_t ws_limit,
                            struct cc_conv_result *res, dt_err *e)
{
    if (!ctx.open) return dt_errf(e, DT_EINVAL, "cc_conv_time: device not open");
    if (cv->n <= 0 || cv->c <= 0 || cv->h <= 0 || cv->w <= 0 || cv->k <= 0 || cv->r <= 0 ||
        cv->stride <= 0 || cv->pad < 0 || reps <= 0 || warmup < 0 || ntry <= 0)
        return dt_errf(e, DT_EINVAL, "conv: sizes, reps and candidates must be positive");
    ConvSetup s;
    s.pass = pass;
    if (conv_setup(s, cv, dt, lay, pass == CC_BWD_DATA, pass == CC_BWD_FILTER, e)) return e->code;

    Cand cand[MAXCAND];
    int ncand = 0;
    if (conv_candidates(s, cand, &ncand, e)) return e->code;
    int best = -1, tried = 0;
    struct cc_time bt = {0, 0, 0, 0};
    char lasterr[sizeof e->msg] = "no candidate";
    for (int i = 0; i < ncand && tried < ntry; i++) {
        if (cand[i].memory > ws_limit) continue;
        if (dt == CC_FP32) cand[i].math = CUDNN_FMA_MATH;
        tried++;
        CK_CUDA(s.ws.alloc(cand[i].memory));
        dt_err e2;
        struct cc_time t;
        /* A candidate that fails to run is skipped, not fatal. */
        if (conv_run(s, cand[i], &e2) || conv_timed(s, cand[i], 1, 3, &t, &e2)) {
            snprintf(lasterr, sizeof lasterr, "%s", e2.msg);
            cudaGetLastError();
            continue;
        }
        if (best < 0 || t.med_s < bt.med_s) {
            best = i;
            bt = t;
        }
    }
    if (best < 0)
        return dt_errf(e, DT_EIO, "conv n%d c%d h%d w%d k%d r%d u%d p%d pass %d: no usable cudnn algorithm (%s)",
                       cv->n, cv->c, cv->h, cv->w, cv->k, cv->r, cv->stride, cv->pad, (int)pass,
                       lasterr);
    CK_CUDA(s.ws.alloc(cand[best].memory));
    if (conv_timed(s, cand[best], warmup, reps, &res->t, e)) return e->code;
    algo_name(pass, cand[best], res->algo, sizeof res->algo);
    res->workspace_bytes = cand[best].memory;
    return 0;
}

/* ---- plans (dtbench scaling) ---------------------------------------------- */

struct cc_plan {
    ConvSetup s;
    Cand c[3];
    int ok[3];
};

static int plan_setup(cc_plan *p, const struct cc_conv *cv, enum cc_dtype dt, enum cc_layout lay,
                      size_t ws_limit, dt_err *e)
{
    ConvSetup &s = p->s;
    if (conv_setup(s, cv, dt, lay, true, true, e)) return e->code;
    size_t ws = 0;
    for (int pass = 0; pass < 3; pass++) {
        s.pass = (enum cc_pass)pass;
        Cand cand[MAXCAND];
        int ncand = 0;
        if (conv_candidates(s, cand, &ncand, e)) return e->code;
        p->ok[pass] = 0;
        for (int i = 0; i < ncand && !p->ok[pass]; i++) {
            if (cand[i].memory > ws_limit) continue;
            if (dt == CC_FP32) cand[i].math = CUDNN_FMA_MATH;
            CK_CUDA(s.ws.alloc(cand[i].memory > ws ? cand[i].memory : ws));
            dt_err e2;
            if (conv_run(s, cand[i], &e2) || cudaStreamSynchronize(ctx.stream) != cudaSuccess) {
                cudaGetLastError();
                continue;
            }
            p->c[pass] = cand[i];
            p->ok[pass] = 1;
            if (cand[i].memory > ws) ws = cand[i].memory;
        }
        if (!p->ok[pass])
            return dt_errf(e, DT_EIO, "conv n%d c%d h%d w%d k%d r%d: no usable cudnn algorithm for pass %d",
                           cv->n, cv->c, cv->h, cv->w, cv->k, cv->r, pass);
    }
    return 0;
}

extern "C" int cc_plan_open(const struct cc_conv *cv, enum cc_dtype dt, enum cc_layout lay,
                            size_t ws_limit, struct cc_plan **plan, dt_err *e)
{
    *plan = nullptr;
    if (!ctx.open) return dt_errf(e, DT_EINVAL, "cc_plan_open: device not open");
    cc_plan *p = new (std::nothrow) cc_plan();
    if (!p) return dt_errf(e, DT_ENOMEM, "out of memory");
    int rc = plan_setup(p, cv, dt, lay, ws_limit, e);
    if (rc) {
        delete p;
        return rc;
    }
    *plan = p;
    return 0;
}

extern "C" int cc_plan_run(struct cc_plan *p, enum cc_pass pass, dt_err *e)
{
    p->s.pass = pass;
    return conv_run(p->s, p->c[pass], e);
}

extern "C" void cc_plan_close(struct cc_plan *p)
{
    delete p;
}

extern "C" int cc_sync(dt_err *e)
{
    CK_CUDA(cudaStreamSynchronize(ctx.stream));
    return 0;
}
