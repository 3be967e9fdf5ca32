// POST /locks/acquire|release|heartbeat and the background TimeoutLocks (REST v1
// 4.9). Each is one store command: the upsert and the deletes decide by
// themselves, so there is nothing to read first and no race to retry.
#include "kernel/coroutines/coroutines.hpp"
#include "kernel/domain/lock.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

namespace {

/// The rows the one command of a transaction altered, or the failure response.
task<std::variant<int64_t, q::response>> alter_one(context& c, q::store_command cmd) {
  auto io = c.store(q::store_transaction{std::nullopt, {std::move(cmd)}});
  auto done = co_await io;
  if (auto failure = store_failure(done)) co_return std::move(*failure);
  co_return std::get<q::alter_result>(done.store().results.at(0)).rows_affected;
}

}  // namespace

root_task acquire_lock(context& c, q::request r, const settings&) {
  auto req = std::get<q::acquire_lock_request>(std::move(r.payload));
  auto lock = domain::acquired_lock(std::move(req.resource_id), std::move(req.execution_id),
                                    std::move(req.process_id), req.ttl, c.now());
  auto writing = alter_one(c, q::acquire_lock_cmd{lock});
  auto written = co_await std::move(writing);
  if (auto* failure = std::get_if<q::response>(&written)) co_return std::move(*failure);
  if (std::get<int64_t>(written) == 0) {
    co_return q::response::failure(q::status::lock_already_acquired);
  }
  co_return q::response{q::status::created, q::lock_response{std::move(lock)}, {}};
}

root_task release_lock(context& c, q::request r, const settings&) {
  auto req = std::get<q::release_lock_request>(std::move(r.payload));
  auto deleting =
    alter_one(c, q::release_lock_cmd{std::move(req.resource_id), std::move(req.execution_id)});
  auto deleted = co_await std::move(deleting);
  if (auto* failure = std::get_if<q::response>(&deleted)) co_return std::move(*failure);
  if (std::get<int64_t>(deleted) == 0) co_return q::response::failure(q::status::lock_not_found);
  co_return q::response{q::status::no_content, q::empty_response{}, {}};
}

root_task heartbeat_locks(context& c, q::request r, const settings&) {
  auto req = std::get<q::heartbeat_locks_request>(std::move(r.payload));
  auto updating = alter_one(c, q::heartbeat_locks_cmd{std::move(req.process_id), c.now()});
  auto updated = co_await std::move(updating);
  if (auto* failure = std::get_if<q::response>(&updated)) co_return std::move(*failure);
  co_return q::response{q::status::ok, q::count_response{std::get<int64_t>(updated)}, {}};
}

root_task timeout_locks(context& c, const settings&) {
  auto deleting = alter_one(c, q::timeout_locks_cmd{c.now()});
  auto deleted = co_await std::move(deleting);
  if (auto* failure = std::get_if<q::response>(&deleted)) co_return std::move(*failure);
  co_return q::response{q::status::ok, q::count_response{std::get<int64_t>(deleted)}, {}};
}

}  // namespace resonate::kernel::coroutines
