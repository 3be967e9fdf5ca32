// Deterministic simulation of the kernel: seeded random requests over a small id
// space, store completions delivered in random order, and injected store
// failures before (nothing applied) and after (applied, caller told it failed)
// processing. REST v1's promise operations and protocol 2026-04-01's
// promise.create/settle/get/search, task operations and background pass
// (debug.tick) run side by side on the same ids. After every step
// the promise invariants are checked against the store and against every response delivered so far.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <set>

#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;
using S = q::promise_state;

namespace {

struct scenario {
  uint64_t seed;
  double fail_before;
  double fail_after;
};

struct sent {
  q::request_payload payload;
  int64_t submitted_at;
  std::set<std::string> acked_before;  // promises whose create was acknowledged earlier
};

class kernel_dst : public ::testing::TestWithParam<scenario> {};

std::optional<std::string> pick_key(std::mt19937_64& rng) {
  static const std::vector<std::optional<std::string>> keys{std::nullopt, "k1", "k2", ""};
  return keys[rng() % keys.size()];
}

/// A task.fence on `task_id` at `version`, or half the time on one of the
/// versions acknowledged acquired (`held`), so that some fences hold.
q::task26_fence_request fence_on(std::mt19937_64& rng, std::string task_id, int64_t version,
                                 const std::set<std::pair<std::string, int64_t>>& held) {
  q::task26_fence_request r;
  r.id = std::move(task_id);
  r.version = version;
  if (!held.empty() && rng() % 2) {
    // A task acquired once, at the last version acknowledged for it: the
    // one most likely still held (older versions are stale by now).
    auto pick = std::next(held.begin(), static_cast<long>(rng() % held.size()));
    auto last = held.lower_bound({pick->first + '\x01', 0});
    pick = std::prev(last);
    r.id = pick->first;
    r.version = pick->second;
  }
  return r;
}

/// `held`: the (task, version) pairs acknowledged acquired so far; a fence
/// names one of them half the time, so that some fences hold.
q::request_payload random_request(std::mt19937_64& rng, int64_t now,
                                  const std::set<std::pair<std::string, int64_t>>& held) {
  auto id = "p" + std::to_string(rng() % 12);
  // Protocol 2026's tasks on ids of their own, so that their promises are
  // targeted ones (the first create of an id wins).
  auto task_id = "t" + std::to_string(rng() % 6);
  switch (rng() % 12) {
    case 11: {  // protocol 2026's background pass, or its promise.search
      // The pass a quarter of the time: often enough to lapse short leases and
      // time promises out under load, rarely enough that long leases get fenced.
      if (rng() % 4 == 0) return q::debug26_request{q::debug26_op::tick, now};
      q::promise26_search_request r;
      r.limit = 1 + static_cast<int64_t>(rng() % 5);
      if (rng() % 2) r.cursor = "p" + std::to_string(rng() % 12);
      return r;
    }
    case 8: {  // a targeted promise: protocol 2026's task goes with it
      q::promise26_create_request r;
      r.id = task_id;
      r.timeout_at = now + 200 + static_cast<int64_t>(rng() % 20000);
      r.tags = {{"resonate:target", "poll://any@workers"}};
      return r;
    }
    case 9: {
      if (rng() % 3 == 0) {  // task.create: the promise and its task, acquired
        q::task26_create_request r;
        r.pid = "w" + std::to_string(rng() % 2);
        r.ttl = rng() % 2 ? 100 : 3000;
        r.action.id = task_id;
        r.action.timeout_at = now + 200 + static_cast<int64_t>(rng() % 20000);
        r.action.tags = {{"resonate:target", "poll://any@workers"}};
        return r;
      }
      auto version = static_cast<int64_t>(rng() % 2);
      auto pid = "w" + std::to_string(rng() % 2);
      // Short leases lapse under the background pass (case 11) within a few
      // ticks; 3 s ones hold long enough for fences on them, and still lapse
      // within the run when the acquire's answer was lost (fail_after).
      int64_t ttl = rng() % 2 ? 100 : 3000;
      return q::task26_acquire_request{task_id, version, std::move(pid), ttl, std::nullopt};
    }
    case 10: {
      auto version = static_cast<int64_t>(1 + rng() % 2);
      switch (rng() % 8) {
        case 4:
        case 5: {  // task.fence: a child promise of either kind behind the fence
          auto r = fence_on(rng, task_id, version, held);
          q::promise26_create_request c;
          c.id = rng() % 2 ? id : "t" + std::to_string(rng() % 6);
          if (c.id == r.id) c.id = id;
          c.timeout_at = now + static_cast<int64_t>(rng() % 400) - 50;
          if (c.id[0] == 't') c.tags = {{"resonate:target", "poll://any@workers"}};
          r.create = std::move(c);
          return r;
        }
        case 6:
        case 7: {
          auto r = fence_on(rng, task_id, version, held);
          r.settle = q::promise26_settle_request{id, S::resolved, {}, std::nullopt};
          r.settle->val.data = "fenced-" + task_id;
          return r;
        }
        case 0:
          return q::task26_release_request{task_id, version, std::nullopt};
        case 1: {
          // What it awaits: a promise of either protocol, or another task's.
          auto awaited = rng() % 2 ? id : "t" + std::to_string(rng() % 6);
          if (awaited == task_id) awaited = id;
          return q::task26_suspend_request{task_id, version, {awaited}, std::nullopt};
        }
        case 2:
          return q::task26_heartbeat_request{"w0", {{task_id, version}}, std::nullopt};
        default: {
          q::task26_fulfill_request r;
          r.id = task_id;
          r.version = version;
          r.val.data = "done-" + task_id;
          return r;
        }
      }
    }
    case 5: {  // protocol 2026-04-01's promise.create, on the same ids
      q::promise26_create_request r;
      r.id = id;
      r.timeout_at = now + static_cast<int64_t>(rng() % 400) - 50;  // some born timed out
      if (rng() % 4 == 0) r.tags = {{"resonate:timer", "true"}};
      r.param.data = "param-" + id;
      return r;
    }
    case 6: {
      q::promise26_settle_request r;
      r.id = id;
      static const S states[] = {S::resolved, S::rejected, S::rejected_canceled};
      r.state = states[rng() % 3];
      r.val.data = "value26-" + std::to_string(rng() % 3);
      return r;
    }
    case 7:
      switch (rng() % 3) {
        case 0:
          return q::promise26_register_listener_request{
            rng() % 2 ? id : task_id, "poll://uni@g/" + std::to_string(rng() % 2), std::nullopt};
        case 1: {
          auto awaited = rng() % 2 ? id : "t" + std::to_string(rng() % 6);
          if (awaited == task_id) awaited = id;
          return q::promise26_register_callback_request{awaited, task_id, std::nullopt};
        }
        default:
          return q::promise26_get_request{id, std::nullopt};
      }
    case 0:
    case 1: {
      q::create_promise_request r;
      r.id = id;
      r.idempotency_key = pick_key(rng);
      r.strict = rng() % 2;
      r.timeout = now + static_cast<int64_t>(rng() % 400);
      if (rng() % 4 == 0) r.tags = {{"resonate:timeout", "true"}};
      r.param.data = "param-" + id;
      return r;
    }
    case 2: {
      q::complete_promise_request r;
      r.id = id;
      r.idempotency_key = pick_key(rng);
      r.strict = rng() % 2;
      static const S states[] = {S::resolved, S::rejected, S::rejected_canceled};
      r.state = states[rng() % 3];
      r.val.data = "value-" + std::to_string(rng() % 3);
      return r;
    }
    case 3:
      return q::read_promise_request{id};
    default: {
      q::search_promises_request r;
      r.id = rng() % 2 ? "*" : "p1*";
      r.limit = 1 + static_cast<int64_t>(rng() % 5);
      return r;
    }
  }
}

}  // namespace

TEST_P(kernel_dst, promise_invariants_hold_under_faults_and_reordering) {
  auto sc = GetParam();
  std::mt19937_64 rng{sc.seed};
  kernel_harness h;
  h.store.rng = &rng;
  h.store.fail_before = sc.fail_before;
  h.store.fail_after = sc.fail_after;

  std::vector<sent> requests;
  std::set<std::string> acked_creates;
  std::map<std::string, q::promise_record> settled;    // terminal records seen in the store
  std::set<std::pair<std::string, int64_t>> acquired;  // (task, version) acknowledged acquired
  size_t fenced = 0;                                   // fences that held
  size_t registered = 0;                               // registrations answered 200
  size_t checked = 0;
  std::vector<q::aio_sqe> in_flight;

  for (int tick = 0; tick < 800; ++tick) {
    for (int i = 0, n = 1 + static_cast<int>(rng() % 6); i < n; ++i) {
      auto payload = random_request(rng, h.now, acquired);
      requests.push_back(sent{payload, h.now, acked_creates});
      h.submit(std::move(payload));
    }
    auto out = h.sys.tick(h.now);
    for (auto& sqe : out) in_flight.push_back(std::move(sqe));
    // Complete a random subset, in random order: the store (and the sender of
    // the 2026 outbox) answers out of order.
    std::shuffle(in_flight.begin(), in_flight.end(), rng);
    size_t take = in_flight.empty() ? 0 : rng() % (in_flight.size() + 1);
    for (size_t i = 0; i < take; ++i) h.sys.complete(h.store.answer(in_flight[i]));
    in_flight.erase(in_flight.begin(), in_flight.begin() + static_cast<long>(take));
    h.now += static_cast<int64_t>(rng() % 40);

    // Store invariants: completedOn iff settled; a settled promise never changes.
    for (auto& [id, p] : h.store.promises) {
      ASSERT_EQ(p.state == S::pending, !p.completed_on) << id;
      if (p.state == S::pending) continue;
      auto [it, fresh] = settled.emplace(id, p);
      if (!fresh) {
        ASSERT_EQ(it->second, p) << "settled promise changed: " << id;
      }
      if (p.state == S::rejected_timedout) {
        ASSERT_EQ(p.completed_on, p.timeout) << id;
      }
    }

    // Protocol 2026: no registration is left on a settled promise (the
    // chain takes them in the settling write; a registration checks under
    // the promise's lock that it is still pending): none is orphaned.
    for (const auto& [awaited, awaiter] : h.store.callbacks26) {
      ASSERT_EQ(h.store.promises.at(awaited).state, S::pending) << awaited << " <- " << awaiter;
    }
    for (const auto& [awaited, address] : h.store.listeners26) {
      ASSERT_EQ(h.store.promises.at(awaited).state, S::pending) << awaited << " <- " << address;
    }

    // Protocol 2026: a task whose promise is settled is fulfilled (the
    // settlement chain runs in the promise's own write).
    for (auto& [id, t] : h.store.tasks26) {
      auto p = h.store.promises.find(id);
      ASSERT_NE(p, h.store.promises.end()) << id;
      if (p->second.state != S::pending) {
        ASSERT_EQ(t.state, q::task26_state::fulfilled) << id;
      }
    }

    // Response invariants, for every response delivered since the last check.
    for (; checked < h.responses.size() && checked < requests.size(); ++checked) {
      if (!h.responses[checked]) break;
      const auto& resp = *h.responses[checked];
      const auto& req = requests[checked];
      auto stored = [&](const std::string& id) -> const q::promise_record* {
        auto it = h.store.promises.find(id);
        return it == h.store.promises.end() ? nullptr : &it->second;
      };
      if (auto* c = std::get_if<q::create_promise_request>(&req.payload)) {
        if (resp.status == q::status::created) {
          ASSERT_NE(stored(c->id), nullptr) << "acknowledged create lost: " << c->id;
          ASSERT_EQ(stored(c->id)->param.data, c->param.data);
          acked_creates.insert(c->id);
        } else if (resp.status == q::status::ok) {
          ASSERT_TRUE(c->idempotency_key) << "dedup without a key";
        } else if (resp.status == q::status::promise_already_exists) {
          ASSERT_NE(stored(c->id), nullptr);
        }
      } else if (auto* c = std::get_if<q::complete_promise_request>(&req.payload)) {
        if (resp.status == q::status::created) {
          auto* p = stored(c->id);
          ASSERT_NE(p, nullptr);
          ASSERT_EQ(p->state, c->state) << c->id;
          ASSERT_EQ(p->val.data, c->val.data) << c->id;
          ASSERT_EQ(p->idempotency_key_for_complete, c->idempotency_key);
        } else if (resp.status == q::status::promise_not_found) {
          ASSERT_FALSE(req.acked_before.count(c->id)) << "acked promise not found: " << c->id;
        }
      } else if (auto* r = std::get_if<q::read_promise_request>(&req.payload)) {
        if (resp.status == q::status::promise_not_found) {
          ASSERT_FALSE(req.acked_before.count(r->id)) << "acked promise not found: " << r->id;
        }
        if (resp.status == q::status::ok) {
          auto& p = std::get<q::promise_response>(resp.payload).promise;
          if (p.state != S::pending) {
            ASSERT_EQ(*stored(p.id), p) << p.id;
          }
        }
      }
      if (auto* r = std::get_if<q::promise26_search_request>(&req.payload);
          r && resp.status == q::status::ok) {
        // A page by id after the cursor, at most its limit, of promises that exist.
        const auto& page = std::get<q::promise26_search_response>(resp.payload);
        ASSERT_LE(static_cast<int64_t>(page.promises.size()), r->limit);
        std::string last = r->cursor;
        for (const auto& p : page.promises) {
          ASSERT_GT(p.id, last) << "not by id after the cursor";
          ASSERT_NE(stored(p.id), nullptr) << p.id;
          last = p.id;
        }
        if (page.cursor) {
          ASSERT_EQ(*page.cursor, last);
        }
      }
      // Protocol 2026-04-01: 200 with the promise as stored (a settled one is
      // the stored one for good), or 404 for an id never acknowledged.
      // A registration: 200 with the awaited promise (as stored, once
      // settled), or a refusal.
      const q::promise26_response* registration = nullptr;
      std::string awaited;
      if (auto* g = std::get_if<q::promise26_register_listener_request>(&req.payload)) {
        awaited = g->awaited;
        registration = std::get_if<q::promise26_response>(&resp.payload);
      }
      if (auto* g = std::get_if<q::promise26_register_callback_request>(&req.payload)) {
        awaited = g->awaited;
        registration = std::get_if<q::promise26_response>(&resp.payload);
      }
      if (registration) {
        ASSERT_TRUE(registration->status == 200 || registration->status == 404 ||
                    registration->status == 422)
          << registration->status << " " << registration->message;
        if (registration->status == 200) {
          ASSERT_EQ(registration->promise->id, awaited);
          if (registration->promise->state != S::pending) {
            ASSERT_EQ(*stored(awaited), *registration->promise) << awaited;
          }
          ++registered;
        }
      } else if (const auto* a = std::get_if<q::promise26_response>(&resp.payload)) {
        std::string id;
        if (auto* c = std::get_if<q::promise26_create_request>(&req.payload)) id = c->id;
        if (auto* c = std::get_if<q::promise26_settle_request>(&req.payload)) id = c->id;
        if (auto* c = std::get_if<q::promise26_get_request>(&req.payload)) id = c->id;
        if (a->status == 404) {
          ASSERT_FALSE(std::holds_alternative<q::promise26_create_request>(req.payload));
          ASSERT_FALSE(req.acked_before.count(id)) << "acked promise not found: " << id;
        } else {
          ASSERT_EQ(a->status, 200) << a->message;
          ASSERT_TRUE(a->promise);
          ASSERT_EQ(a->promise->id, id);
          ASSERT_NE(stored(id), nullptr) << "answered promise not stored: " << id;
          if (a->promise->state != S::pending) {
            ASSERT_EQ(*stored(id), *a->promise) << id;
          }
          if (std::holds_alternative<q::promise26_settle_request>(req.payload)) {
            ASSERT_NE(a->promise->state, S::pending) << "settle answered pending: " << id;
          }
          if (std::holds_alternative<q::promise26_create_request>(req.payload)) {
            acked_creates.insert(id);
          }
        }
      }
      // Protocol 2026's tasks: one version is acquired by one worker at most;
      // a fulfil answered 200 is the promise as stored.
      if (const auto* a = std::get_if<q::task26_response>(&resp.payload)) {
        ASSERT_TRUE(a->status == 200 || a->status == 300 || a->status == 404 || a->status == 409 ||
                    a->status == 422)
          << a->status << " " << a->message;
        if (auto* r = std::get_if<q::task26_acquire_request>(&req.payload); r && a->status == 200) {
          ASSERT_EQ(a->task->version, r->version + 1);
          ASSERT_TRUE(acquired.emplace(r->id, a->task->version).second)
            << "version acquired twice: " << r->id << " " << a->task->version;
        }
        if (auto* r = std::get_if<q::task26_create_request>(&req.payload); r && a->status == 200) {
          ASSERT_TRUE(a->task && a->promise);
          if (a->task->state == q::task26_state::acquired) {
            ASSERT_TRUE(acquired.emplace(r->action.id, a->task->version).second)
              << "version acquired twice: " << r->action.id << " " << a->task->version;
          } else {
            ASSERT_EQ(a->task->state, q::task26_state::fulfilled);
            ASSERT_NE(a->promise->state, S::pending);
          }
        }
        if (std::holds_alternative<q::task26_fulfill_request>(req.payload) && a->status == 200) {
          ASSERT_TRUE(a->promise);
          ASSERT_NE(a->promise->state, S::pending);
          ASSERT_EQ(*stored(a->promise->id), *a->promise);
        }
      }
      // task.fence: the fence's refusal, or behind it the action's answer: a
      // settled promise as stored.
      if (const auto* f = std::get_if<q::task26_fence_response>(&resp.payload)) {
        ASSERT_TRUE(f->status == 200 || f->status == 404 || f->status == 409) << f->status;
        if (f->status == 200) {
          ++fenced;
          ASSERT_TRUE(f->action.status == 200 || f->action.status == 404) << f->action.status;
          if (f->action.status == 200 && f->action.promise->state != S::pending) {
            ASSERT_EQ(*stored(f->action.promise->id), *f->action.promise);
          }
        }
      }
      // Whatever the outcome, a failure status must be one the protocol defines.
      ASSERT_TRUE(q::is_success(resp.status) || q::http_code(resp.status) == 403 ||
                  q::http_code(resp.status) == 404 || q::http_code(resp.status) == 409 ||
                  resp.status == q::status::aio_store_error)
        << static_cast<int>(resp.status);
    }
  }

  // Drain without faults: every request gets its answer, no coroutine leaks.
  h.store.fail_before = h.store.fail_after = 0;
  for (auto& sqe : in_flight) h.sys.complete(h.store.answer(sqe));
  h.run();
  for (size_t i = 0; i < h.responses.size(); ++i) ASSERT_TRUE(h.responses[i]) << i;
  h.sys.shutdown();
  h.run();
  EXPECT_TRUE(h.sys.done());
  // The task invariants were exercised, not vacuous: some versions were acquired.
  EXPECT_FALSE(acquired.empty());
  EXPECT_GT(fenced, 0u);
  std::cout << "acquired " << acquired.size() << ", fenced " << fenced << ", registered "
            << registered << "\n";
  EXPECT_GT(registered, 0u);
  EXPECT_FALSE(h.store.due26_reads.empty()) << "the background pass never ran";
  // The outbox's messages as the sender got them: an unblock carries its
  // promise settled, as stored for good; an execute names a task at a version
  // it has had.
  size_t raw = 0;
  for (const auto& s : h.store.sent) {
    if (!s.raw) continue;
    ++raw;
    if (s.raw->version < 0) {
      ASSERT_TRUE(s.raw->promise) << s.raw->id;
      ASSERT_NE(s.raw->promise->state, S::pending) << s.raw->id;
      ASSERT_EQ(*s.raw->promise, h.store.promises.at(s.raw->id)) << s.raw->id;
    } else {
      ASSERT_FALSE(s.raw->promise) << s.raw->id;
      ASSERT_LE(s.raw->version, h.store.tasks26.at(s.raw->id).version) << s.raw->id;
    }
  }
  EXPECT_GT(raw, 0u) << "the outbox drain never sent";
}

INSTANTIATE_TEST_SUITE_P(seeds, kernel_dst,
                         ::testing::Values(scenario{1, 0, 0}, scenario{2, 0, 0},
                                           scenario{3, 0.1, 0}, scenario{4, 0, 0.1},
                                           scenario{5, 0.1, 0.1}, scenario{6, 0.2, 0.2},
                                           scenario{7, 0.05, 0.05}, scenario{8, 0, 0}));

// -- durable execution: tasks, callbacks, the router and the sender -----------------
//
// Seeded random streams over a small id space that mix promise creates (some
// routed with `resonate:invoke`, some delayed with `resonate:delay`), completes,
// resume and notify callbacks, and claims, completes, drops and heartbeats of
// tasks with right and wrong counters, while virtual time runs past promise,
// task, claim and lease deadlines. The fake store fails submissions before and
// after processing; the fake sender fails messages and fails as a whole. The
// store is checked after every submission it processes, each response when it
// arrives, and each message when the kernel hands it to the sender.
//
// RESONATE_DST_SEED=n runs seed n only; RESONATE_DST_SEEDS and RESONATE_DST_STEPS
// make the sweep longer. A failure names its seed.

namespace {

using T = q::task_state;
using task_key = std::pair<std::string, int64_t>;  // (task id, counter)

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::strtoll(v, nullptr, 10);
}

struct fault_profile {
  double fail_before, fail_after, send_fail, send_error;
};

// The seed picks its faults too, so a seed alone reproduces a run.
fault_profile profile_of(uint64_t seed) {
  static const fault_profile profiles[] = {
    {0, 0, 0, 0}, {0, 0, 0.3, 0}, {0.1, 0, 0.1, 0.05}, {0, 0.1, 0.1, 0}, {0.05, 0.05, 0.1, 0.05}};
  return profiles[seed % std::size(profiles)];
}

bool active(T s) {
  return s == T::enqueued || s == T::claimed;
}
bool terminal(T s) {
  return s == T::completed || s == T::timedout;
}

std::string show(const q::task_record& t) {
  return t.id + "#" + std::to_string(t.counter) +
         " state=" + std::to_string(static_cast<int>(t.state)) + " root=" + t.root_promise_id;
}

// The statuses each request kind may answer with (spec 3.3, 4.2-4.13); 50004
// (and the 503s) when the store failed under it.
bool allowed(const q::request_payload& req, q::status s) {
  using st = q::status;
  if (s == st::aio_store_error || s == st::aio_submission_queue_full) return true;
  auto fenced = [](const auto& r) { return r.fence_token.has_value(); };
  return std::visit(
    [&](const auto& r) {
      using R = std::decay_t<decltype(r)>;
      if constexpr (std::is_same_v<R, q::create_promise_request>) {
        return s == st::created || s == st::ok || s == st::promise_already_exists ||
               (s == st::task_precondition_failed && fenced(r));
      } else if constexpr (std::is_same_v<R, q::create_promise_and_task_request>) {
        return s == st::created || s == st::ok || s == st::promise_already_exists;
      } else if constexpr (std::is_same_v<R, q::complete_promise_request>) {
        return s == st::created || s == st::ok || s == st::promise_already_resolved ||
               s == st::promise_already_rejected || s == st::promise_already_canceled ||
               s == st::promise_already_timedout || s == st::promise_not_found ||
               (s == st::task_precondition_failed && fenced(r));
      } else if constexpr (std::is_same_v<R, q::create_callback_request>) {
        return s == st::created || s == st::ok || s == st::promise_not_found ||
               (s == st::task_precondition_failed && fenced(r));
      } else if constexpr (std::is_same_v<R, q::claim_task_request>) {
        return s == st::created || s == st::task_not_found || s == st::task_already_claimed ||
               s == st::task_already_completed || s == st::task_invalid_counter;
      } else if constexpr (std::is_same_v<R, q::complete_task_request>) {
        return s == st::created || s == st::ok || s == st::task_not_found ||
               s == st::task_invalid_state || s == st::task_invalid_counter;
      } else if constexpr (std::is_same_v<R, q::drop_task_request>) {
        return s == st::created || s == st::ok || s == st::task_not_found ||
               s == st::task_invalid_counter;
      } else if constexpr (std::is_same_v<R, q::heartbeat_tasks_request> ||
                           std::is_same_v<R, q::read_promise_request>) {
        return s == st::ok ||
               (std::is_same_v<R, q::read_promise_request> && s == st::promise_not_found);
      } else {
        return false;
      }
    },
    req);
}

class task_sim {
public:
  explicit task_sim(uint64_t seed) : seed_(seed), rng_(seed) {
    auto f = profile_of(seed);
    h_.store.rng = &rng_;
    h_.store.fail_before = f.fail_before;
    h_.store.fail_after = f.fail_after;
    h_.store.send_fail = f.send_fail;
    h_.store.send_error = f.send_error;
    // Short plugin timings, so claim deadlines and retries happen within a run.
    h_.store.time_to_retry = 300;
    h_.store.time_to_claim = 1500;
  }

  /// Runs `steps` random steps, then drains without faults; returns on the first
  /// broken invariant (a gtest failure).
  void run(int64_t steps) {
    for (int64_t i = 0; i < steps && !::testing::Test::HasFatalFailure(); ++i) step();
    if (::testing::Test::HasFatalFailure()) return;
    drain();
  }

private:
  uint64_t seed_;
  std::mt19937_64 rng_;
  kernel_harness h_;
  std::vector<q::request_payload> requests_;  // by response index
  size_t checked_ = 0;
  std::vector<q::aio_sqe> in_flight_;
  std::map<std::string, q::task_record> tasks_;  // the store's tasks at the last check
  std::map<std::string, q::callback_record> callbacks_;
  std::set<task_key> claimed_;                // (id, counter) answered 201 to a claim
  std::set<task_key> claimed_unanswered_;     // claims that took effect, answered with a failure
  std::set<task_key> claimed_from_init_;      // tasks a worker claimed while INIT
  std::vector<task_key> deliveries_;          // messages the sender delivered
  std::map<task_key, bool> last_delivered_;   // per message: did its last send get through
  std::set<task_key> outcome_lost_;           // delivered, but the write of that outcome was not
  std::map<task_key, int64_t> last_sent_at_;  // per message: when it was last handed to the sender
  std::set<task_key> was_init_;               // (id, counter) the store ever held as INIT
  int64_t stale_sends_ = 0;
  bool trace_ = env_int("RESONATE_DST_TRACE", 0) != 0;  // prints every event, to minimise by hand

  void log(const std::string& line) {
    if (trace_) std::printf("[t=%lld] %s\n", static_cast<long long>(h_.now), line.c_str());
  }
  static std::string describe(const q::store_command& cmd) {
    return std::visit(
      [](const auto& c) -> std::string {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, q::read_promise_cmd>)
          return "read " + c.id;
        else if constexpr (std::is_same_v<C, q::create_promise_cmd>)
          return "create " + c.id + (c.task ? " +task" : "");
        else if constexpr (std::is_same_v<C, q::update_promise_cmd>)
          return "settle " + c.id + " state=" + std::to_string(static_cast<int>(c.state));
        else if constexpr (std::is_same_v<C, q::update_task_cmd>)
          return "update " + c.id + "#" + std::to_string(c.current_counter) +
                 " mask=" + std::to_string(c.current_states) +
                 " -> state=" + std::to_string(static_cast<int>(c.state)) + "#" +
                 std::to_string(c.counter);
        else if constexpr (std::is_same_v<C, q::read_task_cmd>)
          return "read task " + c.id;
        else if constexpr (std::is_same_v<C, q::read_enqueueable_tasks_cmd>)
          return "scan init";
        else if constexpr (std::is_same_v<C, q::read_expired_tasks_cmd>)
          return "scan expired";
        else if constexpr (std::is_same_v<C, q::create_callback_cmd>)
          return "callback " + c.callback.id;
        else if constexpr (std::is_same_v<C, q::heartbeat_tasks_cmd>)
          return "heartbeat " + c.process_id;
        else
          return "other";
      },
      cmd);
  }

  int64_t pick(int64_t n) { return static_cast<int64_t>(rng_() % static_cast<uint64_t>(n)); }
  bool chance(int n) { return pick(n) == 0; }
  std::string promise_id() { return "p" + std::to_string(pick(8)); }
  std::string process_id() { return "w" + std::to_string(pick(3)); }

  /// A (task, counter) some worker could know: a delivered message, or a claim.
  std::optional<task_key> known_task() {
    if (deliveries_.empty()) return std::nullopt;
    auto k = deliveries_[static_cast<size_t>(pick(static_cast<int64_t>(deliveries_.size())))];
    if (chance(4)) k.second += chance(2) ? 1 : -1;  // a stale or a future counter
    return k;
  }
  std::optional<q::fence> maybe_fence() {
    if (!chance(5) || claimed_.empty()) return std::nullopt;
    auto it = claimed_.begin();
    std::advance(it, pick(static_cast<int64_t>(claimed_.size())));
    return q::fence{it->first, it->second};
  }

  q::request_payload random_request() {
    int64_t now = h_.now;
    switch (pick(16)) {
      case 0:
      case 1:
      case 2:
      case 3: {
        q::create_promise_request r;
        r.id = promise_id();
        r.idempotency_key = chance(2) ? std::optional<std::string>("k") : std::nullopt;
        r.timeout = now + pick(6000);
        if (chance(2)) r.tags["resonate:invoke"] = "poll://any@g";
        if (chance(4)) r.tags["resonate:delay"] = std::to_string(now + pick(3000));
        if (chance(6)) r.tags["resonate:timeout"] = "true";
        r.fence_token = maybe_fence();
        if (chance(4)) {
          q::create_promise_and_task_request t;
          r.fence_token.reset();
          t.promise = std::move(r);
          t.process_id = process_id();
          t.ttl = 200 + pick(3000);
          return t;
        }
        return r;
      }
      case 4:
      case 5: {
        q::complete_promise_request r;
        r.id = promise_id();
        r.idempotency_key = chance(2) ? std::optional<std::string>("c") : std::nullopt;
        static const S states[] = {S::resolved, S::rejected, S::rejected_canceled};
        r.state = states[pick(3)];
        r.fence_token = maybe_fence();
        return r;
      }
      case 6:
      case 7: {
        q::create_callback_request r;
        r.promise_id = promise_id();
        r.recv = "\"poll://any@g\"";
        r.timeout = now + pick(8000);
        r.fence_token = maybe_fence();
        if (chance(2)) {
          auto root = promise_id();
          if (root == r.promise_id) root = "p8";  // the gateway refuses root == promise
          r.id = q::resume_callback_id(root, r.promise_id);
          r.root_promise_id = root;
          r.mesg = q::message{q::message_type::resume, {}, root, r.promise_id};
        } else {
          r.id = q::notify_callback_id(r.promise_id, "s" + std::to_string(pick(2)));
          r.root_promise_id = r.promise_id;
          r.mesg = q::message{q::message_type::notify, {}, r.promise_id, ""};
        }
        return r;
      }
      case 8:
      case 9:
      case 10:
      case 11:
        if (auto k = known_task())
          return q::claim_task_request{k->first, k->second, process_id(), 200 + pick(3000)};
        return q::read_promise_request{promise_id()};
      case 12:
      case 13:
        if (auto k = known_task()) {
          if (chance(2)) return q::complete_task_request{k->first, k->second};
          return q::drop_task_request{k->first, k->second};
        }
        return q::read_promise_request{promise_id()};
      case 14:
        return q::heartbeat_tasks_request{process_id()};
      default:
        return q::read_promise_request{promise_id()};
    }
  }

  void step() {
    for (int i = 0, n = 1 + static_cast<int>(pick(5)); i < n; ++i) {
      auto payload = random_request();
      log("request " + std::to_string(requests_.size()) + " kind " +
          std::to_string(payload.index()) + " " +
          std::visit(
            [](const auto& r) -> std::string {
              if constexpr (requires { r.id; })
                return r.id;
              else if constexpr (requires { r.promise.id; })
                return r.promise.id;
              else
                return "";
            },
            payload));
      requests_.push_back(payload);
      h_.submit(std::move(payload));
    }
    tick();
    // The AIO answers a random subset, in random order.
    std::shuffle(in_flight_.begin(), in_flight_.end(), rng_);
    size_t take = in_flight_.empty()
                    ? 0
                    : static_cast<size_t>(pick(static_cast<int64_t>(in_flight_.size()) + 1));
    std::vector<q::aio_sqe> now(in_flight_.begin(), in_flight_.begin() + static_cast<long>(take));
    in_flight_.erase(in_flight_.begin(), in_flight_.begin() + static_cast<long>(take));
    for (auto& sqe : now) {
      answer(sqe);
      if (::testing::Test::HasFatalFailure()) return;
    }
    h_.now += pick(250);
  }

  void tick() {
    auto out = h_.sys.tick(h_.now);
    check_responses();
    for (auto& sqe : out) {
      if (sqe.kind() == q::aio_kind::sender) check_send(std::get<q::send_submission>(sqe.payload));
      in_flight_.push_back(std::move(sqe));
    }
  }

  void answer(const q::aio_sqe& sqe) {
    size_t sent_before = h_.store.sent.size();
    auto cqe = h_.store.answer(sqe);
    if (trace_) {
      std::string what = "aio " + std::to_string(sqe.id) + (cqe.error ? " FAILED" : "") + ":";
      if (sqe.kind() == q::aio_kind::store)
        for (const auto& cmd : sqe.tx().commands) what += " [" + describe(cmd) + "]";
      else if (sqe.kind() == q::aio_kind::sender)
        what += " send " + std::get<q::send_submission>(sqe.payload).task.id;
      else
        what += " route";
      log(what);
    }
    if (sqe.kind() == q::aio_kind::store) {
      bool lost = cqe.error && cqe.error->message.find("before") != std::string::npos;
      bool unanswered = cqe.error && !lost;  // took effect, but the caller hears a failure
      for (const auto& cmd : sqe.tx().commands) {
        auto* u = std::get_if<q::update_task_cmd>(&cmd);
        if (lost && u && u->current_states == q::mask_of(T::init))
          outcome_lost_.insert({u->id, u->current_counter});
        if (unanswered && u && u->state == T::claimed)
          claimed_unanswered_.insert({u->id, u->counter});
      }
      check_store();
    }
    if (h_.store.sent.size() > sent_before) {
      task_key k{h_.store.sent.back().task.id, h_.store.sent.back().task.counter};
      last_delivered_[k] = h_.store.delivered.back();
      if (h_.store.delivered.back()) deliveries_.push_back(k);
    }
    h_.sys.complete(std::move(cqe));
  }

  // -- invariants ---------------------------------------------------------------------

  void check_store() {
    const auto& tasks = h_.store.tasks;
    std::map<std::string, std::string> active_of_root;
    for (const auto& [id, t] : tasks) {
      if (t.state == T::init) was_init_.insert({id, t.counter});
      auto before = tasks_.find(id);
      // A worker may claim a task from INIT (2.5) whatever its root's other
      // tasks do, on the reference too; every other way in (a send recorded,
      // POST /promises/task) keeps one active task per root.
      if (before != tasks_.end() && before->second.state == T::init && t.state == T::claimed)
        claimed_from_init_.insert({id, t.counter});
      if (active(t.state) && !claimed_from_init_.count({id, t.counter})) {
        auto [it, fresh] = active_of_root.emplace(t.root_promise_id, id);
        ASSERT_TRUE(fresh) << "seed " << seed_ << ": two active tasks of root " << t.root_promise_id
                           << ": " << it->second << " and " << id;
      }
      if (before == tasks_.end()) continue;
      const auto& b = before->second;
      ASSERT_GE(t.counter, b.counter) << "seed " << seed_ << ": counter went down: " << show(t);
      if (terminal(b.state)) {
        ASSERT_EQ(t, b) << "seed " << seed_ << ": a settled task changed: " << show(t);
      }
      if (t.counter != b.counter) {
        ASSERT_EQ(t.counter, b.counter + 1) << "seed " << seed_ << ": " << show(t);
        ASSERT_TRUE(active(b.state) && t.state == T::init)
          << "seed " << seed_ << ": counter moved outside a drop or expiry: " << show(b) << " -> "
          << show(t);
      }
      if (b.state == T::claimed && t.state != T::claimed) {
        // complete or root completion, timeout, or drop/lease expiry (checked above)
        ASSERT_TRUE(terminal(t.state) || (t.state == T::init && t.counter == b.counter + 1))
          << "seed " << seed_ << ": left CLAIMED wrongly: " << show(b) << " -> " << show(t);
      }
      if (b.state == T::claimed && t.state == T::claimed) {
        ASSERT_EQ(t.process_id, b.process_id) << "seed " << seed_ << ": " << show(t);
      }
    }
    for (const auto& [id, cb] : h_.store.callbacks) {
      auto p = h_.store.promises.find(cb.promise_id);
      ASSERT_TRUE(p != h_.store.promises.end() && p->second.state == S::pending)
        << "seed " << seed_ << ": callback " << id << " outlived its promise's pending state";
    }
    // A callback that went away became its task.
    for (const auto& [id, cb] : callbacks_) {
      if (h_.store.callbacks.count(id)) continue;
      auto t = tasks.find(id);
      ASSERT_NE(t, tasks.end()) << "seed " << seed_ << ": callback " << id << " lost";
      if (tasks_.count(id)) continue;  // (cannot happen: a callback id is used once)
      EXPECT_EQ(t->second.recv, cb.recv) << id;
      EXPECT_EQ(t->second.mesg, cb.mesg) << id;
      EXPECT_EQ(t->second.timeout, cb.timeout) << id;
      ASSERT_EQ(t->second.root_promise_id, cb.root_promise_id) << "seed " << seed_ << ": " << id;
    }
    tasks_ = tasks;
    callbacks_ = h_.store.callbacks;
  }

  void check_send(const q::send_submission& sub) {
    task_key k{sub.task.id, sub.task.counter};
    log("hand to sender " + k.first + "#" + std::to_string(k.second));
    auto t = h_.store.tasks.find(k.first);
    ASSERT_NE(t, h_.store.tasks.end()) << "seed " << seed_ << ": message for no task " << k.first;
    // The kernel decides to send on a read; a request may change the task after
    // that read and before the send (the reference has the same window). Such a
    // stale message is harmless (its claim is refused), but the kernel must
    // have seen the task INIT with that counter: it never invents a message.
    if (t->second.state != T::init || t->second.counter != k.second) {
      ASSERT_TRUE(was_init_.count(k))
        << "seed " << seed_ << ": message " << k.first << "#" << k.second
        << " handed to the sender, but the task was never INIT with it: " << show(t->second);
      ++stale_sends_;
      log("stale send " + k.first + "#" + std::to_string(k.second) + ": " + show(t->second));
    }
    // A delivered message goes out again only when its outcome was lost, or
    // as a resend of an unclaimed message (ResendTasks), which waits at least
    // the resend interval after the previous send.
    auto last = last_delivered_.find(k);
    if (last != last_delivered_.end() && last->second && !outcome_lost_.count(k)) {
      const int64_t resend_after = resonate::kernel::coroutines::settings{}.task_resend_ms;
      ASSERT_GE(h_.now - last_sent_at_[k], resend_after)
        << "seed " << seed_ << ": message " << k.first << "#" << k.second
        << " sent twice, the first delivered and recorded, sooner than a resend";
      log("resend " + k.first + "#" + std::to_string(k.second));
    }
    last_sent_at_[k] = h_.now;
    outcome_lost_.erase(k);
  }

  /// Whether a request not yet checked claimed (id, counter) with a 201.
  bool answered_claim(const std::string& id, int64_t counter) const {
    for (size_t i = checked_ + 1; i < h_.responses.size(); ++i) {
      if (!h_.responses[i] || h_.responses[i]->status != q::status::created) continue;
      if (auto* c = std::get_if<q::claim_task_request>(&requests_[i]))
        if (c->id == id && c->counter == counter) return true;
      if (std::holds_alternative<q::create_promise_and_task_request>(requests_[i]))
        if (auto& t = std::get<q::promise_and_task_response>(h_.responses[i]->payload).task)
          if (t->id == id && t->counter == counter) return true;
    }
    return false;
  }

  void check_responses() {
    for (; checked_ < h_.responses.size(); ++checked_) {
      if (!h_.responses[checked_]) return;  // answered in order of completion; resume later
      const auto& resp = *h_.responses[checked_];
      const auto& req = requests_[checked_];
      log("response " + std::to_string(checked_) + " " +
          std::to_string(static_cast<int>(resp.status)));
      ASSERT_TRUE(allowed(req, resp.status))
        << "seed " << seed_ << ": request " << checked_ << " (kind " << req.index() << ") answered "
        << static_cast<int>(resp.status);
      if (auto* c = std::get_if<q::claim_task_request>(&req);
          c && resp.status == q::status::created) {
        auto& got = std::get<q::claimed_task_response>(resp.payload).task;
        ASSERT_EQ(got.counter, c->counter) << "seed " << seed_ << ": " << c->id;
        ASSERT_EQ(got.state, T::claimed) << "seed " << seed_ << ": " << c->id;
        ASSERT_TRUE(claimed_.insert({c->id, c->counter}).second)
          << "seed " << seed_ << ": " << c->id << "#" << c->counter << " claimed twice";
      }
      if (std::holds_alternative<q::create_promise_and_task_request>(req) &&
          resp.status == q::status::created) {
        // POST /promises/task hands its caller the task already CLAIMED.
        if (auto& got = std::get<q::promise_and_task_response>(resp.payload).task) {
          ASSERT_EQ(got->state, T::claimed) << "seed " << seed_ << ": " << got->id;
          ASSERT_TRUE(claimed_.insert({got->id, got->counter}).second)
            << "seed " << seed_ << ": " << got->id << "#" << got->counter << " claimed twice";
        }
      }
      if (auto* c = std::get_if<q::complete_task_request>(&req);
          c && resp.status == q::status::created) {
        // Responses are checked in request order; the claim may be a later
        // request already answered.
        ASSERT_TRUE(claimed_.count({c->id, c->counter}) || answered_claim(c->id, c->counter) ||
                    claimed_unanswered_.count({c->id, c->counter}))
          << "seed " << seed_ << ": completed " << c->id << "#" << c->counter
          << " that no claim got";
      }
    }
  }

  /// No more faults: every request is answered, and once time has passed every
  /// deadline, every task whose root settled is COMPLETED or TIMEDOUT, notify
  /// tasks included (delivered once, then completed).
  void drain() {
    h_.store.fail_before = h_.store.fail_after = 0;
    h_.store.send_fail = h_.store.send_error = 0;
    for (int round = 0; round < 60 && !::testing::Test::HasFatalFailure(); ++round) {
      for (int i = 0; i < 50; ++i) {
        auto batch = std::move(in_flight_);
        in_flight_.clear();
        for (auto& sqe : batch) answer(sqe);
        tick();
        if (in_flight_.empty() && !h_.sys.has_work()) break;
      }
      h_.now += 500;
    }
    if (::testing::Test::HasFatalFailure()) return;
    ASSERT_EQ(checked_, h_.responses.size()) << "seed " << seed_ << ": unanswered requests";
    for (const auto& [id, t] : h_.store.tasks) {
      auto root = h_.store.promises.find(t.root_promise_id);
      if (root == h_.store.promises.end()) continue;  // a resume naming a root never created
      ASSERT_NE(root->second.state, S::pending) << "seed " << seed_ << ": timeouts did not run";
      EXPECT_TRUE(terminal(t.state)) << "seed " << seed_ << ": root settled, task " << show(t);
    }
    EXPECT_TRUE(h_.store.callbacks.empty()) << "seed " << seed_;
    h_.sys.shutdown();
    h_.run();
    EXPECT_TRUE(h_.sys.done()) << "seed " << seed_;
  }
};

}  // namespace

// Seeded: RESONATE_DST_SEED=n replays one run (RESONATE_DST_TRACE=1 logs it),
// RESONATE_DST_SEEDS and RESONATE_DST_STEPS widen a local run.
TEST(kernel_dst_tasks, durable_execution_invariants_hold_under_faults) {
  int64_t steps = env_int("RESONATE_DST_STEPS", 300);
  if (auto only = env_int("RESONATE_DST_SEED", -1); only >= 0) {
    task_sim{static_cast<uint64_t>(only)}.run(steps);
    return;
  }
  int64_t seeds = env_int("RESONATE_DST_SEEDS", 20);
  for (int64_t seed = 1; seed <= seeds && !HasFailure(); ++seed) {
    SCOPED_TRACE("reproduce with RESONATE_DST_SEED=" + std::to_string(seed));
    task_sim{static_cast<uint64_t>(seed)}.run(steps);
  }
}
