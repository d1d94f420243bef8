#!/bin/sh
# view-smoke.sh — the real window under Xvfb, a few dozen frames at a time:
# a saved trace with every key pressed, a live scenario, an interactive
# playthrough recorded and replayed, and headless screenshots. Run by
# .ci/run; needs xvfb-run (the `xvfb` package, installed by `make deps`).
set -eu
cd "$(dirname "$0")/.."
BIN=${SALVO_BIN:-./salvo}
if ! "$BIN" view --help >/dev/null 2>&1; then
    echo "view-smoke: this build has no view (no SDL2); skipped"
    exit 0
fi
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "view-smoke: xvfb-run not found (install xvfb)" >&2
    exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM
run() { echo "+ $*"; xvfb-run -a "$@"; }

# Every key, a click on the timeline and on the map, zoom; ends with q.
keys="h,h,l,l,plus,plus,minus,right,right,left,end,home,space,space,0,click:700:790,click:1200:420"
keys="$keys,wheel:1200:420,wheel:1200:420,s,r,c,1,esc,q"
(cd "$out" && SALVO_VIEW_STATS=1 xvfb-run -a "$OLDPWD/$BIN" view --trace "$OLDPWD/tests/data/sample.jsonl" \
    --frames 60 --keys "$keys")
ls "$out"/salvo-*.png >/dev/null    # the s key saved a screenshot

run "$BIN" view --trace tests/data/sample.jsonl --frames 30 --at 2024-10-15 --size 1024x640

scen=scenarios/korea-russia-2024.json
if [ -f "$scen" ]; then
    run "$BIN" view "$scen" --seed 1 --frames 30
    # Play: answer every decision with option 1 as it comes, record, replay.
    run "$BIN" view "$scen" --seed 1 --play --frames 300 --keys "end,1,end,1,end,1,end,1,end,1,end,1" \
        --record "$out/play.json"
    test -s "$out/play.json"
    run "$BIN" view --replay "$out/play.json" --frames 30
    "$BIN" view "$scen" --seed 1 --screenshot "$out/scenario.png" --at 2024-10-15
    test -s "$out/scenario.png"
fi

# An exercise in one window: the briefing, the predictions form (a
# probability out of range refused, then corrected), play answering every
# decision, the debrief and a fan saved with F12, the playthrough recorded;
# then the playthrough replayed in the window to the same scores, and the
# screens headless. test_view_exercise checks the pictures' pixels.
ex=scenarios/exercises/shell-pipeline.json
if [ -f "$ex" ]; then
    form="return,text:4450000,tab,text:4350000,tab,text:4600000,tab,text:2550000,tab,text:2450000,tab,text:2650000"
    form="$form,tab,text:1.5,return,backspace,backspace,backspace,text:30%,return"
    (cd "$out" && xvfb-run -a "$OLDPWD/$BIN" view "$OLDPWD/$ex" --exercise --name Ada --runs 100 --frames 900 \
        --keys "$form,end,1,end,1,end,1,end,1,end,1,end,1,end,return,f12,right,f12,q" --record ex-play.json \
        > "$out/first.txt")
    test -s "$out/ex-play.json"
    test -s "$out/salvo-exercise-debrief.png"
    test -s "$out/salvo-exercise-fan-1.png"
    grep -q "shortfall: you said 30%" "$out/first.txt"
    (cd "$out" && xvfb-run -a "$OLDPWD/$BIN" view "$OLDPWD/$ex" --replay ex-play.json --runs 100 --frames 300 \
        --keys "return,return,end,return" > "$out/again.txt")
    scores() { sed -n '/== Your predictions, scored ==/,/Calibration:/p' "$1"; }
    if [ "$(scores "$out/first.txt")" != "$(scores "$out/again.txt")" ] || [ -z "$(scores "$out/first.txt")" ]; then
        echo "view-smoke: the replayed playthrough scored differently" >&2
        exit 1
    fi
    for screen in briefing decision fan debrief; do
        "$BIN" view "$ex" --exercise --screenshot "$out/ex-$screen.png" --screen "$screen" --runs 100
        test -s "$out/ex-$screen.png"
    done
    "$BIN" view "$ex" --exercise --replay "$out/ex-play.json" --screenshot "$out/ex-form.png" --screen predictions
    test -s "$out/ex-form.png"
fi
"$BIN" view --trace tests/data/sample.jsonl --screenshot "$out/sample.png" --at 2024-10-15 --size 800x500
test -s "$out/sample.png"
# A trace of the older format 1 still plays.
"$BIN" view --trace tests/data/sample-v1.jsonl --screenshot "$out/sample-v1.png" --at 2024-10-15 --size 800x500
test -s "$out/sample-v1.png"

# Headless screenshots of every shipped scenario (and the Caspian test
# scenario) at every common size, through the command line: each must
# finish (1920x1080 used to hang in dashed()) and be a PNG of that size.
# test_view_fit checks the same frames' layout in-process.
png_size() { od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'; }
for scen in scenarios/*.json tests/data/caspian.json; do
    case $scen in *schema.json) continue ;; esac
    for size in 1280x720 1366x768 1600x900 1920x1080 2560x1440 3840x2160; do
        png="$out/$(basename "$scen" .json)-$size.png"
        t0=$(date +%s.%N)
        timeout 60 "$BIN" view "$scen" --seed 5 --screenshot "$png" --at 200 --size "$size"
        t1=$(date +%s.%N)
        got=$(png_size "$png")
        if [ "$got" != "$size" ]; then
            echo "view-smoke: $png is $got, not $size" >&2
            exit 1
        fi
        echo "  $scen $size: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
    done
done
# Bad input is a message and exit 2, not a crash.
if "$BIN" view --trace tests/data/sample.jsonl --screenshot "$out/x.png" --at 1999-01-01 2>/dev/null; then
    echo "view-smoke: --at outside the run was accepted" >&2
    exit 1
fi
echo "view-smoke: ok"
