#!/usr/bin/env bash
# Linkage benchmark: `zicht match` against Splink (DuckDB) on the same generated dedupe file,
# same comparisons, blocking rules, training rules and threshold. Prints a markdown table row
# per tool: F1 (pairs at the threshold against the generator's person_id), wall time, CPU time,
# peak memory (/usr/bin/time -v), and the ratios.
#
#   scripts/bench/link_vs_splink.sh [N=100000] [SEED=1] [REPEATS=1]
#
# Needs Splink in a virtualenv outside the repository:
#   python3 -m venv /work/venv-link && /work/venv-link/bin/pip install splink
# (override the interpreter with SPLINK_PY=/path/to/python).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-100000}
SEED=${2:-1}
REPEATS=${3:-1}
THRESHOLD=${THRESHOLD:-0.9}
SPLINK_PY=${SPLINK_PY:-/work/venv-link/bin/python}
work=$(mktemp -d /tmp/zicht-linkbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p zicht-cli
python3 scripts/bench/gen_people.py --n "$N" --seed "$SEED" --out "$work/people.csv"

# Print "wall_seconds cpu_seconds max_rss_kb" of the last /usr/bin/time -v report in $1.
measure() {
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { m = $2 }
    END { printf "%.2f %.2f %d\n", w, u + s, m }' "$1"
}

best() { sort -n | head -n 1; }

zicht_runs=()
splink_runs=()
for _ in $(seq "$REPEATS"); do
  /usr/bin/time -v -o "$work/zicht.time" target/release/zicht match "$work/people.csv" --id id \
    --compare first_name:name surname:name dob:date postcode:postcode city:text \
    --block first_name,surname --block dob --block postcode \
    --train-block first_name,surname --train-block dob \
    --threshold "$THRESHOLD" --out "$work/zicht_pairs.csv" --clusters "$work/zicht_clusters.csv" --json \
    > "$work/zicht.json"
  zicht_runs+=("$(measure "$work/zicht.time")")
  /usr/bin/time -v -o "$work/splink.time" "$SPLINK_PY" scripts/bench/splink_dedupe.py "$work/people.csv" \
    "$work/splink_pairs.csv" "$work/splink_clusters.csv" --threshold "$THRESHOLD" > "$work/splink.log" 2>&1
  splink_runs+=("$(measure "$work/splink.time")")
done
z=$(printf '%s\n' "${zicht_runs[@]}" | best)
s=$(printf '%s\n' "${splink_runs[@]}" | best)
zf=$(python3 scripts/bench/eval_pairs.py "$work/people.csv" "$work/zicht_pairs.csv")
sf=$(python3 scripts/bench/eval_pairs.py "$work/people.csv" "$work/splink_pairs.csv")
splink_version=$("$SPLINK_PY" -c 'import splink; print(splink.__version__)')
python3 - "$N" "$THRESHOLD" "$z" "$s" "$zf" "$sf" "$splink_version" <<'PY'
import json, sys
n, thr, z, s, zf, sf, ver = sys.argv[1:]
zw, zc, zm = z.split(); sw, sc, sm = s.split()
zf, sf = json.loads(zf), json.loads(sf)
print(f"| records | tool | F1 | precision | recall | wall s | CPU s | peak MiB |")
print(f"| --- | --- | --- | --- | --- | --- | --- | --- |")
for name, w, c, m, f in [("zicht", zw, zc, zm, zf), (f"Splink {ver}", sw, sc, sm, sf)]:
    print(f"| {int(n):,} | {name} | {f['f1']:.4f} | {f['precision']:.4f} | {f['recall']:.4f} | {float(w):.2f} | {float(c):.2f} | {int(m) / 1024:.0f} |")
print()
print(f"threshold {thr}: Splink/zicht wall {float(sw) / float(zw):.1f}x, CPU {float(sc) / float(zc):.1f}x, "
      f"peak memory {int(sm) / int(zm):.1f}x; F1 zicht - Splink = {zf['f1'] - sf['f1']:+.4f}")
PY
