#include "tests/store/store_harness.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "aio_adapters/store/postgres/postgres_store.hpp"
#include "aio_adapters/store/postgres/pqxx.hpp"
#include "aio_adapters/store/sqlite/sqlite_store.hpp"

namespace resonate::aio_adapters::store::test {

namespace {

std::atomic<int> counter{0};

std::string unique_suffix() {
  return std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

class sqlite_harness final : public harness {
public:
  explicit sqlite_harness(bool in_memory) : in_memory_(in_memory) {
    if (in_memory_) {
      opts_.path = ":memory:";
    } else {
      dir_ = std::filesystem::temp_directory_path() / ("resonate_store_test_" + unique_suffix());
      std::filesystem::create_directories(dir_);
      opts_.path = (dir_ / "resonate.db").string();
      opts_.busy_timeout_ms = 200;
    }
    store_ = std::make_unique<sqlite_store>(opts_);
  }

  ~sqlite_harness() override {
    store_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  backend kind() const override {
    return in_memory_ ? backend::sqlite_memory : backend::sqlite_file;
  }
  store& get() override { return *store_; }
  void exec_sql(const std::string& sql) override { store_->execute_sql(sql); }
  std::string query_value(const std::string& sql) override { return store_->query_value(sql); }
  bool persistent() const override { return !in_memory_; }
  void reopen() override {
    store_.reset();
    store_ = std::make_unique<sqlite_store>(opts_);
  }
  std::string sqlite_path() const override { return in_memory_ ? std::string{} : opts_.path; }

private:
  bool in_memory_;
  std::filesystem::path dir_;
  sqlite_options opts_;
  std::unique_ptr<sqlite_store> store_;
};

// Each test gets its own schema (first on the store's search_path), so runs
// are independent and can share one database.
class postgres_harness final : public harness {
public:
  explicit postgres_harness(const std::string& base) : admin_(base) {
    schema_ = "store_test_" + unique_suffix();
    {
      pqxx::work tx(admin_);
      tx.exec0("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      tx.exec0("CREATE SCHEMA " + schema_);
      tx.commit();
    }
    opts_.conninfo = with_schema(base);
    store_ = std::make_unique<postgres_store>(opts_);
  }

  ~postgres_harness() override {
    store_.reset();
    try {
      pqxx::work tx(admin_);
      tx.exec0("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      tx.commit();
    } catch (const std::exception&) {
      // best effort; the next run drops it anyway
    }
  }

  backend kind() const override { return backend::postgres; }
  store& get() override { return *store_; }
  void exec_sql(const std::string& sql) override { store_->execute_sql(sql); }
  std::string query_value(const std::string& sql) override { return store_->query_value(sql); }
  bool persistent() const override { return true; }
  void reopen() override {
    store_.reset();
    store_ = std::make_unique<postgres_store>(opts_);
  }
  std::unique_ptr<store> another_store(int64_t idle_in_transaction_timeout_ms) override {
    auto opts = opts_;
    opts.idle_in_transaction_timeout_ms = idle_in_transaction_timeout_ms;
    return std::make_unique<postgres_store>(opts);
  }
  void kill_connection() override {
    pqxx::nontransaction tx(admin_);
    // With a timeout, pg_terminate_backend waits until the backend is gone.
    tx.exec_params(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
      "WHERE application_name = $1 AND pid <> pg_backend_pid()",
      schema_);
  }

private:
  std::string with_schema(const std::string& base) const {
    auto opt = "-csearch_path=" + schema_;
    if (base.rfind("postgres://", 0) == 0 || base.rfind("postgresql://", 0) == 0) {
      auto sep = base.find('?') == std::string::npos ? "?" : "&";
      return base + sep + "options=" + opt + "&application_name=" + schema_;
    }
    return base + " options='" + opt + "' application_name=" + schema_;
  }

  pqxx::connection admin_;
  std::string schema_;
  postgres_options opts_;
  std::unique_ptr<postgres_store> store_;
};

}  // namespace

const char* backend_name(backend b) {
  switch (b) {
    case backend::sqlite_memory:
      return "sqlite_memory";
    case backend::sqlite_file:
      return "sqlite_file";
    case backend::postgres:
      return "postgres";
  }
  return "?";
}

std::optional<std::string> postgres_conninfo() {
  const char* v = std::getenv("RESONATE_TEST_PG");
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::unique_ptr<harness> make_harness(backend b) {
  switch (b) {
    case backend::sqlite_memory:
      return std::make_unique<sqlite_harness>(true);
    case backend::sqlite_file:
      return std::make_unique<sqlite_harness>(false);
    case backend::postgres:
      return std::make_unique<postgres_harness>(postgres_conninfo().value());
  }
  throw std::logic_error("unknown backend");
}

}  // namespace resonate::aio_adapters::store::test
