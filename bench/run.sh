#!/usr/bin/env bash
# The side-by-side benchmark run (see bench/README.md). Builds nothing.
#
#   bench/run.sh [BUILD_DIR]        BUILD_DIR defaults to build
#
# 1. resonate on SQLite (fresh temp dir, port 0): GET /ping, then both
#    protocols' promise writes, REST v1 create+complete and protocol 2026-04-01
#    promise.create + promise.settle through POST /, at the default durability
#    (process), then both at power durability (fsync on every commit);
# 2. resonate_storage_bench: SQLite commit-each vs batched inserts;
# 3. if PostgreSQL is reachable (RESONATE_TEST_PG, or scripts/pg.sh start):
#    resonate on PostgreSQL the same way, and pgbench single-row INSERTs with
#    synchronous_commit on and off;
# 4. a summary table with the ratios (each protocol's rate / the same server's
#    GET /ping rate).
#
# Environment: BENCH_SCHEDULES (10000), BENCH_CONNS (64), BENCH_DURATION (10, seconds), BENCH_PING_DURATION (5),
# BENCH_WARMUP (2), BENCH_PGBENCH_DURATION (10), BENCH_NO_PG=1 to skip PostgreSQL,
# BENCH_PG_STOP=1 to stop a PostgreSQL this script started via scripts/pg.sh, BENCH_PG_DB (resonate_bench)
# the database it recreates and drops in that cluster.
# BENCH_PG_WORKERS="1 2 4": instead of all of the above, only PostgreSQL:
# create+complete and task round trips (64 workers) once per number of store
# workers (--aio-store-postgres-workers, one connection each), on a fresh database each.
# Both protocols, REST v1 create+complete and 2026 create+settle, for each number.
# BENCH_BASELINE=/path/to/an/older/resonate: the same run also starts that binary
# on each store and measures GET /ping and REST v1 create+complete against it,
# right after this build's (e.g. the commit before protocol 2026-04-01,
# bench/README.md "Baseline"); the summary shows both ratios side by side. Its label is
# the commit of the worktree the binary is in, or BENCH_BASELINE_LABEL.
# BENCH_QUICK=1: only GET /ping and both protocols' writes (process durability) on
# each store (and the baseline's): no task round trips, idle SSE, schedules, power
# durability, storage limits or pgbench.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-build}
[[ "$build" = /* ]] || build="$root/$build"

server_bin="$build/actors/resonate"
load_bin="$build/bench/resonate_bench"
task_bin="$build/bench/resonate_task_bench"
sched_bin="$build/bench/resonate_schedule_bench"
sched_n=${BENCH_SCHEDULES:-10000}
storage_bin="$build/bench/resonate_storage_bench"
conns=${BENCH_CONNS:-64}
dur=${BENCH_DURATION:-10}
ping_dur=${BENCH_PING_DURATION:-5}
warmup=${BENCH_WARMUP:-2}
pgb_dur=${BENCH_PGBENCH_DURATION:-10}
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
pg_db=${BENCH_PG_DB:-resonate_bench}
baseline_bin=${BENCH_BASELINE:-}
quick=${BENCH_QUICK:-}

log() { echo "run.sh: $*" >&2; }
. "$here/pg_lib.sh"
die() { log "$*"; exit 1; }

for b in "$server_bin" "$load_bin" "$storage_bin" "$task_bin" "$sched_bin"; do
  [ -x "$b" ] || die "$b not built (cmake --build $build --target resonate resonate_bench resonate_storage_bench resonate_task_bench)"
done
baseline_label=""
if [ -n "$baseline_bin" ]; then
  [ -x "$baseline_bin" ] || die "BENCH_BASELINE=$baseline_bin is not an executable"
  baseline_label=${BENCH_BASELINE_LABEL:-$(git -C "$(dirname "$baseline_bin")" rev-parse --short HEAD 2>/dev/null || echo "?")}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/resonate-bench.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

clk_tck=$(getconf CLK_TCK)
# utime+stime of a process, in seconds * CLK_TCK.
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Busy ticks of the whole machine (all cores; idle and iowait excluded).
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# CPU of all PostgreSQL processes (part of the system under test), including the backends
# that exited meanwhile: the postmaster's cutime+cstime holds those.
pg_ticks() {
  local p sum=0
  for p in $(pgrep -x postgres); do
    sum=$((sum + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}

declare -A R  # results: R[<name>.<field>]
disturbed=""

# parse_result NAME FILE: store the fields of the RESULT line in FILE under NAME.
parse_result() {
  local name=$1 file=$2 line kv
  line=$(grep '^RESULT ' "$file" | tail -1)
  [ -n "$line" ] || { log "$name: no RESULT line"; return 1; }
  for kv in $line; do
    [[ "$kv" == *=* ]] && R["$name.${kv%%=*}"]=${kv#*=}
  done
}

start_server() { # start_server LABEL ARGS... ; sets server_pid, server_port
  local label=$1
  shift
  local errlog="$work/$label.stderr"
  # RESONATE_* variables are read as configuration; keep the test conninfo out.
  env -u RESONATE_TEST_PG "${bin:-$server_bin}" serve --api-http-addr 127.0.0.1:0 --metrics-addr "${metrics_addr:-}" --log-level info \
    --aio-poll-addr 127.0.0.1:0 --aio-poll-max-connections 20000 "$@" \
    >"$work/$label.stdout" 2>"$errlog" &
  server_pid=$!
  server_port=""
  for _ in $(seq 1 200); do
    server_port=$(grep -E 'msg="?listening' "$errlog" 2>/dev/null | head -1 | sed -n 's/.* port=\([0-9]*\).*/\1/p')
    poll_port=$(grep -E 'msg="?listening' "$errlog" 2>/dev/null | head -1 | sed -n 's/.* poll_port=\([0-9]*\).*/\1/p')
    [ -n "$server_port" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$server_port" ]; then
    log "$label: server did not start; its stderr:"
    tail -20 "$errlog" >&2
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
    return 1
  fi
  log "$label: server pid $server_pid on port $server_port"
}

stop_server() { # stop_server LABEL
  local label=$1 i
  [ -n "$server_pid" ] || return 0
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" 2>/dev/null
    log "$label: THE SERVER HAD ALREADY EXITED (status $?) before the end of the phase; its stderr:"
    tail -20 "$work/$label.stderr" >&2
    server_pid=""
    return 1
  fi
  kill -TERM "$server_pid" 2>/dev/null
  for i in $(seq 1 150); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    log "$label: server did not stop within 15 s after SIGTERM; killing it"
    kill -KILL "$server_pid" 2>/dev/null
  fi
  wait "$server_pid" 2>/dev/null
  local rc=$?
  [ "$rc" = 0 ] || log "$label: server exited with status $rc"
  local lines
  lines=$(wc -l <"$work/$label.stderr")
  log "$label: server wrote $lines stderr lines; warnings/errors:"
  grep -E 'level=(warn|error)' "$work/$label.stderr" | head -5 >&2
  server_pid=""
}

# load NAME MIX DURATION: run the load generator against the running server.
load() {
  local name=$1 mix=$2 d=$3 out="$work/$1.out" t0 t1 m0 m1 g0 g1 w0 w1 el
  w0=$(date +%s.%N)
  t0=$(proc_ticks "$server_pid")
  g0=$(pg_ticks)
  m0=$(machine_ticks)
  "$load_bin" --host 127.0.0.1 --port "$server_port" --connections "$conns" --duration "${d}s" \
    --warmup "${warmup}s" --mix "$mix" --id-prefix "bench-$name-$$-$RANDOM" >"$out" 2>&1
  local rc=$?
  t1=$(proc_ticks "$server_pid")
  m1=$(machine_ticks)
  g1=$(pg_ticks)
  w1=$(date +%s.%N)
  el=$(awk -v a="$w0" -v b="$w1" 'BEGIN { print b - a }')
  cat "$out"
  [ "$rc" = 0 ] || log "$name: resonate_bench exited with status $rc (errors above)"
  parse_result "$name" "$out"
  if kill -0 "$server_pid" 2>/dev/null; then
    R["$name.server_cpu_pct"]=$(awk -v a="$t0" -v b="$t1" -v t="$clk_tck" -v s="$el" \
      'BEGIN { printf "%.0f", 100 * (b - a) / t / s }')
  else
    R["$name.server_cpu_pct"]=0
    R["$name.died"]=1
    log "$name: THE SERVER EXITED during the phase; its stderr:"
    tail -20 "$work/${name%_*}.stderr" >&2
  fi
  R["$name.machine_cpu_pct"]=$(awk -v a="$m0" -v b="$m1" -v t="$clk_tck" -v s="$el" \
    'BEGIN { printf "%.0f", 100 * (b - a) / t / s }')
  R["$name.pg_cpu_pct"]=$(awk -v a="$g0" -v b="$g1" -v t="$clk_tck" -v s="$el" \
    'BEGIN { printf "%.0f", 100 * (b - a) / t / s }')
  # Everything else: kernel work not charged to a process, and other users of the machine.
  R["$name.other_cpu_pct"]=$(awk -v a="${R[$name.machine_cpu_pct]}" -v b="${R[$name.server_cpu_pct]}" \
    -v c="${R[$name.client_cpu_pct]:-0}" -v d="${R[$name.pg_cpu_pct]}" 'BEGIN { v = a - b - c - d; printf "%.0f", v < 0 ? 0 : v }')
  echo "  cpu (% of one core over ${el%.*} s, warm-up included): server ${R[$name.server_cpu_pct]}, load generator" \
    "${R[$name.client_cpu_pct]:-?}, postgres ${R[$name.pg_cpu_pct]}, other ${R[$name.other_cpu_pct]};" \
    "whole machine ${R[$name.machine_cpu_pct]} of $(nproc)00"
  if [ "${R[$name.other_cpu_pct]}" -gt 25 ]; then
    log "WARNING: $name: $(printf %s "${R[$name.other_cpu_pct]}")% of a core went to other processes: figures disturbed"
    disturbed="$disturbed $name"
  fi
}

# tasks NAME WORKERS: task round trips (create with resonate:invoke -> SSE ->
# claim -> complete task -> resolve) by WORKERS workers on keep-alive connections.
tasks() {
  local name=$1 workers=$2 out="$work/$1.out" t0 t1 w0 w1 el
  w0=$(date +%s.%N)
  t0=$(proc_ticks "$server_pid")
  "$task_bin" --port "$server_port" --poll-port "$poll_port" --workers "$workers" --duration "$dur" \
    --warmup "$warmup" --run-id "$name-$$" >"$out" 2>&1
  local rc=$?
  t1=$(proc_ticks "$server_pid")
  w1=$(date +%s.%N)
  el=$(awk -v a="$w0" -v b="$w1" 'BEGIN { print b - a }')
  cat "$out"
  [ "$rc" = 0 ] || log "$name: resonate_task_bench exited with status $rc"
  parse_result "$name" "$out"
  R["$name.server_cpu_pct"]=$(awk -v a="$t0" -v b="$t1" -v t="$clk_tck" -v s="$el" \
    'BEGIN { printf "%.0f", 100 * (b - a) / t / s }')
  echo "  cpu: server ${R[$name.server_cpu_pct]}% of one core over ${el%.*} s"
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# idle NAME N: hold N idle SSE connections; the server's resident memory per connection.
idle() {
  local name=$1 n=$2 out="$work/$1.out" before after
  before=$(rss_kb "$server_pid")
  (ulimit -n 65536 2>/dev/null; "$task_bin" --poll-port "$poll_port" --idle "$n" --hold 6 >"$out" 2>&1) &
  local client=$!
  for _ in $(seq 1 600); do grep -q '^OPEN' "$out" 2>/dev/null && break; sleep 0.1; done
  sleep 2
  after=$(rss_kb "$server_pid")
  wait "$client"
  cat "$out"
  parse_result "$name" "$out"
  R["$name.rss_before_kb"]=$before
  R["$name.rss_after_kb"]=$after
  R["$name.bytes_per_conn"]=$(awk -v a="$before" -v b="$after" -v n="${R[$name.open]:-0}" \
    'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1024 / n; else print "-" }')
  echo "  server RSS ${before} kB -> ${after} kB with ${R[$name.open]:-0} idle SSE connections:" \
    "${R[$name.bytes_per_conn]} bytes each"
}

# schedules NAME SERVER_ARGS...: a server of its own with a metrics port; N schedules
# due in one second, the time to fire them all and the latency of other traffic meanwhile.
schedules() {
  local name=$1 out="$work/$1.out" mport
  shift
  mport=$((20000 + RANDOM % 20000))
  metrics_addr="127.0.0.1:$mport" start_server "$name" "$@" || return 1
  "$sched_bin" --port "$server_port" --metrics-port "$mport" --schedules "$sched_n" --run-id "$name-$$" \
    >"$out" 2>&1 || log "$name: resonate_schedule_bench failed"
  cat "$out"
  parse_result "$name" "$out"
  stop_server "$name"
}

# CPU of a phase's own processes from bash `times` (finished children; it must run in this
# shell, a subshell has no finished children), PostgreSQL's from /proc, the rest is "other".
phase_begin() {
  pm0=$(machine_ticks) pg0=$(pg_ticks) pt0=$(date +%s.%N)
  times >"$work/times"
  pc0=$(tail -1 "$work/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
    printf "%.2f", n }')
}
# phase_end NAME: CPU of the phase's own child processes, PostgreSQL, and everything else.
phase_end() {
  local name=$1 pm1 pg1 pc1 pt1
  pm1=$(machine_ticks) pg1=$(pg_ticks) pt1=$(date +%s.%N)
  times >"$work/times"
  pc1=$(tail -1 "$work/times" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }
    printf "%.2f", n }')
  read -r R["$name.client_cpu_pct"] R["$name.pg_cpu_pct"] R["$name.other_cpu_pct"] < <(awk \
    -v m0="$pm0" -v m1="$pm1" -v g0="$pg0" -v g1="$pg1" -v c0="$pc0" -v c1="$pc1" -v t0="$pt0" -v t1="$pt1" \
    -v hz="$clk_tck" 'BEGIN { s = t1 - t0; c = 100 * (c1 - c0) / s; g = 100 * (g1 - g0) / hz / s;
      o = 100 * (m1 - m0) / hz / s - c - g; printf "%.0f %.0f %.0f\n", c, g, o < 0 ? 0 : o }')
  echo "  cpu (% of one core): this phase's processes ${R[$name.client_cpu_pct]}, postgres ${R[$name.pg_cpu_pct]}," \
    "other ${R[$name.other_cpu_pct]}"
  if [ "${R[$name.other_cpu_pct]}" -gt 25 ]; then
    log "WARNING: $name: ${R[$name.other_cpu_pct]}% of a core went to other processes: figures disturbed"
    disturbed="$disturbed $name"
  fi
}

echo "== machine: $(nproc) cores, $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== build: $build (commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?))"
[ -z "$baseline_bin" ] || echo "== baseline: $baseline_bin (commit $baseline_label)"
if awk '{ exit !($1 > 1.0) }' /proc/loadavg; then
  log "WARNING: 1-minute load average is $(cut -d' ' -f1 /proc/loadavg): something else is busy; figures will be low"
fi

pg_workers=${BENCH_PG_WORKERS:-}

# ---------------------------------------------------------------- SQLite server
if [ -z "$pg_workers" ]; then
echo
echo "== resonate on SQLite (durability process: WAL, synchronous=NORMAL)"
if start_server sqlite --aio-store-sqlite-path "$work/sqlite.db"; then
  load sqlite_ping ping "$ping_dur"
  load sqlite_cc create-complete "$dur"
  load sqlite_cs26 create-settle-2026 "$dur"
  if [ -z "$quick" ]; then
    echo "-- task round trips over the SSE poller"
    tasks sqlite_rt8 8
    tasks sqlite_rt64 64
    echo "-- idle SSE connections"
    idle sqlite_idle 10000
  fi
  stop_server sqlite
fi
if [ -n "$baseline_bin" ]; then
  echo
  echo "== baseline $baseline_label on SQLite (durability process): GET /ping and REST v1 create+complete"
  if bin=$baseline_bin start_server base_sqlite --aio-store-sqlite-path "$work/sqlite-base.db"; then
    load base_sqlite_ping ping "$ping_dur"
    load base_sqlite_cc create-complete "$dur"
    stop_server base_sqlite
  fi
fi
if [ -z "$quick" ]; then
echo
echo "== resonate on SQLite (durability power: WAL, synchronous=FULL)"
if start_server sqlite_power --aio-store-sqlite-path "$work/sqlite-power.db" --aio-store-durability power; then
  load sqlite_power_cc create-complete "$dur"
  load sqlite_power_cs26 create-settle-2026 "$dur"
  stop_server sqlite_power
fi
echo
echo "== $sched_n schedules due in the same second (SQLite)"
schedules sqlite_sched --aio-store-sqlite-path "$work/sqlite-sched.db"
fi  # not quick
rm -f "$work"/sqlite*.db*

# ---------------------------------------------------------------- storage limits
if [ -z "$quick" ]; then
echo
echo "== SQLite storage limits (resonate_storage_bench, same filesystem)"
phase_begin
"$storage_bin" --dir "$work" --seconds 1.5 >"$work/storage.out"
phase_end storage
grep -v '^RESULT' "$work/storage.out"
while read -r line; do
  sync= stmt= mode= rows=
  for kv in $line; do
    case "$kv" in
      sync=*) sync=${kv#*=} ;;
      stmt=*) stmt=${kv#*=} ;;
      mode=*) mode=${kv#*=} ;;
      rows_per_s=*) rows=${kv#*=} ;;
    esac
  done
  R["storage.$sync.$stmt.$mode"]=$rows
done < <(grep '^RESULT ' "$work/storage.out")
fi  # not quick
fi  # not the workers sweep

# ---------------------------------------------------------------- PostgreSQL
pg_conninfo=${RESONATE_TEST_PG:-}
if [ -z "${BENCH_NO_PG:-}" ] && [ -z "$pg_conninfo" ] && [ -x "$root/scripts/pg.sh" ]; then
  echo
  echo "== starting PostgreSQL via scripts/pg.sh"
  pg_was_running=0
  "$root/scripts/pg.sh" status >/dev/null 2>&1 && pg_was_running=1
  if exports=$("$root/scripts/pg.sh" start); then
    eval "$exports"
    pg_conninfo=${RESONATE_TEST_PG:-}
  else
    log "scripts/pg.sh start failed; skipping PostgreSQL"
  fi
fi

pg_ok=0
if [ -z "${BENCH_NO_PG:-}" ] && [ -n "$pg_conninfo" ]; then
  pg_parse_conninfo "$pg_conninfo"
  # A database of our own, so neither the server's migrations nor the pgbench
  # table touch the test database; recreated for every run.
  if pg_recreate_db "$pg_db"; then
    pg_ok=1
  else
    log "PostgreSQL at $pg_conninfo not usable; skipping it"
  fi
fi

if [ "$pg_ok" = 1 ]; then
  pg_args=(--aio-store-postgres-enable --aio-store-postgres-host "$pg_host" --aio-store-postgres-port "$pg_port"
    --aio-store-postgres-username "$pg_user" --aio-store-postgres-database "$pg_db")
fi
if [ "$pg_ok" = 1 ] && [ -n "$pg_workers" ]; then
  for w in $pg_workers; do
    echo
    echo "== resonate on PostgreSQL, $w store workers (connections), durability process"
    pg_recreate_db "$pg_db"
    if start_server "pg_w$w" "${pg_args[@]}" --aio-store-postgres-workers "$w"; then
      load "pg_w${w}_cc" create-complete "$dur"
      load "pg_w${w}_cs26" create-settle-2026 "$dur"
      if [ -z "$quick" ]; then
        echo "-- task round trips over the SSE poller"
        tasks "pg_w${w}_rt64" 64
      fi
      stop_server "pg_w$w"
    fi
  done
  pg_drop_db "$pg_db"
elif [ "$pg_ok" = 1 ]; then
  echo
  echo "== resonate on PostgreSQL ($pg_host:$pg_port/$pg_db, durability process: synchronous_commit=off)"
  if start_server pg "${pg_args[@]}"; then
    load pg_ping ping "$ping_dur"
    load pg_cc create-complete "$dur"
    load pg_cs26 create-settle-2026 "$dur"
    if [ -z "$quick" ]; then
      echo "-- task round trips over the SSE poller"
      tasks pg_rt8 8
      tasks pg_rt64 64
    fi
    stop_server pg
  fi
  if [ -n "$baseline_bin" ]; then
    echo
    echo "== baseline $baseline_label on PostgreSQL (durability process): GET /ping and REST v1 create+complete"
    pg_recreate_db "$pg_db"
    if bin=$baseline_bin start_server base_pg "${pg_args[@]}"; then
      load base_pg_ping ping "$ping_dur"
      load base_pg_cc create-complete "$dur"
      stop_server base_pg
    fi
  fi
fi
if [ "$pg_ok" = 1 ] && [ -z "$pg_workers" ] && [ -z "$quick" ]; then
  echo
  echo "== $sched_n schedules due in the same second (PostgreSQL)"
  pg_recreate_db "$pg_db"
  schedules pg_sched "${pg_args[@]}"
  echo
  echo "== resonate on PostgreSQL (durability power: synchronous_commit=on)"
  if start_server pg_power "${pg_args[@]}" --aio-store-durability power; then
    load pg_power_cc create-complete "$dur"
    load pg_power_cs26 create-settle-2026 "$dur"
    stop_server pg_power
  fi

  # pgbench: one INSERT of a promise row per transaction, into the server's own
  # promises table (created by its embedded migrations in this database above),
  # so both figures pay for the same table and indexes.
  cat >"$work/insert.sql" <<'SQL'
INSERT INTO promises (id, state, param_headers, param_data, timeout, tags, created_on)
VALUES (gen_random_uuid()::text, 1, '{}', '\x7b7d'::bytea,
        (extract(epoch from now()) * 1000)::bigint + 3600000, '{}', (extract(epoch from now()) * 1000)::bigint);
SQL
  for sc in on off; do
    echo
    echo "== pgbench: one INSERT per transaction, -c $conns -j 2 -T $pgb_dur, synchronous_commit=$sc"
    phase_begin
    PGOPTIONS="-c synchronous_commit=$sc" "$pg_bin/pgbench" -n -h "$pg_host" -p "$pg_port" -U "$pg_user" \
      -c "$conns" -j 2 -T "$pgb_dur" -f "$work/insert.sql" "$pg_db" >"$work/pgbench-$sc.out" 2>&1
    phase_end "pgbench_$sc"
    grep -E 'number of (transactions actually processed|failed)|latency average|^tps' "$work/pgbench-$sc.out"
    R["pgbench.$sc.tps"]=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench-$sc.out" | head -1 | awk '{printf "%.0f", $1}')
    [ -n "${R[pgbench.$sc.tps]}" ] || { log "pgbench ($sc) failed:"; tail -5 "$work/pgbench-$sc.out" >&2; }
  done
fi
if [ "$pg_ok" = 1 ] && [ -z "$pg_workers" ]; then
  pg_drop_db "$pg_db"
fi
if [ "$pg_ok" = 1 ] && [ -n "${BENCH_PG_STOP:-}" ] && [ "${pg_was_running:-1}" = 0 ]; then
  "$root/scripts/pg.sh" stop
fi

# ---------------------------------------------------------------- summary
get() { echo "${R[$1]:-}"; }
ratio() { # ratio A B [C D] -> "A/B" (or "(A/B)/(C/D)") with 2 decimals, or "-"
  local v
  for v in "$@"; do [ -n "$v" ] && [ "$v" != 0 ] || { echo "-"; return; }; done
  if [ $# = 4 ]; then awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { printf "%.2fx", (a / b) / (c / d) }'
  else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; fi
}
row() { # row NAME LABEL
  local n=$1
  printf "  %-44s %9s %8s %8s %8s %7s %5s %5s %5s %5s\n" "$2" "$(get "$n.ops_per_s")" "$(get "$n.p50_ms")" \
    "$(get "$n.p99_ms")" "$(get "$n.max_ms")" "$(get "$n.errors")" "$(get "$n.server_cpu_pct")" \
    "$(get "$n.client_cpu_pct")" "$(get "$n.pg_cpu_pct")" "$(get "$n.other_cpu_pct")"
}

echo
echo "================================================================ summary"
echo "machine: $(nproc) cores; server and load generator share them; $conns keep-alive connections,"
echo "one request in flight each; ${dur}s measured after ${warmup}s warm-up (ping ${ping_dur}s)."
echo "CPU in % of one core ($(nproc)00 in all): srv server, cli load generator, pg PostgreSQL, oth everything else."
printf "  %-44s %9s %8s %8s %8s %7s %5s %5s %5s %5s\n" "" "ops/s" "p50 ms" "p99 ms" "max ms" "errors" "srv" "cli" "pg" "oth"
if [ -n "$pg_workers" ]; then
  for w in $pg_workers; do
    row "pg_w${w}_cc" "PostgreSQL, workers=$w: REST v1 create+complete"
    row "pg_w${w}_cs26" "PostgreSQL, workers=$w: 2026 create+settle"
  done
  echo
  echo "protocol 2026 create+settle / REST v1 create+complete, same server:"
  for w in $pg_workers; do
    printf "  %-44s %9s\n" "PostgreSQL, $w store workers" "$(ratio "$(get "pg_w${w}_cs26.ops_per_s")" "$(get "pg_w${w}_cc.ops_per_s")")"
  done
  [ -z "$quick" ] || exit 0
  echo
  echo "task round trips, 64 workers (create with resonate:invoke -> SSE -> claim -> complete task -> resolve):"
  for w in $pg_workers; do
    printf "  %-44s %9s trips/s, trip p50 %s ms, p99 %s ms, srv %s%%\n" "PostgreSQL, $w store workers" \
      "$(get "pg_w${w}_rt64.rate")" "$(get "pg_w${w}_rt64.trip_p50_ms")" "$(get "pg_w${w}_rt64.trip_p99_ms")" \
      "$(get "pg_w${w}_rt64.server_cpu_pct")"
  done
  exit 0
fi
store_rows() { # store_rows PREFIX LABEL: this build's rows on one store, then the baseline's
  local p=$1 l=$2
  row "${p}_ping" "$l server: GET /ping"
  row "${p}_cc" "$l: REST v1 create+complete (process)"
  row "${p}_cs26" "$l: 2026 create+settle (process)"
  if [ -z "$quick" ]; then
    row "${p}_power_cc" "$l: REST v1 create+complete (power)"
    row "${p}_power_cs26" "$l: 2026 create+settle (power)"
  fi
  if [ -n "$baseline_bin" ]; then
    row "base_${p}_ping" "$l, baseline $baseline_label: GET /ping"
    row "base_${p}_cc" "$l, baseline: REST v1 create+complete"
  fi
}
store_rows sqlite SQLite
[ "$pg_ok" != 1 ] || store_rows pg PostgreSQL
echo
echo "both protocols, $conns connections, process durability (ops/s; x = / the same server's GET /ping):"
printf "  %-28s %9s %18s %18s %10s\n" "" "ping/s" "REST v1 c+c" "2026 create+settle" "2026/v1"
prow() { # prow PREFIX LABEL
  local p=$1 ping cc cs
  ping=$(get "${p}_ping.ops_per_s") cc=$(get "${p}_cc.ops_per_s") cs=$(get "${p}_cs26.ops_per_s")
  printf "  %-28s %9s %18s %18s %10s\n" "$2" "$ping" "${cc:--}${cc:+ ($(ratio "$cc" "$ping"))}" \
    "${cs:--}${cs:+ ($(ratio "$cs" "$ping"))}" "$(ratio "$cs" "$cc")"
}
prow sqlite "SQLite, this build"
[ -z "$baseline_bin" ] || prow base_sqlite "SQLite, baseline $baseline_label"
if [ "$pg_ok" = 1 ]; then
  prow pg "PostgreSQL, this build"
  [ -z "$baseline_bin" ] || prow base_pg "PostgreSQL, baseline $baseline_label"
fi
if [ -n "$baseline_bin" ]; then
  printf "  %-62s %s\n" "SQLite REST v1 ratio to ping, this build / baseline" \
    "$(ratio "$(get sqlite_cc.ops_per_s)" "$(get sqlite_ping.ops_per_s)" \
      "$(get base_sqlite_cc.ops_per_s)" "$(get base_sqlite_ping.ops_per_s)")"
fi
if [ -n "$quick" ]; then
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (includes this run's own processes)"
  [ -z "$disturbed" ] || echo "WARNING: other processes used the CPU during:$disturbed -- rerun on an idle machine"
  exit 0
fi
echo
echo "task round trips (create with resonate:invoke -> SSE message -> claim -> complete task -> resolve):"
printf "  %-30s %9s %9s %9s %14s %14s %5s\n" "" "trips/s" "p50 ms" "p99 ms" "msg p50 ms" "msg p99 ms" "srv"
trow() {
  printf "  %-30s %9s %9s %9s %14s %14s %5s\n" "$2" "$(get "$1.rate")" "$(get "$1.trip_p50_ms")" \
    "$(get "$1.trip_p99_ms")" "$(get "$1.msg_after_ack_p50_ms")" "$(get "$1.msg_after_ack_p99_ms")" \
    "$(get "$1.server_cpu_pct")"
}
trow sqlite_rt8 "SQLite, 8 workers"
trow sqlite_rt64 "SQLite, 64 workers"
if [ "$pg_ok" = 1 ]; then
  trow pg_rt8 "PostgreSQL, 8 workers"
  trow pg_rt64 "PostgreSQL, 64 workers"
fi
echo "  (msg = create acknowledged, i.e. committed -> the SSE event at the worker; 0 if the event came first)"
echo "  idle SSE connections: $(get sqlite_idle.open) open, server RSS $(get sqlite_idle.rss_before_kb) kB ->" \
  "$(get sqlite_idle.rss_after_kb) kB: $(get sqlite_idle.bytes_per_conn) bytes per connection"
echo
echo "schedules due in the same second (fire = from that second until every promise exists; probes"
echo "= POST /promises and GET /promises/id in a closed loop on 4 connections while they fire):"
printf "  %-20s %10s %10s %10s %12s %12s %12s\n" "" "schedules" "create s" "fire s" "probe p50" "probe p99" "probe max"
srow() {
  printf "  %-20s %10s %10s %10s %12s %12s %12s\n" "$2" "$(get "$1.schedules")" "$(get "$1.create_s")" \
    "$(get "$1.fire_s")" "$(get "$1.probe_p50_ms")" "$(get "$1.probe_p99_ms")" "$(get "$1.probe_max_ms")"
}
srow sqlite_sched "SQLite"
[ "$pg_ok" = 1 ] && srow pg_sched "PostgreSQL"
echo
echo "storage limits (rows/s):"
printf "  %-44s %9s\n" "SQLite NORMAL insert, commit each" "$(get storage.NORMAL.insert.commit-each)"
printf "  %-44s %9s\n" "SQLite NORMAL insert, 64 per txn" "$(get storage.NORMAL.insert.batch-64)"
printf "  %-44s %9s\n" "SQLite NORMAL insert, 1000 per txn" "$(get storage.NORMAL.insert.batch-1000)"
printf "  %-44s %9s\n" "SQLite NORMAL insert+update, commit each" "$(get storage.NORMAL.insert+update.commit-each)"
printf "  %-44s %9s\n" "SQLite FULL insert, commit each" "$(get storage.FULL.insert.commit-each)"
printf "  %-44s %9s\n" "SQLite FULL insert, 64 per txn" "$(get storage.FULL.insert.batch-64)"
printf "  %-44s %9s\n" "SQLite FULL insert, 1000 per txn" "$(get storage.FULL.insert.batch-1000)"
if [ "$pg_ok" = 1 ]; then
  printf "  %-44s %9s\n" "pgbench INSERT/txn, -c $conns, sync_commit=on" "$(get pgbench.on.tps)"
  printf "  %-44s %9s\n" "pgbench INSERT/txn, -c $conns, sync_commit=off" "$(get pgbench.off.tps)"
fi
printf "  %-44s %s\n" "CPU during the SQLite storage phase" \
  "bench $(get storage.client_cpu_pct), other $(get storage.other_cpu_pct) (% of one core)"
if [ "$pg_ok" = 1 ]; then
  for sc in on off; do
    printf "  %-44s %s\n" "CPU during pgbench sync_commit=$sc" "pgbench $(get "pgbench_$sc.client_cpu_pct"),\
 postgres $(get "pgbench_$sc.pg_cpu_pct"), other $(get "pgbench_$sc.other_cpu_pct")"
  done
fi
echo
echo "ratios:"
s_cc=$(get sqlite_cc.ops_per_s) s_pw=$(get sqlite_power_cc.ops_per_s)
printf "  %-62s %s\n" "SQLite server ops/s / its GET /ping rate" "$(ratio "$s_cc" "$(get sqlite_ping.ops_per_s)")"
printf "  %-62s %s\n" "SQLite server ops/s (process) / NORMAL commit-each inserts/s" \
  "$(ratio "$s_cc" "$(get storage.NORMAL.insert.commit-each)")"
printf "  %-62s %s\n" "SQLite server ops/s (process) / NORMAL commit-each ins+upd/s" \
  "$(ratio "$s_cc" "$(get storage.NORMAL.insert+update.commit-each)")"
printf "  %-62s %s\n" "SQLite server ops/s (power) / FULL commit-each inserts/s" \
  "$(ratio "$s_pw" "$(get storage.FULL.insert.commit-each)")"
if [ "$pg_ok" = 1 ]; then
  p_cc=$(get pg_cc.ops_per_s) p_pw=$(get pg_power_cc.ops_per_s)
  printf "  %-62s %s\n" "PostgreSQL server ops/s / its GET /ping rate" "$(ratio "$p_cc" "$(get pg_ping.ops_per_s)")"
  printf "  %-62s %s\n" "PostgreSQL server ops/s (process) / pgbench TPS (sync off)" \
    "$(ratio "$p_cc" "$(get pgbench.off.tps)")"
  printf "  %-62s %s\n" "PostgreSQL server ops/s (power) / pgbench TPS (sync on)" \
    "$(ratio "$p_pw" "$(get pgbench.on.tps)")"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (includes this run's own processes)"
if [ -n "$disturbed" ]; then
  echo "WARNING: other processes used the CPU during:$disturbed -- rerun on an idle machine"
fi
