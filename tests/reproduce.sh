#!/bin/sh
# The whole reproduction against its golden CSV (release build only: the
# full run is too slow under ASan; the ASan build runs a small manifest in
# tests/golden/reproduce-small). Deterministic: any change in a simulated
# figure shows here and must be committed on purpose:
#   bin/dtsim reproduce --no-plots --out out/test-reproduce && cp out/test-reproduce/reproduce.csv tests/golden/reproduce.csv
set -u
DTSIM=${DTSIM:-bin/dtsim}
out=out/test-reproduce
rm -rf "$out"
if ! "$DTSIM" reproduce --no-plots --out "$out" >"$out.log" 2>&1; then
    cat "$out.log"; echo "reproduce: 0 passed, 1 failed"; exit 1
fi
if ! cmp -s "$out/reproduce.csv" tests/golden/reproduce.csv; then
    diff -u tests/golden/reproduce.csv "$out/reproduce.csv"
    echo "reproduce: 0 passed, 1 failed"; exit 1
fi
echo "reproduce: 1 passed, 0 failed"
