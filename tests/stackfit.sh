#!/bin/sh
# A stack measured from a trace, then used by `dtsim run` (the SimGrid
# actors, not calibrate-stack's own plain-C step): for each GPU trace in
# traces/samples/ with a GPU row, the run's step must come back within 5% of
# the traced step less its DataLoader spans (the target). The row
# goes into a copy of the catalog, the way a user adds one (docs/catalog.md).
#
#   DTSIM=bin/dtsim tests/stackfit.sh
set -u
DTSIM=${DTSIM:-bin/dtsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
# trace, model, GPU row, precision, link of the one-GPU node
for c in "traces/samples/v100-resnet50-b32-fp32-loader4.json.gz resnet50 V100-SXM2-32GB fp32 NVLink2" \
         "traces/samples/v100-resnet50-b32-fp32-loader0.json.gz resnet50 V100-SXM2-32GB fp32 NVLink2"; do
    set -- $c
    trace=$1 model=$2 gpu=$3 prec=$4 link=$5
    rm -rf "$tmp/cat" && cp -r configs/catalog "$tmp/cat"
    if ! "$DTSIM" calibrate-stack --trace "$trace" --model "$model" --gpu "$gpu" --name fitted \
            --out "$tmp/cat/zz-fitted.ini" >"$tmp/fit.out" 2>&1; then
        cat "$tmp/fit.out"; echo "FAIL $trace: calibrate-stack"; fail=$((fail + 1)); continue
    fi
    "$DTSIM" trace import "$trace" --model "$model" --out "$tmp/t.csv" || { fail=$((fail + 1)); continue; }
    batch=$(awk -F, '$3 == "fwd" { print $4; exit }' "$tmp/t.csv")
    traced=$(awk '/^# step_s:/ { s = $3 } /^# input_s:/ { i = $3 } END { printf "%.9f", s - i }' "$tmp/t.csv")
    if ! DTSIM_CATALOG="$tmp/cat" "$DTSIM" run configs/experiments/h200-pytorch-2.11.ini --format csv \
            --set cluster.gpu="$gpu" --set cluster.intra_link="$link" --set model.precision="$prec" \
            --set model.stack=fitted --set training.batch="$batch" >"$tmp/run.csv" 2>"$tmp/run.err"; then
        cat "$tmp/run.err"; echo "FAIL $trace: dtsim run"; fail=$((fail + 1)); continue
    fi
    sim=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "step_s") c = i } NR == 2 { print $c }' "$tmp/run.csv")
    if awk -v s="$sim" -v t="$traced" 'BEGIN { e = s / t - 1; printf "%s: traced %.3f ms, dtsim run %.3f ms (%+.1f%%)\n", "'"$trace"'", t * 1e3, s * 1e3, e * 100; exit !(e < 0.05 && e > -0.05) }'; then
        pass=$((pass + 1))
    else
        echo "FAIL $trace: more than 5% off"; fail=$((fail + 1))
    fi
done
echo "stackfit: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
