#!/bin/bash
# Produce the sample traces in traces/samples/ on a GPU machine:
#   scripts/gpu-samples.sh DTBENCH OUTDIR [seconds]
# GEMM sweep, memory bandwidth, then every ResNet-50 convolution at batch
# 64 and 32 in fp16 (NHWC) and fp32 (NCHW, no TF32), then tf32 and bf16 at
# batch 64 and fp16 at batch 256 while time is left; then `dtbench io` on the machine's CPUs.
# DT_SKIP_IO=1 leaves the io part out. Everything printed goes to OUTDIR/log.txt as well; traces are
# OUTDIR/<gpu>-resnet50-b<batch>-<dtype>.csv with <gpu> h100, h200 or gpu.
B=$1; out=$2; budget=${3:-330}
mkdir -p "$out"
exec > >(tee -a "$out/log.txt") 2>&1
left() { [ "$SECONDS" -lt "$budget" ] || { echo "== out of time, skipping: $*"; return 1; }; }
run() { echo "== [$SECONDS s] $*"; "$@"; echo "== rc=$?"; }
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
case "$gpu" in *H200*) tag=h200 ;; *H100*) tag=h100 ;; *) tag=gpu ;; esac
echo "gpu: $gpu ($tag); $(nproc) cpus; kernel $(uname -r)"
run timeout 90 "$B" compute gemm
run timeout 30 "$B" compute membw
for cfg in "64 fp16 nhwc" "64 fp32 nchw" "32 fp16 nhwc" "32 fp32 nchw" "64 tf32 nhwc" "64 bf16 nhwc" "256 fp16 nhwc"; do
    set -- $cfg
    left "conv b$1 $2" || continue
    run timeout 90 "$B" compute conv --batch "$1" --dtype "$2" --layout "$3" \
        --trace "$out/$tag-resnet50-b$1-$2.csv"
done
if [ -z "${DT_SKIP_IO:-}" ] && left "io"; then
    ds=$(mktemp -d)/ds
    n=$(nproc)
    run timeout 60 "$B" io make --dir "$ds" --files 8000 --threads "$n"
    run timeout 30 "$B" io read --dir "$ds" --threads "$n" --cold
    run timeout 30 "$B" io read --dir "$ds" --threads 1 --cold
    run timeout 30 "$B" io read --dir "$ds" --threads "$n" --direct
    run timeout 30 "$B" io read --dir "$ds" --threads "$n" --warm
    run timeout 60 "$B" io read --dir "$ds" --threads "$n" --warm --decode
    run timeout 60 "$B" io read --dir "$ds" --threads 1 --warm --decode --max-files 2000
    rm -rf "$(dirname "$ds")"
fi
echo "== done in $SECONDS s"
