#!/bin/sh
# Write a config whose second line is 10 MB long (a value of 10,485,760
# 'a's) to $1 and print the path; tests/golden/long-line.args runs dtsim on
# it. Generated at test time so the repository holds no 10 MB file.
set -e
mkdir -p "$(dirname "$1")"
{ printf '[cluster]\ngpu = '; head -c 10485760 /dev/zero | tr '\0' a; printf '\nnodes = 2\n'; } > "$1"
echo "$1"
