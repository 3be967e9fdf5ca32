#include "tests/support/scratch_store.hpp"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

namespace resonate::test {

std::string to_string(store_kind k) { return k == store_kind::sqlite ? "sqlite" : "postgres"; }

scratch_store::scratch_store(store_kind kind) : kind_(kind) {
  if (kind_ == store_kind::sqlite) {
    char tmpl[] = "/tmp/resonate-it-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  } else {
    auto ci = test_pg_conninfo();
    if (!ci) throw std::runtime_error("RESONATE_TEST_PG is not set");
    pg_ = std::make_unique<pg_scratch_db>(*ci);
  }
}

scratch_store::~scratch_store() {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::vector<std::string> scratch_store::server_args() const {
  if (pg_) return pg_->server_args();
  return {"--aio-store-sqlite-path", dir_ + "/resonate.db"};
}

std::vector<std::string> scratch_store::query(const std::string& sql) const {
  if (pg_) return pg_->query(sql);
  sqlite3* db = nullptr;
  std::string path = dir_ + "/resonate.db";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "?";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    std::string msg = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error("SQLite: " + sql + ": " + msg);
  }
  std::vector<std::string> rows;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      if (i) row.push_back('|');
      const unsigned char* t = sqlite3_column_text(st, i);
      if (t) row.append(reinterpret_cast<const char*>(t));
    }
    rows.push_back(std::move(row));
  }
  std::string msg = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (!msg.empty()) throw std::runtime_error("SQLite: " + sql + ": " + msg);
  return rows;
}

}  // namespace resonate::test
