#include "tests/support/pg_scratch.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>

namespace resonate::test {

namespace {

using conn_ptr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

std::string quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

conn_ptr connect(const std::string& host, const std::string& port, const std::string& user,
                 const std::string& password, const std::string& db) {
  std::string ci = "host=" + quote(host) + " port=" + quote(port) + " user=" + quote(user) +
                   " dbname=" + quote(db) + " connect_timeout=10";
  if (!password.empty()) ci += " password=" + quote(password);
  conn_ptr c{PQconnectdb(ci.c_str()), &PQfinish};
  if (PQstatus(c.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to PostgreSQL (" + db +
                             "): " + PQerrorMessage(c.get()));
  }
  return c;
}

std::vector<std::string> exec(PGconn* c, const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r{PQexec(c, sql.c_str()), &PQclear};
  auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    throw std::runtime_error("PostgreSQL: " + sql + ": " + PQerrorMessage(c));
  }
  std::vector<std::string> rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::string row;
    for (int j = 0; j < PQnfields(r.get()); ++j) {
      if (j) row.push_back('|');
      row.append(PQgetvalue(r.get(), i, j));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::optional<std::string> test_pg_conninfo() {
  const char* v = std::getenv("RESONATE_TEST_PG");
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

pg_scratch_db::pg_scratch_db(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (!opts) {
    std::string msg = err ? err : "?";
    PQfreemem(err);
    throw std::runtime_error("bad RESONATE_TEST_PG: " + msg);
  }
  for (auto* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    std::string k = o->keyword;
    if (k == "host" || k == "hostaddr") host_ = o->val;
    else if (k == "port") port_ = o->val;
    else if (k == "user") user_ = o->val;
    else if (k == "password") password_ = o->val;
    else if (k == "dbname") admin_db_ = o->val;
  }
  PQconninfoFree(opts);
  if (host_.empty()) host_ = "127.0.0.1";
  if (port_.empty()) port_ = "5432";
  if (user_.empty()) user_ = "postgres";
  if (admin_db_.empty()) admin_db_ = "postgres";

  std::random_device rd;
  std::mt19937_64 rng(rd());
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  name_ = "resonate_it_";
  for (int i = 0; i < 12; ++i) name_.push_back(alphabet[rng() % 36]);
  auto c = connect(host_, port_, user_, password_, admin_db_);
  exec(c.get(), "CREATE DATABASE " + name_);
}

pg_scratch_db::~pg_scratch_db() {
  try {
    auto c = connect(host_, port_, user_, password_, admin_db_);
    exec(c.get(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
    // A leftover scratch database is harmless.
  }
}

std::vector<std::string> pg_scratch_db::server_args() const {
  std::vector<std::string> a = {"--aio-store-postgres-enable",
                                "--aio-store-postgres-host",     host_,
                                "--aio-store-postgres-port",     port_,
                                "--aio-store-postgres-username", user_,
                                "--aio-store-postgres-database", name_};
  if (!password_.empty()) {
    a.push_back("--aio-store-postgres-password");
    a.push_back(password_);
  }
  return a;
}

std::vector<std::string> pg_scratch_db::query(const std::string& sql) const {
  auto c = connect(host_, port_, user_, password_, name_);
  return exec(c.get(), sql);
}

}  // namespace resonate::test
