#include "aio_adapters/store/postgres/pg_connection.hpp"

#include <charconv>

namespace resonate::aio_adapters::store {

// -- result ---------------------------------------------------------------------------

int64_t pg_result::affected_rows() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  int64_t v = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), v);
  return v;
}

std::string_view pg_result::text(int row, int col) const {
  if (is_null(row, col)) return {};
  return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
}

std::optional<std::string> pg_result::optional_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return std::string(text(row, col));
}

int64_t pg_result::int64(int row, int col) const {
  auto t = text(row, col);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (is_null(row, col) || ec != std::errc{} || ptr != t.data() + t.size()) {
    throw std::runtime_error("column " + std::to_string(col) + " is not an integer: '" +
                             std::string(t) + "'");
  }
  return v;
}

std::optional<int64_t> pg_result::optional_int64(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return int64(row, col);
}

std::string pg_result::bytes(int row, int col) const {
  auto t = text(row, col);
  if (t.empty()) return {};
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x' || t.size() % 2 != 0) {
    throw std::runtime_error("bytea column " + std::to_string(col) + " is not in hex output");
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::runtime_error("bad hex digit in bytea output");
  };
  std::string out;
  out.resize((t.size() - 2) / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(nibble(t[2 + 2 * i]) << 4 | nibble(t[3 + 2 * i]));
  }
  return out;
}

std::optional<std::string> pg_result::optional_bytes(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return bytes(row, col);
}

// -- params ---------------------------------------------------------------------------

pg_params& pg_params::push(std::optional<std::string> v, int format) {
  lengths_.push_back(v ? static_cast<int>(v->size()) : 0);
  formats_.push_back(format);
  values_.push_back(std::move(v));
  return *this;
}

pg_params& pg_params::add(int64_t v) {
  return push(std::to_string(v), 0);
}
pg_params& pg_params::add(bool v) {
  return push(std::string(v ? "true" : "false"), 0);
}
pg_params& pg_params::add(std::string_view text) {
  return push(std::string(text), 0);
}
pg_params& pg_params::add(const std::optional<std::string>& text) {
  return push(text, 0);
}
pg_params& pg_params::add(const std::optional<int64_t>& v) {
  return v ? add(*v) : push(std::nullopt, 0);
}
pg_params& pg_params::add_bytes(std::string_view bytes) {
  return push(std::string(bytes), 1);
}
pg_params& pg_params::add_optional_bytes(std::optional<std::string_view> bytes) {
  return bytes ? add_bytes(*bytes) : push(std::nullopt, 1);
}

std::vector<const char*> pg_params::values() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->data() : nullptr);
  return out;
}

// -- connection -----------------------------------------------------------------------

namespace {

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using owned_result = std::unique_ptr<PGresult, result_deleter>;

bool failed(ExecStatusType s) {
  return s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_PIPELINE_SYNC;
}

}  // namespace

pg_connection::pg_connection(const std::string& conninfo) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (!ok()) {
    std::string msg = conn_ != nullptr ? PQerrorMessage(conn_) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw pg_error("cannot connect to PostgreSQL: " + msg, true);
  }
}

pg_connection::~pg_connection() {
  PQfinish(conn_);
}

void pg_connection::fail(const std::string& context, const PGresult* r) {
  std::string msg = r != nullptr ? PQresultErrorMessage(r) : "";
  if (msg.empty()) msg = PQerrorMessage(conn_);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  throw pg_error(context + ": " + msg, !ok(), state != nullptr ? state : "");
}

void pg_connection::prepare(const std::string& name, const std::string& sql) {
  owned_result r(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
  if (!r || failed(PQresultStatus(r.get()))) fail("prepare " + name, r.get());
}

void pg_connection::exec_simple(const std::string& sql) {
  owned_result r(PQexec(conn_, sql.c_str()));
  if (!r || failed(PQresultStatus(r.get()))) fail("exec", r.get());
}

pg_result pg_connection::exec(const pg_call& call) {
  auto values = call.params.values();
  PGresult* r = call.sql.empty()
                  ? PQexecPrepared(conn_, call.statement.c_str(), call.params.size(), values.data(),
                                   call.params.lengths(), call.params.formats(), 0)
                  : PQexecParams(conn_, call.sql.c_str(), call.params.size(), nullptr,
                                 values.data(), call.params.lengths(), call.params.formats(), 0);
  if (r == nullptr || failed(PQresultStatus(r))) {
    owned_result owned(r);
    fail(call.sql.empty() ? call.statement : "query", r);
  }
  return pg_result(r);
}

void pg_connection::enter_pipeline() {
  if (PQenterPipelineMode(conn_) != 1) fail("enter pipeline mode");
  outstanding_.clear();
  unsynced_ = false;
}

void pg_connection::send(const pg_call& call, bool internal) {
  auto values = call.params.values();
  int sent = call.sql.empty()
               ? PQsendQueryPrepared(conn_, call.statement.c_str(), call.params.size(),
                                     values.data(), call.params.lengths(), call.params.formats(), 0)
               : PQsendQueryParams(conn_, call.sql.c_str(), call.params.size(), nullptr,
                                   values.data(), call.params.lengths(), call.params.formats(), 0);
  if (sent != 1) fail("send " + (call.sql.empty() ? call.statement : std::string("query")));
  outstanding_.push_back(internal ? entry::internal : entry::result);
  unsynced_ = true;
}

void pg_connection::send_simple_internal(const char* sql) {
  if (PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
    fail(std::string("send ") + sql);
  }
  outstanding_.push_back(entry::internal);
  unsynced_ = true;
}

void pg_connection::sync() {
  if (PQpipelineSync(conn_) != 1) fail("pipeline sync");
  outstanding_.push_back(entry::sync);
  unsynced_ = false;
}

pg_result pg_connection::next(entry e) {
  PGresult* raw = PQgetResult(conn_);
  if (raw == nullptr) fail("pipeline result missing");
  owned_result r(raw);
  auto status = PQresultStatus(raw);
  if (e == entry::sync) {
    if (status != PGRES_PIPELINE_SYNC) fail("pipeline out of step", raw);
    return {};
  }
  // A statement's results end with a null result.
  if (PGresult* end = PQgetResult(conn_); end != nullptr) {
    PQclear(end);
    fail("pipeline out of step");
  }
  if (status == PGRES_PIPELINE_ABORTED) throw pg_error("aborted by an earlier failure", !ok());
  if (failed(status)) fail("statement failed", raw);
  return pg_result(r.release());
}

pg_result pg_connection::receive() {
  if (unsynced_) sync();
  // Consumes up to and including the statement waited for, whatever fails on
  // the way, so that the next receive() stays in step.
  std::optional<pg_error> first;
  while (!outstanding_.empty()) {
    auto e = outstanding_.front();
    outstanding_.pop_front();
    pg_result r;
    try {
      r = next(e);
    } catch (const pg_error& err) {
      if (err.broken()) {
        outstanding_.clear();
        throw;
      }
      if (!first) first = err;
    }
    if (e == entry::result) {
      if (first) throw *first;
      return r;
    }
  }
  throw std::logic_error("pg_connection::receive without a statement sent");
}

void pg_connection::receive_aborted() {
  try {
    receive();
  } catch (const pg_error& e) {
    if (e.broken()) throw;
  }
}

void pg_connection::finish_pipeline() {
  if (unsynced_) sync();
  std::optional<pg_error> first;
  while (!outstanding_.empty()) {
    auto e = outstanding_.front();
    outstanding_.pop_front();
    try {
      next(e);
    } catch (const pg_error& err) {
      if (err.broken()) {
        outstanding_.clear();
        throw;
      }
      if (!first) first = err;
    }
  }
  if (PQexitPipelineMode(conn_) != 1) fail("exit pipeline mode");
  if (first) throw *first;
}

void pg_connection::abandon_pipeline() noexcept {
  try {
    finish_pipeline();
  } catch (const std::exception&) {
    outstanding_.clear();
    if (ok()) PQexitPipelineMode(conn_);
  }
}

}  // namespace resonate::aio_adapters::store
