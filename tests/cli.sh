#!/bin/sh
# Golden tests for whole commands.
#
# Each case is tests/golden/NAME.args: one line, the arguments given to
# dtsim (run from the repository root, split by the shell). Beside it:
#   NAME.out   expected stdout (byte for byte)
#   NAME.err   expected stderr (optional; compared when present)
#   NAME.rc    expected exit status (optional; default 0)
#   NAME.asan-skip  one line: why the case is not run under ASan+UBSan
#              (DTSIM=out/asan/dtsim), where it takes minutes; printed as
#              SKIP, never counted as passed. The release run checks it,
#              and a smaller case runs the same code under ASan.
# `--update` rewrites .out/.err/.rc from the current binary.
#
#   DTSIM=bin/dtsim tests/cli.sh [--update] [NAME...]
set -u
DTSIM=${DTSIM:-bin/dtsim}
update=0
[ "${1:-}" = "--update" ] && { update=1; shift; }
dir=tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0; skip=0
if [ $# -gt 0 ]; then cases="$*"; else cases=$(cd $dir && ls *.args 2>/dev/null | sed 's/\.args$//'); fi
for name in $cases; do
    if [ $update = 0 ] && [ -e "$dir/$name.asan-skip" ] && case "$DTSIM" in *asan*) true ;; *) false ;; esac; then
        echo "SKIP $name under ASan: $(cat "$dir/$name.asan-skip")"; skip=$((skip + 1)); continue
    fi
    args=$(cat "$dir/$name.args")
    # shellcheck disable=SC2086
    eval "\"$DTSIM\" $args" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    sed -i "s#$DTSIM#dtsim#g" "$tmp/err"
    if [ $update = 1 ]; then
        cp "$tmp/out" "$dir/$name.out"
        if [ -s "$tmp/err" ] || [ -e "$dir/$name.err" ]; then cp "$tmp/err" "$dir/$name.err"; fi
        if [ $rc -ne 0 ]; then echo $rc > "$dir/$name.rc"; else rm -f "$dir/$name.rc"; fi
        echo "updated $name (rc $rc)"
        continue
    fi
    want_rc=0; [ -e "$dir/$name.rc" ] && want_rc=$(cat "$dir/$name.rc")
    ok=1
    if [ "$rc" != "$want_rc" ]; then echo "FAIL $name: exit status $rc, expected $want_rc"; ok=0; fi
    if ! cmp -s "$tmp/out" "$dir/$name.out"; then
        echo "FAIL $name: stdout differs"; diff -u "$dir/$name.out" "$tmp/out" | head -20; ok=0
    fi
    if [ -e "$dir/$name.err" ] && ! cmp -s "$tmp/err" "$dir/$name.err"; then
        echo "FAIL $name: stderr differs"; diff -u "$dir/$name.err" "$tmp/err" | head -20; ok=0
    fi
    if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); cat "$tmp/err" | head -5; fi
done
[ $update = 1 ] && exit 0
echo "cli: $pass passed, $fail failed$([ $skip -gt 0 ] && echo ", $skip skipped under ASan")"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
