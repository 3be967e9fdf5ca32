# Sourced by the bench scripts: the PostgreSQL they run against.
#   pg_parse_conninfo CONNINFO   sets pg_host, pg_port, pg_user (libpq key=value form)
#   psql_ ARGS...                psql on that cluster (needs pg_bin)
#   pg_recreate_db NAME          drops and creates a database of the benchmark's own
#   pg_drop_db NAME
pg_parse_conninfo() {
  pg_host=127.0.0.1 pg_port=5432 pg_user=postgres
  local kv
  for kv in $1; do
    case "$kv" in
      host=*) pg_host=${kv#*=} ;;
      port=*) pg_port=${kv#*=} ;;
      user=*) pg_user=${kv#*=} ;;
    esac
  done
}
psql_() { "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pg_host" -p "$pg_port" -U "$pg_user" "$@"; }
pg_recreate_db() { psql_ -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null; }
pg_drop_db() { psql_ -d postgres -c "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1; }
