#!/bin/sh
# run.sh — run the libFuzzer harnesses built by `make fuzz` (build-fuzz/fuzz/).
#
#   sh tests/fuzz/run.sh [NAME...]       NAME in json scenario set trace (default: all)
#
# For each harness: first replay tests/fuzz/corpus/NAME (its seeds and every
# crasher found so far, which must all pass now), then fuzz for FUZZ_SECONDS
# (default 30) on one core. What libFuzzer learns goes to build-fuzz/corpus/NAME;
# a crash, leak, sanitizer report or a >10 s input (a hang) stops the run, leaves
# the input in build-fuzz/artifacts/ and makes this script exit 1. Run from the
# repository root. docs/fuzzing.md says how to run longer and how to triage.
set -u
B=build-fuzz
SECS=${FUZZ_SECONDS:-30}
[ $# -eq 0 ] && set -- json scenario set trace
mkdir -p $B/artifacts
status=0
for h in "$@"; do
    bin=$B/fuzz/fuzz_$h
    if [ ! -x "$bin" ]; then echo "fuzz_$h: $bin not built (make fuzz)"; exit 1; fi
    # Read-only seed directories besides the committed corpus, and dictionaries.
    case $h in
        json)     seeds="scenarios/verify";                     dict="" ;;
        scenario) seeds="scenarios scenarios/verify tests/bad"; dict="-dict=tests/fuzz/scenario.dict" ;;
        set)      seeds="";                                     dict="-dict=tests/fuzz/set.dict" ;;
        trace)    seeds="";                                     dict="-dict=tests/fuzz/trace.dict" ;;
        *)        echo "run.sh: unknown harness '$h'"; exit 2 ;;
    esac
    mkdir -p $B/corpus/$h
    log=$B/fuzz_$h.log
    printf '== fuzz_%s: replay tests/fuzz/corpus/%s: ' "$h" "$h"
    if ! "$bin" -runs=0 -timeout=10 tests/fuzz/corpus/$h >$log 2>&1; then
        echo "FAILED"; grep -E 'ERROR|SUMMARY|Test unit written' $log; status=1; continue
    fi
    grep -o 'INITED.*' $log | head -n 1
    echo "== fuzz_$h: $SECS s"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=$B/artifacts/fuzz_$h- $dict $B/corpus/$h tests/fuzz/corpus/$h $seeds >$log 2>&1
    rc=$?
    grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE|ERROR|SUMMARY|Test unit written' $log
    if [ $rc -ne 0 ]; then echo "fuzz_$h: FAILED (see $log)"; status=1; fi
done
exit $status
