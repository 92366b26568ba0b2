#!/bin/sh
# Generate the command table (sim/cmd_*.c) and the test-suite table
# (tests/test_*.c) so that adding a file is all it takes to add either.
set -eu
out="$1"; mkdir -p "$out"
tmp="$out/cmds.h.tmp"
: > "$tmp"
for f in sim/cmd_*.c; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .c); n=${n#cmd_}
    echo "DTSIM_CMD($n)" >> "$tmp"
done
cmp -s "$tmp" "$out/cmds.h" 2>/dev/null || mv "$tmp" "$out/cmds.h"; rm -f "$tmp"
tmp="$out/suites.h.tmp"
: > "$tmp"
for f in tests/test_*.c; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .c); n=${n#test_}
    echo "DT_SUITE($n)" >> "$tmp"
done
cmp -s "$tmp" "$out/suites.h" 2>/dev/null || mv "$tmp" "$out/suites.h"; rm -f "$tmp"
