/* gpucompute.h -- `dtbench compute`: GPU compute probes (cuBLAS GEMM sweep,
 * device memory bandwidth, every ResNet-50 convolution through cuDNN) and
 * the per-layer trace that `dtsim run --trace-in` reads (docs/traces.md).
 *
 * The layer table is ResNet-50 v1.5 as torchvision builds it: the stride-2
 * of a downsampling bottleneck sits on its 3x3 convolution (conv2), not on
 * the first 1x1. Layer names are torchvision's module names:
 *
 *   conv1                      7x7/2, 3->64, 224 -> 112   (then 3x3/2 max-pool to 56)
 *   layerS.B.conv1             1x1, in -> width            S = 1..4, B = 0..blocks-1
 *   layerS.B.conv2             3x3, width -> width, stride 2 when S > 1 and B = 0
 *   layerS.B.conv3             1x1, width -> 4 width
 *   layerS.0.downsample.0      1x1, in -> 4 width, stride as conv2
 *   fc                         2048 -> 1000 (a GEMM, kind "fc")
 *
 *   stage S:    1    2    3     4
 *   blocks:     3    4    6     3
 *   width:      64   128  256   512
 *   input h,w:  56   56   28    14    (the first block's; then /2 from S = 2)
 *
 * 53 convolutions (23 distinct shapes) plus fc. FLOPs of one pass of a
 * convolution: 2 N K P Q C R S (P x Q the output); of fc: 2 N 1000 2048.
 * Forward, one image, all 54 layers: 4 089 184 256 multiply-adds
 * (torchvision quotes 4.09 GMACs). Weights: 23 454 912 in convolutions
 * plus 2 048 000 in fc; with fc's 1 000 biases and 53 120 batch-norm
 * parameters that is torchvision's 25 557 032.
 */
#ifndef DT_GPUCOMPUTE_H
#define DT_GPUCOMPUTE_H

#include <stddef.h>

#include "err.h"

#define COMPUTE_MAX_LAYERS 64

struct compute_layer {
    char name[32];    /* torchvision module name: "layer3.0.downsample.0" */
    const char *kind; /* "conv" or "fc" */
    int c, h, w;      /* input channels, height, width (fc: 2048, 1, 1) */
    int k;            /* output channels (fc: 1000 outputs) */
    int r;            /* square kernel side (fc: 1) */
    int stride;       /* both dimensions */
    int pad;          /* both dimensions */
    int first;        /* 1 for the network's first layer: it has no input gradient */
};

/* Fill `out` (room for `max`) with the layers of `model` (only "resnet50"
 * for now); returns the number of layers or DT_EINVAL for an unknown model
 * (with a suggestion) or DT_ERANGE when `max` is too small. */
int compute_layers(const char *model, struct compute_layer *out, int max, dt_err *e);

/* Output height (and width) of a layer: (h + 2 pad - r) / stride + 1. */
int compute_out_hw(const struct compute_layer *l);

/* FLOPs of one pass of `l` at batch `n`: 2 N K P Q C R R. */
double compute_layer_flops(const struct compute_layer *l, int n);

/* Number of weights (no biases): K C R R. */
double compute_layer_weights(const struct compute_layer *l);

/* `dtbench compute ...`: argv[0] is "compute". Exit status 0 ok, 1 a probe
 * failed, 2 bad usage, 3 skipped (no GPU, or built without CUDA). */
int dtbench_compute_main(int argc, char **argv);

#endif
