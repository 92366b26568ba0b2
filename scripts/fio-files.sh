#!/bin/sh
# fio on the files `dtbench io make` wrote, for the files/s comparison in
# docs/dtbench-io.md. fio cannot take 1000s of file names on one job (an
# option value is at most 4096 bytes), so the files are hard-linked (same
# inodes, same blocks) under DIR/.fio-T as f.JOB.NUM, file i going to job
# i mod T, and fio finds them with --filename_format. N mod T files are
# left out so every job has the same count. The links stay for the next
# run with the same T (DIR/.fio-T; `dtbench io read` skips dot
# directories); remove them with rm -rf DIR/.fio-*.
#
#   scripts/fio-files.sh DIR THREADS [cold|warm|direct] [BS]
#
# Prints the fio command, then "fio: N files, T threads, MODE, bs BS: X files/s, Y MB/s".
set -eu
dir=$1; t=$2; mode=${3:-cold}; bs=${4:-4k}
command -v fio >/dev/null || { echo "fio-files: fio not installed (apt-get install fio)" >&2; exit 3; }
links="$dir/.fio-$t"
find "$dir" -name '.fio-*' -prune -o -type f \( -name '*.JPEG' -o -name '*.jpg' -o -name '*.jpeg' \) -print | sort > "$dir/.fio-list"
n=$(wc -l < "$dir/.fio-list"); per=$((n / t)); n=$((per * t)); rm -f "$dir/.fio-list"
[ "$per" -gt 0 ] || { echo "fio-files: fewer files than threads under $dir" >&2; exit 2; }
if [ "$(ls "$links" 2>/dev/null | grep -c '^f\.')" != "$n" ]; then
    rm -rf "$links"; mkdir "$links"
    find "$dir" -name '.fio-*' -prune -o -type f \( -name '*.JPEG' -o -name '*.jpg' -o -name '*.jpeg' \) -print | sort |
        head -n "$n" | awk -v T="$t" -v D="$links" '{i = NR - 1; printf "%s\n%s/f.%d.%d\n", $0, D, i % T, int(i / T)}' |
        while read -r src && read -r dst; do ln "$src" "$dst"; done
fi
case $mode in
    cold) extra="--invalidate=1" ;;
    warm) extra="--invalidate=0"; find "$links" -name 'f.*' -exec cat {} + > /dev/null ;;
    direct) extra="--direct=1" ;;
    *) echo "fio-files: mode must be cold, warm or direct" >&2; exit 2 ;;
esac
set -- fio --name=f --directory="$links" --filename_format='f.$jobnum.$filenum' --nrfiles="$per" \
    --numjobs="$t" --rw=read --bs="$bs" --ioengine=psync $extra --file_service_type=sequential \
    --openfiles=1 --group_reporting
echo "$*"
"$@" > "$links.out" 2>&1 || { cat "$links.out" >&2; exit 1; }
# "READ: bw=..., io=204MiB (214MB), run=798-798msec": the slowest job's runtime.
awk -v n="$n" -v t="$t" -v m="$mode" -v bs="$bs" '/READ: bw=/ {
        if (match($0, /run=[0-9.]+-[0-9.]+[a-z]+/)) {
            s = substr($0, RSTART + 4, RLENGTH - 4); sub(/^[0-9.]+-/, "", s)
            v = s + 0; u = s; sub(/^[0-9.]+/, "", u)
            sec = u == "msec" ? v / 1e3 : u == "usec" ? v / 1e6 : v
        }
        if (match($0, /\([0-9.]+[kMG]?B\), run/)) {
            b = substr($0, RSTART + 1, RLENGTH - 7); mb = b + 0
            if (b ~ /kB$/) mb /= 1e3; else if (b ~ /GB$/) mb *= 1e3; else if (b ~ /[0-9]B$/) mb /= 1e6
        }
    }
    END { if (!sec) { print "fio-files: no READ line in fio output" > "/dev/stderr"; exit 1 }
          printf "fio: %d files, %d threads, %s, bs %s: %.1f files/s, %.1f MB/s (%.3f s)\n", n, t, m, bs, n / sec, mb / sec, sec }' "$links.out"
rm -f "$links.out"
