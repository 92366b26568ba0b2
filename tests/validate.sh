#!/bin/sh
# Tests for `dtsim validate` that need more than golden files (docs/validate.md).
#
#   1. plots/validate.gp on the sample CSV (png and svg, twice, same bytes);
#      without its input it fails and draws nothing.
#   2. Not root: validate is a skip (exit 3, "skipped" on stderr), never a
#      pass or a failure. As root this runs it as user nobody (setpriv).
#   3. As root: `dtsim validate --quick` on the emulated cluster (about 90 s):
#      exit 0 (median |error| <= 10 %, max <= 25 % over points of 1 MiB and
#      up, library fitted on 2 hosts), 36 points in the CSV, the link and
#      library rows written, and no testbed namespace left behind. Without
#      root, or where network namespaces cannot be made, this part prints SKIP.
#
#   tests/validate.sh                         (from the repository root)
#   DTSIM=out/asan/dtsim VALIDATE_QUICK=0 tests/validate.sh   (parts 1-2 only)
#
# Prints `validate: N passed, M failed` (and SKIP lines); exit 0 when none failed.
set -u
DTSIM=${DTSIM:-bin/dtsim}
GNUPLOT=${GNUPLOT:-gnuplot}
QUICK=${VALIDATE_QUICK:-1}
PREFIX=dtvt
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# --- 1. the gnuplot script ---------------------------------------------------
if command -v "$GNUPLOT" >/dev/null 2>&1; then
    for term in png svg; do
        mkdir -p "$tmp/a" "$tmp/b"
        if "$GNUPLOT" -e "datadir='tests/data/validate'; outdir='$tmp/a'; term='$term'" plots/validate.gp >"$tmp/log" 2>&1 &&
           [ ! -s "$tmp/log" ] && [ -s "$tmp/a/validate.$term" ] &&
           "$GNUPLOT" -e "datadir='tests/data/validate'; outdir='$tmp/b'; term='$term'" plots/validate.gp >/dev/null 2>&1 &&
           cmp -s "$tmp/a/validate.$term" "$tmp/b/validate.$term"; then ok
        else bad "plots/validate.gp $term"; sed 's/^/    /' "$tmp/log" | head -5; fi
    done
    mkdir -p "$tmp/empty"
    if "$GNUPLOT" -e "datadir='$tmp/empty'; outdir='$tmp/empty'; term='png'" plots/validate.gp >/dev/null 2>&1 ||
       [ -e "$tmp/empty/validate.png" ]; then bad "plots/validate.gp without validate.csv: exit 0 or a picture"
    else ok; fi
else
    echo "SKIP validate plots: gnuplot not found"
fi

# --- 2. not root: a skip -----------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
    "$DTSIM" validate --quick --prefix $PREFIX --out "$tmp/q/validate.csv" >/dev/null 2>"$tmp/err"; rc=$?
elif command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$DTSIM" validate --quick --prefix $PREFIX --out "$tmp/q/validate.csv" >/dev/null 2>"$tmp/err"; rc=$?
else
    rc=skip
fi
if [ "$rc" = skip ]; then echo "SKIP validate not-root: no setpriv or no user nobody"
elif [ "$rc" -eq 3 ] && grep -q "skipped: the emulated cluster needs root" "$tmp/err"; then ok
else bad "validate as non-root: exit $rc, expected 3 and a skip message"; head -3 "$tmp/err"; fi

# --- 3. as root: the quick validation ---------------------------------------
if [ "$QUICK" != 1 ]; then
    echo "SKIP validate --quick: VALIDATE_QUICK=$QUICK"
elif [ "$(id -u)" -ne 0 ]; then
    echo "SKIP validate --quick: needs root (network namespaces, tc)"
else
    mkdir -p "$tmp/q"
    "$DTSIM" validate --quick --prefix $PREFIX --out "$tmp/q/validate.csv" >"$tmp/q/out" 2>"$tmp/q/err"; rc=$?
    if [ $rc -eq 3 ]; then
        echo "SKIP validate --quick: $(grep skipped "$tmp/q/err" | head -1)"
    else
        if [ $rc -eq 0 ]; then ok; else
            bad "validate --quick: exit $rc"; tail -6 "$tmp/q/out"; tail -3 "$tmp/q/err"
        fi
        n=$(($(wc -l <"$tmp/q/validate.csv" 2>/dev/null || echo 1) - 1))
        if [ "$n" -eq 36 ]; then ok; else bad "validate --quick: $n points in the CSV, expected 36"; fi
        if grep -q '^\[link testbed-1000Mbit\]' "$tmp/q/validate-link.ini" 2>/dev/null &&
           grep -q '^\[commlib dtbench-tcp-1000Mbit\]' "$tmp/q/validate-link.ini"; then ok
        else bad "validate --quick: no [link testbed-1000Mbit] and [commlib dtbench-tcp-1000Mbit] in validate-link.ini"; fi
        grep '^all:' "$tmp/q/out" | sed 's/^/    /'
    fi
    if ip netns list 2>/dev/null | grep -q "^$PREFIX"; then
        bad "validate --quick left namespaces $PREFIX* behind"
        "${DTBENCH:-bin/dtbench}" testbed down --prefix $PREFIX >/dev/null 2>&1
    else ok; fi
fi

echo "validate: $pass passed, $fail failed"
[ $fail -eq 0 ]
