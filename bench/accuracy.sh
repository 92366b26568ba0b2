#!/bin/sh
# Fast mode against the message-exact simulation, every algorithm on several
# platforms up to 256 GPUs. Prints one line per case (fast time / exact time).
#   bench/accuracy.sh [DTSIM]      (default bin/dtsim)
#   EXTRA=--no-fallback bench/accuracy.sh   measure lock-step even where reuse is low
# Then the NICs: a ring and a 2d-torus on 32 nodes x 8 GPUs with 1, 2, 4
# and 8 NICs against their closed forms (one channel per NIC, docs/
# collectives.md "Multi-rail"); exits 1 when one is more than 2% off, so a
# simulator that ignores --nics-per-node fails here.
set -u
DTSIM=${1:-bin/dtsim}
algos="ring halving-doubling binary-blocks double-binary-tree hierarchical 2d-torus"
platforms="
abci-64|--nodes 64
abci-16|--nodes 16
abci-64-leaf8|--nodes 64 --nodes-per-leaf 8
abci-33-leaf4-2to1|--nodes 33 --nodes-per-leaf 4 --oversubscription 2
switch-256x1|--topology single-switch --nodes 256 --gpus-per-node 1 --nics-per-node 1
switch-32x8|--topology single-switch --nodes 32 --gpus-per-node 8 --nics-per-node 4 --intra switch --intra-bw 300GB/s
torus-8x8|--topology torus --nodes 64 --torus 8x8 --gpus-per-node 1 --nics-per-node 1
dragonfly-64|--topology dragonfly --nodes 64 --nodes-per-leaf 4 --dragonfly-routers 4
"
worst=1
echo "$platforms" | while IFS='|' read -r name opts; do
    [ -n "$name" ] || continue
    for a in $algos; do
        for b in 102MB 4MB; do
            # shellcheck disable=SC2086
            r=$("$DTSIM" simcoll $opts --algorithm "$a" --bytes $b --mode both ${EXTRA:-} 2>&1 | awk '/fast\/exact/ {print $2}')
            echo "$name $a $b fast/exact ${r:-error}"
        done
    done
done

# Multi-rail. 32 nodes x 8 GPUs on one switch, NICs of B = 12.5 GB/s, NIC
# latency L = 1 us, switch W = 0.1 us, NVSwitch ports of 300 GB/s (never the
# bottleneck with k <= 8 NICs: a GPU sends (k-1)/k of a block inside).
# ring, N = 256 ranks, k NICs: 2 (N-1) steps, each L + W + S / (k N B).
# 2d-torus 32 x 8 (rows of 4 nodes): 2 x 31 row steps of L + W + S/(32 k B),
# then 2 x 7 column steps of a block of S/256 per GPU, the 8/k GPUs of a NIC
# sending at once (column j on NIC j k / 8): L + W + S/(32 k B) as well.
# hierarchical: 2 x 7 intra-node ring steps of S/8 on a 300 GB/s port (1 us
# each way), and 2 x 31 inter-node ring steps of S/256 per GPU, the 8/k GPUs
# of a NIC at once: it used every NIC before channels, and still does.
S=102000000
mr="--topology single-switch --nodes 32 --gpus-per-node 8 --intra switch --intra-bw 300GB/s --nic-bw 12.5GB/s --nic-latency 1us --switch-latency 100ns"
bad=0
for a in ring 2d-torus hierarchical; do
    for k in 1 2 4 8; do
        extra=""; [ $a = 2d-torus ] && extra="--grid 32x8"
        # shellcheck disable=SC2086
        t=$("$DTSIM" simcoll $mr $extra --nics-per-node $k --algorithm $a --bytes ${S}B --format csv 2>&1 | awk -F, 'NR == 2 {print $5}')
        line=$(awk -v a=$a -v k=$k -v t="${t:-0}" -v S=$S 'BEGIN {
            B = 12.5e9; lat = 1.1e-6
            if (a == "ring") c = 2 * 255 * (lat + S / (k * 256 * B))
            else if (a == "2d-torus") c = (62 + 14) * (lat + S / (32 * k * B))
            else c = 14 * (1e-6 + S / (8 * 300e9)) + 62 * (lat + S / (32 * k * B))
            r = t / c; off = r > 1 ? r - 1 : 1 - r
            printf "multirail switch-32x8 %s nics=%d sim %.6f closed %.6f sim/closed %.4f %s\n", a, k, t, c, r, off <= 0.02 ? "ok" : "FAIL"
        }')
        echo "$line"
        case $line in *FAIL) bad=1 ;; esac
    done
done
exit $bad
