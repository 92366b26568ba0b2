#!/bin/sh
# SIGINT and SIGTERM, sent for real to each long dtsim command while it
# runs: it must end with exit status 130 (SIGINT) or 143 (SIGTERM), one line
# on stderr saying so, no SimGrid backtrace, nothing left in its private
# TMPDIR (platform XML files), no half-written output (*.tmp) in its output
# directory, and no child process left running. Also: a FIFO as the config
# or as an include is refused at once (exit 2), not waited on.
#
#   DTSIM=bin/dtsim ./tests/signals.sh
#
# Each command gets a job long enough to be mid-run when the signal comes
# (the signal is sent SIG_DELAY seconds after the start, default 1); a
# command that finished first is reported as such (a failure: give it a
# longer job). validate needs root (network namespaces): else SKIP.
set -u
D=${DTSIM:-bin/dtsim}
DELAY=${SIG_DELAY:-1}
o=out/test-signals
rm -rf "$o"
mkdir -p "$o"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# check NAME SIG WANTLINE OUTDIR -- COMMAND...: run it, signal it, check.
# WANTLINE is a grep -E pattern for the one line on stderr.
check() {
    name=$1 sig=$2 want=$3 outdir=$4
    shift 5
    t="$o/tmp-$name-$sig"
    mkdir -p "$t"
    TMPDIR=$t "$@" > "$o/$name-$sig.out" 2> "$o/$name-$sig.err" &
    pid=$!
    sleep "$DELAY"
    if ! kill -0 $pid 2>/dev/null; then
        wait $pid
        bad "$name $sig: finished (exit $?) before the signal; give it a longer job"
        return
    fi
    kids=$(ps -o pid= --ppid $pid | tr '\n' ' ')
    kill -s "$sig" $pid
    wait $pid
    rc=$?
    case $sig in INT) code=130 ;; TERM) code=143 ;; esac
    ok=1
    [ $rc -eq $code ] || { bad "$name $sig: exit status $rc, expected $code"; ok=0; }
    # validate's progress lines ("validate: 1Gbit 2 hosts ring") are not errors
    grep -Ev '^(validate: |dtsim: validate: note: )' "$o/$name-$sig.err" > "$o/$name-$sig.err1"
    n=$(wc -l < "$o/$name-$sig.err1")
    last=$(tail -n 1 "$o/$name-$sig.err1")
    if [ "$n" -ne 1 ] || ! echo "$last" | grep -Eq "$want"; then
        bad "$name $sig: stderr is not the one line /$want/:"
        sed 's/^/    /' "$o/$name-$sig.err1" | head -5
        ok=0
    fi
    if grep -Eiq 'backtrace|EngineImpl|xbt|abort|core dumped' "$o/$name-$sig.err"; then
        bad "$name $sig: a backtrace or abort on stderr"
        ok=0
    fi
    left=$(ls -A "$t")
    [ -z "$left" ] || { bad "$name $sig: left in TMPDIR: $left"; ok=0; }
    if [ -n "$outdir" ] && [ -d "$outdir" ]; then
        torn=$(find "$outdir" -name '*.tmp' | head -3)
        [ -z "$torn" ] || { bad "$name $sig: half-written output left: $torn"; ok=0; }
    fi
    for k in $kids; do
        if kill -0 "$k" 2>/dev/null; then
            bad "$name $sig: child $k still running"
            kill -9 "$k" 2>/dev/null
            ok=0
        fi
    done
    [ $ok -eq 1 ] && echo "ok: $name $sig: exit $rc, '$last'"
}

for sig in INT TERM; do
    S=SIG$sig
    # run: the SimGrid engine is running (its own SIGINT handler replaced)
    # (--full: every iteration, about 5 s; one step of 2176 GPUs now takes
    # under the 1 s delay)
    mkdir -p "$o/run-$sig"
    check run $sig "^dtsim run: interrupted \($S\)$" "$o/run-$sig" -- \
        $D run configs/experiments/mikami-2176xV100.ini --full --trace "$o/run-$sig/trace.json"
    [ -e "$o/run-$sig/trace.json" ] && bad "run $sig: a trace was written though the run was interrupted"
    # reproduce: a pool of simulations in child processes, CSVs at the end
    mkdir -p "$o/repro-$sig"
    check reproduce $sig "^dtsim reproduce: interrupted \($S\)$" "$o/repro-$sig" -- \
        $D reproduce --no-plots --jobs 2 --out "$o/repro-$sig"
    [ -e "$o/repro-$sig/reproduce.csv" ] && bad "reproduce $sig: a CSV was written though the run was interrupted"
    # simcoll: the message-exact simulation of a ring on 128 GPUs
    check simcoll $sig "^dtsim simcoll: interrupted \($S\)$" "" -- \
        $D simcoll --mode exact --nodes 128 --gpus-per-node 4
    # simcoll --mode both: the exact run in a forked child, which must end too
    check simcoll-both $sig "^dtsim simcoll: interrupted \($S\)$" "" -- \
        $D simcoll --mode both --nodes 128 --gpus-per-node 4
    # simspeed: a child per GPU count
    check simspeed $sig "^dtsim simspeed: interrupted \($S\)$" "" -- \
        $D simspeed --gpus 256,512 --algos ring
    # plan: a sweep in a pool; plan.csv keeps the finished rows (resumable)
    check plan $sig "^dtsim: error: plan: interrupted" "$o/plan-$sig" -- \
        $D plan --deadline 1h --jobs 2 --no-plots --out "$o/plan-$sig"
    [ -e "$o/plan-$sig/plan-best.ini" ] && bad "plan $sig: plan-best.ini written though the plan was interrupted"
    # sweep: as before (tests/sweep.sh), now 143 for SIGTERM
    check sweep $sig "^dtsim: error: sweep: interrupted" "$o" -- \
        $D sweep tests/data/sweep/tiny.ini --vary cluster.nodes=1..64*2 --vary training.epochs=1..8+1 \
        --jobs 1 --per-gpu-batch 32 --out "$o/sweep-$sig.csv"
done

# validate: dtbench on an emulated cluster (root); the testbed must come down
if [ "$(id -u)" -eq 0 ] && [ -x "${DTBENCH:-bin/dtbench}" ]; then
    SIG_DELAY=${SIG_DELAY_VALIDATE:-8} # the testbed is up and dtbench runs
    DELAY=$SIG_DELAY
    mkdir -p "$o/validate"
    check validate INT "^dtsim validate: interrupted \(SIGINT\)$" "$o/validate" -- \
        $D validate --quick --prefix dts --out "$o/validate/validate.csv"
    if ip netns list 2>/dev/null | grep -q '^dts'; then
        bad "validate INT: the testbed's network namespaces are still there"
        ${DTBENCH:-bin/dtbench} testbed down --prefix dts > /dev/null 2>&1
    fi
else
    echo "SKIP: validate (needs root and bin/dtbench)"
fi

# A FIFO as the config or as an include is refused at once, with exit 2
# (it hung: fopen waited for a writer). Goldens cover directories and devices.
mkfifo "$o/fifo.ini"
printf 'include = fifo.ini\n' > "$o/inc-fifo.ini"
for c in "$o/fifo.ini" "$o/inc-fifo.ini"; do
    timeout 10 $D run "$c" > /dev/null 2> "$o/fifo.err"
    rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l < "$o/fifo.err")" -eq 1 ] && grep -q "is a FIFO, not a regular file" "$o/fifo.err"
    then echo "ok: FIFO $c: $(cat "$o/fifo.err")"
    else bad "FIFO $c: exit $rc (124: it hung)"; cat "$o/fifo.err"; fi
done

if [ $fails -ne 0 ]; then
    echo "signals: $fails FAILED"
    exit 1
fi
echo "signals: all passed"
