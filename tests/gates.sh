#!/bin/sh
# The fast performance gates (docs/gates.md): metrics of this build against
# the committed baselines in bench/baselines/, through `dtsim gate`.
#
#   reproduce  the predicted times and efficiencies of `dtsim reproduce`,
#              with their intervals (better=equal, 1%). The full
#              reproduction takes ~35 s of CPU; `make check` has just run
#              it (tests/reproduce.sh), so pass its
#              CSV as REPRODUCE_CSV=out/test-reproduce/reproduce.csv; without
#              it this script runs the reproduction itself.
#   simspeed   instructions (callgrind Ir) of three small simulations
#              (better=lower, 2%): deterministic, unlike wall time on a
#              shared machine. Skipped (not passed) when valgrind is absent.
#
#   DTSIM=bin/dtsim [REPRODUCE_CSV=FILE] tests/gates.sh [--update]
#
# --update rewrites the baselines from this build, on purpose; review the
# diff and commit it with the change that moved them.
set -u
DTSIM=${DTSIM:-bin/dtsim}
out=out/gates
base=bench/baselines
mkdir -p "$out"
upd=
[ "${1:-}" = "--update" ] && upd=--update
pass=0; fail=0; skip=0

gate() { # NAME: compare $out/NAME.csv with $base/NAME.csv
    if "$DTSIM" gate --baseline "$base/$1.csv" --current "$out/$1.csv" $upd; then
        pass=$((pass + 1))
    else
        echo "FAIL gate $1 (exit $?)"; fail=$((fail + 1))
    fi
}

# --- reproduce -------------------------------------------------------------
csv=${REPRODUCE_CSV:-}
if [ -z "$csv" ]; then
    csv=$out/reproduce/reproduce.csv
    rm -f "$csv"
    "$DTSIM" reproduce --no-plots --out "$out/reproduce" >"$out/reproduce.log" 2>&1 || cat "$out/reproduce.log"
fi
if "$DTSIM" metrics reproduce "$csv" --out "$out/reproduce.csv"; then
    gate reproduce
else
    echo "FAIL gate reproduce: no metrics from $csv"; fail=$((fail + 1))
fi

# --- simulator speed (instruction counts) -----------------------------------
# Each case: NAME and dtsim arguments. Run at once (2 cores); counts do not
# depend on scheduling.
if command -v valgrind >/dev/null 2>&1; then
    set -- "simcoll.ring.256gpu.fast" "simcoll --nodes 64 --mode fast" \
           "simcoll.ring.32gpu.exact" "simcoll --nodes 8 --mode exact" \
           "run.small" "run tests/data/run/small.ini"
    pairs=
    while [ $# -ge 2 ]; do
        rm -f "$out/$1.cg" "$out/$1.rc"
        # shellcheck disable=SC2086
        (valgrind --tool=callgrind --callgrind-out-file="$out/$1.cg" "$DTSIM" $2 >"$out/$1.log" 2>&1
         echo $? >"$out/$1.rc") &
        pairs="$pairs $1=$out/$1.cg"
        shift 2
    done
    wait
    bad=
    for p in $pairs; do
        n=${p%%=*}
        [ "$(cat "$out/$n.rc" 2>/dev/null)" = 0 ] || { bad="$bad $n"; tail -3 "$out/$n.log"; }
    done
    # shellcheck disable=SC2086
    if [ -n "$bad" ]; then
        echo "FAIL gate simspeed: the measured run failed:$bad (see $out/NAME.log)"; fail=$((fail + 1))
    elif "$DTSIM" metrics callgrind $pairs --out "$out/simspeed.csv"; then
        gate simspeed
    else
        echo "FAIL gate simspeed: no metrics (see $out/*.log)"; fail=$((fail + 1))
    fi
else
    echo "SKIP gate simspeed: valgrind not installed"; skip=$((skip + 1))
fi

if [ $skip -gt 0 ]; then echo "gates: $pass passed, $fail failed, $skip skipped"
else echo "gates: $pass passed, $fail failed"; fi
[ $fail -eq 0 ]
