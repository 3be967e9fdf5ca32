#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for the store tests.
#
#   scripts/pg.sh start [DIR]   init (if needed) and start; prints the export line
#   scripts/pg.sh stop  [DIR]   stop it
#   scripts/pg.sh status [DIR]
#
# DIR defaults to $RESONATE_PG_DIR or /tmp/resonate-pg. The port is chosen at
# run time and kept in DIR/port. Only the `export RESONATE_TEST_PG=...` line goes
# to stdout, so `eval "$(scripts/pg.sh start)"` works.
set -euo pipefail

cmd="${1:-}"
dir="${2:-${RESONATE_PG_DIR:-/tmp/resonate-pg}}"
bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
data="$dir/data"
db=resonate_test

log() { echo "pg.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# PostgreSQL refuses to run as root: use the postgres OS user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

is_running() { [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

print_export() {
  echo "export RESONATE_TEST_PG=\"host=127.0.0.1 port=$1 user=postgres dbname=$db\""
}

wait_ready() {
  local port=$1
  for _ in $(seq 1 60); do
    if as_pg "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then
      return 0
    fi
    sleep 0.5
  done
  die "server on port $port does not accept connections (see $dir/log)"
}

ensure_db() {
  local port=$1 exists
  exists=$(as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>/dev/null || true)
  if [ "$exists" != 1 ]; then
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" >&2
  fi
}

start() {
  [ -x "$bin/initdb" ] || die "$bin/initdb not found (apt-get install postgresql-15)"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (install the postgresql package)"
    install -d -o postgres -g postgres -m 0700 "$dir"
  else
    install -d -m 0700 "$dir"
  fi

  if is_running; then
    local port
    port=$(cat "$dir/port")
    wait_ready "$port"
    ensure_db "$port"
    log "already running on port $port"
    print_export "$port"
    return
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    log "initdb in $data"
    as_pg "$bin/initdb" -D "$data" -A trust -U postgres -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      die "initdb failed (see $dir/initdb.log)"
  fi

  # Pick a free port; if another process takes it before the server binds, retry.
  local port attempt
  for attempt in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    port_in_use "$port" && continue
    if as_pg "$bin/pg_ctl" -D "$data" -l "$dir/log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >&2; then
      echo "$port" >"$dir/port"
      wait_ready "$port"
      ensure_db "$port"
      log "started on port $port (data $data)"
      print_export "$port"
      return
    fi
    log "start on port $port failed (attempt $attempt), trying another port"
  done
  die "could not start PostgreSQL (see $dir/log)"
}

stop() {
  if is_running; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >&2
  else
    log "not running"
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status)
    if is_running; then log "running on port $(cat "$dir/port")"; else log "not running"; exit 3; fi
    ;;
  *) die "usage: $0 {start|stop|status} [DIR]" ;;
esac
