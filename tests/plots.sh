#!/bin/sh
# Tests for the gnuplot scripts of `dtsim reproduce` (plots/reproduce-*.gp)
# and of `dtsim sweep` / `dtsim plan` (plots/sweep-*.gp, on sweep.csv).
#
# For every script and each term (png, svg): run it on the sample CSVs in
# tests/data/plots into a temporary directory, check that outdir/NAME.TERM
# exists and is not empty, run it again and check the bytes are the same.
# Then take away one input CSV at a time: each script that reads it must
# exit non-zero and leave no picture behind.
#
#   tests/plots.sh            (from the repository root)
#   GNUPLOT=/path/to/gnuplot tests/plots.sh
set -u
GNUPLOT=${GNUPLOT:-gnuplot}
data=tests/data/plots
if ! command -v "$GNUPLOT" >/dev/null 2>&1; then
    echo "plots: gnuplot not found; skipped (install gnuplot-nox)"
    exit 3
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/a" "$tmp/b"
pass=0; fail=0
scripts=$(ls plots/reproduce-*.gp plots/sweep-*.gp 2>/dev/null)
if [ -z "$scripts" ]; then echo "plots: no plots/reproduce-*.gp"; exit 1; fi

# run DATADIR OUTDIR TERM SCRIPT: gnuplot's messages go to $tmp/log
run() {
    "$GNUPLOT" -e "datadir='$1'; outdir='$2'; term='$3'" "$4" >"$tmp/log" 2>&1
}

for s in $scripts; do
    name=$(basename "$s" .gp)
    for term in png svg; do
        out="$name.$term"
        ok=1
        run "$data" "$tmp/a" "$term" "$s"; rc=$?
        if [ $rc -ne 0 ]; then
            echo "FAIL $out: gnuplot exit status $rc"; sed 's/^/    /' "$tmp/log" | head -10; ok=0
        elif [ ! -s "$tmp/a/$out" ]; then
            echo "FAIL $out: missing or empty"; ok=0
        elif [ -s "$tmp/log" ]; then
            echo "FAIL $out: gnuplot printed messages"; sed 's/^/    /' "$tmp/log" | head -10; ok=0
        elif ! run "$data" "$tmp/b" "$term" "$s"; then
            echo "FAIL $out: second run failed"; ok=0
        elif ! cmp -s "$tmp/a/$out" "$tmp/b/$out"; then
            echo "FAIL $out: second run gives different bytes"; ok=0
        fi
        if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
done

# A missing input: for each sample CSV, a data directory without it; every
# script that reads it must exit non-zero and write no picture.
for csv in $(cd "$data" && ls *.csv); do
    d="$tmp/without-$csv"
    mkdir "$d"
    for f in $(cd "$data" && ls *.csv); do [ "$f" = "$csv" ] || cp "$data/$f" "$d/"; done
    for s in $scripts; do
        grep -q "'/$csv'" "$s" || continue
        name=$(basename "$s" .gp)
        if run "$d" "$d" png "$s"; then
            echo "FAIL $name without $csv: exit status 0"; fail=$((fail + 1))
        elif [ -e "$d/$name.png" ]; then
            echo "FAIL $name without $csv: wrote $name.png"; fail=$((fail + 1))
        else
            pass=$((pass + 1))
        fi
    done
done
echo "plots: $pass passed, $fail failed"
[ $fail -eq 0 ]
