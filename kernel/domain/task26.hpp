#pragma once

// Task rules of protocol 2026-04-01 (spec 1.9, 2.3, 2.4) as pure functions:
// given the rows an operation read (its promise and task, as they are at the
// operation's time: a promise past its timeout was timed out before), each
// decides the answer and the guarded writes that make it true. The writes
// take effect only while the rows are as read (write_task26_cmd's guard, the
// settle's fence); when one does not, the operation reads again and decides
// again (kernel/coroutines/task26.cpp).
//
// The fence of release, fulfill and suspend is "acquired, its promise still
// pending, and this version" (409 otherwise). A task whose promise settled is
// fulfilled by the store's settlement chain in the same transaction, so the
// task's own state and version are the guard.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "queues/aio.hpp"
#include "queues/api.hpp"
#include "queues/records.hpp"

namespace resonate::kernel::domain {

/// A promise and its task as an operation read them (either may be absent).
struct task26_rows {
  std::optional<queues::promise_record> promise;
  std::optional<queues::task26_record> task;
};

/// What an operation decided: the answer, and what must be written for it to
/// hold. No write and no settle: answer as is.
struct task26_decision {
  queues::task26_response answer;
  std::vector<queues::write_task26_cmd> writes;
  /// task.fulfill: the guarded settle; its row read back is the answer's promise.
  std::optional<queues::update_promise_cmd> settle;
  /// Read the branch after the writes into the answer's preload (spec 2.8):
  /// the branch, and the promise left out of it.
  std::optional<queues::read_branch26_cmd> preload;
  /// A write-first task.acquire: the answer's promise, read after the writes.
  std::optional<queues::read_promise_cmd> promise_after;
  /// task.create: the create, first in the transaction; its row read back is
  /// the answer's promise.
  std::optional<queues::create_promise_cmd> create;
};

/// What task.fence decided: the answer without a write (a refusal, or the
/// action's promise as it is), or the action's write behind the fence, whose
/// row read back is the action's answer.
struct task26_fence_decision {
  std::optional<queues::task26_fence_response> answer;
  std::optional<queues::create_promise_cmd> create;
  std::optional<queues::update_promise_cmd> settle;
};

// The transitions of a task row, shared by the typed operations and the
// background pass (kernel/coroutines/background26.cpp).

/// `t` acquired by `pid` for `ttl` ms at `now`: the next version, resumes
/// cleared, its lease timer.
queues::task26_record acquired(queues::task26_record t, const std::string& pid, int64_t ttl,
                               int64_t now);
/// `t` pending again at its version (released, continued, its lease lapsed,
/// its retry due): no lease, its retry timer.
queues::task26_record pending_again(queues::task26_record t, int64_t now);
/// `t` in `state` (suspended, halted): no lease, no timer.
queues::task26_record at_rest(queues::task26_record t, queues::task26_state state);

/// The background pass on a task whose timer it read due at `now` (spec
/// 4.2): a lapsed lease of an acquired task, or the retry of a pending one,
/// makes it pending again at its version with its execute sent again,
/// guarded by the row as read and its timer still due (a heartbeat that
/// renewed the lease meanwhile wins). nullopt: nothing is due.
std::optional<queues::write_task26_cmd> due26_write(const queues::task26_record& t, int64_t now);

/// The answer of a refusal: `status` with its message.
queues::task26_response task26_refusal(uint16_t status, std::string message);

queues::task26_response decide_get(const task26_rows& rows);
/// A task.search page of `limit` from `rows`, read with limit + 1 by id: the
/// cursor (the last id on the page) only when a row was left over.
queues::task26_search_response task26_page(std::vector<queues::task26_record> rows, int64_t limit);
task26_decision decide_acquire(const queues::task26_acquire_request& req, const task26_rows& rows,
                               int64_t now);
/// The write of task.acquire to try before reading anything: the pending
/// version named taken, only while its promise is pending with its timeout
/// after `now`; the promise and its branch are read after it. Where the task
/// is not pending at that version (or its promise timed out unread) nothing
/// changes and the operation reads and decides.
task26_decision acquire_unread(const queues::task26_acquire_request& req, int64_t now);
task26_decision decide_release(const queues::task26_release_request& req, const task26_rows& rows,
                               int64_t now);
task26_decision decide_fulfill(const queues::task26_fulfill_request& req, const task26_rows& rows,
                               int64_t now);
/// `awaited`: the awaited promises in the order of req.awaited.
task26_decision decide_suspend(const queues::task26_suspend_request& req, const task26_rows& rows,
                               const std::vector<std::optional<queues::promise_record>>& awaited);
/// `rows`: each task of req.tasks with its promise, in that order. A task that
/// is not this worker's lease at that version is skipped silently.
task26_decision decide_heartbeat(const queues::task26_heartbeat_request& req,
                                 const std::vector<task26_rows>& rows, int64_t now);
task26_decision decide_halt(const task26_rows& rows);
/// task.create on the rows of its action's id. A new promise is created and
/// its task (which the store's step after the create makes pending at
/// version 0, with an execute) acquired in the same transaction, the execute
/// dropped: the caller is the worker. A promise created past its timeout has
/// only the create: the caller times it out and answers (created_fulfilled).
task26_decision decide_create(const queues::task26_create_request& req, const task26_rows& rows,
                              int64_t now);
/// The same to try before reading anything: decide_create on no rows, the
/// common case of a new id; an existing one makes the guarded take lose
/// (unless its task is pending at version 0, which decide_create would take
/// too). nullopt for a create past its timeout, which goes by the rows.
std::optional<task26_decision> create_unread(const queues::task26_create_request& req, int64_t now);
/// The answer of a task.create whose promise was created past its timeout
/// (`p`, timed out since): its task fulfilled from the start, no preload.
queues::task26_response created_fulfilled(const queues::promise_record& p);
/// task.fence on the task's rows and the action's promise as read (at `now`).
task26_fence_decision decide_fence(const queues::task26_fence_request& req, const task26_rows& rows,
                                   const std::optional<queues::promise_record>& action,
                                   int64_t now);
/// The write of task.fence to try before reading anything: the action behind
/// the fence, which takes effect only where the fence holds and the action's
/// promise is new (create) or pending (settle), the common case; otherwise
/// nothing changes and the operation reads and decides. nullopt for a create
/// past its timeout, which goes by the rows.
std::optional<task26_fence_decision> fence_unread(const queues::task26_fence_request& req,
                                                  int64_t now);
/// The same for task.fulfill: the fenced settle, which needs nothing read.
task26_decision fulfill_unread(const queues::task26_fulfill_request& req, int64_t now);
/// The id of the promise the fence's action names.
const std::string& fence_action_id(const queues::task26_fence_request& req);
task26_decision decide_continue(const task26_rows& rows, int64_t now);

/// The preload of the promise `id` (spec 2.8): the promises on its branch as
/// stored but itself (none when it has no resonate:branch tag). One read
/// serves whether the promise was read before or written in the same
/// transaction.
queues::read_branch26_cmd preload_of(const std::string& id);

}  // namespace resonate::kernel::domain
