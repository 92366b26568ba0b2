#!/bin/sh
# Every command example in README.md and docs/*.md runs.
#
# An example is a line that starts, after any indentation, with "$ " (in a
# fenced or an indented block); a line ending in "\" continues on the next.
# Lines without "$ " are output, or a synopsis with [OPTIONS] and
# placeholders, and are not run. Each example runs with sh from the
# repository root, with bin/ first on PATH (so `dtsim` is bin/dtsim and
# `dtbench` bin/dtbench), in file order (README.md first, then docs/*.md by
# name: an example may use what an earlier one wrote, e.g. out/reproduce.csv),
# and must exit 0 unless the table below says otherwise. A failure names
# FILE:LINE, the command, its status and the end of its output.
#
#   tests/doctest.sh            run every example but the long ones
#   DOCTEST_LONG=1 tests/doctest.sh   the long ones too
#   tests/doctest.sh --list     print the examples found, FILE:LINE: COMMAND
#
# The table: FILE|COMMAND|WHAT, WHAT one of
#   exit N[,M]       the statuses the example may end with
#   long: REASON     run only with DOCTEST_LONG=1 (over a minute or a GB)
#   skip: REASON     never run here, with the reason printed
set -u
cd "$(dirname "$0")/.." || exit 2
table='docs/models.md|dtsim model resnt50|exit 2
README.md|bin/dtsim run configs/experiments/mikami-2176xV100.ini --set training.batch=0:34816,30:2228224|exit 2
README.md|make test|skip: it is this test suite
README.md|make run|long: installs packages (root) and runs the whole reproduction, which tests/reproduce.sh runs
docs/sim.md|dtsim simspeed --gpus 256,1088,2176,4352|long: minutes; bench/simspeed.sh runs it
docs/dtbench-compute.md|dtbench compute|exit 0,3
README.md|bin/dtsim plan --model resnet50 --epochs 90 --deadline 10min --gpu V100-SXM2-16GB,A100-SXM4-80GB,H100-SXM5|long: 270 simulations, several minutes on 2 cores (tests/golden/plan-* run smaller plans)
docs/sweep.md|dtsim sweep configs/plan/template.ini --vary cluster.gpu+cluster.intra_link=V100-SXM2-16GB+NVLink2,A100-SXM4-80GB+NVLink3,H100-SXM5+NVLink4 --vary cluster.nodes=1..512*2 --vary cluster.nic=IB-EDR,IB-HDR,IB-NDR --vary allreduce.algorithm=ring,hierarchical,2d-torus --per-gpu-batch 32|long: 270 simulations, about 90 s on 2 cores (bench/sweep.sh)
README.md|bin/dtsim plan --model gpt3-175b --gpus 1024 --gpu H100-SXM5 --tokens 300e9|long: 76 simulations of 1,024 GPUs, about 90 s on 2 cores (tests/golden/plan-llm-small runs a small one)
docs/sweep.md|dtsim plan --model gpt3-175b --gpus 1024 --gpu H100-SXM5 --tokens 300e9|long: 76 simulations of 1,024 GPUs, about 90 s on 2 cores
docs/dtbench-io.md|dtbench io make --dir /tmp/ds --files 10000|long: writes 1.1 GB under /tmp/ds
docs/dtbench-io.md|dtbench io read --dir /tmp/ds --threads 2 --warm --decode|long: reads the 1.1 GB that io make wrote
docs/gates.md|DTSIM=bin/dtsim tests/gates.sh --update && git diff bench/baselines|skip: rewrites the committed baselines
docs/calibrate.md|scripts/torch-profile.py --model resnet50 --batch 64 --amp --out r50-b64.json|skip: needs PyTorch and an NVIDIA GPU
docs/calibrate.md|dtsim trace import r50-b64.json --model resnet50 --batch 64 --out r50-b64.csv|skip: needs r50-b64.json, a GPU trace from the line above
docs/calibrate.md|dtsim run configs/experiments/h200-pytorch-2.11-b64.ini --trace-in r50-b64.json|skip: needs r50-b64.json, a GPU trace
docs/calibrate.md|dtsim calibrate-stack --trace r50-b64.json --model resnet50 --out configs/catalog/zz-mine.ini|skip: needs r50-b64.json, a GPU trace
docs/calibrate.md|dtsim run configs/experiments/h200-pytorch-2.11-b64.ini --set model.stack=trace-r50-b64|skip: needs the row the line above writes from a GPU trace
docs/calibrate.md|scripts/torch-profile.py --model mynets:MLP --input-shape 784 --classes 10 --batch 32 --device cpu|skip: needs PyTorch and a module mynets of your own
docs/gates.md|bin/dtsim gate --baseline bench/baselines/simspeed.csv --current out/gates/simspeed.csv|skip: needs out/gates/simspeed.csv, which tests/gates.sh makes with valgrind'

# FILE<TAB>LINE<TAB>COMMAND for every example.
examples() {
    for f in README.md docs/*.md; do
        awk -v f="$f" '
            cont { cmd = cmd " " $0; sub(/^[ \t]+/, "", $0) }
            !cont && /^[ \t]*\$ / { line = NR; cmd = $0; sub(/^[ \t]*\$ /, "", cmd) }
            (cont || line == NR) {
                if (cmd ~ /\\$/) { sub(/[ \t]*\\$/, "", cmd); cont = 1; next }
                sub(/[ \t][ \t]+#.*$/, "", cmd)   # a comment after two spaces
                gsub(/[ \t]+/, " ", cmd)
                printf "%s\t%d\t%s\n", f, line, cmd
                cont = 0; line = 0
            }' "$f"
    done
}

if [ "${1:-}" = "--list" ]; then
    examples | awk -F '\t' '{ printf "%s:%s: %s\n", $1, $2, $3 }'
    exit 0
fi

[ -x bin/dtsim ] || { echo "doctest: bin/dtsim not built (make)"; exit 2; }
PATH="$(pwd)/bin:$PATH"
export PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
examples > "$tmp/list"
pass=0; fail=0; skip=0
while IFS="$(printf '\t')" read -r file line cmd; do
    what=$(printf '%s\n' "$table" | awk -F '|' -v f="$file" -v c="$cmd" '$1 == f && $2 == c { print $3; exit }')
    want=0
    case "$what" in
    "exit "*) want=${what#exit } ;;
    "long: "*)
        if [ "${DOCTEST_LONG:-0}" != 1 ]; then
            echo "SKIP $file:$line: $cmd (${what}; DOCTEST_LONG=1 runs it)"; skip=$((skip + 1)); continue
        fi ;;
    "skip: "*) echo "SKIP $file:$line: $cmd (${what#skip: })"; skip=$((skip + 1)); continue ;;
    esac
    sh -c "$cmd" </dev/null >"$tmp/out" 2>&1
    rc=$?
    case ",$want," in
    *",$rc,"*) pass=$((pass + 1)) ;;
    *)
        echo "FAIL $file:$line: $cmd (exit $rc, expected $want)"
        tail -5 "$tmp/out" | sed 's/^/    /'
        fail=$((fail + 1)) ;;
    esac
done < "$tmp/list"
# a table row that matches no example is stale: the doc changed under it
printf '%s\n' "$table" | while IFS='|' read -r file cmd what; do
    if ! awk -F '\t' -v f="$file" -v c="$cmd" '$1 == f && $3 == c { found = 1 } END { exit !found }' "$tmp/list"; then
        echo "FAIL tests/doctest.sh: the table names '$cmd' in $file, which has no such example"
        echo x >> "$tmp/stale"
    fi
done
[ -e "$tmp/stale" ] && fail=$((fail + $(wc -l < "$tmp/stale")))
echo "doctest: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
