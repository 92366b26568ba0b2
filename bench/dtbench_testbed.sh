#!/bin/sh
# busbw vs size on the emulated cluster, against the line rate.
#
#   bench/dtbench_testbed.sh [HOSTS...]      (root; default: 2 4 8)
#   RT=1 bench/dtbench_testbed.sh            ranks under SCHED_RR (launch --rt)
#
# For each host count: testbed up at $BW (default 1Gbit), ring all-reduce
# over TCP from $MIN to $MAX, out-of-place and in-place; prints one line per
# size with busbw as a percentage of the line rate, and keeps the CSV in
# out/bench/testbed-N.csv. The load average is printed too: the ranks share
# this machine's cores with whatever else runs, and a lock-step collective
# is only as fast as its most descheduled rank.
set -eu
DTBENCH=${DTBENCH:-bin/dtbench}
BW=${BW:-1Gbit}
LAT=${LAT:-100us}
MIN=${MIN:-1M}
MAX=${MAX:-128M}
ITERS=${ITERS:-5}
ALGO=${ALGO:-ring}
PREFIX=dtbb
OUT=out/bench
mkdir -p $OUT
[ "$(id -u)" = 0 ] || { echo "SKIP: the testbed needs root"; exit 3; }
hosts=${*:-2 4 8}
trap '$DTBENCH testbed down --prefix $PREFIX >/dev/null 2>&1' EXIT INT TERM
# line rate in GB/s (1e9 B/s), from the same parser dtbench uses
line=$(echo "$BW" | awk '
    { v = $0 + 0; u = $0; sub(/^[0-9.]+/, "", u)
      m = (u ~ /^[Gg]/) ? 1e9 : (u ~ /^[Mm]/) ? 1e6 : (u ~ /^[Kk]/) ? 1e3 : 1
      print v * m / 8 / 1e9 }')
echo "# line rate $BW = $line GB/s; algo $ALGO; sizes $MIN..$MAX; $ITERS iterations; $(nproc) cores${RT:+; ranks SCHED_RR}"
echo "# hosts        size   oop busbw   ip busbw  %line(oop)  %line(ip)   load"
port=$((20000 + $$ % 10000)) # below the ephemeral range (32768-)
for n in $hosts; do
    $DTBENCH testbed down --prefix $PREFIX >/dev/null 2>&1 || true
    $DTBENCH testbed up --prefix $PREFIX --hosts "$n" --bw "$BW" --lat "$LAT" --ini $OUT/testbed-$n.ini 2>/dev/null >/dev/null
    port=$((port + 1))
    $DTBENCH launch --testbed --prefix $PREFIX --port $port ${RT:+--rt} -- allreduce --algo "$ALGO" -b "$MIN" -e "$MAX" \
        -n "$ITERS" -w 2 -c 1 --csv > $OUT/testbed-$n.csv
    load=$(cut -d' ' -f1 /proc/loadavg)
    awk -F, -v n="$n" -v line="$line" -v load="$load" 'NR > 1 {
        printf "%7d %11d %11.4f %10.4f %10.1f%% %10.1f%%  %5s\n", n, $4, $11, $15, 100 * $11 / line, 100 * $15 / line, load
        if ($12 != 0 || $16 != 0) { print "# WRONG RESULTS"; bad = 1 } }
        END { exit bad }' $OUT/testbed-$n.csv
done
