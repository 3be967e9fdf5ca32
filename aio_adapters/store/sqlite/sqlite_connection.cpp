#include "aio_adapters/store/sqlite/sqlite_connection.hpp"

namespace resonate::aio_adapters::store {

void check_sqlite(sqlite3* db, int rc, std::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw sqlite_error(db != nullptr ? sqlite3_extended_errcode(db) : rc, msg);
}

// -- statement ------------------------------------------------------------------------

sqlite_statement::~sqlite_statement() {
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void sqlite_statement::check_bind(int rc) {
  check_sqlite(db_, rc, "sqlite bind");
  ++next_;
}

sqlite_statement& sqlite_statement::bind_int(int64_t v) {
  check_bind(sqlite3_bind_int64(stmt_, next_, v));
  return *this;
}

sqlite_statement& sqlite_statement::bind_text(std::string_view v) {
  // A null pointer would bind NULL; an empty string must stay an empty string.
  check_bind(sqlite3_bind_text64(stmt_, next_, v.empty() ? "" : v.data(), v.size(),
                                 SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

sqlite_statement& sqlite_statement::bind_text(const std::optional<std::string>& v) {
  if (!v) {
    check_bind(sqlite3_bind_null(stmt_, next_));
    return *this;
  }
  return bind_text(std::string_view(*v));
}

sqlite_statement& sqlite_statement::bind_blob(std::string_view v) {
  check_bind(sqlite3_bind_blob64(stmt_, next_, v.empty() ? "" : v.data(), v.size(),
                                 SQLITE_TRANSIENT));
  return *this;
}

sqlite_statement& sqlite_statement::bind_optional_blob(std::optional<std::string_view> v) {
  if (!v) return bind_null();
  return bind_blob(*v);
}

sqlite_statement& sqlite_statement::bind_int(const std::optional<int64_t>& v) {
  if (!v) return bind_null();
  return bind_int(*v);
}

sqlite_statement& sqlite_statement::bind_null() {
  check_bind(sqlite3_bind_null(stmt_, next_));
  return *this;
}

bool sqlite_statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  check_sqlite(db_, rc, "sqlite step");
  return false;
}

void sqlite_statement::run() {
  while (step()) {
  }
}

bool sqlite_statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

int64_t sqlite_statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> sqlite_statement::column_optional_int(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_int(col);
}

std::string sqlite_statement::column_text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> sqlite_statement::column_optional_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_text(col);
}

std::string sqlite_statement::column_blob(int col) const {
  const auto* p = sqlite3_column_blob(stmt_, col);
  if (p == nullptr) return {};
  return std::string(static_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> sqlite_statement::column_optional_blob(int col) const {
  if (is_null(col)) return std::nullopt;
  return column_blob(col);
}

// -- connection -----------------------------------------------------------------------

sqlite_connection::sqlite_connection(const std::string& path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open sqlite database '" + path + "': " +
                      (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw sqlite_error(rc, msg);
  }
  sqlite3_extended_result_codes(db_, 1);
}

sqlite_connection::~sqlite_connection() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close_v2(db_);
}

void sqlite_connection::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw sqlite_error(sqlite3_extended_errcode(db_), "sqlite exec: " + msg);
  }
}

sqlite_statement sqlite_connection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1,
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    check_sqlite(db_, rc, "sqlite prepare");
    it = cache_.emplace(sql, std::unique_ptr<sqlite3_stmt, finalizer>(stmt)).first;
  }
  return sqlite_statement(db_, it->second.get());
}

sqlite_statement sqlite_connection::prepare_once(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, 0, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) sqlite3_finalize(stmt);
  check_sqlite(db_, rc, "sqlite prepare");
  return sqlite_statement(db_, stmt, true);
}

int64_t sqlite_connection::changes() const { return sqlite3_changes64(db_); }

bool sqlite_connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace resonate::aio_adapters::store
