#!/usr/bin/env bash
# Runs every test of zicht: against SQLite (always) and against a throwaway PostgreSQL server that this
# script starts itself (Debian's postgresql package; initdb into a temp dir, a free port on 127.0.0.1)
# and stops on exit, also when tests fail.
#
#   scripts/test.sh            # whole suite
#   scripts/test.sh -p zicht-store   # extra arguments go to cargo nextest / cargo test
set -euo pipefail
cd "$(dirname "$0")/.."

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "PostgreSQL server binaries not found; installing Debian's postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

pg_dir=$(mktemp -d /tmp/zicht-pg.XXXXXX)
run_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT INT TERM
[ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-h 127.0.0.1 -p $port -k $pg_dir -c fsync=off -c max_connections=200" start >/dev/null
export ZICHT_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
export ZICHT_REQUIRE_PG=1
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for this run" >&2

# schemathesis checks the API against its OpenAPI document (crates/server/tests/schemathesis.rs); it
# lives in a virtualenv outside the repository, made once.
venv=${ZICHT_API_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/zicht/venv-api}
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "installing schemathesis into $venv" >&2
  python3 -m venv "$venv" && "$venv/bin/pip" install -q -r scripts/requirements-api-test.txt
fi
export ZICHT_SCHEMATHESIS="$venv/bin/schemathesis" ZICHT_REQUIRE_SCHEMATHESIS=1

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
# Doc tests (nextest does not run them); nextest's own filters (`-E ...`) do not apply to them, so they
# run only on a whole run.
if [ "$#" -eq 0 ]; then
  cargo test --workspace --doc
fi
