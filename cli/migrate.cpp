#include "cli/migrate.hpp"

#include <exception>
#include <filesystem>

#include "aio_adapters/store/migrations/migrations.hpp"
#include "aio_adapters/store/postgres/pg_connection.hpp"
#include "aio_adapters/store/sqlite/sqlite_connection.hpp"
#include "aio_adapters/store/store.hpp"

namespace resonate::cli {

namespace {

namespace st = resonate::aio_adapters::store;
namespace mg = resonate::aio_adapters::store::migrations;

bool is_memory(const std::string& path) { return path.empty() || path == ":memory:"; }

// The recorded version; 0 when the database or its migrations table does not exist yet.
int64_t recorded_version(const config::config& cfg) {
  if (cfg.store == config::store_kind::postgres) {
    try {
      st::pg_connection conn(config::postgres_conninfo(cfg.postgres));
      auto exists = conn.exec(st::pg_call{"", "SELECT to_regclass('migrations') IS NOT NULL", {}});
      if (exists.text(0, 0) != "t") return 0;
      return conn.exec(st::pg_call{"", "SELECT COALESCE(MAX(id), 0) FROM migrations", {}})
          .int64(0, 0);
    } catch (const st::pg_error& e) {
      throw store_unreachable("postgres: " + std::string(e.what()));
    }
  }
  const std::string& path = cfg.sqlite.path;
  std::error_code ec;
  if (is_memory(path) || !std::filesystem::exists(path, ec)) return 0;
  try {
    st::sqlite_connection conn(path);
    {
      auto t = conn.prepare_once(
          "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'migrations'");
      if (!t.step() || t.column_int(0) == 0) return 0;
    }
    auto v = conn.prepare_once("SELECT COALESCE(MAX(id), 0) FROM migrations");
    return v.step() ? v.column_int(0) : 0;
  } catch (const st::sqlite_error& e) {
    throw store_unreachable("sqlite " + path + ": " + e.what());
  }
}

std::string describe(const config::config& cfg) {
  if (cfg.store == config::store_kind::postgres) {
    const auto& pg = cfg.postgres;
    return "postgres " + pg.host + ":" + pg.port + "/" + pg.database;
  }
  return "sqlite " + (cfg.sqlite.path.empty() ? std::string(":memory:") : cfg.sqlite.path);
}

mg::dialect dialect_of(const config::config& cfg) {
  return cfg.store == config::store_kind::postgres ? mg::dialect::postgres : mg::dialect::sqlite;
}

}  // namespace

migration_status read_migration_status(const config::config& cfg) {
  migration_status s;
  s.store = describe(cfg);
  const auto files = mg::embedded_migrations(dialect_of(cfg));
  s.current = recorded_version(cfg);
  const auto all = mg::check_sequence(files);
  s.latest = static_cast<int64_t>(all.size());
  for (const auto& m : mg::pending_migrations(files, s.current)) {
    s.pending.emplace_back(m.file.file_name);
    s.pending_sql.emplace_back(m.file.sql);
  }
  for (const auto& m : all) {
    if (m.version <= s.current) s.applied.emplace_back(m.file.file_name);
  }
  return s;
}

migration_status apply_migrations(const config::config& cfg) {
  migration_status before = read_migration_status(cfg);
  // Opening the store applies the pending migrations in one transaction, after
  // checking the sequence: the same code path as `serve`.
  try {
    if (cfg.store == config::store_kind::postgres) {
      st::make_postgres_store(st::postgres_options{config::postgres_conninfo(cfg.postgres)});
    } else {
      st::make_sqlite_store(st::sqlite_options{cfg.sqlite.path});
    }
  } catch (const st::pg_error& e) {
    throw store_unreachable("postgres: " + std::string(e.what()));
  }
  return before;
}

void print_migration_status(const migration_status& s, std::ostream& out) {
  out << "Store:           " << s.store << "\n"
      << "Current version: " << s.current << "\n"
      << "Latest version:  " << s.latest << "\n";
  out << "Applied:";
  if (s.applied.empty()) out << "         (none)";
  out << "\n";
  for (const auto& f : s.applied) out << "  " << f << "\n";
  out << "Pending:";
  if (s.pending.empty()) out << "         (none, up to date)";
  out << "\n";
  for (const auto& f : s.pending) out << "  " << f << "\n";
}

}  // namespace resonate::cli
