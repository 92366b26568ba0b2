#!/bin/sh
# dtbench end-to-end tests: real processes, real sockets.
#
#   tests/dtbench.sh            (DTBENCH=path/to/dtbench to test another build)
#
# 1. loopback: 4 ranks, every all-reduce schedule, fp32 and fp16, odd sizes;
#    exit 0 and #wrong 0 on every row; the --early policies; 1 rank alone;
# 2. failures: a rank killed mid-run -> the others exit with an error by
#    themselves within 10 s; busy port, wrong rank count, missing peer ->
#    the error says so; verbs / nccl without hardware -> skipped (3);
# 2b. scaling: 1, 2, 4 loopback ranks (CPU kernel), its files, dtsim on them, a
#    killed rank;
# 3. testbed (root only, else SKIP): 4 namespaces at 1Gbit/100us, every
#    schedule, fp32 and fp16, and scaling.
# Prints one line per check; exit 1 if any failed. About a minute.
set -u
DTBENCH=${DTBENCH:-bin/dtbench}
TMP=$(mktemp -d /tmp/dtbench-test.XXXXXX)
# Rendezvous ports below Linux's ephemeral range (32768-60999 by default):
# a port in it can be held at random by any outgoing connection, earlier
# tests' rank-to-rank links included, and rank 0's listen would then fail.
lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
span=$((lo - 10100))
[ "$span" -gt 100 ] || span=100
PORT=$((10000 + $$ % span))
PREFIX=dtbt$$
fails=0
checks=0
tb_up=0

L=
cleanup() {
    [ -n "$L" ] && kill "$L" 2>/dev/null
    [ $tb_up = 1 ] && $DTBENCH testbed down --prefix $PREFIX >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

ok() { checks=$((checks + 1)); echo "ok   $1"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     | /' "$2" | tail -20; }
nextport() { PORT=$((PORT + 1)); }
# kill_rank LAUNCHER REGEX N: once $TMP/out matches REGEX (30 s at most) and
# a second more, SIGKILL the launcher's Nth child and wait for the launcher;
# sets rc (its exit status) and ms (time from the kill to its exit). Returns 1,
# after ending the launcher, when there is no Nth child.
kill_rank() {
    i=0
    until grep -q "$2" "$TMP/out" 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
    sleep 1
    victim=$(pgrep -P "$1" | sed -n "$3p")
    if [ -z "$victim" ]; then
        kill "$1"
        wait "$1"
        return 1
    fi
    t0=$(date +%s%N)
    kill -9 "$victim"
    wait "$1"
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
}

# All rows of a table must have #wrong 0 (columns 9 and 13), and at least one row.
rows_ok() {
    awk '!/^#/ && NF == 13 { n++; if ($9 != "0" || $13 != "0") bad = 1 }
         END { exit (n > 0 && !bad) ? 0 : 1 }' "$1"
}

# run NAME EXPECTED_RC CMD...: output in $TMP/out, $TMP/err
run() {
    name=$1 want=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        bad "$name (exit $rc, want $want)" "$TMP/err"
        return 1
    fi
    return 0
}

algos=$($DTBENCH allreduce --list | awk '/^schedules/ { s = 1; next } /^[a-z]/ { s = 0 } s { print $1 }')
[ -n "$algos" ] || bad "no schedules listed by 'allreduce --list'"

# --- 1. loopback ----------------------------------------------------------------
for a in $algos; do
    for d in fp32 fp16; do
        nextport
        # 12 B .. 120 KB by 10: counts 3, 30, ... (uneven blocks, fewer
        # elements than ranks), then 1 MiB.
        if run "loopback $a $d" 0 $DTBENCH launch -n 4 --port $PORT -- allreduce --algo $a --dtype $d \
               -b 12 -e 120K -f 10 -n 2 -w 1; then
            if rows_ok "$TMP/out"; then ok "loopback 4 ranks $a $d: #wrong 0"; else bad "loopback $a $d: wrong" "$TMP/out"; fi
        fi
        nextport
        if run "loopback 1M $a $d" 0 $DTBENCH launch -n 4 --port $PORT -- allreduce --algo $a --dtype $d \
               -b 1M -e 1M -n 2 -w 1 --csv; then
            if awk -F, 'NR > 1 && ($12 != 0 || $16 != 0) { b = 1 } END { exit (NR == 2 && !b) ? 0 : 1 }' "$TMP/out"
            then ok "loopback 4 ranks $a $d 1 MiB (csv): #wrong 0"; else bad "loopback 1M $a $d" "$TMP/out"; fi
        fi
    done
done
nextport
if run "hierarchical 2x2" 0 $DTBENCH launch -n 4 --port $PORT -- allreduce --algo hierarchical --gpus-per-node 2 \
       -b 12 -e 120K -f 10 -n 2 -w 1 && rows_ok "$TMP/out"; then ok "loopback hierarchical, 2 nodes x 2 ranks: #wrong 0"; fi
# the other early-send policies (sched_exec.h): same sums
for pol in all none; do
    for a in halving-doubling double-binary-tree; do
        nextport
        if run "early $pol $a" 0 $DTBENCH launch -n 4 --port $PORT -- allreduce --algo $a --early $pol \
               -b 12 -e 120K -f 10 -n 2 -w 1 && rows_ok "$TMP/out"; then ok "loopback $a --early $pol: #wrong 0"; fi
    done
done
nextport
if run "5 ranks" 0 $DTBENCH launch -n 5 --port $PORT -- allreduce --algo ring -b 12 -e 120K -f 10 -n 2 -w 1 &&
    rows_ok "$TMP/out"; then ok "loopback 5 ranks ring (blocks of 0 elements): #wrong 0"; fi
if run "single rank" 0 env -u RANK -u WORLD_SIZE $DTBENCH allreduce -b 8 -e 64K -f 8 -n 2 -w 1 && rows_ok "$TMP/out"
then ok "single rank, no launcher"; fi

# --- 2. failures ------------------------------------------------------------------
# A rank killed mid-run: the others must fail by themselves (the launcher's
# grace is 60 s, so it does not do it for them) within 10 s.
nextport
$DTBENCH launch -n 4 --port $PORT --grace 60 -- allreduce -b 4M -e 4M -n 100000 -w 0 -c 0 \
    >"$TMP/out" 2>"$TMP/err" &
L=$!
# (the wait lands inside the timed loop of the second, in-place, half or the next)
if ! kill_rank $L '^ *4194304' 3; then
    bad "kill test: ranks not found" "$TMP/err"
else
    died=$(grep -c 'exited with status 1' "$TMP/err")
    if [ $rc -ne 0 ] && [ $ms -lt 10000 ] && [ "$died" = 3 ] && ! grep -q terminating "$TMP/err"; then
        ok "rank killed mid-run: the other 3 exited with an error in $ms ms"
    else
        bad "kill test: rc $rc after $ms ms, $died ranks exited on their own" "$TMP/err"
    fi
fi
L=

# Busy port: another rank 0 holds it.
nextport
RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce --rdv-timeout 6 >/dev/null 2>&1 &
H=$!
sleep 0.5
if run "busy port" 1 env RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce \
       --rdv-timeout 2 && grep -q "port already in use" "$TMP/err"; then
    ok "busy port: $(cat "$TMP/err")"
elif [ "$rc" = 1 ]; then bad "busy port: message" "$TMP/err"; fi
kill $H 2>/dev/null
wait $H 2>/dev/null

# Wrong rank count: rank 1 believes in 3 ranks, rank 0 in 2.
nextport
RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce --rdv-timeout 5 \
    >/dev/null 2>"$TMP/err0" &
H=$!
if run "wrong rank count" 2 env RANK=1 WORLD_SIZE=3 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce \
       --rdv-timeout 5 && grep -q "has world size 3 but rank 0 has 2" "$TMP/err"; then
    ok "wrong rank count: $(cat "$TMP/err")"
elif [ "$rc" = 2 ]; then bad "wrong rank count: message" "$TMP/err"; fi
wait $H
[ $? = 2 ] && grep -q "world size 3" "$TMP/err0" && ok "wrong rank count: rank 0 fails too (exit 2)" ||
    bad "wrong rank count: rank 0" "$TMP/err0"
if run "rank out of range" 2 env RANK=4 WORLD_SIZE=4 $DTBENCH allreduce && grep -q "out of range" "$TMP/err"
then ok "rank out of range: $(cat "$TMP/err")"; fi

# Missing peer: 3 ranks announced, 2 started.
nextport
RANK=1 WORLD_SIZE=3 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce --rdv-timeout 2 \
    >/dev/null 2>"$TMP/err1" &
H=$!
if run "missing peer" 1 env RANK=0 WORLD_SIZE=3 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce \
       --rdv-timeout 2 && grep -q "2 of 3 ranks joined, missing rank 2" "$TMP/err"; then
    ok "missing peer: $(cat "$TMP/err")"
elif [ "$rc" = 1 ]; then bad "missing peer: message" "$TMP/err"; fi
wait $H
[ $? = 1 ] && grep -q "missing rank 2" "$TMP/err1" && ok "missing peer: rank 1 told why" ||
    bad "missing peer: rank 1" "$TMP/err1"
if run "no rank 0" 1 env RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce \
       --rdv-timeout 1 && grep -q "cannot reach the rendezvous" "$TMP/err"; then ok "no rank 0: clear error"; fi

# Skips: no RDMA device here; NCCL only in a CUDA build.
$DTBENCH allreduce --transport verbs >"$TMP/out" 2>&1
rc=$?
if [ $rc = 3 ] && grep -q "skipped: verbs" "$TMP/out"; then ok "verbs: $(cat "$TMP/out") (exit 3)"
elif [ $rc = 0 ]; then ok "verbs: ran"; else bad "verbs (exit $rc)" "$TMP/out"; fi
$DTBENCH allreduce --transport nccl -b 8 -e 8 >"$TMP/out" 2>&1
rc=$?
if [ $rc = 3 ]; then ok "nccl: skipped: $(tail -1 "$TMP/out")"; elif [ $rc = 0 ]; then ok "nccl: ran"
else bad "nccl (exit $rc)" "$TMP/out"; fi
if run "bad option" 2 $DTBENCH allreduce --dtype fp64 && grep -q "unknown dtype 'fp64'" "$TMP/err"
then ok "bad input: $(cat "$TMP/err")"; fi

# Sizes that run nothing or cut an element: exit 2 with the reason.
if run "-b 0" 2 $DTBENCH allreduce -b 0 && grep -q "smallest size must be at least one element" "$TMP/err"
then ok "-b 0: $(cat "$TMP/err")"; fi
if run "-b 3" 2 $DTBENCH allreduce -b 3 -e 64 && grep -q "not a whole number of fp32 elements" "$TMP/err"
then ok "-b 3: $(cat "$TMP/err")"; fi
if run "-b 3 fp16" 2 $DTBENCH allreduce -b 3 --dtype fp16 && grep -q "fp16 elements (2 bytes each)" "$TMP/err"
then ok "-b 3 --dtype fp16: $(cat "$TMP/err")"; fi

# Hostile peers (perl plays them): nothing a peer sends is printed before its
# magic is checked, its text only as printable bytes, its ports range-checked.
# fake_rank0 PORT MODE: answers one hello with MODE's bytes.
fake_rank0() {
    perl -MIO::Socket::INET -e '
        my ($port, $mode) = @ARGV;
        my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $port, Listen => 1, ReuseAddr => 1)
            or die "fake rank 0: listen: $!\n";
        my $c = $l->accept or die;
        my $h;
        read($c, $h, 24);
        if ($mode eq "nomagic") { print $c "\e[31mEVIL\e[0m\e]0;title\a" x 3 }
        elsif ($mode eq "text") { my $t = "\e[2J\e[31mrank 0 says\a hi"; print $c pack("NNN", 0x44544232, 1, length $t) . $t }
        elsif ($mode eq "port") { print $c pack("NNN", 0x44544232, 0, 2) . pack("NN", 0x7f000001, 0xffffffff) x 2 }
        close $c;' "$1" "$2" &
    F=$!
}
esc=$(printf '\033')
nextport
fake_rank0 $PORT nomagic
if run "peer without magic" 1 env RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce \
       --rdv-timeout 5 && grep -q "is not from dtbench (magic 0x1b5b3331)" "$TMP/err" && ! grep -q "$esc" "$TMP/err"
then ok "peer without magic: refused, nothing of it printed: $(cat "$TMP/err")"
elif [ "$rc" = 1 ]; then bad "peer without magic: message" "$TMP/err"; fi
wait $F
nextport
fake_rank0 $PORT text
if run "peer's text" 2 env RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH allreduce \
       --rdv-timeout 5 && grep -qF 'rendezvous failed: \x1b[2J\x1b[31mrank 0 says\x07 hi' "$TMP/err" &&
   ! grep -q "$esc" "$TMP/err"
then ok "peer's text: printable only: $(cat "$TMP/err")"
elif [ "$rc" = 2 ]; then bad "peer's text: message" "$TMP/err"; fi
wait $F
nextport
fake_rank0 $PORT port
if run "peer's port 0xffffffff" 1 env RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH \
       allreduce --rdv-timeout 5 && grep -q "data port 4294967295, outside 1..65535" "$TMP/err"
then ok "peer's port 0xffffffff in the table: $(cat "$TMP/err")"
elif [ "$rc" = 1 ]; then bad "peer's port: message" "$TMP/err"; fi
wait $F
# a rank that announces port 0xffffffff to a real rank 0
nextport
perl -MIO::Socket::INET -e '
    my $c;
    for (1 .. 100) { $c = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) and last; select(undef, undef, undef, 0.05) }
    $c or die "fake rank 1: connect: $!\n";
    print $c pack("N6", 0x44544231, 1, 2, 0x7f000001, 0xffffffff, 4242);
    my $r; read($c, $r, 12);' $PORT &
F=$!
if run "hello with port 0xffffffff" 2 env RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT $DTBENCH \
       allreduce --rdv-timeout 5 && grep -q "sent data port 4294967295, outside 1..65535" "$TMP/err"
then ok "rank 0 refuses a hello with port 0xffffffff: $(cat "$TMP/err")"
elif [ "$rc" = 2 ]; then bad "hello with port 0xffffffff: message" "$TMP/err"; fi
wait $F

# --- 2b. scaling -------------------------------------------------------------------
# 1, 2, 4 loopback ranks with the CPU kernel (small: 20 ms of compute, one
# timed step), the Table 2 rows, the experiment files, and dtsim loading them.
DTSIM=${DTSIM:-$(dirname "$DTBENCH")/dtsim}
nextport
if run "scaling 4 ranks" 0 $DTBENCH launch -n 4 --port $PORT -- scaling --cpu --compute-ms 20 --steps 1 \
       --warmup 0 --dtype fp16 --no-counters --out "$TMP/sc"; then
    n=$(grep -c '^| dtbench scaling | [124]x CPU-kernel | loopback ring over tcp |' "$TMP/out")
    if [ "$n" = 3 ] && grep -q '^| dtbench scaling | 1x .* | 100.00% |$' "$TMP/out" &&
        [ -s "$TMP/sc/scaling-1.ini" ] && [ -s "$TMP/sc/scaling-2.ini" ] && [ -s "$TMP/sc/scaling-4.ini" ] &&
        [ "$(grep -c ',conv,\|,fc,' "$TMP/sc/scaling-trace.csv")" = 161 ]; then
        ok "scaling 1, 2, 4 ranks (cpu kernel): Table 2 rows, scaling-{1,2,4}.ini, trace of 54 layers"
    else bad "scaling rows or files" "$TMP/out"; fi
    grep -q '^nodes = 4$' "$TMP/sc/scaling-4.ini" && grep -q '^batch = 128$' "$TMP/sc/scaling-4.ini" &&
        grep -q '^grad_precision = fp16$' "$TMP/sc/scaling-4.ini" && ok "scaling-4.ini: 4 nodes, batch 128, fp16" ||
        bad "scaling-4.ini" "$TMP/sc/scaling-4.ini"
    if [ -x "$DTSIM" ]; then
        if "$DTSIM" run "$TMP/sc/scaling-4.ini" --trace-in "$TMP/sc/scaling-trace.csv" --warmup 1 --measured 1 \
               >"$TMP/sim" 2>&1 && grep -q 'scaling efficiency' "$TMP/sim"; then
            ok "dtsim run scaling-4.ini --trace-in scaling-trace.csv: $(grep -m1 'step' "$TMP/sim" | sed 's/^ *//')"
        else bad "dtsim run on scaling-4.ini" "$TMP/sim"; fi
    fi
fi
if run "scaling bad option" 2 $DTBENCH scaling --dtype fp64 && grep -q "unknown dtype 'fp64'" "$TMP/err"
then ok "scaling bad input: $(cat "$TMP/err")"; fi
# A rank killed during the 2-rank steps: the other fails by itself within 10 s.
nextport
$DTBENCH launch -n 2 --port $PORT --grace 60 -- scaling --cpu --compute-ms 5 --steps 100 --warmup 0 \
    --dtype fp16 --no-counters --out "$TMP/sck" >"$TMP/out" 2>"$TMP/err" &
L=$!
if ! kill_rank $L '^ *1 ' 2; then
    bad "scaling kill test: ranks not found" "$TMP/err"
else
    if [ $rc -ne 0 ] && [ $ms -lt 10000 ] && grep -q 'rank 0 (pid [0-9]*) exited with status 1' "$TMP/err" &&
        ! grep -q terminating "$TMP/err"; then
        ok "scaling: rank 1 killed mid-step, rank 0 exited with an error in $ms ms: $(grep -m1 'error: rank 0' "$TMP/err")"
    else
        bad "scaling kill test: rc $rc after $ms ms" "$TMP/err"
    fi
fi
L=
$DTBENCH scaling --transport nccl --steps 1 >"$TMP/out" 2>&1
rc=$?
if [ $rc = 3 ]; then ok "scaling over nccl: $(tail -1 "$TMP/out") (exit 3)"; elif [ $rc = 0 ]; then ok "scaling over nccl: ran"
else bad "scaling nccl (exit $rc)" "$TMP/out"; fi

# --- 3. testbed -------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
    echo "SKIP testbed: needs root (network namespaces)"
    run "testbed as non-root" 2 $DTBENCH testbed up --prefix $PREFIX && grep -q "needs root" "$TMP/err" &&
        ok "testbed as non-root: clear error"
elif ! run "testbed up" 0 $DTBENCH testbed up --prefix $PREFIX --hosts 4 --bw 1Gbit --lat 100us \
        --ini "$TMP/testbed.ini"; then
    :
else
    tb_up=1
    ok "testbed up: $(cat "$TMP/out")"
    grep -q '^nodes = 4' "$TMP/testbed.ini" && grep -q '^nic_bw = 1Gbps' "$TMP/testbed.ini" &&
        ok "testbed [cluster] description" || bad "testbed.ini" "$TMP/testbed.ini"
    run "testbed status" 0 $DTBENCH testbed status --prefix $PREFIX && grep -q "4 hosts" "$TMP/out" &&
        grep -q "198.18.0.4/24" "$TMP/out" && ok "testbed status: $(head -1 "$TMP/out")"
    for a in $algos; do
        for d in fp32 fp16; do
            nextport
            if run "testbed $a $d" 0 $DTBENCH launch --testbed --prefix $PREFIX --port $PORT -- allreduce \
                   --algo $a --dtype $d -b 1000 -e 1M -f 32 -n 2 -w 1; then
                if rows_ok "$TMP/out" && grep -q "198.18.0.4" "$TMP/out"; then
                    ok "testbed 4 hosts $a $d: #wrong 0"
                else bad "testbed $a $d" "$TMP/out"; fi
            fi
        done
    done
    nextport
    if run "testbed scaling" 0 $DTBENCH launch --testbed --prefix $PREFIX --port $PORT -- scaling --cpu \
           --compute-ms 20 --steps 1 --warmup 0 --dtype fp16 --no-counters --out "$TMP/sct" \
           --cluster-ini "$TMP/testbed.ini" &&
        [ "$(grep -c '^| dtbench scaling | [124]x CPU-kernel | testbed ring over tcp |' "$TMP/out")" = 3 ] &&
        grep -q "^include = $TMP/testbed.ini" "$TMP/sct/scaling-4.ini"; then
        ok "testbed scaling 1, 2, 4 hosts: $(grep '^| dtbench scaling | 4x' "$TMP/out")"
    else bad "testbed scaling" "$TMP/out"; fi
    if run "testbed down" 0 $DTBENCH testbed down --prefix $PREFIX && ! ip netns list | grep -q "^$PREFIX"; then
        tb_up=0
        ok "testbed down: $(cat "$TMP/out")"
    fi
fi

echo "$checks checks, $fails failed"
[ $fails = 0 ]
