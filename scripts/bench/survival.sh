#!/usr/bin/env bash
# Survival benchmark: zicht vs lifelines, side by side on this machine, end to end as a user runs
# them: `zicht survival|cox DATA.csv ... --json` against a Python script that reads the same CSV
# with pandas, fits with lifelines and prints the same results as JSON (survival_lifelines.py).
# Each run is a whole process under /usr/bin/time (wall, user, system, peak resident memory);
# the two tools alternate, REPS times each, and the medians are reported. The computation alone
# is also shown: lifelines' own timer from the data frame to the results (fit, concordance,
# tests), and zicht-stats' fit (which includes those) in the bench_survival example.
# Needs a virtualenv with lifelines outside the repo:
#   python3 -m venv /work/venv-survival && /work/venv-survival/bin/pip install lifelines
# Usage: scripts/bench/survival.sh [KM_ROWS] [COX_ROWS] [COX_COVARIATES] [REPS]
set -euo pipefail
KM_N=${1:-10000000}
COX_N=${2:-1000000}
COX_P=${3:-10}
REPS=${4:-3}
PY=${PY:-/work/venv-survival/bin/python}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-$(mktemp -d)}
cd "$ROOT"
cargo build --release -q -p zicht-stats --example bench_survival
cargo build --release -q -p zicht-cli
ZICHT="$ROOT/target/release/zicht"
FIT="$ROOT/target/release/examples/bench_survival"
[ -f "$WORK/km.csv" ] || nice "$PY" "$HERE/survival_data.py" km "$KM_N" "$WORK/km.csv"
[ -f "$WORK/cox.csv" ] || nice "$PY" "$HERE/survival_data.py" cox "$COX_N" "$COX_P" "$WORK/cox.csv"
COVS=$(seq -s, -f 'x%g' 0 $((COX_P - 1)))
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
RESULTS="$WORK/results.tsv"
: > "$RESULTS"
# run LABEL OUT COMMAND...: one process, timed; appends "label wall user sys peak_kB" to RESULTS
run() {
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" nice "${@:3}" > "$2" 2> "$WORK/stderr.txt"
  echo "$1 $(cat "$WORK/time.txt")" >> "$RESULTS"
  echo "$1 $(cat "$WORK/time.txt") $(grep -h compute_seconds "$WORK/stderr.txt" || true)"
}
for i in $(seq "$REPS"); do
  run zicht-km "$WORK/zicht_km.json" "$ZICHT" survival "$WORK/km.csv" --time time --event event --at 5 --json
  run lifelines-km "$WORK/lifelines_km.json" "$PY" "$HERE/survival_lifelines.py" km "$WORK/km.csv"
done
for i in $(seq "$REPS"); do
  run zicht-cox "$WORK/zicht_cox.json" "$ZICHT" cox "$WORK/cox.csv" --time time --event event --covariates "$COVS" --json
  run lifelines-cox "$WORK/lifelines_cox.json" "$PY" "$HERE/survival_lifelines.py" cox "$WORK/cox.csv"
done
echo "# computation only (CSV read before the clock starts), zicht-stats:"
nice "$FIT" km "$WORK/km.csv"
nice "$FIT" cox "$WORK/cox.csv"
echo "# end of runs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# medians of $REPS (wall s, user s, sys s, peak MB) and ratios lifelines / zicht:"
"$PY" - "$RESULTS" "$WORK" <<'EOF'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
med = {}
for task in ("km", "cox"):
    for tool in ("zicht", "lifelines"):
        r = [list(map(float, x[1:])) for x in rows if x[0] == f"{tool}-{task}"]
        if r:
            med[tool, task] = [statistics.median(c) for c in zip(*r)]
            w, u, s, m = med[tool, task]
            print(f"{tool}-{task}: wall {w:.2f} s, cpu {u + s:.2f} s (user {u:.2f}, sys {s:.2f}), peak {m / 1024:.0f} MB")
    if ("zicht", task) in med and ("lifelines", task) in med:
        z, l = med["zicht", task], med["lifelines", task]
        print(f"ratio {task}: wall {l[0] / z[0]:.1f}x, cpu {(l[1] + l[2]) / (z[1] + z[2]):.1f}x, memory {l[3] / z[3]:.1f}x")
# the two tools' answers agree
w = sys.argv[2]
zk, lk = json.load(open(f"{w}/zicht_km.json")), json.load(open(f"{w}/lifelines_km.json"))
zt, lt = zk["groups"][0]["table"], lk["table"]
print("km: median", zk["groups"][0]["median"], "vs", lk["median"], "; S(5)", zk["at"][0]["survival"], "vs", lk["s_at_5"],
      "; event times", len(zt), "vs", len(lt), "; max |survival diff|",
      max(abs(a["survival"] - b["survival"]) for a, b in zip(zt, lt)))
zc, lc = json.load(open(f"{w}/zicht_cox.json")), json.load(open(f"{w}/lifelines_cox.json"))
print("cox: max relative coef diff", max(abs(a["coef"] - b["coef"]) / abs(b["coef"])
      for a, b in zip(zc["coefficients"], lc["coefficients"])),
      "; loglik", zc["loglik"], "vs", lc["loglik"], "; concordance", zc["concordance"], "vs", lc["concordance"])
EOF
