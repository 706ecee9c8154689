#!/usr/bin/env bash
# Survival benchmark: zicht-stats vs lifelines, side by side on this machine (fit only; reading
# the CSV is not timed by either). Needs a virtualenv with lifelines outside the repo:
#   python3 -m venv /work/venv-survival && /work/venv-survival/bin/pip install lifelines
# Usage: scripts/bench/survival.sh [KM_ROWS] [COX_ROWS] [COX_COVARIATES] [KM_REPS] [COX_REPS]
set -euo pipefail
KM_N=${1:-10000000}
COX_N=${2:-1000000}
COX_P=${3:-10}
REPS=${4:-3}
COX_REPS=${5:-1}
PY=${PY:-/work/venv-survival/bin/python}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-$(mktemp -d)}
cd "$ROOT"
cargo build --release -q -p zicht-stats --example bench_survival
cargo build --release -q -p zicht-cli
BIN="$ROOT/target/release/examples/bench_survival"
[ -f "$WORK/km.csv" ] || nice "$PY" "$HERE/survival_data.py" km "$KM_N" "$WORK/km.csv"
[ -f "$WORK/cox.csv" ] || nice "$PY" "$HERE/survival_data.py" cox "$COX_N" "$COX_P" "$WORK/cox.csv"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # label command...
  /usr/bin/time -f "%e s wall, %M kB peak" -o "$WORK/time.txt" nice "${@:2}" > "$WORK/out.json"
  echo "$1 $(cat "$WORK/out.json" | tr -d '\n') | process: $(cat "$WORK/time.txt")"
}
for i in $(seq "$REPS"); do
  run "zicht-km" "$BIN" km "$WORK/km.csv"
  run "lifelines-km" "$PY" "$HERE/survival_lifelines.py" km "$WORK/km.csv"
done
/usr/bin/time -f "%e s wall, %M kB peak" -o "$WORK/time.txt" nice "$ROOT/target/release/zicht" \
  survival "$WORK/km.csv" --time time --event event --at 5 --json > "$WORK/cli.json"
echo "zicht-cli-survival (end to end, incl. reading the CSV) $(wc -c < "$WORK/cli.json") bytes of JSON | process: $(cat "$WORK/time.txt")"
for i in $(seq "$COX_REPS"); do
  run "zicht-cox" "$BIN" cox "$WORK/cox.csv"
  run "lifelines-cox" "$PY" "$HERE/survival_lifelines.py" cox "$WORK/cox.csv"
done
