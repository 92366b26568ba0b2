#!/bin/sh
# Resume, emitted jobs, merge and plan-vs-run tests of dtsim sweep / plan.
# Run by the golden case tests/golden/sweep-resume-merge (so under the
# release and the ASan build alike); prints one line per check, which the
# golden .out pins. A tiny experiment (tests/data/sweep/tiny.ini): 6 points.
#
#   DTSIM=bin/dtsim sh tests/sweep.sh
set -u
D=${DTSIM:-bin/dtsim}
o=out/test-sweep
rm -rf "$o"
mkdir -p "$o"
A="tests/data/sweep/tiny.ini --vary cluster.nodes=1..4*2 --vary allreduce.algorithm=ring,2d-torus --per-gpu-batch 32"
same() { if cmp -s "$1" "$2"; then echo "$3: same bytes"; else echo "$3: DIFFERENT"; diff "$1" "$2" | head -5; fi; }

# 1. the whole sweep in one go (local pool, 2 at a time)
# shellcheck disable=SC2086
$D sweep $A --jobs 2 --out "$o/full.csv"

# 2. interrupted: the header, two rows and a torn third row (killed while
# writing). A dry run lists only the missing points; the rerun simulates
# only those and ends with the same bytes.
head -3 "$o/full.csv" > "$o/resume.csv"
sed -n 4p "$o/full.csv" | head -c 20 >> "$o/resume.csv"
# shellcheck disable=SC2086
$D sweep $A --out "$o/resume.csv" --dry-run
# shellcheck disable=SC2086
$D sweep $A --out "$o/resume.csv" --jobs 2
same "$o/full.csv" "$o/resume.csv" "resumed vs one go"
# shellcheck disable=SC2086
$D sweep $A --out "$o/resume.csv"

# 2b. a real ^C: SIGINT to a running sweep (one point at a time, 24 points)
# once two rows are in; it stops with exit status 130 and a message, keeps
# the finished rows, and the rerun completes the same bytes as one go.
B="tests/data/sweep/tiny.ini --vary cluster.nodes=1..4*2 --vary training.epochs=1..4+1 --vary allreduce.algorithm=ring,2d-torus --per-gpu-batch 32"
# shellcheck disable=SC2086
$D sweep $B --jobs 2 --out "$o/int-full.csv" > /dev/null
# shellcheck disable=SC2086
$D sweep $B --jobs 1 --out "$o/int.csv" > /dev/null 2> "$o/int.err" &
pid=$!
n=0
rows() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
while [ "$(rows "$o/int.csv")" -lt 3 ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
kill -INT $pid
wait $pid
echo "interrupted sweep: exit status $?"
cat "$o/int.err"
kept=$(($(wc -l < "$o/int.csv") - 1))
# shellcheck disable=SC2086
$D sweep $B --out "$o/int.csv" > "$o/int.out"
if grep -q "24 points, $kept already in" "$o/int.out"; then echo "rerun after ^C: only the missing points"; else cat "$o/int.out"; fi
same "$o/int-full.csv" "$o/int.csv" "interrupted and resumed vs one go"

# 3. a plain job list (GNU parallel, xargs): run each line, merge
# shellcheck disable=SC2086
$D sweep $A --emit list --out "$o/list.csv" > "$o/jobs.txt"
echo "job list: $(wc -l < "$o/jobs.txt") lines"
sed "s#^dtsim #$D #" "$o/jobs.txt" | sh > /dev/null
$D sweep --merge "$o/list.csv" "$o"/list.part-*.csv
same "$o/full.csv" "$o/list.csv" "job list merged vs local pool"

# 4. the Slurm job-array script, each task run by hand
# shellcheck disable=SC2086
$D sweep $A --emit slurm --out "$o/slurm.csv" > "$o/job.sh"
grep '^#SBATCH --array' "$o/job.sh"
for k in 0 1 2 3 4 5; do SLURM_ARRAY_TASK_ID=$k DTSIM=$D sh "$o/job.sh" > /dev/null; done
$D sweep --merge "$o/slurm.csv" "$o"/slurm.part-*.csv
same "$o/full.csv" "$o/slurm.csv" "slurm parts merged vs local pool"

# 5. another sweep into the same file is refused
$D sweep tests/data/sweep/tiny.ini --vary cluster.nodes=1,2 --out "$o/full.csv" 2>&1; echo "exit status $?"

# 6. plan's top answer agrees with a direct dtsim run of plan-best.ini
$D plan --deadline 6h --gpu V100-SXM2-16GB --network IB-EDR,IB-HDR --algorithm ring --gpus 8..16*2 \
    --jobs 2 --no-plots --out "$o/plan" > "$o/plan.txt"; echo "plan exit status $?"
p=$(sed -n 's/^top answer: time_to_train_s \([0-9.]*\),.*/\1/p' "$o/plan.txt")
r=$($D run "$o/plan/plan-best.ini" --format json | sed -n 's/^  "time_to_train_s": \([0-9.]*\),/\1/p')
if [ -n "$p" ] && [ "$p" = "$r" ]; then echo "plan top answer = dtsim run plan-best.ini: $p s"; else echo "plan $p s, run $r s: DIFFERENT"; fi
