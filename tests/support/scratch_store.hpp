#pragma once
// A fresh, empty store for one server: a SQLite file in a temporary directory,
// or a scratch PostgreSQL database (see pg_scratch.hpp).

#include <memory>
#include <string>
#include <vector>

#include "tests/support/pg_scratch.hpp"

namespace resonate::test {

enum class store_kind { sqlite, postgres };

std::string to_string(store_kind k);

class scratch_store {
 public:
  /// Throws if PostgreSQL is asked for but RESONATE_TEST_PG is unset; check
  /// test_pg_conninfo() first and GTEST_SKIP.
  explicit scratch_store(store_kind kind);
  ~scratch_store();
  scratch_store(const scratch_store&) = delete;
  scratch_store& operator=(const scratch_store&) = delete;

  store_kind kind() const { return kind_; }
  /// `serve` flags selecting this store.
  std::vector<std::string> server_args() const;
  /// Runs one SQL query against the store, bypassing the server, and returns
  /// every row's columns joined by '|' (NULL as "").
  std::vector<std::string> query(const std::string& sql) const;

 private:
  store_kind kind_;
  std::string dir_;  // sqlite only
  std::unique_ptr<pg_scratch_db> pg_;
};

}  // namespace resonate::test
