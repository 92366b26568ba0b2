#!/bin/sh
# Simulator speed of one [parallel] training step (issue 13): wall seconds,
# CPU seconds and peak memory (/usr/bin/time) of `dtsim run` on
#   configs/experiments/gpt3-175b-1024xH100.ini     GPT-3 175B, 1,024 H100,
#       tensor 8 x pipeline 8 x data 16, 96 microbatches   target <= 5 s
#   configs/experiments/llama3-405b-16384xH100.ini  a 405B model, 16,384 H100,
#       tensor 8 x pipeline 16 x data 128, 16 microbatches target <= 60 s, <= 8 GB
# and the simulated step, tokens/s and MFU from the CSV line.
# cpu_s is user + system time: on a busy machine wall_s also counts waiting.
#   bench/llmspeed.sh [EXPERIMENT...]
set -eu
DTSIM=${DTSIM:-bin/dtsim}
exps=${*:-configs/experiments/gpt3-175b-1024xH100.ini configs/experiments/llama3-405b-16384xH100.ini}
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.t" "$tmp.csv"' EXIT
printf '%-32s %6s %9s %10s %6s %8s %8s %8s %s\n' experiment gpus step_s tokens/s MFU wall_s cpu_s rss_MB \
    "(load: $(cut -d' ' -f1-3 /proc/loadavg))"
for x in $exps; do
    /usr/bin/time -o "$tmp.t" -f '%e %M %U %S' "$DTSIM" run "$x" --format csv > "$tmp.csv"
    # the CSV's header names the columns: pick them by name
    line=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        { printf "%s %s %s %s", $c["tensor"] * $c["pipeline"] * $c["data"], $c["step_s"], $c["tokens_per_s"], $c["mfu"] }' "$tmp.csv")
    set -- $line
    wall=$(cut -d' ' -f1 "$tmp.t")
    rss=$(cut -d' ' -f2 "$tmp.t")
    cpu=$(awk '{printf "%.2f", $3 + $4}' "$tmp.t")
    printf '%-32s %6s %9.3f %10.0f %5.1f%% %8s %8s %8d\n' "$(basename "$x" .ini)" "$1" "$2" "$3" \
        "$(echo "$4 * 100" | bc -l)" "$wall" "$cpu" $((rss / 1024))
done
