#!/bin/sh
# Simulator speed: wall seconds per simulated 102 MB all-reduce (ResNet-50
# fp32 gradients) on ABCI-like clusters (4 V100 per node, NVLink2, 2 x EDR,
# 34 nodes per leaf, 3:1), 256 to 4352 GPUs, ring / hierarchical / 2d-torus,
# exact beside fast up to 256 GPUs. Wall times depend on the machine and its
# load: run it on an idle one. Extra arguments go to `dtsim simspeed`.
#   bench/simspeed.sh [--gpus 256,1088] [--algos ring] ...
set -eu
DTSIM=${DTSIM:-bin/dtsim}
exec "$DTSIM" simspeed --gpus 256,1088,2176,4352 --algos ring,hierarchical,2d-torus "$@"
