#!/usr/bin/env bash
# Load test of the submission API (issue 17's measure): concurrent clients post one-report requests to
# `zicht serve` on a fresh SQLite register over loopback; then the same with the server killed
# (SIGKILL) during the load and started again. Prints markdown rows for docs/benchmarks.md.
#
#   scripts/bench/api_load.sh [CLIENTS=8] [REQUESTS=250] [KILL_AFTER_MS=1500]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p zicht-cli
cargo run --release -q -p zicht-server --example api_load -- target/release/zicht "${1:-8}" "${2:-250}" "${3:-1500}"
