#!/usr/bin/env bash
# The intruder's attack on `zicht demo` registers: for each demo folder, the internal and public
# editions of 2012-2022, last year's release (2012-2021), and this year's release against it with and
# without --previous (both editions; the public edition needs the register's key file DEMO_DIR/demo.key); each attacked by `zicht check-disclosure` and by the independent
# scripts/eval/intruder.py (scipy's HiGHS, in a virtualenv outside the repository).
#
#   scripts/eval/disclosure_on_demo.sh VENV_PYTHON DEMO_DIR...
#   e.g. python3 -m venv /tmp/venv && /tmp/venv/bin/pip install -r scripts/eval/requirements-intruder.txt
#        scripts/eval/disclosure_on_demo.sh /tmp/venv/bin/python demo-out
set -uo pipefail
cd "$(dirname "$0")/../.."
py=$1; shift
z=${ZICHT:-target/release/zicht}
for d in "$@"; do
  db="sqlite://$d/demo.db"
  key=(--key-file "$d/demo.key")
  o=$(mktemp -d)
  for e in internal public; do
    /usr/bin/time -f "  monitor $e: %e s wall, %M KB" "$z" monitor --db "$db" --out "$o/$e" --edition "$e" "${key[@]}" >/dev/null 2>"$o/$e.err"
    grep -E 'KB|error' "$o/$e.err"
  done
  "$z" monitor --db "$db" --out "$o/y2021" --to 2021 >/dev/null 2>&1
  "$z" monitor --db "$db" --out "$o/y2022" >/dev/null 2>&1
  /usr/bin/time -f "  monitor --previous: %e s wall, %M KB" "$z" monitor --db "$db" --out "$o/y2022p" --previous "$o/y2021" >/dev/null 2>"$o/p.err"
  grep -E 'KB|error' "$o/p.err"
  "$z" monitor --db "$db" --out "$o/p2021" --to 2021 --edition public "${key[@]}" >/dev/null 2>&1
  /usr/bin/time -f "  monitor public --previous: %e s wall, %M KB" "$z" monitor --db "$db" --out "$o/p2022p" --edition public "${key[@]}" --previous "$o/p2021" >/dev/null 2>"$o/pp.err"
  grep -E 'KB|error' "$o/pp.err"
  echo "$d:"
  for e in internal public; do
    echo "  $e audit: $(python3 -c "import json,sys; a=json.load(open('$o/$e/monitor.json'))['audit']; print(a)")"
  done
  echo "  check-disclosure 2022 --with 2021 (no --previous): $("$z" check-disclosure "$o/y2022" --with "$o/y2021" 2>&1 | tail -n 1)"
  echo "  check-disclosure 2022p --with 2021: $("$z" check-disclosure "$o/y2022p" --with "$o/y2021" 2>&1 | tail -n 1)"
  for run in "internal" "public" "y2021 y2022" "y2021 y2022p" "p2021 public" "p2021 p2022p"; do
    args=(); for r in $run; do args+=("$o/$r"); done
    res=$("$py" scripts/eval/intruder.py "${args[@]}" 2>&1 | grep -E '^(EXPOSED|INFEASIBLE|time)' | tr '\n' ' ')
    echo "  intruder.py [$run]: $res"
  done
  rm -rf "$o"
done
