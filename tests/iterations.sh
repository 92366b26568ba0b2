#!/bin/sh
# One iteration count: `dtsim config`, `dtsim run` and `dtsim reproduce`
# must give the same number of steps for every experiment we ship
# (configs/experiments/*.ini), phase by phase where the command prints
# phases. All three call experiment_phase_iterations (models/experiment.h);
# this test fails if one of them computes its own again.
#
#   DTSIM=bin/dtsim tests/iterations.sh
set -u
DTSIM=${DTSIM:-bin/dtsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
man=$tmp/manifest.ini
printf '[targets]\ntable1_median = 10\n' > "$man"
n=0
for f in configs/experiments/*.ini; do
    n=$((n + 1))
    b=$(basename "$f" .ini)
    # config: "; derived: epochs A to B: global batch G, P per GPU, N iterations"
    if ! "$DTSIM" config "$f" > "$tmp/$b.config" 2> "$tmp/err"; then
        echo "FAIL $b: dtsim config failed: $(head -1 "$tmp/err")"; fail=$((fail + 1)); continue
    fi
    cfg=$(sed -n 's/^; derived: epochs .* \([0-9][0-9]*\) iterations$/\1/p' "$tmp/$b.config" | tr '\n' ' ')
    # a [parallel] run (one phase, trained by tokens): "; derived: N steps of B x S tokens for T tokens"
    par=$(sed -n 's/^; derived: \([0-9][0-9]*\) steps of .*$/\1 /p' "$tmp/$b.config")
    [ -n "$par" ] && cfg=$par
    # run: each phase's "iterations" in the JSON, then the total
    if ! "$DTSIM" run "$f" --format json > "$tmp/$b.json" 2> "$tmp/err"; then
        echo "FAIL $b: dtsim run failed: $(head -1 "$tmp/err")"; fail=$((fail + 1)); continue
    fi
    run=$(grep -o '{"epoch": [^}]*"iterations": [0-9]*' "$tmp/$b.json" | sed 's/.*"iterations": //' | tr '\n' ' ')
    tot=$(sed -n 's/^  "iterations": \([0-9]*\),$/\1/p' "$tmp/$b.json")
    [ -n "$par" ] && run="$tot "
    sum=0
    for k in $cfg; do sum=$((sum + k)); done
    if [ -z "$cfg" ] || [ "$cfg" != "$run" ] || [ "$sum" != "$tot" ]; then
        echo "FAIL $b: config says '$cfg' (sum $sum), run says '$run' (total $tot)"; fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
    printf '\n[row r%d]\ntable = 1\nlabel = %s\ndevices = -\nbatch = -\nexperiment = %s\npublished = 1h\ntolerance = 100\nsource = tests/iterations.sh\n' \
        "$n" "$b" "$PWD/$f" >> "$man"
    echo "$b $sum" >> "$tmp/want"
done
# reproduce: the iterations column of reproduce-breakdown.csv, one row per file
if "$DTSIM" reproduce --manifest "$man" --out "$tmp/repro" --no-ranges --no-plots --jobs 2 > "$tmp/repro.out" 2> "$tmp/err"; then
    tail -n +2 "$tmp/repro/reproduce-breakdown.csv" | awk -F, '{print $2, $NF}' > "$tmp/got"
    if cmp -s "$tmp/want" "$tmp/got"; then pass=$((pass + 1))
    else echo "FAIL reproduce: iterations differ from config's"; diff "$tmp/want" "$tmp/got"; fail=$((fail + 1)); fi
else
    echo "FAIL reproduce failed: $(head -3 "$tmp/err")"; fail=$((fail + 1))
fi
echo "iterations: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
