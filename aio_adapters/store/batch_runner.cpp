#include "aio_adapters/store/batch_runner.hpp"

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;

namespace {

void fail(q::aio_cqe& cqe, std::string msg, q::status code = q::status::aio_store_error) {
  cqe.error = q::aio_error{code, std::move(msg)};
  cqe.completion = q::store_completion{};
}

// The error of a submission that kept conflicting: 503, and why.
void fail_conflict(q::aio_cqe& cqe, const std::exception& e) {
  fail(cqe,
       "write conflict with concurrent requests, given up after " +
         std::to_string(max_conflict_reruns + 1) + " runs of its batch: " + e.what(),
       q::status::aio_store_conflict);
}

// retry_isolated: run the batch again with a savepoint per submission (a
// submission failed); rerun: the same, after a write conflict.
enum class attempt_outcome { committed, failed_all, retry_isolated, rerun };

attempt_outcome commit_or_fail_all(store_session& s, const q::aio_batch& batch,
                                   q::aio_results& out, bool may_rerun) {
  try {
    s.commit();
  } catch (const std::exception& e) {
    s.rollback();
    if (s.conflict(e)) {
      if (may_rerun) return attempt_outcome::rerun;
      for (size_t i = 0; i < out.size() && i < batch.size(); ++i) {
        if (batch[i].kind() == q::aio_kind::store) fail_conflict(out[i], e);
      }
      return attempt_outcome::failed_all;
    }
    fail_all(out, batch, std::string("commit failed: ") + e.what());
    return attempt_outcome::failed_all;
  }
  return attempt_outcome::committed;
}

// Results are collected at least this often, to bound what a pipeline holds.
constexpr size_t max_in_flight = 128;

// The optimistic pass of a pipelining session: every command is sent, then the
// results are read in order. Any failure rolls the whole attempt back.
attempt_outcome attempt_pipelined(store_session& s, const q::aio_batch& batch,
                                  q::aio_results& out) {
  // (submission, command) of each result not read yet, in the order sent.
  std::vector<std::pair<size_t, const q::store_command*>> in_flight;
  auto collect = [&] {
    for (const auto& [i, cmd] : in_flight) out[i].store().results.push_back(s.receive(*cmd));
    in_flight.clear();
  };
  try {
    s.begin();
    s.lock_rows(batch, /*wait=*/false);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].kind() != q::aio_kind::store) continue;
      const auto& tx = batch[i].tx();
      out[i].error.reset();
      out[i].completion = q::store_completion{};
      auto& done = out[i].store();
      if (tx.fence_token) {
        // The commands depend on the fence's answer: wait for it.
        s.send_fence(*tx.fence_token);
        collect();
        if (!s.receive_fence()) {
          done.valid = false;
          continue;
        }
      }
      done.results.reserve(tx.commands.size());
      for (const auto& cmd : tx.commands) {
        if (q::is_interactive(cmd)) {
          // Its statements wait on each other: everything sent before it first.
          collect();
          done.results.push_back(s.run(cmd));
          continue;
        }
        s.send(cmd);
        in_flight.emplace_back(i, &cmd);
        if (in_flight.size() >= max_in_flight) collect();
      }
    }
    collect();
  } catch (const std::exception&) {
    s.rollback();
    return attempt_outcome::retry_isolated;
  }
  return commit_or_fail_all(s, batch, out, /*may_rerun=*/true);
}

// One attempt at the batch in one transaction; `isolated` puts a savepoint
// around each submission. A write conflict ends an isolated attempt with
// `rerun` while `may_rerun`, else fails its submission alone: rolling back to
// the savepoint and trying that submission again would not help, because what
// it waits on waits on the locks of the batch's earlier submissions, which
// only a rollback of the whole transaction gives up. Throws only what begin()
// or the savepoint primitives throw.
attempt_outcome attempt(store_session& s, const q::aio_batch& batch, q::aio_results& out,
                        bool isolated, bool may_rerun) {
  s.begin();
  try {
    s.lock_rows(batch, /*wait=*/true);
  } catch (const std::exception& e) {
    s.rollback();
    if (!isolated) return attempt_outcome::retry_isolated;
    if (s.conflict(e) && may_rerun) return attempt_outcome::rerun;
    for (size_t i = 0; i < out.size() && i < batch.size(); ++i) {
      if (batch[i].kind() != q::aio_kind::store) continue;
      if (s.conflict(e)) fail_conflict(out[i], e);
      else fail(out[i], std::string("locking the batch's rows failed: ") + e.what());
    }
    return attempt_outcome::failed_all;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].kind() != q::aio_kind::store) continue;
    const auto& tx = batch[i].tx();
    auto& cqe = out[i];
    cqe.error.reset();
    cqe.completion = q::store_completion{};
    auto& done = cqe.store();
    if (isolated) s.savepoint();
    try {
      if (tx.fence_token && !s.fence_holds(*tx.fence_token)) {
        done.valid = false;
      } else {
        done.results.reserve(tx.commands.size());
        for (const auto& cmd : tx.commands) done.results.push_back(s.run(cmd));
      }
      if (isolated) s.release_savepoint();
    } catch (const std::exception& e) {
      if (!isolated) {
        s.rollback();
        return attempt_outcome::retry_isolated;
      }
      const bool conflict = s.conflict(e);
      if (conflict && may_rerun) {
        s.rollback();
        return attempt_outcome::rerun;
      }
      if (conflict) fail_conflict(cqe, e);
      else fail(cqe, e.what());
      if (!s.in_transaction()) {
        // The database undid the whole transaction: earlier submissions are gone too.
        fail_all(out, batch, std::string("transaction rolled back: ") + e.what());
        s.rollback();
        return attempt_outcome::failed_all;
      }
      s.rollback_to_savepoint();
    }
  }
  return commit_or_fail_all(s, batch, out, may_rerun);
}

}  // namespace

void store_session::send_fence(const q::fence&) {
  throw std::logic_error("store session does not pipeline");
}
void store_session::send(const q::store_command&) {
  throw std::logic_error("store session does not pipeline");
}
bool store_session::receive_fence() { throw std::logic_error("store session does not pipeline"); }
q::store_result store_session::receive(const q::store_command&) {
  throw std::logic_error("store session does not pipeline");
}

void fail_all(q::aio_results& out, const q::aio_batch& batch, const std::string& msg) {
  for (size_t i = 0; i < out.size() && i < batch.size(); ++i) {
    if (batch[i].kind() == q::aio_kind::store) fail(out[i], msg);
  }
}

q::aio_results run_batch(store_session& s, const q::aio_batch& batch) {
  q::aio_results out(batch.size());
  bool any_store = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    out[i].id = batch[i].id;
    if (batch[i].kind() == q::aio_kind::store) {
      any_store = true;
    } else {
      out[i].error = q::aio_error{q::status::aio_store_error,
                                  std::string("the store takes store transactions, not ") +
                                    q::aio_kind_name(batch[i].kind()) + " submissions"};
    }
  }
  if (!any_store) return out;
  try {
    auto outcome = s.pipelines() ? attempt_pipelined(s, batch, out)
                                 : attempt(s, batch, out, /*isolated=*/false, /*may_rerun=*/true);
    // The first pass is run 1; runs 2 .. max_conflict_reruns + 1 are isolated.
    for (int run = 2; outcome == attempt_outcome::retry_isolated ||
                      outcome == attempt_outcome::rerun;
         ++run) {
      outcome = attempt(s, batch, out, /*isolated=*/true, run <= max_conflict_reruns);
    }
  } catch (const std::exception& e) {
    s.rollback();
    fail_all(out, batch, e.what());
  } catch (...) {
    s.rollback();
    fail_all(out, batch, "unknown error in the store");
  }
  return out;
}

}  // namespace resonate::aio_adapters::store
