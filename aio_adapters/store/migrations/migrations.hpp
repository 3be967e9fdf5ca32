#pragma once

// The versioned schema migrations embedded in the binary, and the rules for
// applying them. The .sql files under migrations/{sqlite,postgres}/ are the
// source of truth; a build step turns them into embedded_migrations().

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace resonate::aio_adapters::store::migrations {

enum class dialect { sqlite, postgres };

/// One migration file: `NNN_name.sql` and its SQL text (several statements).
struct migration {
  std::string_view file_name;
  std::string_view sql;
};

/// A migration with its version parsed from the file name.
struct versioned_migration {
  int64_t version = 0;
  migration file;
};

/// The migrations compiled into this binary for `d`, sorted by file name.
std::span<const migration> embedded_migrations(dialect d);

/// Parses the versions and checks that they form the gap-free sequence 1..N.
/// Throws std::runtime_error naming the offending file otherwise.
std::vector<versioned_migration> check_sequence(std::span<const migration> files);

/// The migrations to apply to a database whose recorded version is `current`.
/// Throws std::runtime_error when the database is newer than the binary.
std::vector<versioned_migration> pending_migrations(std::span<const migration> files,
                                                    int64_t current);

}  // namespace resonate::aio_adapters::store::migrations
