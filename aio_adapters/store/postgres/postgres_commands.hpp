#pragma once

// The PostgreSQL store's commands, one overload of `run` per command, split by
// family: postgres_promises.cpp, postgres_tasks.cpp, postgres_callbacks.cpp.
// Every command is one prepared statement, so one round trip: PostgreSQL is
// bound by round trips, not by SQL work. Each runs inside the batch
// transaction and throws on failure (the batch runner catches).

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "aio_adapters/store/postgres/pqxx.hpp"
#include "queues/aio.hpp"

namespace resonate::aio_adapters::store::postgres_dialect {

namespace q = resonate::queues;

/// A statement prepared once per connection.
struct prepared_statement {
  const char* name;
  std::string sql;
};

std::span<const prepared_statement> promise_statements();
std::span<const prepared_statement> task_statements();
std::span<const prepared_statement> callback_statements();

// -- promises (postgres_promises.cpp) -------------------------------------------------
q::store_result run(pqxx::transaction_base& tx, const q::read_promise_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::read_timedout_promises_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::search_promises_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::create_promise_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::update_promise_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::ping_cmd& cmd);

// -- tasks (postgres_tasks.cpp) -------------------------------------------------------
q::store_result run(pqxx::transaction_base& tx, const q::read_task_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::read_enqueueable_tasks_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::read_expired_tasks_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::create_task_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::update_task_cmd& cmd);
q::store_result run(pqxx::transaction_base& tx, const q::heartbeat_tasks_cmd& cmd);

/// `SELECT COUNT(*) FROM tasks WHERE id AND counter AND state = CLAIMED` is 1.
bool fence_holds(pqxx::transaction_base& tx, const q::fence& f);

// -- callbacks (postgres_callbacks.cpp) -----------------------------------------------
q::store_result run(pqxx::transaction_base& tx, const q::create_callback_cmd& cmd);

// -- field readers --------------------------------------------------------------------

/// A bytea field as raw bytes (NULL -> "").
inline std::string bytes_of(const pqxx::field& f) {
  if (f.is_null()) return {};
  pqxx::binarystring b(f);
  return b.str();
}

/// A text field (NULL -> "").
inline std::string text_of(const pqxx::field& f) {
  if (f.is_null()) return {};
  return std::string(f.c_str(), f.size());
}

inline std::optional<std::string> optional_text_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return text_of(f);
}

inline std::optional<int64_t> optional_int_of(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}

/// A bytea parameter (sent in binary).
inline pqxx::binarystring bytes_param(const std::string& s) {
  return pqxx::binarystring(s.data(), s.size());
}

}  // namespace resonate::aio_adapters::store::postgres_dialect
