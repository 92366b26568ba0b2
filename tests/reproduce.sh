#!/bin/sh
# The whole reproduction against its golden CSV (release build only: the
# full run is too slow under ASan; the ASan build runs a small manifest in
# tests/golden/reproduce-small). Deterministic: any change in a simulated
# figure (a point, an interval, a range's effect) shows here and must be
# committed on purpose:
#   bin/dtsim reproduce --no-plots --out out/test-reproduce &&
#   cp out/test-reproduce/reproduce.csv out/test-reproduce/reproduce-tornado.csv tests/golden/
set -u
DTSIM=${DTSIM:-bin/dtsim}
out=out/test-reproduce
rm -rf "$out"
if ! "$DTSIM" reproduce --no-plots --out "$out" >"$out.log" 2>&1; then
    cat "$out.log"; echo "reproduce: 0 passed, 1 failed"; exit 1
fi
pass=0; fail=0
for f in reproduce.csv reproduce-tornado.csv; do
    if cmp -s "$out/$f" "tests/golden/$f"; then
        pass=$((pass + 1))
    else
        diff -u "tests/golden/$f" "$out/$f"; fail=$((fail + 1))
    fi
done
echo "reproduce: $pass passed, $fail failed"
[ $fail -eq 0 ]
