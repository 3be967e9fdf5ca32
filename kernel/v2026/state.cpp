#include "kernel/v2026/state.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "codecs/json_writer.hpp"
#include "codecs/protocol_2026/records.hpp"
#include "kernel/domain/task26.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
namespace json = boost::json;
using codecs::json_append_int;
using codecs::json_append_string;

// -- rows ---------------------------------------------------------------------------

const std::string& sql_row::text(size_t i) const {
  const auto& c = cols.at(i);
  if (!c) throw std::runtime_error("unexpected NULL in column " + std::to_string(i));
  return *c;
}

int64_t sql_row::int64(size_t i) const {
  return std::stoll(text(i));
}

std::optional<int64_t> sql_row::optional_int64(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return int64(i);
}

namespace {

sql_param opt(const std::optional<int64_t>& v) {
  return v ? sql_param{*v} : sql_param{std::monostate{}};
}
sql_param opt(const std::optional<std::string>& v) {
  return v ? sql_param{*v} : sql_param{std::monostate{}};
}

constexpr std::string_view task_columns =
  "id, state, version, address, pid, ttl, resumes, timer_type, timer_at";

}  // namespace

// -- promises -----------------------------------------------------------------------

std::optional<q::promise_record> op::read_promise(const std::string& id) {
  auto r = db.run(q::read_promise_cmd{id});
  auto& rows = std::get<q::query_promises_result>(r).records;
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::optional<q::promise_record> op::materialise(const std::string& id) {
  return std::move(materialise_all({id}).front());
}

std::vector<std::optional<q::promise_record>> op::materialise_all(
  const std::vector<std::string>& ids) {
  std::vector<q::store_command> reads;
  reads.reserve(ids.size());
  for (const auto& id : ids) reads.emplace_back(q::read_promise_cmd{id});
  auto results = db.run_all(reads);
  std::vector<std::optional<q::promise_record>> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto& rows = std::get<q::query_promises_result>(results.at(i)).records;
    std::optional<q::promise_record> p;
    if (!rows.empty()) p = std::move(rows.front());
    // An id named twice is timed out once: the second sees the first's write.
    if (p && p->state == q::promise_state::pending && now >= p->timeout) {
      bool earlier = std::find(ids.begin(), ids.begin() + static_cast<long>(i), ids[i]) !=
                     ids.begin() + static_cast<long>(i);
      p = earlier ? read_promise(ids[i])
                  : settle(ids[i], q::timed_out_state(*p), q::value{}, p->timeout);
    }
    out.push_back(std::move(p));
  }
  return out;
}

q::promise_record op::settle(const std::string& id, q::promise_state state, q::value val,
                             int64_t settled_at) {
  q::update_promise_cmd u;
  u.id = id;
  u.state = state;
  u.val = std::move(val);
  u.completed_on = settled_at;
  u.now = now;
  u.read_back = true;
  auto r = db.run(u);
  auto& w = std::get<q::promise_write_result>(r);
  if (!w.row) throw std::runtime_error("promise " + id + " vanished while settling");
  outbox = true;  // the chain may have queued executes and unblocks
  return std::move(*w.row);
}

q::promise_record op::create(const std::string& id, q::value param, int64_t timeout_at,
                             q::tag_map tags, int64_t created_at) {
  q::create_promise_cmd c;
  c.id = id;
  c.param = std::move(param);
  c.timeout = timeout_at;
  c.tags = std::move(tags);
  c.created_on = created_at;
  c.read_back = true;
  auto r = db.run(c);
  auto& w = std::get<q::promise_write_result>(r);
  if (!w.row) throw std::runtime_error("promise " + id + " not readable after create");
  outbox = true;                                 // a targeted promise queues its first execute
  if (created_at < timeout_at) arm(timeout_at);  // may be armed (the store's step decides)
  return std::move(*w.row);
}

// -- tasks --------------------------------------------------------------------------

namespace {

task_row task_of(const sql_row& r) {
  task_row t;
  t.id = r.text(0);
  t.state = static_cast<task_state>(r.int64(1));
  t.version = r.int64(2);
  t.address = r.text(3);
  t.pid = r.optional_text(4);
  t.ttl = r.optional_int64(5);
  t.resumes = r.int64(6);
  if (auto type = r.optional_int64(7)) t.timer = static_cast<task26_timer>(*type);
  t.timer_at = r.optional_int64(8);
  return t;
}

}  // namespace

std::optional<task_row> op::read_task(const std::string& id) {
  // Read by a no-op UPDATE: it holds the row until this transaction ends (and
  // reads it as the last writer left it), because the typed task operations
  // (kernel/coroutines/task26.cpp) write tasks without holding their promise;
  // what this operation decides on the task must stay true until it commits.
  auto rows = db.query(
    "UPDATE tasks26 SET version = version WHERE id = $1 RETURNING " + std::string(task_columns),
    {id});
  if (rows.empty()) return std::nullopt;
  return task_of(rows.front());
}

void op::write_task(const task_row& t) {
  if (t.timer_at) arm(*t.timer_at);
  db.query(
    "UPDATE tasks26 SET state = $2, version = $3, pid = $4, ttl = $5, resumes = $6, "
    "timer_type = $7, timer_at = $8 WHERE id = $1",
    {t.id, static_cast<int64_t>(t.state), t.version, opt(t.pid), opt(t.ttl), t.resumes,
     t.timer ? sql_param{static_cast<int64_t>(*t.timer)} : sql_param{std::monostate{}},
     opt(t.timer_at)});
}

void op::enqueue_execute(const std::string& id, int64_t version, const std::string& address) {
  db.query(
    "INSERT INTO outbox_execute26 (id, version, address) VALUES ($1, $2, $3) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version, address = excluded.address",
    {id, version, address});
  outbox = true;
}

void op::remove_execute(const std::string& id) {
  db.query("DELETE FROM outbox_execute26 WHERE id = $1", {id});
}

// -- search pages -------------------------------------------------------------------

int64_t search_limit(const json::object& data, int64_t fallback) {
  return int_field(data, "limit", fallback);
}

void append_cursor(std::string& out, const std::string& id) {
  out += ",\"cursor\":";
  json_append_string(out, id);
}

// -- JSON ---------------------------------------------------------------------------

std::string promise_data(const q::promise_record& p) {
  std::string out = "{\"promise\":";
  codecs::protocol_2026::append_promise(out, p);
  out += '}';
  return out;
}

q::v2026_result answer(uint16_t status, std::string data_json) {
  return q::v2026_result{status, std::move(data_json), false, std::nullopt};
}

q::v2026_result failure(uint16_t status, std::string_view message) {
  std::string text;
  json_append_string(text, message);
  return q::v2026_result{status, std::move(text), false, std::nullopt};
}

// -- request fields -------------------------------------------------------------------

const json::object& object_field(const json::object& o, std::string_view key) {
  static const json::object empty;
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? v->as_object() : empty;
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string{};
}

int64_t int_field(const json::object& o, std::string_view key, int64_t fallback) {
  const auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) {
    auto u = v->as_uint64();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(u);
  }
  if (v->is_double()) {
    double d = std::floor(v->as_double());
    if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
    if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
  }
  return fallback;
}

q::value value_field(const json::object& o, std::string_view key) {
  auto v = codecs::protocol_2026::value_from_json(o.if_contains(key));
  return v ? std::move(*v) : q::value{};
}

q::tag_map tags_field(const json::object& o, std::string_view key) {
  auto t = codecs::protocol_2026::tags_from_json(o.if_contains(key));
  return t ? std::move(*t) : q::tag_map{};
}

}  // namespace resonate::kernel::v2026
