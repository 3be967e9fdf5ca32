// promise.* of protocol 2026-04-01 (spec 1.9, 2.2) still run inside the store
// transaction: search; and get, create and settle, which only the store
// tests still send as a v2026_cmd (the gateway sends them as typed
// operations: kernel/coroutines/promise26.cpp). They go with kernel/v2026/. Create and settle are
// idempotent: an existing id, or a settled promise, answers 200 with what is
// stored.
#include "codecs/protocol_2026/records.hpp"
#include "kernel/v2026/ops.hpp"

namespace resonate::kernel::v2026 {

namespace q = resonate::queues;
namespace json = boost::json;

q::v2026_result promise_get(op& o, const json::object& data) {
  auto p = o.materialise(string_field(data, "id"));
  if (!p) return failure(404, "Promise not found");
  return answer(200, promise_data(*p));
}

q::promise_record create_promise(op& o, const std::string& id, q::value param, int64_t timeout_at,
                                 q::tag_map tags) {
  if (o.now < timeout_at) return o.create(id, std::move(param), timeout_at, std::move(tags), o.now);
  // Created already timed out (spec 2.2): settled at its deadline, created
  // then too; a targeted one's task ends fulfilled and sends nothing.
  q::promise_record probe;
  probe.tags = tags;
  auto state = q::timed_out_state(probe);
  o.create(id, std::move(param), timeout_at, std::move(tags), timeout_at);
  auto settled = o.settle(id, state, q::value{}, timeout_at);
  o.remove_execute(id);
  return settled;
}

q::promise_record create_promise(op& o, const json::object& data) {
  return create_promise(o, string_field(data, "id"), value_field(data, "param"),
                        int_field(data, "timeoutAt"), tags_field(data, "tags"));
}

q::v2026_result promise_create_as_of(op& o, const json::object& data,
                                     const std::optional<q::promise_record>& current) {
  if (current) return answer(200, promise_data(*current));
  return answer(200, promise_data(create_promise(o, data)));
}

q::v2026_result promise_create(op& o, const json::object& data) {
  return promise_create_as_of(o, data, o.materialise(string_field(data, "id")));
}

std::optional<q::promise_record> settle_promise_as_of(op& o, const json::object& data,
                                                      std::optional<q::promise_record> current) {
  if (!current || current->state != q::promise_state::pending) return current;
  auto state = codecs::protocol_2026::settle_state(string_field(data, "state"));
  return o.settle(current->id, state.value_or(q::promise_state::resolved),
                  value_field(data, "value"), o.now);
}

std::optional<q::promise_record> settle_promise(op& o, const json::object& data) {
  return settle_promise_as_of(o, data, o.materialise(string_field(data, "id")));
}

q::v2026_result promise_settle(op& o, const json::object& data) {
  auto p = settle_promise(o, data);
  if (!p) return failure(404, "Promise not found");
  return answer(200, promise_data(*p));
}

/// Ordered by id after the cursor (the last id of the page before), so paging
/// visits every promise that exists throughout exactly once, however many are
/// created meanwhile. States are as of now (spec 2.1) without writing: an
/// overdue pending promise is filtered and shown as timed out, exactly as
/// promise.get would settle it; its chain runs when something touches it.
q::v2026_result promise_search(op& o, const json::object& data) {
  auto limit = search_limit(data, 100);
  auto state = codecs::protocol_2026::promise_state_from_name(string_field(data, "state"));
  q::search_promises_cmd s;
  s.id = "*";
  s.states = state ? q::mask_of(*state) : q::all_promise_states;
  s.tags = tags_field(data, "tags");
  s.limit = limit + 1;
  s.by_id = true;
  s.after_id = string_field(data, "cursor");
  s.as_of = o.now;
  auto r = o.db.run(s);
  auto& rows = std::get<q::query_promises_result>(r).records;
  auto shown = [&](std::string& out, q::promise_record& p) {
    if (p.state == q::promise_state::pending && o.now >= p.timeout) {
      p.state = q::timed_out_state(p);
      p.val = q::value{};
      p.completed_on = p.timeout;
    }
    codecs::protocol_2026::append_promise(out, p);
  };
  return answer(200, page_data("promises", rows, limit, shown));
}

}  // namespace resonate::kernel::v2026
