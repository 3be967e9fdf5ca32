#pragma once

// `resonate migrate status|dry-run|up`: the schema version of the local store
// (chosen by the same configuration as `serve`) against the migrations
// embedded in this binary. Works on the database directly, not over HTTP.

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace resonate::cli {

/// The database cannot be opened or read (exit code 3).
struct store_unreachable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct migration_status {
  std::string store;                     ///< "sqlite <path>" or "postgres <host>:<port>/<db>"
  int64_t current = 0;                   ///< highest version recorded in the migrations table
  int64_t latest = 0;                    ///< highest version embedded in this binary
  std::vector<std::string> applied;      ///< file names of versions 1..current
  std::vector<std::string> pending;      ///< file names of versions current+1..latest
  std::vector<std::string> pending_sql;  ///< their SQL, in the same order
};

/// Reads the recorded version without changing anything (a missing SQLite file
/// is version 0 and is not created). Throws store_unreachable, or
/// std::runtime_error when the database is newer than the binary.
migration_status read_migration_status(const config::config& cfg);

/// Applies the pending migrations in one transaction (as `serve` does at start)
/// and returns the status before. Throws like read_migration_status.
migration_status apply_migrations(const config::config& cfg);

/// Prints a status: store, current and latest version, applied and pending files.
void print_migration_status(const migration_status& s, std::ostream& out);

}  // namespace resonate::cli
