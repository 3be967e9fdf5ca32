// POST /tasks/claim|complete|drop|heartbeat (REST v1 4.10). Each reads the task,
// decides with the rules of domain/task.hpp, and writes one update guarded by
// the state and counter it decided on; a lost race starts over.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/task.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

using task_read = std::variant<q::task_record, q::response>;

/// The task, or the response to give instead (404, or a store failure).
task<task_read> read_task(context& c, const std::string& id) {
  auto io = c.store(q::store_transaction{std::nullopt, {q::read_task_cmd{id}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return task_read{std::move(*failure)};
  auto& rows = std::get<q::query_tasks_result>(done.store().results.at(0)).records;
  if (rows.empty()) co_return task_read{q::response::failure(q::status::task_not_found)};
  co_return task_read{std::move(rows.front())};
}

std::optional<q::promise_record> first_promise(q::store_result& r) {
  auto& rows = std::get<q::query_promises_result>(r).records;
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

root_task claim_task(context& c, q::request r, const settings&) {
  auto req = std::get<q::claim_task_request>(std::move(r.payload));
  for (;;) {
    auto reading = read_task(c, req.id);
    auto read = co_await std::move(reading);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto t = std::get<q::task_record>(std::move(read));
    if (auto refused = domain::claim_refusal(t, req.counter))
      co_return q::response::failure(*refused);

    // While the claim is out no other task of its root is handed out
    // (shared_state::roots_held). A claim is never refused for a busy root: a
    // worker may claim from INIT (2.5), as on the reference.
    root_hold hold(c.shared(), t.root_promise_id);
    // The update and the reads of the promises the message names, in one transaction.
    q::store_transaction tx;
    tx.commands.emplace_back(domain::claim_update(t, req.process_id, req.ttl, c.now()));
    tx.commands.emplace_back(q::read_promise_cmd{t.mesg.root});
    bool resume = t.mesg.type == q::message_type::resume;
    if (resume) tx.commands.emplace_back(q::read_promise_cmd{t.mesg.leaf});
    auto io = c.store(std::move(tx));
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    auto& results = done.store().results;
    if (std::get<q::alter_result>(results.at(0)).rows_affected == 0) continue;
    count_tasks("claimed");
    q::claimed_task_response out{std::move(t), first_promise(results.at(1)), std::nullopt};
    if (resume) out.leaf = first_promise(results.at(2));
    co_return q::response{q::status::created, std::move(out), {}};
  }
}

root_task complete_task(context& c, q::request r, const settings&) {
  auto req = std::get<q::complete_task_request>(std::move(r.payload));
  for (;;) {
    auto reading = read_task(c, req.id);
    auto read = co_await std::move(reading);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto t = std::get<q::task_record>(std::move(read));
    if (auto refused = domain::complete_refusal(t, req.counter)) {
      if (*refused == q::status::ok) co_return q::response{q::status::ok, q::task_response{t}, {}};
      co_return q::response::failure(*refused);
    }
    auto io = c.store(q::store_transaction{std::nullopt, {domain::complete_update(t, c.now())}});
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    if (std::get<q::alter_result>(done.store().results.at(0)).rows_affected == 0) continue;
    count_tasks("completed");
    kick_enqueue(c);  // the root's next task (a resume) may now go out
    co_return q::response{q::status::created, q::task_response{std::move(t)}, {}};
  }
}

root_task drop_task(context& c, q::request r, const settings&) {
  auto req = std::get<q::drop_task_request>(std::move(r.payload));
  for (;;) {
    auto reading = read_task(c, req.id);
    auto read = co_await std::move(reading);
    if (auto* failure = std::get_if<q::response>(&read)) co_return std::move(*failure);
    auto t = std::get<q::task_record>(std::move(read));
    if (auto refused = domain::drop_refusal(t, req.counter)) {
      if (*refused == q::status::ok) co_return q::response{q::status::ok, q::task_response{t}, {}};
      co_return q::response::failure(*refused);
    }
    auto io = c.store(q::store_transaction{std::nullopt, {domain::drop_update(t)}});
    auto done = co_await io;
    if (auto failure = store_failure(done)) co_return std::move(*failure);
    if (std::get<q::alter_result>(done.store().results.at(0)).rows_affected == 0) continue;
    count_tasks("dropped");
    kick_enqueue(c);
    co_return q::response{q::status::created, q::task_response{std::move(t)}, {}};
  }
}

root_task heartbeat_tasks(context& c, q::request r, const settings&) {
  auto req = std::get<q::heartbeat_tasks_request>(std::move(r.payload));
  auto io = c.store(
    q::store_transaction{std::nullopt, {q::heartbeat_tasks_cmd{req.process_id, c.now()}}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  auto n = std::get<q::alter_result>(done.store().results.at(0)).rows_affected;
  co_return q::response{q::status::ok, q::count_response{n}, {}};
}

}  // namespace resonate::kernel::coroutines
