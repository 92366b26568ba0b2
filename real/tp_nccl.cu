/* tp_nccl.cu -- the NCCL transport: `--transport nccl --algo nccl` calls
 * ncclAllReduce on device buffers, one process per GPU.
 *
 *   open      device = LOCAL_RANK (else the rank) modulo the GPUs seen;
 *             rank 0 makes the ncclUniqueId, mesh_bcast hands it to every
 *             rank over the rendezvous mesh, ncclCommInitRank joins them
 *   alloc     cudaMalloc; upload/download: cudaMemcpy
 *   allreduce ncclAllReduce(sum, fp32 or fp16) on its own stream, then
 *             cudaStreamSynchronize (the harness times whole collectives)
 *
 * Only the native algorithm: a models/coll.h schedule over ncclSend/
 * ncclRecv is not implemented (say so, exit 2). No GPU: DT_ESKIP (exit 3).
 * Built only where nvcc is found (Makefile); without it transport_nccl
 * stays a NULL weak symbol and dtbench says "built without CUDA/NCCL".
 */
#include <cuda_runtime.h>
#include <nccl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "transport.h"
}

struct tport {
    struct mesh *m;
    ncclComm_t comm;
    cudaStream_t st;
    int dev;
};

#define CK_CUDA(call)                                                                              \
    do {                                                                                           \
        cudaError_t s_ = (call);                                                                   \
        if (s_ != cudaSuccess)                                                                     \
            return dt_errf(e, DT_EIO, "nccl: %s: %s", #call, cudaGetErrorString(s_));              \
    } while (0)
#define CK_NCCL(call)                                                                              \
    do {                                                                                           \
        ncclResult_t s_ = (call);                                                                  \
        if (s_ != ncclSuccess) return dt_errf(e, DT_EIO, "nccl: %s: %s", #call, ncclGetErrorString(s_)); \
    } while (0)

static int nccl_open(struct tport **out, struct mesh *m, dt_err *e)
{
    *out = nullptr;
    int nd = 0;
    cudaError_t s = cudaGetDeviceCount(&nd);
    /* Every rank must agree before the unique id goes out: a rank without a
     * GPU tells the others through the mesh (max of a flag). */
    double none = (s != cudaSuccess || nd == 0) ? 1 : 0;
    if (mesh_allreduce_f64(m, &none, 1, MESH_MAX, e)) return e->code;
    if (none) {
        if (s != cudaSuccess)
            return dt_errf(e, DT_ESKIP, "nccl: no cuda device (cudaGetDeviceCount: %s)", cudaGetErrorString(s));
        return dt_errf(e, DT_ESKIP, "nccl: no cuda device on %s", nd ? "another rank" : "this rank");
    }
    struct tport *t = (struct tport *)calloc(1, sizeof *t);
    if (!t) return dt_errf(e, DT_ENOMEM, "out of memory");
    t->m = m;
    const char *lr = getenv("LOCAL_RANK");
    t->dev = (lr ? atoi(lr) : m->rank) % nd;
    ncclUniqueId id;
    memset(&id, 0, sizeof id);
    int rc = 0;
    if (m->rank == 0) {
        ncclResult_t r = ncclGetUniqueId(&id);
        if (r != ncclSuccess) rc = dt_errf(e, DT_EIO, "nccl: ncclGetUniqueId: %s", ncclGetErrorString(r));
    }
    /* Rank 0 failing still sends (a zero id) so nobody waits; then all fail. */
    double bad = rc ? 1 : 0;
    if (mesh_bcast(m, &id, sizeof id, e) || mesh_allreduce_f64(m, &bad, 1, MESH_MAX, e)) {
        free(t);
        return e->code;
    }
    if (bad) {
        free(t);
        return rc ? rc : dt_errf(e, DT_EIO, "nccl: rank 0 could not make the unique id");
    }
    cudaError_t c1 = cudaSetDevice(t->dev);
    cudaError_t c2 = c1 == cudaSuccess ? cudaStreamCreateWithFlags(&t->st, cudaStreamNonBlocking) : c1;
    if (c2 != cudaSuccess) {
        int dev = t->dev;
        free(t);
        return dt_errf(e, DT_EIO, "nccl: device %d: %s", dev, cudaGetErrorString(c2));
    }
    ncclResult_t r = ncclCommInitRank(&t->comm, m->size, id, m->rank);
    if (r != ncclSuccess) {
        cudaStreamDestroy(t->st);
        free(t);
        return dt_errf(e, DT_EIO, "ncclCommInitRank: %s%s", ncclGetErrorString(r),
                       m->size > nd ? " (one process per GPU: more ranks than this host's GPUs?)" : "");
    }
    *out = t;
    return 0;
}

static void nccl_close(struct tport *t)
{
    if (!t) return;
    if (t->comm) ncclCommDestroy(t->comm);
    if (t->st) cudaStreamDestroy(t->st);
    free(t);
}

static void *nccl_alloc(struct tport *t, size_t bytes)
{
    (void)t;
    void *p = nullptr;
    if (cudaMalloc(&p, bytes ? bytes : 1) != cudaSuccess) return nullptr;
    cudaMemset(p, 0, bytes);
    cudaDeviceSynchronize();
    return p;
}

static void nccl_free(struct tport *t, void *p)
{
    (void)t;
    cudaFree(p);
}

static int nccl_upload(struct tport *t, void *dst, const void *host, size_t bytes, dt_err *e)
{
    /* On the collective's stream, and waited for: a plain cudaMemcpy from
     * pageable memory may still be landing when a non-blocking stream
     * starts the all-reduce (seen on an H200: out-of-place #wrong). */
    CK_CUDA(cudaMemcpyAsync(dst, host, bytes, cudaMemcpyHostToDevice, t->st));
    CK_CUDA(cudaStreamSynchronize(t->st));
    return 0;
}

static int nccl_download(struct tport *t, void *host, const void *src, size_t bytes, dt_err *e)
{
    CK_CUDA(cudaMemcpyAsync(host, src, bytes, cudaMemcpyDeviceToHost, t->st));
    CK_CUDA(cudaStreamSynchronize(t->st));
    return 0;
}

static int nccl_allreduce(struct tport *t, const void *src, void *dst, const struct coll_params *p, dt_err *e)
{
    if (strcmp(p->algo, "nccl") != 0)
        return dt_errf(e, DT_EINVAL, "nccl transport: schedule '%s' over ncclSend/ncclRecv is not implemented "
                                     "(use --algo nccl)", p->algo);
    if (p->nranks != t->m->size)
        return dt_errf(e, DT_EINVAL, "nccl transport: %d ranks asked, the communicator has %d", p->nranks,
                       t->m->size);
    ncclDataType_t ty = p->dtype == COLL_FP16 ? ncclFloat16 : ncclFloat32;
    /* The comm thread of dtbench scaling calls from another thread. */
    CK_CUDA(cudaSetDevice(t->dev));
    CK_NCCL(ncclAllReduce(src, dst, p->count, ty, ncclSum, t->comm, t->st));
    CK_CUDA(cudaStreamSynchronize(t->st));
    return 0;
}

extern "C" const struct transport transport_nccl = {
    "nccl",
    "NCCL (ncclAllReduce, --algo nccl; one process per GPU)",
    "nccl",
    0, /* schedules: not over ncclSend/ncclRecv (yet) */
    nccl_open,
    nccl_alloc,
    nccl_free,
    nccl_upload,
    nccl_download,
    nccl_allreduce,
    nccl_close,
};
