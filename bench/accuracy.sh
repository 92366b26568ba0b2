#!/bin/sh
# Fast mode against the message-exact simulation, every algorithm on several
# platforms up to 256 GPUs. Prints one line per case (fast time / exact time).
#   bench/accuracy.sh [DTSIM]      (default bin/dtsim)
#   EXTRA=--no-fallback bench/accuracy.sh   measure lock-step even where reuse is low
set -u
DTSIM=${1:-bin/dtsim}
algos="ring halving-doubling binary-blocks double-binary-tree hierarchical 2d-torus"
platforms="
abci-64|--nodes 64
abci-16|--nodes 16
abci-64-leaf8|--nodes 64 --nodes-per-leaf 8
abci-33-leaf4-2to1|--nodes 33 --nodes-per-leaf 4 --oversub 2
switch-256x1|--topology switch --nodes 256 --gpus-per-node 1 --nics 1
switch-32x8|--topology switch --nodes 32 --gpus-per-node 8 --nics 4 --intra switch --intra-GBps 300
torus-8x8|--topology torus --nodes 64 --torus 8x8 --gpus-per-node 1 --nics 1
dragonfly-64|--topology dragonfly --nodes 64 --nodes-per-leaf 4 --dfly-routers 4
"
worst=1
echo "$platforms" | while IFS='|' read -r name opts; do
    [ -n "$name" ] || continue
    for a in $algos; do
        for b in 102M 4M; do
            # shellcheck disable=SC2086
            r=$("$DTSIM" simcoll $opts --algo "$a" --bytes $b --mode both ${EXTRA:-} 2>&1 | awk '/fast\/exact/ {print $2}')
            echo "$name $a $b fast/exact ${r:-error}"
        done
    done
done
