#!/usr/bin/env bash
# Protocol 2026-04-01 driven by the real SDK (see bench/README.md): a 3-step
# workflow (ctx.run x3, resonate.run in the driver process) at 1, 16 and 64
# concurrent workflows against
#   1. resonate on SQLite (fresh temp file, default durability),
#   2. resonate on PostgreSQL (RESONATE_TEST_PG, or scripts/pg.sh start; a
#      database of its own, resonate_sdk_bench, recreated and dropped),
#   3. the oracle reference server (../shared/oracle/refserver.mjs: the SDK's own
#      state machine in memory, no durability): the client-bound ceiling.
# Builds nothing; needs `npm ci --prefix tests/sdk` (scripts/setup.sh).
#
#   bench/sdk_bench.sh [BUILD_DIR]     BUILD_DIR defaults to build
#
# Environment: BENCH_DURATION (10, seconds per point), BENCH_WARMUP (2),
# BENCH_CONCURRENCY ("1 16 64"), BENCH_NO_PG=1, ORACLE (path of refserver.mjs).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-build}
[[ "$build" = /* ]] || build="$root/$build"
server_bin="$build/actors/resonate"
oracle=${ORACLE:-$root/../shared/oracle/refserver.mjs}
dur=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
levels=${BENCH_CONCURRENCY:-1 16 64}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
pg_db=resonate_sdk_bench
sdk_dir="$root/tests/sdk/node_modules/@resonatehq/sdk"

log() { echo "sdk_bench.sh: $*" >&2; }
. "$here/pg_lib.sh"
[ -x "$server_bin" ] || { log "$server_bin not built"; exit 1; }
[ -d "$sdk_dir" ] || { log "the SDK is not installed: npm ci --prefix tests/sdk"; exit 1; }
load=$(cut -d' ' -f1 /proc/loadavg)
awk -v l="$load" 'BEGIN { exit !(l > 1) }' && log "warning: 1-minute load is $load; figures will be noisy"

work=$(mktemp -d "${TMPDIR:-/tmp}/resonate-sdk-bench.XXXXXX")
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  server_pid=""
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

free_port() { node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})'; }
wait_health() { # wait_health PORT
  for _ in $(seq 1 200); do
    curl -fsS "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

results=()
measure() { # measure LABEL PORT
  for c in $levels; do
    line=$(node "$here/sdk_workflows.mjs" --url "http://127.0.0.1:$2" --concurrency "$c" \
      --duration "$dur" --warmup "$warmup" --server-pid "$server_pid")
    echo "$1 $line"
    results+=("$1 $line")
  done
}

start_resonate() { # start_resonate LABEL ARGS...
  local label=$1
  shift
  port=$(free_port)
  env -u RESONATE_TEST_PG "$server_bin" serve --api-http-addr "127.0.0.1:$port" --metrics-addr "" \
    --aio-poll-addr 127.0.0.1:0 --log-level warn "$@" >"$work/$label.log" 2>&1 &
  server_pid=$!
  wait_health "$port" || { log "$label did not start:"; tail -20 "$work/$label.log" >&2; stop_server; return 1; }
}

echo "== resonate on SQLite"
if start_resonate sqlite --aio-store-sqlite-path "$work/sqlite.db"; then
  measure sqlite "$port"
  stop_server
fi

pg_conninfo=${RESONATE_TEST_PG:-}
if [ -z "${BENCH_NO_PG:-}" ] && [ -z "$pg_conninfo" ] && exports=$("$root/scripts/pg.sh" start 2>/dev/null); then
  eval "$exports"
  pg_conninfo=${RESONATE_TEST_PG:-}
fi
if [ -z "${BENCH_NO_PG:-}" ] && [ -n "$pg_conninfo" ]; then
  pg_parse_conninfo "$pg_conninfo"
  if pg_recreate_db "$pg_db"; then
    echo "== resonate on PostgreSQL ($pg_host:$pg_port/$pg_db)"
    if start_resonate pg --aio-store-postgres-enable --aio-store-postgres-host "$pg_host" \
        --aio-store-postgres-port "$pg_port" --aio-store-postgres-username "$pg_user" \
        --aio-store-postgres-database "$pg_db"; then
      measure postgres "$port"
      stop_server
    fi
    pg_drop_db "$pg_db"
  fi
fi

if [ -f "$oracle" ]; then
  echo "== oracle reference server (in memory)"
  port=$(free_port)
  SDK_DIR="$sdk_dir" PORT="$port" LOG=0 node "$oracle" >"$work/oracle.log" 2>&1 &
  server_pid=$!
  wait_health "$port" && measure oracle "$port"
  stop_server
else
  log "no oracle at $oracle; ORACLE=path/to/refserver.mjs"
fi

echo
echo "== summary (one Node driver process; server CPU from /proc/PID/stat)"
printf '%-9s %5s %9s %9s %9s %12s %7s\n' server conc wf/s p50_ms p99_ms cpu_ms/wf errors
declare -A rate
for r in "${results[@]}"; do
  label=${r%% *}
  json=${r#* }
  read -r c per p50 p99 cpu err < <(node -e 'const o=JSON.parse(process.argv[1]);console.log(o.concurrency,o.per_s,o.p50_ms,o.p99_ms,o.server_cpu_ms_per_workflow??"-",o.errors)' "$json")
  rate[$label.$c]=$per
  printf '%-9s %5s %9s %9s %9s %12s %7s\n' "$label" "$c" "$per" "$p50" "$p99" "$cpu" "$err"
done
for label in sqlite postgres; do
  for c in $levels; do
    if [ -n "${rate[$label.$c]:-}" ] && [ -n "${rate[oracle.$c]:-}" ]; then
      echo "$label / oracle at $c: $(node -e "console.log((${rate[$label.$c]}/${rate[oracle.$c]}*100).toFixed(0))")%"
    fi
  done
done
