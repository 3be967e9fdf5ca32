#include "aio_adapters/store/migrations/migrations.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

namespace resonate::aio_adapters::store::migrations {

namespace {

int64_t parse_version(std::string_view file_name) {
  auto digits = file_name.find_first_not_of("0123456789");
  bool named = digits != 0 && digits != std::string_view::npos && file_name[digits] == '_' &&
               file_name.ends_with(".sql");
  int64_t version = 0;
  if (named) {
    auto [ptr, ec] = std::from_chars(file_name.data(), file_name.data() + digits, version);
    named = ec == std::errc{} && ptr == file_name.data() + digits;
  }
  if (!named) {
    throw std::runtime_error("migration file '" + std::string(file_name) +
                             "' is not named NNN_name.sql");
  }
  return version;
}

}  // namespace

std::vector<versioned_migration> check_sequence(std::span<const migration> files) {
  std::vector<versioned_migration> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    auto version = parse_version(f.file_name);
    auto expected = static_cast<int64_t>(out.size()) + 1;
    if (version != expected) {
      throw std::runtime_error("migration '" + std::string(f.file_name) + "' has version " +
                               std::to_string(version) + ", expected " +
                               std::to_string(expected) + " (versions must be 1..N, no gaps)");
    }
    out.push_back({version, f});
  }
  return out;
}

std::vector<versioned_migration> pending_migrations(std::span<const migration> files,
                                                    int64_t current) {
  auto all = check_sequence(files);
  auto latest = static_cast<int64_t>(all.size());
  if (current > latest) {
    throw std::runtime_error("the database schema is at version " + std::to_string(current) +
                             " but this binary knows only up to version " +
                             std::to_string(latest) +
                             "; refusing to start (upgrade the server binary)");
  }
  if (current < 0) throw std::runtime_error("invalid schema version in migrations table");
  return {all.begin() + current, all.end()};
}

}  // namespace resonate::aio_adapters::store::migrations
