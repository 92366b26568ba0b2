#!/bin/sh
# Simulator speed per training iteration: wall seconds and peak memory of
# `dtsim run` simulating ONE ResNet-50 step (all its gradient buckets'
# all-reduces; one warm-up step fills the input buffer and the pattern
# memo, so the measured step costs little more; no base run) on ABCI-like clusters (4 V100 per
# node, NVLink2, 2 x EDR, 34 nodes per leaf, 3:1), 256 to 4352 GPUs, ring,
# hierarchical and 2d-torus, 32 images per GPU, amp (fp16 gradients, 51 MB
# in 25 MB buckets). Targets (issue 4): 2176 GPUs 2d-torus <= 2 s, 4352
# <= 6 s, ring at 1024 (1088 here) <= 5 s, memory < 4 GB. Issue 12: 131,072
# GPUs (2d-torus and hierarchical) <= 120 s and <= 8 GB; from 16,384 GPUs up
# only those two algorithms run (ring too with ALGOS="ring ...").
# cpu_s is user + system time: on a busy machine wall_s also counts waiting.
#   bench/iterspeed.sh [GPUS...]      default: 256 1088 2176 4352 16384 32768 65536 131072
set -eu
DTSIM=${DTSIM:-bin/dtsim}
exp=configs/experiments/mikami-1088xV100.ini
gpus=${*:-256 1088 2176 4352 16384 32768 65536 131072}
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.t" "$tmp.csv"' EXIT
printf '%-6s %-13s %10s %8s %8s %8s %s\n' gpus algo step_ms wall_s cpu_s rss_MB "(load: $(cut -d' ' -f1-3 /proc/loadavg))"
for g in $gpus; do
    n=$((g / 4))
    algos=${ALGOS:-ring hierarchical 2d-torus}
    [ "$g" -ge 16384 ] && [ -z "${ALGOS:-}" ] && algos="hierarchical 2d-torus"
    for a in $algos; do
        /usr/bin/time -o "$tmp.t" -f '%e %M %U %S' "$DTSIM" run "$exp" --no-base --warmup 1 --measured 1 --format csv \
            --set cluster.nodes=$n --set training.batch=$((g * 32)) --set allreduce.algorithm=$a \
            --set allreduce.grid=none > "$tmp.csv"
        step=$(tail -1 "$tmp.csv" | cut -d, -f7)
        wall=$(cut -d' ' -f1 "$tmp.t")
        rss=$(cut -d' ' -f2 "$tmp.t")
        cpu=$(awk '{printf "%.2f", $3 + $4}' "$tmp.t")
        printf '%-6s %-13s %10.2f %8s %8s %8d\n' "$g" "$a" "$(echo "$step * 1000" | bc -l)" "$wall" "$cpu" $((rss / 1024))
    done
done
