/* scaling_plan.h -- the pure arithmetic of `dtbench scaling` (no I/O).
 *
 * Layers: the ResNet-50 layers of gpucompute.h (53 convolutions + fc), in
 * forward order. Parameters of a layer = its weights K C R R, plus the two
 * batch-norm parameters (scale, shift) per output channel after every
 * convolution (2 K), plus fc's 1000 biases:
 *
 *     23 454 912 conv + 53 120 bn + 2 048 000 fc + 1 000 bias = 25 557 032
 *
 * (torchvision's count, as models/dnn.h has it).
 *
 * FLOPs per image: forward F = 2 K P Q C R R; backward = data + filter
 * gradients = 2 F, except the first layer (no input gradient): F.
 *
 * Gradient buffer and buckets, as sim/iter.h: walking backward from the
 * last layer, gradients are laid out from offset 0 (the last layer's
 * first) and accumulate into a bucket until it holds >= bucket_bytes; the
 * layer that crosses the threshold closes the bucket; the first layer
 * closes the last bucket. A bucket is one contiguous element range, so its
 * all-reduce can start as soon as the backward of its closing layer ends.
 *
 * CPU kernel sizing: one unit of work is a 64 x 64 x 64 fp32 GEMM block
 * (2 * 64^3 = 524 288 FLOPs). A step of `compute_s` seconds on a machine
 * that runs `blocks_per_s` blocks is compute_s * blocks_per_s blocks,
 * shared among the passes in proportion to their FLOPs:
 *
 *     blocks(layer, pass) = round(total * flops(layer, pass) / step_flops)
 *
 * Rank counts swept: 1, 2, 4, ... (powers of two below N), then N.
 */
#ifndef DT_SCALING_PLAN_H
#define DT_SCALING_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SCALING_MAX_LAYERS 64
#define SCALING_BLOCK 64 /* CPU kernel: 64 x 64 x 64 fp32 GEMM block */

struct scaling_layer {
    char name[32];         /* torchvision module name */
    int conv;              /* index into the gpucompute layer table */
    double fwd_flops;      /* FLOPs per image, forward */
    double bwd_flops;      /* FLOPs per image, backward (data + filter) */
    uint64_t params;       /* weights + bn scale/shift + biases */
};

struct scaling_bucket {
    uint64_t offset;       /* first element in the gradient buffer */
    uint64_t count;        /* elements */
    int close_layer;       /* forward index of the layer whose backward closes it */
};

/* Layers of `model` (only resnet50); returns the count or < 0. */
int scaling_layers(const char *model, struct scaling_layer *out, int max, dt_err *e);

/* Sum of params. */
uint64_t scaling_params(const struct scaling_layer *l, int n);

/* Buckets of a gradient buffer of element size esz; returns the count
 * (<= max) or DT_ERANGE. */
int scaling_buckets(const struct scaling_layer *l, int n, size_t esz, double bucket_bytes, struct scaling_bucket *out,
                    int max, dt_err *e);

/* Blocks per pass for a step of total_blocks: fwd[i], bwd[i]. */
void scaling_blocks(const struct scaling_layer *l, int n, double total_blocks, long *fwd, long *bwd);

/* Rank counts 1, 2, 4, ..., n (n last even when not a power of two);
 * returns how many were written (<= max). */
int scaling_rank_counts(int n, int *out, int max);

/* Scaling efficiency of `ips` images/s on k ranks against ips1 on 1. */
double scaling_efficiency(double ips, int k, double ips1);

/* The CPU kernel: C += A B on 64 x 64 fp32 blocks (row-major). */
void scaling_gemm_block(float *c, const float *a, const float *b);

#endif
