#!/usr/bin/env bash
# Linkage on register-shaped data made independently of zicht-sim (issue 15): zicht match with its
# defaults (comparisons only), zicht match and Splink with the same hand-picked blocking and
# training rules. Every scored pair down to 0.01 is evaluated against the generator's person_id:
# precision, recall and F1 at 0.9 (zicht's default) and 0.5, the best F1 over all thresholds, the
# expected calibration error (scripts/bench/eval_calibration.py).
#
#   scripts/bench/holdout_vs_splink.sh [PERSONS=20000] [MEAN_RECORDS=1.8] [SEED=1]
#   ERROR_RATE=0.15 MISSING_DATE=0.35 (the generator's name error rate and share of missing dates)
#
# Needs Splink in a virtualenv outside the repository (SPLINK_PY, default /work/venv-link/bin/python).
set -euo pipefail
cd "$(dirname "$0")/../.."
PERSONS=${1:-20000}
MEAN=${2:-1.8}
SEED=${3:-1}
SPLINK_PY=${SPLINK_PY:-/work/venv-link/bin/python}
work=$(mktemp -d /tmp/zicht-holdout.XXXXXX)
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p zicht-cli
python3 scripts/bench/gen_register_holdout.py --persons "$PERSONS" --mean-records "$MEAN" --seed "$SEED" \
  --error-rate "${ERROR_RATE:-0.15}" --missing-date "${MISSING_DATE:-0.35}" --out "$work/h.csv"
compare=(given_names:name family_name:name birth_date:date birth_year:exact sex:exact nationality:exact
  municipality:text)
rules=(--block birth_date --block family_name,nationality --block given_names,family_name
  --block given_names,birth_year --train-block birth_date --train-block family_name,nationality)
row() { # name, pairs file, time file
  local e5 e9
  e9=$(python3 scripts/bench/eval_calibration.py "$work/h.csv" "$2" --threshold 0.9)
  e5=$(python3 scripts/bench/eval_calibration.py "$work/h.csv" "$2" --threshold 0.5)
  python3 - "$1" "$e9" "$e5" "$(cat "$3")" "$PERSONS" "$MEAN" <<'PY'
import json, os, sys
name, e9, e5, t, persons, mean = sys.argv[1:]
e9, e5 = json.loads(e9), json.loads(e5)
wall, kb = t.split()
print(f"| {persons} × {mean}, errors {os.environ.get('ERROR_RATE', '0.15')}, no date {os.environ.get('MISSING_DATE', '0.35')} | {name} | {e9['precision']:.3f} | {e9['recall']:.3f} | {e9['f1']:.3f} | "
      f"{e5['f1']:.3f} | {e9['best_f1']:.3f} | {e9['ece']:.3f} | {e9['ece_above_0_5']:.3f} | {wall} | {int(kb) // 1024} |")
PY
}
echo "| persons × records | tool | P@0.9 | R@0.9 | F1@0.9 | F1@0.5 | best F1 | ECE | ECE ≥0.5 | wall s | peak MiB |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
n=0
for variant in "defaults" "defaults, --scoring global" "hand rules" "hand rules, --scoring global"; do
  n=$((n + 1))
  extra=()
  [[ $variant == hand* ]] && extra+=("${rules[@]}")
  [[ $variant == *global* ]] && extra+=(--scoring global)
  /usr/bin/time -f "%e %M" -o "$work/t$n" target/release/zicht match "$work/h.csv" --id record_id \
    --compare "${compare[@]}" "${extra[@]}" --threshold 0.01 --out "$work/z$n.csv" 2> "$work/z$n.log"
  row "zicht, $variant" "$work/z$n.csv" "$work/t$n"
done
/usr/bin/time -f "%e %M" -o "$work/ts" "$SPLINK_PY" scripts/bench/splink_holdout.py "$work/h.csv" "$work/s.csv" \
  --threshold 0.01 > "$work/s.log" 2>&1
row "Splink $("$SPLINK_PY" -c 'import splink; print(splink.__version__)'), hand rules" "$work/s.csv" "$work/ts"
sed 's/^/    /' "$work/z1.log" >&2
