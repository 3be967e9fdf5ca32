#pragma once
// Scratch PostgreSQL databases for tests: one fresh database per server, made
// on the cluster named by RESONATE_TEST_PG (a libpq conninfo) and dropped after.

#include <optional>
#include <string>
#include <vector>

namespace resonate::test {

/// RESONATE_TEST_PG, or nullopt when no test PostgreSQL is configured.
std::optional<std::string> test_pg_conninfo();

class pg_scratch_db {
 public:
  /// Creates `resonate_it_<random>` on the cluster in `conninfo`. Throws on failure.
  explicit pg_scratch_db(const std::string& conninfo);
  /// Drops the database (forcing out any connection left).
  ~pg_scratch_db();
  pg_scratch_db(const pg_scratch_db&) = delete;
  pg_scratch_db& operator=(const pg_scratch_db&) = delete;

  const std::string& name() const { return name_; }
  /// `serve` flags that point the server at this database.
  std::vector<std::string> server_args() const;
  /// Runs one SQL statement on this database and returns the columns of every
  /// row joined by '|' (NULL as ""). Throws on failure.
  std::vector<std::string> query(const std::string& sql) const;

 private:
  std::string host_, port_, user_, password_, admin_db_;
  std::string name_;
};

}  // namespace resonate::test
