#!/bin/sh
# Sweep speed (issue 8): the docs/sweep.md example, ResNet-50 weak scaling,
# 3 GPU types x 8..4096 GPUs (10 counts) x 3 networks x 3 algorithms = 270
# points, all cores. Prints wall and CPU time, then interrupts a second run
# of the same sweep half way (SIGINT once half the rows are in), reruns it,
# and checks that the rerun simulates only the missing points and ends with
# the same bytes. Target: a 200-point sweep in at most 5 minutes on 2 cores.
#   bench/sweep.sh            (writes out/bench-sweep/)
set -u
DTSIM=${DTSIM:-bin/dtsim}
o=out/bench-sweep
rm -rf "$o"
mkdir -p "$o"
set -- configs/plan/template.ini \
    --vary cluster.gpu+cluster.intra_link=V100-SXM2-16GB+NVLink2,A100-SXM4-80GB+NVLink3,H100-SXM5+NVLink4 \
    --vary cluster.nodes=1..512*2 --vary cluster.nic=IB-EDR,IB-HDR,IB-NDR \
    --vary allreduce.algorithm=ring,hierarchical,2d-torus --per-gpu-batch 32
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
/usr/bin/time -o "$o/time" -f '%e s wall, %U s user, %S s system, %M kB peak (largest process)' \
    "$DTSIM" sweep "$@" --out "$o/full.csv"
echo "one go: $(cat "$o/time")"
"$DTSIM" sweep "$@" --out "$o/int.csv" > /dev/null 2>&1 &
pid=$!
while [ "$(if [ -f "$o/int.csv" ]; then wc -l < "$o/int.csv"; else echo 0; fi)" -lt 136 ]; do sleep 0.2; done
kill -INT $pid
wait $pid
echo "interrupted: exit status $?, $(($(wc -l < "$o/int.csv") - 1)) rows kept"
/usr/bin/time -o "$o/time2" -f '%e s wall, %U s user' "$DTSIM" sweep "$@" --out "$o/int.csv"
echo "rerun: $(cat "$o/time2")"
if cmp -s "$o/full.csv" "$o/int.csv"; then echo "interrupted + rerun = one go: same bytes"; else echo "DIFFERENT"; exit 1; fi
