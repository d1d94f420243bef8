#!/bin/sh
# bench-batch.sh — batch figures for `make bench`: replications per second of
# a scenario with 1 and 2 threads, the scaling ratio, events per second and
# peak memory. Each figure is one line `bench: NAME VALUE UNIT`; prose goes
# on other lines. Timings vary with the machine and its load; nothing fails.
#
#   SALVO      the binary                       (default ./salvo)
#   SCENARIO   the scenario                     (default scenarios/korea-russia-2024.json)
#   RUNS       replications per timing run      (default 10000)
#   RSS_RUNS   replications of the memory run   (default 100000; the issue's
#              figure is 1000000, which takes longer)
set -eu
SALVO=${SALVO:-./salvo}
SCENARIO=${SCENARIO:-scenarios/korea-russia-2024.json}
RUNS=${RUNS:-10000}
RSS_RUNS=${RSS_RUNS:-100000}
if [ ! -f "$SCENARIO" ]; then
    echo "bench-batch: no $SCENARIO; using tests/data/batch/ship.json"
    SCENARIO=tests/data/batch/ship.json
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# field NAME FILE: a number from the summary's "run" object.
field() { sed -n "s/^[[:space:]]*\"$1\":[[:space:]]*\([0-9.eE+-]*\),\{0,1\}\$/\1/p" "$2" | tail -n 1; }

run() { # run THREADS RUNS -> $tmp/t$1.json
    "$SALVO" batch "$SCENARIO" --runs "$2" --threads "$1" --quiet --json "$tmp/t$1.json" >/dev/null
}

echo "batch benchmarks on $SCENARIO ($RUNS replications per run)"
run 1 "$RUNS"
run 2 "$RUNS"
w1=$(field wall_s "$tmp/t1.json"); w2=$(field wall_s "$tmp/t2.json")
ev=$(field events "$tmp/t2.json")
awk -v n="$RUNS" -v w1="$w1" -v w2="$w2" -v ev="$ev" 'BEGIN {
    printf "bench: batch_runs_per_s_1t %.0f runs/s\n", n / w1
    printf "bench: batch_runs_per_s_2t %.0f runs/s\n", n / w2
    printf "bench: batch_scaling_2t %.2f x\n", w1 / w2
    printf "bench: batch_events_per_s_2t %.0f events/s\n", ev / w2
    printf "bench: batch_wall_%d_2t %.3f s\n", n, w2
    printf "bench: batch_events_per_run %.1f events\n", ev / n
}'
# Two MPI ranks x 1 thread, when the binary has MPI and mpirun is here
# (settings that work as root, in a container, without ssh: docs/batch.md).
if command -v mpirun >/dev/null 2>&1 && "$SALVO" batch "$SCENARIO" --runs 64 --quiet --mpi >/dev/null 2>&1; then
    mpirun --allow-run-as-root --oversubscribe --mca plm isolated --mca btl self,vader \
        --mca btl_vader_single_copy_mechanism none -np 2 \
        "$SALVO" batch "$SCENARIO" --runs "$RUNS" --threads 1 --quiet --mpi --json "$tmp/m2.json" >/dev/null
    wm=$(field wall_s "$tmp/m2.json")
    awk -v n="$RUNS" -v w1="$w1" -v wm="$wm" 'BEGIN {
        printf "bench: batch_runs_per_s_2ranks_1t %.0f runs/s\n", n / wm
        printf "bench: batch_scaling_2ranks %.2f x\n", w1 / wm
    }'
else
    echo "bench-batch: no MPI rows (the binary has no MPI, or no mpirun)"
fi
"$SALVO" batch "$SCENARIO" --runs "$RSS_RUNS" --threads 2 --quiet --json "$tmp/rss.json" >/dev/null
rss=$(field max_rss_kb "$tmp/rss.json")
awk -v k="$rss" -v n="$RSS_RUNS" 'BEGIN { printf "bench: batch_peak_rss_%d %.1f MB\n", n, k / 1024 }'
