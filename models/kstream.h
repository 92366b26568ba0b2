/* kstream.h -- one training step as the stream of kernels a host issues,
 * and a plain-C event simulation of host, launch queue, GPU and all-reduce
 * stream (the reference that sim/iter.c's SimGrid actors reproduce, and
 * the predictor `dtsim calibrate-compute` fits stacks with).
 *
 * The stream (kstream_build), from per-layer GPU times (compute.h) and a
 * stack (stack.h):
 *
 *   forward    layer by layer, kernels[kind][0] kernels per layer (+ the
 *              stack's amp casts on matrix layers with weights), the layer's GPU
 *              time split evenly among them; a kind with 0 kernels is fused:
 *              its time goes to the previous kernel
 *   backward   layers in reverse, kernels[kind][1] each; the last kernel of
 *              the layer that closes a gradient bucket carries the bucket
 *   optimizer  opt_kernels + opt_kernels_per_layer x (layers with
 *              parameters) kernels sharing the optimizer's GPU time; with
 *              the CPU parameter server, one host-only item instead (the
 *              copies and the CPU update, optimizer_cpu_s of host time)
 *   sync       sync = optimizer: a zero-time marker before the optimizer,
 *              after which the host waits; sync = step: the host waits after
 *              the last kernel; queue = 0: after every kernel
 *
 * Buckets: walking backward from the last layer, gradient bytes accumulate
 * until they reach bucket_bytes; the layer that crosses the threshold
 * closes the bucket (a bucket holds at least bucket_bytes, except the last,
 * closed by the first layer). A layer without parameters adds nothing.
 *
 * The step's timeline (both simulators, sim/iter.h and kstream_sim):
 *
 *   host     per step: take the batch from the input buffer, step_host,
 *            then per kernel: dispatch (host_s); if queue > 0 wait until
 *            kernel seq - queue has finished; issue; if the kernel is a
 *            sync point, wait until it has finished
 *   gpu      per kernel in issue order: wait until issued; the first
 *            optimizer kernel of a step also waits for the step's last
 *            all-reduce; run gpu_s. A kernel that closes bucket b hands it
 *            to the all-reduce stream as it ends (overlap on), or every
 *            bucket is handed over when the last backward kernel ends
 *            (overlap off)
 *   comm     buckets one after the other, in order
 *   input    per node, one batch every input_s into a buffer of `prefetch`
 *            batches, taken by the host at the start of a step
 *
 * Breakdown of a steady step (the interval between the ends of two
 * consecutive steps on the GPU): forward, backward and optimizer are GPU
 * busy time; exposed comm the GPU's wait for the all-reduce; the rest is
 * the GPU waiting for kernels to be issued: input stall as far as the host
 * was waiting for the batch, host (dispatch-bound) for the remainder.
 */
#ifndef DT_KSTREAM_H
#define DT_KSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "dnn.h"
#include "err.h"
#include "stack.h"

struct kstream_kernel {
    double host_s;             /* host seconds to dispatch it */
    double gpu_s;              /* GPU seconds */
    int8_t pass;               /* enum stack_pass */
    int8_t sync;               /* 1: the host waits for it to finish after issuing it */
    int16_t bucket;            /* >= 0: its end makes this gradient bucket ready */
};

struct kstream {
    struct kstream_kernel *k;  /* [n] in issue order */
    int n;
    int first_opt;             /* index of the first optimizer kernel (waits for the all-reduces) */
    int last_bwd;              /* index of the last backward kernel */
    int nbuckets;
    uint64_t *bucket_count;    /* [nbuckets] elements per bucket (gradient element size given) */
    double step_host_s;        /* host seconds per step before the first kernel */
    int queue;                 /* launch-queue depth; 0 synchronous */
    int overlap;               /* 1: buckets handed over as backward closes them */
    int kernels_fwd, kernels_bwd, kernels_opt; /* counts, for reports */
    double host_s[3];          /* host dispatch seconds per step by pass */
    double gpu_s[3];           /* GPU seconds per step by pass */
};

struct kstream_in {
    const struct dnn_net *net;
    const double *fwd_s;       /* GPU seconds per layer, forward */
    const double *bwd_s;       /* GPU seconds per layer, backward */
    double optimizer_s;        /* GPU seconds of the optimizer (optimizer = gpu) */
    double optimizer_cpu_s;    /* host seconds of the CPU update and copies (optimizer = cpu) */
    const double *grad_bytes;  /* bytes per layer on the wire (NULL: no gradients exchanged) */
    double bucket_bytes;       /* fusion threshold, bytes (> 0) */
    int grad_elem_bytes;       /* gradient element size, for bucket_count */
    int amp;                   /* 1: fp16/amp (the stack's casts apply) */
    const struct stack *stack;
};

int kstream_build(const struct kstream_in *in, struct kstream *ks, dt_err *e);
void kstream_free(struct kstream *ks);

/* Bucket walk alone (see above): number of buckets; fills counts (elements
 * of esz bytes) and close (layer index closing each bucket) when not NULL. */
int kstream_buckets(const double *grad_bytes, size_t nlayers, double bucket_bytes, size_t esz, uint64_t *counts,
                    size_t *close, size_t max);

/* A steady step, averaged over the measured steps. */
struct kstream_result {
    double step_s;
    double forward_s, backward_s, optimizer_s; /* GPU busy */
    double exposed_comm_s;     /* GPU waiting for the all-reduce */
    double input_stall_s;      /* GPU idle while the host waited for the batch */
    double host_s;             /* GPU idle waiting for the host otherwise */
    double allreduce_s;        /* all-reduce busy time per step */
    double backward_wall_s;    /* end of forward to end of backward on the GPU */
};

struct kstream_simopts {
    const double *bucket_s;    /* [nbuckets] all-reduce seconds per bucket; NULL = no all-reduce */
    double input_s;            /* seconds to produce one batch; 0 = not modelled */
    int prefetch;              /* batches buffered ahead (>= 1 when input_s > 0) */
    int warmup, measured;      /* steps */
};

/* Simulate warmup + measured steps of ks in plain C (no SimGrid). */
int kstream_sim(const struct kstream *ks, const struct kstream_simopts *o, struct kstream_result *r, dt_err *e);

#endif
