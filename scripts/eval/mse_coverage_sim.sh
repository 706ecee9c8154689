#!/usr/bin/env bash
# MSE coverage on zicht-sim registers (docs/benchmarks.md, "MSE coverage on the simulator").
# Usage: scripts/eval/mse_coverage_sim.sh [RUNS] [BOOTSTRAP] [YEAR] [SCALE] [FIRST_SEED]
# Runs the diagnosis (one seed, 2012-2022), the replica of the capture step (frailty and referrals
# switched on and off) and the coverage study (defaults: 200 runs, 200 replicates, 2016, scale 1, seed 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -p zicht-stats --example mse_coverage_sim >/dev/null
bin=./target/release/examples/mse_coverage_sim
echo "== diagnosis, seed 1, scale 1"
nice "$bin" diagnose 1 1
echo "== replica of the capture step, 50 x 20,000 persons"
nice "$bin" mechanisms 50 20000
echo "== coverage"
nice /usr/bin/time -f "%e s wall, %U s user, %M KB max RSS" \
  "$bin" coverage "${1:-200}" "${2:-200}" "${3:-2016}" "${4:-1}" "${5:-1}"

# Pooled covariate MSE (issue 14): 5 seeds x 2010-2022, 40 bootstrap replicates, three designs.
cargo build --release -p zicht-stats --example mse_coverage_sim_pooled
nice /usr/bin/time -v ./target/release/examples/mse_coverage_sim_pooled 5 40 1 fwd-aic-ext,pairs+aic-ext,fwd-aic
