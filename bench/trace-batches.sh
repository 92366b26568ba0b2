#!/bin/sh
# A stack fitted on one batch size, predicting another (issue 14's target:
# within 15%), on real GPU traces: ResNet-50 fp32 training on one GeForce
# RTX 3090 at batch 16 and batch 256, PyTorch 1.13.1, three runs of each
# (Hotline's results, github.com/danielsnider/hotline-results, commits
# 056ee62, 37b5db0 and a59e4a7, paths
# 3090-x1-gpu/dist/traces/results/ResNet50{,-batch-16}/*.1.pt.trace.json).
# That repository has no licence file, so the traces are not committed
# here: clone it and give its directory.
#
#   git clone https://github.com/danielsnider/hotline-results
#   bench/trace-batches.sh hotline-results        (output: bench/trace-batches.out)
#
# Hotline strips the ops' args: no shapes, no dtypes, no deviceProperties.
# Batch, precision (fp32) and GPU are given on the command line, from
# Hotline's run metadata and its example_resnet50.py. Exit 3 without the
# clone.
set -u
DTSIM=${DTSIM:-bin/dtsim}
repo=${1:-}
if [ -z "$repo" ] || ! git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
    echo "trace-batches: SKIP: give a clone of github.com/danielsnider/hotline-results (see the header)"
    exit 3
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
commits="056ee62 37b5db0 a59e4a7"
for c in $commits; do
    for run in ResNet50 ResNet50-batch-16; do
        git -C "$repo" show "$c:3090-x1-gpu/dist/traces/results/$run/$run.1.pt.trace.json" > "$tmp/$c-$run.json" ||
            { echo "trace-batches: $c has no $run trace"; exit 2; }
    done
done
set -- 056ee62 37b5db0 a59e4a7
for fit in "ResNet50-batch-16 16 ResNet50 256" "ResNet50 256 ResNet50-batch-16 16"; do
    set -- $fit
    run=$1 b=$2 other=$3 ob=$4
    for c in $commits; do
        checks=""
        for c2 in $commits; do
            [ "$c2" = "$c" ] || checks="$checks --check $tmp/$c2-$run.json@$b"
        done
        for c2 in $commits; do checks="$checks --check $tmp/$c2-$other.json@$ob"; done
        echo "== fitted on $c $run (batch $b)"
        # shellcheck disable=SC2086
        "$DTSIM" calibrate-stack --trace "$tmp/$c-$run.json" --batch "$b" --precision fp32 --model resnet50 \
            --gpu RTX-3090 --name "rtx3090-b$b-$c" $checks --out /dev/null | sed -n '/^one GPU/,/^$/p' | sed "s#$tmp/##"
    done
done
