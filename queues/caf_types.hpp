#pragma once

// The one place where the contract meets CAF: inspect() overloads for every type
// that crosses an actor boundary, and the single type-ID block. Every node must
// register this block so that remote messages carry identical type names.

#include <caf/all.hpp>

#include <cstdint>
#include <optional>
#include <variant>

#include "queues/aio.hpp"
#include "queues/api.hpp"
#include "queues/bus.hpp"
#include "queues/records.hpp"

// -- std::optional and std::variant: CAF 0.17 cannot serialise them natively -----
namespace caf {

template <class Inspector, class T>
std::enable_if_t<Inspector::reads_state, typename Inspector::result_type> inspect(
  Inspector& f, std::optional<T>& x) {
  bool has = x.has_value();
  T tmp = has ? *x : T{};
  return f(has, tmp);
}

template <class Inspector, class T>
std::enable_if_t<Inspector::writes_state, typename Inspector::result_type> inspect(
  Inspector& f, std::optional<T>& x) {
  bool has = false;
  T tmp{};
  auto load = meta::load_callback([&]() -> error {
    if (has)
      x = std::move(tmp);
    else
      x.reset();
    return none;
  });
  return f(has, tmp, load);
}

namespace detail {
template <class Variant, size_t I = 0>
void emplace_by_index(Variant& v, size_t index) {
  if constexpr (I < std::variant_size_v<Variant>) {
    if (index == I)
      v.template emplace<I>();
    else
      emplace_by_index<Variant, I + 1>(v, index);
  }
}
}  // namespace detail

template <class Inspector, class... Ts>
std::enable_if_t<Inspector::reads_state, typename Inspector::result_type> inspect(
  Inspector& f, std::variant<Ts...>& x) {
  uint8_t index = static_cast<uint8_t>(x.index());
  if (auto err = f(index)) return err;
  return std::visit([&](auto& alt) { return f(alt); }, x);
}

template <class Inspector, class... Ts>
std::enable_if_t<Inspector::writes_state, typename Inspector::result_type> inspect(
  Inspector& f, std::variant<Ts...>& x) {
  uint8_t index = 0;
  if (auto err = f(index)) return err;
  if (index >= sizeof...(Ts))
    return make_error(sec::invalid_argument, "variant index out of range");
  detail::emplace_by_index(x, index);
  return std::visit([&](auto& alt) { return f(alt); }, x);
}

}  // namespace caf

namespace resonate::queues {

#define RESONATE_INSPECT(type, ...)                                          \
  template <class Inspector>                                                 \
  typename Inspector::result_type inspect(Inspector& f, type& x) {           \
    return f(caf::meta::type_name("resonate::queues::" #type), __VA_ARGS__); \
  }

#define RESONATE_INSPECT_EMPTY(type)                             \
  template <class Inspector>                                     \
  typename Inspector::result_type inspect(Inspector& f, type&) { \
    return f(caf::meta::type_name("resonate::queues::" #type));  \
  }

RESONATE_INSPECT(value, x.headers, x.data, x.headers_present, x.data_present)
RESONATE_INSPECT(promise_record, x.id, x.state, x.param, x.val, x.timeout,
                 x.idempotency_key_for_create, x.idempotency_key_for_complete, x.tags, x.created_on,
                 x.completed_on, x.sort_id)
RESONATE_INSPECT(message, x.type, x.head, x.root, x.leaf)
RESONATE_INSPECT(callback_record, x.id, x.promise_id, x.root_promise_id, x.recv, x.mesg, x.timeout,
                 x.created_on)
RESONATE_INSPECT(task_record, x.id, x.process_id, x.state, x.root_promise_id, x.recv, x.mesg,
                 x.timeout, x.counter, x.attempt, x.ttl, x.expires_at, x.created_on, x.completed_on,
                 x.sort_id)
RESONATE_INSPECT(schedule_record, x.id, x.description, x.cron, x.tags, x.promise_id,
                 x.promise_timeout, x.promise_param, x.promise_tags, x.last_run_time,
                 x.next_run_time, x.idempotency_key, x.created_on, x.sort_id)
RESONATE_INSPECT(lock_record, x.resource_id, x.execution_id, x.process_id, x.ttl, x.expires_at)
RESONATE_INSPECT(fence, x.task_id, x.task_counter)
RESONATE_INSPECT(task26_record, x.id, x.state, x.version, x.address, x.pid, x.ttl, x.resumes,
                 x.timer, x.timer_at)
RESONATE_INSPECT(outbox_message, x.id, x.version, x.address, x.promise)
RESONATE_INSPECT(promise_timeout26, x.id, x.timeout)
RESONATE_INSPECT(callback26, x.awaiter, x.awaited)
RESONATE_INSPECT(listener26, x.promise_id, x.address)

RESONATE_INSPECT(read_promise_request, x.id)
RESONATE_INSPECT(search_promises_request, x.id, x.states, x.tags, x.limit, x.sort_id)
RESONATE_INSPECT(create_promise_request, x.id, x.idempotency_key, x.strict, x.param, x.timeout,
                 x.tags, x.fence_token, x.trace)
RESONATE_INSPECT(create_promise_and_task_request, x.promise, x.process_id, x.ttl)
RESONATE_INSPECT(complete_promise_request, x.id, x.idempotency_key, x.strict, x.state, x.val,
                 x.fence_token)
RESONATE_INSPECT(create_callback_request, x.id, x.promise_id, x.root_promise_id, x.recv, x.mesg,
                 x.timeout, x.fence_token)
RESONATE_INSPECT(claim_task_request, x.id, x.counter, x.process_id, x.ttl)
RESONATE_INSPECT(complete_task_request, x.id, x.counter)
RESONATE_INSPECT(drop_task_request, x.id, x.counter)
RESONATE_INSPECT(heartbeat_tasks_request, x.process_id)
RESONATE_INSPECT(acquire_lock_request, x.resource_id, x.execution_id, x.process_id, x.ttl)
RESONATE_INSPECT(release_lock_request, x.resource_id, x.execution_id)
RESONATE_INSPECT(heartbeat_locks_request, x.process_id)
RESONATE_INSPECT(create_schedule_request, x.id, x.description, x.cron, x.tags, x.promise_id,
                 x.promise_timeout, x.promise_param, x.promise_tags, x.idempotency_key)
RESONATE_INSPECT(read_schedule_request, x.id)
RESONATE_INSPECT(search_schedules_request, x.id, x.tags, x.limit, x.sort_id)
RESONATE_INSPECT(delete_schedule_request, x.id)
RESONATE_INSPECT_EMPTY(ready_request)
RESONATE_INSPECT(promise26_get_request, x.id, x.debug_time)
RESONATE_INSPECT(promise26_create_request, x.id, x.param, x.timeout_at, x.tags, x.debug_time)
RESONATE_INSPECT(promise26_settle_request, x.id, x.state, x.val, x.debug_time)
RESONATE_INSPECT(stream_connected_request, x.group, x.id)
RESONATE_INSPECT(task26_get_request, x.id, x.debug_time)
RESONATE_INSPECT(task26_search_request, x.state, x.limit, x.cursor, x.debug_time)
RESONATE_INSPECT(task26_acquire_request, x.id, x.version, x.pid, x.ttl, x.debug_time)
RESONATE_INSPECT(task26_release_request, x.id, x.version, x.debug_time)
RESONATE_INSPECT(task26_fulfill_request, x.id, x.version, x.state, x.val, x.debug_time)
RESONATE_INSPECT(task26_suspend_request, x.id, x.version, x.awaited, x.debug_time)
RESONATE_INSPECT(task26_ref, x.id, x.version)
RESONATE_INSPECT(task26_heartbeat_request, x.pid, x.tasks, x.debug_time)
RESONATE_INSPECT(task26_halt_request, x.id, x.debug_time)
RESONATE_INSPECT(task26_continue_request, x.id, x.debug_time)
RESONATE_INSPECT(task26_create_request, x.pid, x.ttl, x.action, x.debug_time)
RESONATE_INSPECT(task26_fence_request, x.id, x.version, x.create, x.settle, x.debug_time)
RESONATE_INSPECT(promise26_register_callback_request, x.awaited, x.awaiter, x.debug_time)
RESONATE_INSPECT(promise26_register_listener_request, x.awaited, x.address, x.debug_time)
RESONATE_INSPECT(promise26_search_request, x.state, x.tags, x.limit, x.cursor, x.debug_time)
RESONATE_INSPECT(schedule26_get_request, x.id, x.debug_time)
RESONATE_INSPECT(schedule26_create_request, x.id, x.cron, x.promise_id, x.promise_timeout,
                 x.promise_param, x.promise_tags, x.debug_time)
RESONATE_INSPECT(schedule26_delete_request, x.id, x.debug_time)
RESONATE_INSPECT(schedule26_search_request, x.tags, x.limit, x.cursor, x.debug_time)
RESONATE_INSPECT(debug26_request, x.op, x.debug_time)
RESONATE_INSPECT(request, x.request_id, x.payload)

RESONATE_INSPECT_EMPTY(empty_response)
RESONATE_INSPECT(promise_response, x.promise)
RESONATE_INSPECT(search_promises_response, x.promises, x.next)
RESONATE_INSPECT(callback_response, x.callback, x.promise)
RESONATE_INSPECT(task_response, x.task)
RESONATE_INSPECT(count_response, x.affected)
RESONATE_INSPECT(promise_and_task_response, x.promise, x.task)
RESONATE_INSPECT(claimed_task_response, x.task, x.root, x.leaf)
RESONATE_INSPECT(lock_response, x.lock)
RESONATE_INSPECT(schedule_response, x.schedule)
RESONATE_INSPECT(search_schedules_response, x.schedules, x.next)
RESONATE_INSPECT(promise26_response, x.status, x.promise, x.message)
RESONATE_INSPECT(task26_response, x.status, x.message, x.task, x.promise, x.preload)
RESONATE_INSPECT(task26_search_response, x.tasks, x.cursor)
RESONATE_INSPECT(task26_fence_response, x.status, x.message, x.action)
RESONATE_INSPECT(promise26_search_response, x.promises, x.cursor)
RESONATE_INSPECT(schedule26_response, x.status, x.message, x.schedule)
RESONATE_INSPECT(schedule26_search_response, x.schedules, x.cursor)
RESONATE_INSPECT(snapshot26, x.promises, x.promise_timeouts, x.callbacks, x.listeners, x.tasks,
                 x.messages)
RESONATE_INSPECT(debug26_response, x.snap)
RESONATE_INSPECT(response, x.status, x.payload, x.error)

RESONATE_INSPECT(read_promise_cmd, x.id)
RESONATE_INSPECT(read_timedout_promises_cmd, x.time, x.limit)
RESONATE_INSPECT(search_promises_cmd, x.id, x.states, x.tags, x.limit, x.sort_id, x.by_id,
                 x.after_id, x.as_of)
RESONATE_INSPECT(create_task_cmd, x.task)
RESONATE_INSPECT(task26_fence, x.task_id, x.version, x.as_of)
RESONATE_INSPECT(create_promise_cmd, x.id, x.param, x.timeout, x.idempotency_key, x.tags,
                 x.created_on, x.task, x.read_back, x.fence)
RESONATE_INSPECT(update_promise_cmd, x.id, x.state, x.val, x.idempotency_key, x.completed_on,
                 x.timeout_after, x.now, x.read_back, x.fence)
RESONATE_INSPECT_EMPTY(ping_cmd)
RESONATE_INSPECT(create_callback_cmd, x.callback)
RESONATE_INSPECT(read_task_cmd, x.id)
RESONATE_INSPECT(read_enqueueable_tasks_cmd, x.time, x.limit)
RESONATE_INSPECT(read_expired_tasks_cmd, x.time, x.limit)
RESONATE_INSPECT(update_task_cmd, x.id, x.process_id, x.state, x.counter, x.attempt, x.ttl,
                 x.expires_at, x.completed_on, x.current_states, x.current_counter)
RESONATE_INSPECT(heartbeat_tasks_cmd, x.process_id, x.time)
RESONATE_INSPECT(read_lock_cmd, x.resource_id)
RESONATE_INSPECT(acquire_lock_cmd, x.lock)
RESONATE_INSPECT(release_lock_cmd, x.resource_id, x.execution_id)
RESONATE_INSPECT(heartbeat_locks_cmd, x.process_id, x.time)
RESONATE_INSPECT(timeout_locks_cmd, x.time)
RESONATE_INSPECT(read_schedule_cmd, x.id)
RESONATE_INSPECT(search_schedules_cmd, x.id, x.tags, x.limit, x.sort_id, x.by_id, x.after_id)
RESONATE_INSPECT(create_schedule_cmd, x.schedule)
RESONATE_INSPECT(delete_schedule_cmd, x.id)
RESONATE_INSPECT(read_due_schedules_cmd, x.time, x.limit)
RESONATE_INSPECT(update_schedule_cmd, x.id, x.next_run_time, x.current_next_run_time)
RESONATE_INSPECT(query_schedules_result, x.records, x.last_sort_id)
RESONATE_INSPECT(schedule_write_result, x.rows_affected, x.row)
RESONATE_INSPECT(query_promises_result, x.records, x.last_sort_id)
RESONATE_INSPECT(alter_result, x.rows_affected)
RESONATE_INSPECT(promise_write_result, x.rows_affected, x.row, x.tasks_created, x.root_busy,
                 x.messages_queued)
RESONATE_INSPECT(query_tasks_result, x.records)
RESONATE_INSPECT(query_locks_result, x.records)
RESONATE_INSPECT_EMPTY(count_tasks_by_state_cmd)
RESONATE_INSPECT_EMPTY(count_promises_by_state_cmd)
RESONATE_INSPECT(state_counts_result, x.counts)
RESONATE_INSPECT(stream_address, x.group, x.id)
RESONATE_INSPECT(take_outbox_cmd, x.limit, x.connected, x.parked_before)
RESONATE_INSPECT(ack_outbox_cmd, x.messages, x.parked, x.now, x.max_parked)
RESONATE_INSPECT(read_task26_cmd, x.id)
RESONATE_INSPECT(search_tasks26_cmd, x.after_id, x.state, x.limit)
RESONATE_INSPECT(read_branch26_cmd, x.branch, x.except_id)
RESONATE_INSPECT(write_task26_cmd, x.task, x.current_state, x.current_version, x.awaited,
                 x.send_execute, x.drop_execute, x.promise_due_after, x.timer_due_by)
RESONATE_INSPECT(register26_cmd, x.awaited, x.awaiter, x.address)
RESONATE_INSPECT(query_tasks26_result, x.records)
RESONATE_INSPECT(read_due26_cmd, x.now, x.limit)
RESONATE_INSPECT_EMPTY(read_snapshot26_cmd)
RESONATE_INSPECT_EMPTY(reset_store_cmd)
RESONATE_INSPECT(due26_result, x.promises, x.tasks, x.next_at)
RESONATE_INSPECT(snapshot26_result, x.promise_timeouts, x.callbacks, x.listeners)
RESONATE_INSPECT(outbox_result, x.messages)
RESONATE_INSPECT(claim_lease_cmd, x.partition, x.owner, x.epoch, x.ttl_ms)
RESONATE_INSPECT(check_lease_cmd, x.partition, x.epoch)
RESONATE_INSPECT(lease_result, x.epoch)
RESONATE_INSPECT(store_transaction, x.fence_token, x.commands)
RESONATE_INSPECT(store_completion, x.valid, x.results)
RESONATE_INSPECT(route_submission, x.promise_id, x.tags)
RESONATE_INSPECT(route_completion, x.matched, x.recv)
RESONATE_INSPECT(send_submission, x.task, x.promise, x.raw)
RESONATE_INSPECT(send_completion, x.success, x.time_to_retry, x.time_to_claim, x.error)
RESONATE_INSPECT(aio_error, x.code, x.message)
RESONATE_INSPECT(aio_sqe, x.id, x.payload)
RESONATE_INSPECT(aio_cqe, x.id, x.error, x.completion)

#undef RESONATE_INSPECT
#undef RESONATE_INSPECT_EMPTY

}  // namespace resonate::queues

// The API request with its reply callback never leaves the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(resonate::queues::api_sqe)

CAF_BEGIN_TYPE_ID_BLOCK(resonate, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(resonate, (resonate::queues::request))
CAF_ADD_TYPE_ID(resonate, (resonate::queues::response))
CAF_ADD_TYPE_ID(resonate, (resonate::queues::aio_sqe))
CAF_ADD_TYPE_ID(resonate, (resonate::queues::aio_cqe))
CAF_ADD_TYPE_ID(resonate, (std::vector<resonate::queues::aio_sqe>))
CAF_ADD_TYPE_ID(resonate, (std::vector<resonate::queues::aio_cqe>))
CAF_ADD_ATOM(resonate, resonate::queues, tick_atom, "tick")
CAF_ADD_ATOM(resonate, resonate::queues, timer_atom, "timer")
CAF_ADD_ATOM(resonate, resonate::queues, drain_atom, "drain")
CAF_ADD_ATOM(resonate, resonate::queues, stats_atom, "stats")
CAF_END_TYPE_ID_BLOCK(resonate)
