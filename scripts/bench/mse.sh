#!/usr/bin/env bash
# Multiple systems estimation benchmarks (see docs/benchmarks.md, "Multiple systems estimation").
# Usage: scripts/bench/mse.sh [PATH/TO/SparseMSE/R/routines.R]
# With the argument (and R + r-cran-lpsolve installed) SparseMSE's bootstrap runs beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p zicht-cli -p zicht-stats --example mse_coverage >/dev/null
F=crates/stats/tests/fixtures/mse
t() { /usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB max RSS" "$@"; }
echo "== 1,000-replicate BCa bootstrap, stepwise, UKdat_5 (5 lists)"
t ./target/release/zicht mse "$F/UKdat_5.csv" --bootstrap 1000 --seed 1234 --json >/tmp/zicht-mse-boot.json
echo "== exhaustive BIC over all 2^15 two-way models, UKdat (6 lists)"
t ./target/release/zicht mse "$F/UKdat.csv" --method bic --json >/dev/null
echo "== exhaustive BIC over all 2^15 two-way models, Ned (6 lists)"
t ./target/release/zicht mse "$F/Ned.csv" --method bic --json >/dev/null
if [ "${1:-}" != "" ]; then
  echo "== SparseMSE 2.0.1 estimatepopulation(nboot = 1000), UKdat_5"
  t Rscript scripts/bench/mse_sparsemse_bootstrap.R "$F/UKdat_5.csv" "$1"
fi
